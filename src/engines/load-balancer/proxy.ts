// Proxying one request (or one Upgrade) to a target with node:http: streamed bodies, hop-by-hop rules, ALB errors.
// node:http is enough here: the hard parts (pooling, chunking, upgrade) are built in, and a proxy library would
// hide exactly the points we must control (when a body starts to flow, which errors may be retried).
import { randomBytes } from 'node:crypto';
import { request, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../core/log.ts';
import type { Metrics } from './metrics.ts';
import { stickyTarget, targetStickyCookie } from './routing.ts';
import type { TargetGroup, TargetRecord } from './target-group.ts';

export interface ProxyContext {
  readonly listenerPort: number;
  readonly idleTimeoutMs: number;
  readonly log: Logger | undefined;
  /** Listener-wide counters: every ELB-generated error also lands here. */
  readonly metrics: Metrics;
}

export type ElbStatus = 502 | 503 | 504;

const STATUS_TEXT: Record<ElbStatus, string> = { 502: 'Bad Gateway', 503: 'Service Temporarily Unavailable', 504: 'Gateway Time-out' };

/** Short, clear bodies in the spirit of ALB's own error pages. */
export function elbErrorBody(status: ElbStatus, ctx: ProxyContext): string {
  if (status === 503) return '503 Service Temporarily Unavailable: no target group of this listener has a registered target.\n';
  if (status === 504) return `504 Gateway Time-out: the target did not answer within the idle timeout (${ctx.idleTimeoutMs / 1000} s).\n`;
  return '502 Bad Gateway: the connection to the target failed or was reset.\n';
}

/** Answers with an ALB-generated error and counts it (on the group too, when one was chosen). */
export function sendElbError(ctx: ProxyContext, res: ServerResponse, status: ElbStatus, group?: TargetGroup): void {
  ctx.metrics.elbError(status);
  group?.stats.elbError(status);
  if (res.headersSent) {
    res.destroy(); // mid-response there is no way to say 5xx: cut the connection so the client sees a failure
    return;
  }
  const body = elbErrorBody(status, ctx);
  res.writeHead(status, STATUS_TEXT[status], { server: 'awselb/2.0', 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** Copies end-to-end headers only: the fixed hop-by-hop set plus any header the Connection header names. */
export function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = new Set((headers.connection ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean));
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k) && !named.has(k)) out[k] = v;
  return out;
}

function traceId(): string {
  return `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

/** The headers sent to the target: end-to-end ones plus X-Forwarded-For/-Proto/-Port and a trace id. */
export function forwardedHeaders(req: IncomingMessage, ctx: ProxyContext): OutgoingHttpHeaders {
  const out = endToEnd(req.headers);
  const client = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  const prior = req.headers['x-forwarded-for'];
  out['x-forwarded-for'] = prior ? `${String(prior)}, ${client}` : client;
  out['x-forwarded-proto'] = 'http';
  out['x-forwarded-port'] = String(ctx.listenerPort);
  if (req.headers['x-amzn-trace-id'] === undefined) out['x-amzn-trace-id'] = traceId();
  // The client's framing is hop-by-hop, but a chunked body must stay chunked towards the target (streamed, not buffered).
  if (req.headers['transfer-encoding'] !== undefined) out['transfer-encoding'] = 'chunked';
  return out;
}

/**
 * Forwards one request to a target of `group` and streams the answer back.
 *
 * Retries: ALB never replays a request on another target, and neither do we — except when the target refused
 * the TCP connection (ECONNREFUSED) before any byte was sent. Then the request is tried once on another target
 * of the same group. That is safe (the target never saw the request; the body has not started to flow, since we
 * pipe it only once the socket is connected) and it is what keeps zero dropped requests while a task stops:
 * between the container closing its port and the health checker marking it unhealthy (up to interval ×
 * unhealthy threshold), requests would otherwise hit a closed port and fail with 502.
 * One more case is retried once: a bodiless GET/HEAD/OPTIONS whose pooled keep-alive connection turns out to
 * have been closed by the target while idle (ECONNRESET on a reused socket, no response byte). That is our own
 * pool's race, not a target failure; the request is idempotent and had nothing left to stream.
 */
export function forward(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, group: TargetGroup, setCookie?: string): void {
  group.stats.request();
  const sticky = group.stickiness;
  const now = group.clock.now();
  const first = group.pickTarget(undefined, sticky.enabled ? stickyTarget(req.headers, group.name, now) : undefined);
  if (!first) {
    sendElbError(ctx, res, 503, group);
    return;
  }
  let release = (): void => undefined;
  let upstream: ReturnType<typeof request> | undefined;
  res.on('close', () => {
    if (!res.writableFinished) upstream?.destroy(); // the client left: stop talking to the target
    release();
  });

  const attempt = (target: TargetRecord, retried: boolean): void => {
    target.inFlight++;
    let held = true;
    release = () => {
      if (held) target.inFlight--;
      held = false;
    };
    let connected = false;
    let timedOut = false;
    const started = performance.now();
    const preq = request({ host: target.host, port: target.port, method: req.method, path: req.url, headers: forwardedHeaders(req, ctx), agent: target.agent, setHost: false });
    upstream = preq;
    // Real time, not the injected clock: this is socket inactivity, measured by the socket itself.
    preq.setTimeout(ctx.idleTimeoutMs, () => {
      timedOut = true;
      preq.destroy();
    });
    let responded = false;
    const startBody = (): void => {
      connected = true;
      // A retried bodiless request finds the client's stream already ended: pipe() would never end the new one.
      if (req.readableEnded) preq.end();
      else req.pipe(preq);
    };
    preq.on('socket', (socket) => {
      if ((socket as { connecting?: boolean }).connecting) socket.once('connect', startBody);
      else startBody();
    });
    preq.on('response', (pres) => {
      responded = true;
      group.stats.targetResponse(pres.statusCode ?? 0, (performance.now() - started) / 1000);
      const headers = endToEnd(pres.headers);
      const cookies = [
        ...(setCookie === undefined ? [] : [setCookie]),
        ...(sticky.enabled ? [targetStickyCookie(group.name, target.id, sticky.durationSeconds, now)] : []),
      ];
      if (cookies.length > 0) {
        const prior = headers['set-cookie'];
        headers['set-cookie'] = [...(Array.isArray(prior) ? prior : prior === undefined ? [] : [String(prior)]), ...cookies];
      }
      res.writeHead(pres.statusCode ?? 502, pres.statusMessage, headers);
      pres.pipe(res);
      pres.on('error', () => res.destroy());
      pres.on('aborted', () => res.destroy());
    });
    preq.on('error', (err: NodeJS.ErrnoException) => {
      const refused = !connected && err.code === 'ECONNREFUSED';
      const stale = preq.reusedSocket && err.code === 'ECONNRESET' && !responded && req.readableEnded && IDEMPOTENT.has(req.method ?? '') && !hasBody(req);
      if (!retried && (refused || stale)) {
        const other = group.pickTarget(target) ?? (stale ? target : undefined);
        if (other) {
          release();
          ctx.log?.info({ targetGroup: group.name, target: target.id, retryTarget: other.id }, 'target refused the connection; trying another');
          attempt(other, true);
          return;
        }
      }
      ctx.log?.warn({ targetGroup: group.name, target: target.id, code: err.code, timedOut }, 'target request failed');
      req.unpipe(preq);
      req.resume(); // drain what the client still sends, so its connection can be answered
      sendElbError(ctx, res, timedOut ? 504 : 502, group);
    });
  };
  attempt(first, false);
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS']);

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
}

function rawHead(status: number, text: string, headers: OutgoingHttpHeaders | IncomingHttpHeaders): string {
  let head = `HTTP/1.1 ${status} ${text}\r\n`;
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) head += `${k}: ${String(one)}\r\n`;
  }
  return `${head}\r\n`;
}

/** Writes an ALB error onto a raw socket (upgrade requests have no ServerResponse). */
export function socketElbError(ctx: ProxyContext, socket: Duplex, status: ElbStatus, group?: TargetGroup): void {
  ctx.metrics.elbError(status);
  group?.stats.elbError(status);
  const body = elbErrorBody(status, ctx);
  socket.end(rawHead(status, STATUS_TEXT[status], { server: 'awselb/2.0', 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' }) + body);
}

/** Passes an Upgrade (WebSocket) through: the 101 and then raw bytes both ways, counted in-flight until closed. */
export function forwardUpgrade(ctx: ProxyContext, req: IncomingMessage, socket: Duplex, head: Buffer, group: TargetGroup, track: (s: Duplex) => void): void {
  group.stats.request();
  const target = group.pickTarget();
  if (!target) {
    socketElbError(ctx, socket, 503, group);
    return;
  }
  target.inFlight++;
  let held = true;
  const release = (): void => {
    if (held) target.inFlight--;
    held = false;
  };
  socket.on('close', release);
  socket.on('error', () => socket.destroy());
  const headers = forwardedHeaders(req, ctx);
  headers['connection'] = 'Upgrade';
  headers['upgrade'] = req.headers.upgrade ?? '';
  const started = performance.now();
  // A fresh connection: an upgraded socket leaves any pool anyway.
  const preq = request({ host: target.host, port: target.port, method: req.method, path: req.url, headers, agent: false, setHost: false });
  preq.setTimeout(ctx.idleTimeoutMs, () => preq.destroy());
  preq.on('upgrade', (pres, psock, phead) => {
    group.stats.targetResponse(101, (performance.now() - started) / 1000);
    preq.setTimeout(0);
    track(psock);
    socket.write(rawHead(101, pres.statusMessage ?? 'Switching Protocols', pres.headers));
    if (phead.length > 0) socket.write(phead);
    if (head.length > 0) psock.write(head);
    psock.on('error', () => socket.destroy());
    psock.on('close', () => socket.destroy());
    socket.on('close', () => psock.destroy());
    psock.pipe(socket);
    socket.pipe(psock);
  });
  preq.on('response', (pres) => {
    // The target declined the upgrade: relay its plain answer and close.
    group.stats.targetResponse(pres.statusCode ?? 0, (performance.now() - started) / 1000);
    const h = endToEnd(pres.headers);
    h['connection'] = 'close';
    socket.write(rawHead(pres.statusCode ?? 502, pres.statusMessage ?? '', h));
    pres.pipe(socket);
  });
  preq.on('error', () => {
    if (socket.writable) socketElbError(ctx, socket, 502, group);
    else socket.destroy();
  });
  preq.end();
}
