// A loopback HTTP server per published port of a fake container, so "its port answers" holds on the fake too.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SlipwayError } from '../../core/errors.ts';

export interface PortServer {
  readonly hostIp: string;
  readonly hostPort: number;
  close(): Promise<void>;
}

/** Listens on hostIp:hostPort (0 = any free port); answers every request with `status()` and the container id. */
export async function startPortServer(containerId: string, hostIp: string, hostPort: number, status: () => number): Promise<PortServer> {
  const server: Server = createServer((req, res) => {
    req.resume();
    const code = status();
    res.writeHead(code, { 'content-type': 'text/plain', connection: 'close' });
    res.end(`${containerId}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new SlipwayError('ContainerStartFailed', `fake container ${containerId}: could not bind ${hostIp}:${hostPort} (${err.message}); expected a free port`, { cause: err })),
    );
    server.listen(hostPort, hostIp, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    hostIp,
    hostPort: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
