// An ALB listener: binds a port and routes each request by the rules in force when it arrives.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Clock } from '../../core/clock.ts';
import { Problems, describeValue } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { listenOn } from './listen.ts';
import { Metrics, type MetricsSnapshot } from './metrics.ts';
import { forward, forwardUpgrade, sendElbError, socketElbError, type ProxyContext } from './proxy.ts';
import { CompiledAction, compileRules, route, stickyCookie, stickyGroup, validateAction, type CompiledRule, type ForwardAction, type Rule } from './routing.ts';
import type { TargetGroup } from './target-group.ts';

export interface ListenerOptions {
  readonly host: string;
  /** 0 picks a free port; read it back from `listener.port`. */
  readonly port: number;
  readonly clock: Clock;
  readonly log?: Logger;
  /** idle_timeout.timeout_seconds: 1–4000, default 60; a target silent this long gets the client a 504. */
  readonly idleTimeoutSeconds?: number;
  /** Sub-second idle timeouts for tests only (overrides idleTimeoutSeconds). */
  readonly idleTimeoutMs?: number;
  readonly defaultAction?: ForwardAction;
  readonly rules?: readonly Rule[];
}

export interface Listener {
  readonly host: string;
  readonly port: number;
  /** Replaces every rule at once; requests already accepted keep the target they were given. */
  setRules(rules: readonly Rule[]): void;
  setDefaultAction(action: ForwardAction): void;
  /** Replaces the default action and every rule in one swap: no request sees one without the other. */
  setRouting(defaultAction: ForwardAction, rules: readonly Rule[]): void;
  /** The routing in force now, read back (a traffic router verifies a weight change here, as Argo's verifyWeight does). */
  routing(): { readonly defaultAction: ForwardAction | undefined; readonly rules: readonly Rule[] };
  /** idle_timeout.timeout_seconds (1–4000) changed on the load balancer: applies to requests from now on. */
  setIdleTimeout(seconds: number): void;
  /** Listener-wide counters (ELB errors with no target group, e.g. a 503 with nothing registered, land here). */
  metrics(): MetricsSnapshot;
  /** Stops accepting, lets in-flight requests finish (up to 10 s), closes idle and upgraded connections. */
  close(): Promise<void>;
}

/** How long a closing listener lets in-flight requests finish before it cuts their connections. */
const CLOSE_GRACE_MS = 10_000;

/** The routing table in force: replaced as a whole, so a request sees either the old table or the new one. */
interface Table {
  readonly source: readonly Rule[];
  readonly rules: readonly CompiledRule[];
  readonly fallback: CompiledAction | undefined;
}

function compileDefault(action: ForwardAction): CompiledAction {
  const problems = new Problems();
  validateAction(action, problems, 'defaultAction');
  problems.throwIfAny('ValidationError', 'Invalid default action');
  return new CompiledAction(action);
}

