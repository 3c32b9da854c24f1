// Test helpers: small real HTTP servers as targets on loopback, and a keep-alive client.
import { createHash } from 'node:crypto';
import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { after } from 'node:test';

export interface TestTarget {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly server: Server;
  /** Requests seen, excluding health checks. */
  hits: number;
  /** Health check answers this status (default 200). */
  healthStatus: number;
  /** When true, health checks never get an answer. */
  healthHang: boolean;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, target: TestTarget) => void;

const hello: Handler = (req, res, t) => {
  req.resume();
  req.on('end', () => {
    res.setHeader('content-type', 'text/plain');
    res.end(t.id);
  });
};

/** A target answering `id` (or `handler`), with a controllable health endpoint at /health. */
export async function startTarget(id: string, handler: Handler = hello): Promise<TestTarget> {
  const server = createServer({ keepAlive: true });
  const target: TestTarget = {
    id,
    host: '127.0.0.1',
    port: 0,
    server,
    hits: 0,
    healthStatus: 200,
    healthHang: false,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/health' || req.headers['user-agent'] === 'ELB-HealthChecker/2.0') {
      if (target.healthHang) return;
      res.statusCode = target.healthStatus;
      res.end('ok');
      return;
    }
    target.hits++;
    handler(req, res, target);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => websocketEcho(req, socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (target as { port: number }).port = (server.address() as AddressInfo).port;
  return target;
}

/** A minimal WebSocket server side: answers the handshake and echoes small text frames, prefixed "echo: ". */
function websocketEcho(req: IncomingMessage, socket: Duplex): void {
  const key = String(req.headers['sec-websocket-key']);
  const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\n\r\n`);
  socket.on('data', (frame: Buffer) => {
    const opcode = frame[0]! & 0x0f;
    if (opcode === 0x8) {
      socket.end(Buffer.from([0x88, 0x00]));
      return;
    }
    const len = frame[1]! & 0x7f; // small frames only: the test sends short messages
    const mask = frame.subarray(2, 6);
    const payload = Buffer.from(frame.subarray(6, 6 + len).map((b, i) => b ^ mask[i % 4]!));
    const reply = Buffer.concat([Buffer.from('echo: '), payload]);
    socket.write(Buffer.concat([Buffer.from([0x81, reply.length]), reply]));
  });
  socket.on('error', () => socket.destroy());
}

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export const keepAlive = (): Agent => new Agent({ keepAlive: true, maxSockets: 64 });

/** One request through the listener; resolves with the whole answer, rejects on a transport error. */
export function call(port: number, options: { path?: string; method?: string; headers?: Record<string, string>; body?: string; agent?: Agent } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: options.path ?? '/', method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A list of cleanups run last-first after the file's tests (targets, groups, listeners, agents). */
export function cleanupAfterTests(): Array<() => unknown> {
  const cleanups: Array<() => unknown> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });
  return cleanups;
}
