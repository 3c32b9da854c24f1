// The Docker API socket a privileged build sees: the host engine's, through a proxy that lets Slipway's plain-HTTP registry in.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { rm } from 'node:fs/promises';

/**
 * Docker treats loopback registries as insecure by itself; Podman's Docker-compatible API does not, so `docker login`
 * and `docker push` to Slipway's registry (plain HTTP on 127.0.0.1) would fail. The proxy answers `/auth` for that
 * registry itself (checking the password with `checkLogin`) and adds `tlsVerify=false` to push and pull requests
 * naming it; every other request, including hijacked attach streams, passes through unchanged.
 */
export interface EngineProxyOptions {
  /** Host path of the engine's socket. */
  readonly engineSocket: string;
  /** Host path of the socket to serve (mounted into the build as /var/run/docker.sock). */
  readonly socketPath: string;
  /** Slipway's registry `host:port`. */
  readonly registryHost: () => string;
  /** True when the credentials are a valid login to Slipway's registry. */
  readonly checkLogin: (username: string, password: string) => boolean;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The registry part of an image reference (`host:port/repo:tag`), or undefined for Docker Hub style names. */
function registryOf(image: string): string | undefined {
  const first = image.split('/')[0] ?? '';
  return image.includes('/') && (first.includes(':') || first.includes('.') || first === 'localhost') ? first : undefined;
}

function stripServer(address: string): string {
  return address.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
}

export async function startEngineProxy(options: EngineProxyOptions): Promise<{ close(): Promise<void> }> {
  await rm(options.socketPath, { force: true });
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://engine');
      const path = url.pathname.replace(/^\/v[\d.]+/, '');
      const registry = options.registryHost();
      if (req.method === 'POST' && path === '/auth') {
        const body = await readBody(req);
        const auth = JSON.parse(body.toString('utf8') || '{}') as { username?: string; password?: string; serveraddress?: string };
        if (stripServer(auth.serveraddress ?? '') === registry) {
          const ok = options.checkLogin(auth.username ?? '', auth.password ?? '');
          res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
          res.end(JSON.stringify(ok ? { Status: 'Login Succeeded', IdentityToken: '' } : { message: `login to ${registry} refused: wrong username or password (use aws ecr get-login-password)` }));
          return;
        }
        forward(req, res, url, body);
        return;
      }
      const push = /^\/images\/(.+)\/push$/.exec(path);
      const image = push !== null ? decodeURIComponent(push[1] ?? '') : path === '/images/create' ? (url.searchParams.get('fromImage') ?? '') : '';
      if (image !== '' && registryOf(image) === registry) url.searchParams.set('tlsVerify', 'false');
      forward(req, res, url);
    })().catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `Slipway engine proxy: ${err instanceof Error ? err.message : String(err)}` }));
    });
  });

  function forward(req: IncomingMessage, res: ServerResponse, url: URL, body?: Buffer): void {
    const upstream = request(
      { socketPath: options.engineSocket, method: req.method, path: `${url.pathname}${url.search}`, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `Slipway engine proxy: ${err.message}` }));
    });
    if (body !== undefined) upstream.end(body);
    else req.pipe(upstream);
  }

  // Attach and exec streams upgrade the connection: splice the raw sockets once the engine agrees.
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    const engine = connect(options.engineSocket, () => {
      const headers = Object.entries(req.headers).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : (v ?? '')}`);
      engine.write(`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) engine.write(head);
      engine.pipe(socket);
      socket.pipe(engine);
    });
    engine.on('error', () => socket.destroy());
    socket.on('error', () => engine.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.socketPath, resolve);
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
