// A network load balancer's TCP listener: each accepted connection is piped to one target of the group, bytes untouched.
import { connect, createServer, type Socket } from 'node:net';
import type { Logger } from '../../core/log.ts';
import { listenOn } from './listen.ts';
import type { TargetGroup, TargetRecord } from './target-group.ts';

export interface TcpListener {
  readonly port: number;
  /** Swaps the group new connections go to; open connections stay where they are. */
  setGroup(group: TargetGroup | undefined): void;
  close(): Promise<void>;
}

export async function createTcpListener(options: { host: string; port: number; log?: Logger; group: TargetGroup | undefined }): Promise<TcpListener> {
  let group = options.group;
  const open = new Set<Socket>();

  /** Connects to a target; a refused connection tries the next target once, as the HTTP proxy does. */
  const dial = (client: Socket, exclude?: TargetRecord): void => {
    const target = group?.pickTarget(exclude);
    if (target === undefined) {
      client.destroy();
      return;
    }
    target.inFlight++;
    const upstream = connect({ host: target.host, port: target.port });
    open.add(upstream);
    let connected = false;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      target.inFlight--;
      open.delete(upstream);
    };
    upstream.once('connect', () => {
      connected = true;
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      release();
      if (!connected && err.code === 'ECONNREFUSED' && exclude === undefined) dial(client, target);
      else client.destroy();
    });
    upstream.on('close', () => {
      release();
      if (connected) client.destroy();
    });
    client.on('close', () => upstream.destroy());
  };

  const server = createServer({ pauseOnConnect: true }, (client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    dial(client);
  });
  const port = await listenOn(server, { port: options.port, host: options.host });
  options.log?.info({ host: options.host, port }, 'tcp listener started');
  return {
    port,
    setGroup(next) {
      group = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of open) s.destroy();
      }),
  };
}