export async function createListener(options: ListenerOptions): Promise<Listener> {
  const idleSeconds = options.idleTimeoutSeconds ?? 60;
  const problems = new Problems();
  if (!Number.isInteger(idleSeconds) || idleSeconds < 1 || idleSeconds > 4000) {
    problems.add({ field: 'idleTimeoutSeconds', found: describeValue(idleSeconds), expected: 'an integer from 1 to 4000' });
  }
  problems.throwIfAny('ValidationError', 'Invalid listener');
  const { clock, log } = options;
  let table: Table = {
    source: [...(options.rules ?? [])],
    rules: options.rules ? compileRules(options.rules) : [],
    fallback: options.defaultAction ? compileDefault(options.defaultAction) : undefined,
  };
  const metrics = new Metrics();
  const upgraded = new Set<Duplex>();
  const track = (s: Duplex): void => {
    upgraded.add(s);
    s.once('close', () => upgraded.delete(s));
  };
  const ctx: { -readonly [K in keyof ProxyContext]: ProxyContext[K] } = {
    listenerPort: options.port,
    idleTimeoutMs: options.idleTimeoutMs ?? idleSeconds * 1000,
    log,
    metrics,
  };

  /** Picks the group for a request and the stickiness cookie to set, if any. */
  const choose = (req: IncomingMessage): { group: TargetGroup; cookie?: string } | { none: TargetGroup | undefined } => {
    const action = route(table.rules, table.fallback, req.url ?? '/', req.headers);
    if (!action) return { none: undefined };
    const sticky = action.action.stickiness?.enabled ? action.action.stickiness : undefined;
    const now = clock.now();
    const wanted = sticky ? stickyGroup(req.headers, now) : undefined;
    const group = action.pick(wanted);
    if (!group) return { none: action.weightedGroups[0] };
    if (!sticky || wanted === group.name) return { group };
    return { group, cookie: stickyCookie(group.name, sticky.durationSeconds, now) };
  };

  /** Responses in progress, so a close can ask their connections not to be kept alive. */
  const responding = new Set<ServerResponse>();
  let closing = false;
  /**
   * Closing: a response not started yet says `Connection: close`; one already started closes its connection when done.
   * Without this a client that keeps its connections busy would keep the listener open forever.
   */
  const endAfter = (res: ServerResponse): void => {
    if (!res.headersSent) res.shouldKeepAlive = false;
    else {
      // Node detaches the socket from the response before user 'finish' listeners run: hold on to it now.
      const socket = res.socket;
      res.once('finish', () => socket?.end());
    }
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (closing) endAfter(res);
    responding.add(res);
    res.once('close', () => responding.delete(res));
    const choice = choose(req);
    if ('none' in choice) {
      req.resume();
      sendElbError(ctx, res, 503, choice.none);
      return;
    }
    forward(ctx, req, res, choice.group, choice.cookie);
  };

  const server = createServer({ keepAlive: true }, onRequest);
  // ALB's idle timeout covers the client side too; ALB sets no overall request deadline, so neither do we.
  server.keepAliveTimeout = ctx.idleTimeoutMs;
  server.requestTimeout = 0;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    track(socket);
    const choice = choose(req);
    if ('none' in choice) socketElbError(ctx, socket, 503, choice.none);
    else forwardUpgrade(ctx, req, socket, head, choice.group, track);
  });
  server.on('clientError', (_err, socket: Duplex) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nserver: awselb/2.0\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });

  const port = await listenOn(server, { port: options.port, host: options.host });
  ctx.listenerPort = port;
  log?.info({ host: options.host, port }, 'listener started');

  return {
    host: options.host,
    port,
    setRules(rules) {
      table = { source: [...rules], rules: compileRules(rules), fallback: table.fallback };
    },
    setDefaultAction(action) {
      table = { source: table.source, rules: table.rules, fallback: compileDefault(action) };
    },
    setRouting(action, rules) {
      // Compile both before swapping, so an invalid input leaves the table in force untouched.
      const next: Table = { source: [...rules], rules: compileRules(rules), fallback: compileDefault(action) };
      table = next;
    },
    setIdleTimeout(seconds) {
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > 4000) {
        const problems = new Problems();
        problems.add({ field: 'idleTimeoutSeconds', found: describeValue(seconds), expected: 'an integer from 1 to 4000' });
        problems.throwIfAny('ValidationError', 'Invalid listener');
      }
      if (options.idleTimeoutMs !== undefined) return; // a test's sub-second timeout stays
      ctx.idleTimeoutMs = seconds * 1000;
      server.keepAliveTimeout = ctx.idleTimeoutMs;
    },
    routing: () => ({ defaultAction: table.fallback?.action, rules: table.source }),
    metrics: () => metrics.snapshot(),
    close() {
      closing = true;
      for (const res of responding) endAfter(res);
      return new Promise<void>((resolve) => {
        // In-flight requests get a grace period; a response still streaming after it (a download, an event stream)
        // is cut, so a close is bounded.
        const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
        for (const s of upgraded) s.destroy();
      });
    },
  };
}
