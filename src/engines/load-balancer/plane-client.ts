// The daemon's side of the separate data plane: adopts the plane a previous daemon left, or starts one, and drives it.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SlipwayError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { addTraffic, isEmpty, PLANE_PROTOCOL, type ApplyResult, type DataPlane, type GroupTraffic, type HealthListener, type PlaneSpec } from './plane.ts';
import { planeFingerprint, planeSocketPath, readFrames, sendFrame, type Hello, type PlaneRequest } from './plane-wire.ts';
import type { TargetHealthDescription } from './target-group.ts';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), 'plane-main.ts');
/** How long a freshly started plane may take to accept on its socket. */
const START_TIMEOUT_MS = 20_000;

/** One open control connection: requests by id, health notices to the listener, and its end. */
class Connection {
  readonly #socket: Socket;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #next = 1;
  readonly closed: Promise<void>;

  constructor(socket: Socket, onHealth: HealthListener) {
    this.#socket = socket;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => socket.destroy());
    socket.once('close', () => {
      for (const p of this.#pending.values()) p.reject(new SlipwayError('DataPlaneGone', 'The load balancer data plane closed its connection', { fault: 'server' }));
      this.#pending.clear();
    });
    readFrames(socket, (frame) => {
      if (frame['notice'] === 'health') {
        onHealth(String(frame['group']), frame['health'] as TargetHealthDescription);
        return;
      }
      const pending = this.#pending.get(Number(frame['id']));
      if (pending === undefined) return;
      this.#pending.delete(Number(frame['id']));
      if (frame['ok'] === true) pending.resolve(frame['result']);
      else {
        const error = frame['error'] as { code?: string; message?: string } | undefined;
        pending.reject(new SlipwayError(error?.code ?? 'InternalFailure', `The load balancer data plane failed: ${error?.message ?? 'no reason given'}`, { fault: 'server' }));
      }
    });
  }

  /** One request; with `timeoutMs`, a plane that does not answer in time fails the call (the connection stays). */
  call<T>(op: PlaneRequest['op'], args?: unknown, timeoutMs?: number): Promise<T> {
    if (this.#socket.destroyed) return Promise.reject(new SlipwayError('DataPlaneGone', 'The load balancer data plane connection is closed', { fault: 'server' }));
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
        this.#pending.delete(id);
        reject(new SlipwayError('DataPlaneTimeout', `The load balancer data plane did not answer ${op} within ${timeoutMs / 1000} s`, { fault: 'server' }));
      }, timeoutMs);
      const settle = <V>(fn: (v: V) => void) => (v: V): void => {
        clearTimeout(timer);
        fn(v);
      };
      this.#pending.set(id, { resolve: settle(resolve as (v: unknown) => void), reject: settle(reject) });
      sendFrame(this.#socket, { id, op, ...(args === undefined ? {} : { args }) });
    });
  }

  end(): void {
    this.#socket.end();
  }

  destroy(): void {
    this.#socket.destroy();
  }
}

/** Connects to the socket; undefined when nothing listens there (any other failure is an error, not an absence). */
function dial(socketPath: string, onHealth: HealthListener): Promise<Connection | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    socket.once('connect', () => resolve(new Connection(socket, onHealth)));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      socket.destroy();
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') resolve(undefined);
      else reject(new SlipwayError('DataPlaneUnreachable', `The load balancer data plane socket ${socketPath} could not be reached: ${error.code ?? error.message}`, { fault: 'server', cause: error }));
    });
  });
}

/** How long hello and collect may take: they wait only for the operation in progress (an apply, at most ~10 s). */
const CALL_TIMEOUT_MS = 30_000;
/** How long a plane asked to shut down may take to close its listeners and its end of the connection. */
const END_TIMEOUT_MS = 30_000;

/** Starts a detached plane process (its own session: a Ctrl-C of the daemon's terminal does not reach it). */
async function startPlane(dataDir: string, socketPath: string): Promise<number> {
  const logFile = join(dataDir, 'load-balancer.log');
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [MAIN, '--socket', socketPath, '--data-dir', dataDir], { detached: true, stdio: ['ignore', out, out, 'pipe'] });
  closeSync(out);
  const ready = child.stdio[3] as Socket;
  ready.on('error', () => undefined); // the exit below says what went wrong
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`it did not answer within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      let said = '';
      ready.on('data', (chunk: Buffer) => {
        said += chunk.toString();
        if (said.includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`it exited (${String(code ?? signal)})`));
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    const tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n');
    throw new SlipwayError('DataPlaneStartFailed', `The load balancer data plane could not be started: ${(error as Error).message}. The end of ${logFile}:\n${tail}`, { fault: 'server', cause: error });
  } finally {
    ready.destroy();
  }
  child.unref();
  return child.pid ?? 0;
}

/**
 * The data plane as a process of its own, so listeners keep serving while the daemon is stopped, crashes or restarts.
 * The plane is found (or started) at the first spec with something to serve; a plane left by a different build of
 * Slipway is replaced. A lost connection is reported through `onLost`, and the next apply reconnects.
 */
export class ProcessDataPlane implements DataPlane {
  readonly #dataDir: string;
  readonly #socketPath: string;
  readonly #log: Logger;
  readonly #onHealth: HealthListener;
  readonly #onLost: () => void;
  #conn: Connection | undefined;
  #pid: number | undefined;
  #leaving = false;
  /** Traffic collected from a plane just before it was ended, owed to the next collect. */
  #owed: Record<string, GroupTraffic> = {};
  /** The pid of the last plane this daemon ended (one of another build included). */
  #endedPid: number | undefined;

  constructor(options: { dataDir: string; log: Logger; onHealth: HealthListener; onLost: () => void }) {
    this.#dataDir = options.dataDir;
    this.#socketPath = planeSocketPath(options.dataDir);
    this.#log = options.log;
    this.#onHealth = options.onHealth;
    this.#onLost = options.onLost;
  }

  async apply(spec: PlaneSpec): Promise<ApplyResult> {
    const conn = await this.#connection(!isEmpty(spec));
    if (conn === undefined) return { listeners: {}, groups: {} };
    if (isEmpty(spec)) {
      // Nothing to serve: no process is kept for it.
      await this.#end(conn, 'it has nothing left to serve');
      return { listeners: {}, groups: {} };
    }
    return conn.call<ApplyResult>('apply', { spec });
  }

  async collect(): Promise<Record<string, GroupTraffic>> {
    const owed = this.#owed;
    this.#owed = {};
    const fresh = this.#conn === undefined ? {} : await this.#conn.call<Record<string, GroupTraffic>>('collect').catch(() => ({}));
    return mergeTraffic(owed, fresh);
  }

  describe(): string {
    return this.#pid === undefined ? 'no data plane running' : `data plane process ${this.#pid}`;
  }

  detach(): Promise<void> {
    this.#leaving = true;
    this.#conn?.end();
    const closed = this.#conn?.closed ?? Promise.resolve();
    this.#conn = undefined;
    return closed;
  }

  async shutdown(): Promise<void> {
    await this.endRunning();
  }

  /** Ends the plane on this data dir (adopting it first when needed): the pid it had, or undefined when none ran. */
  async endRunning(): Promise<number | undefined> {
    this.#leaving = true;
    const conn = this.#conn ?? (await this.#adopt());
    if (conn === undefined) return undefined;
    const pid = this.#pid;
    await this.#end(conn, 'Slipway stops everything');
    return pid ?? this.#endedPid;
  }

  /** The open connection, or a plane adopted or (when `start`) started. */
  async #connection(start: boolean): Promise<Connection | undefined> {
    if (this.#conn !== undefined) return this.#conn;
    const adopted = await this.#adopt();
    if (adopted !== undefined || !start) return adopted;
    const pid = await startPlane(this.#dataDir, this.#socketPath);
    this.#log.info({ pid, socket: this.#socketPath }, 'load balancer data plane started');
    const conn = await this.#adopt();
    if (conn === undefined) throw new SlipwayError('DataPlaneStartFailed', `The load balancer data plane started (pid ${pid}) but does not answer on ${this.#socketPath}`, { fault: 'server' });
    return conn;
  }

  /** Says hello to a plane on the socket: keeps it when it runs this build's code, ends it otherwise. */
  async #adopt(): Promise<Connection | undefined> {
    const conn = await dial(this.#socketPath, this.#onHealth);
    if (conn === undefined) return undefined;
    let hello: Hello;
    try {
      hello = await conn.call<Hello>('hello', { protocol: PLANE_PROTOCOL, fingerprint: planeFingerprint() }, CALL_TIMEOUT_MS);
    } catch (error) {
      // A plane on its way out refuses: wait until it is gone, then a new one can take the socket.
      if ((error as SlipwayError).code === 'DataPlaneEnding') await within(conn.closed, END_TIMEOUT_MS);
      conn.destroy();
      return undefined;
    }
    if (hello.protocol !== PLANE_PROTOCOL || hello.fingerprint !== planeFingerprint()) {
      this.#log.warn({ pid: hello.pid, found: hello.fingerprint, expected: planeFingerprint() }, 'replacing a load balancer data plane left by another build of Slipway');
      this.#pid = hello.pid;
      await this.#end(conn, 'it runs another build of Slipway');
      return undefined;
    }
    this.#log.info({ pid: hello.pid }, 'load balancer data plane adopted');
    this.#conn = conn;
    this.#pid = hello.pid;
    void conn.closed.then(() => {
      if (this.#conn !== conn) return;
      this.#conn = undefined;
      this.#pid = undefined;
      if (this.#leaving) return;
      this.#log.warn({ pid: hello.pid }, 'load balancer data plane connection lost');
      this.#onLost();
    });
    return conn;
  }

  /** Collects what the plane counted, asks it to close its listeners and exit; resolves once its ports are free. */
  async #end(conn: Connection, reason: string): Promise<void> {
    const pid = this.#pid;
    this.#endedPid = pid;
    if (this.#conn === conn) this.#conn = undefined;
    this.#pid = undefined;
    this.#log.info({ reason, pid }, 'stopping the load balancer data plane');
    const counted = await conn.call<Record<string, GroupTraffic>>('collect', undefined, CALL_TIMEOUT_MS).catch(() => ({}));
    this.#owed = mergeTraffic(this.#owed, counted);
    try {
      await conn.call('shutdown', undefined, END_TIMEOUT_MS);
      if (!(await within(conn.closed, END_TIMEOUT_MS))) this.#log.warn({ pid }, 'the load balancer data plane did not finish closing in time');
    } catch (error) {
      this.#log.warn({ err: error, pid }, 'the load balancer data plane refused to shut down');
    } finally {
      conn.destroy();
    }
  }
}

/** True when `promise` settled within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Two collects' traffic as one (a group in both adds up). */
function mergeTraffic(a: Record<string, GroupTraffic>, b: Record<string, GroupTraffic>): Record<string, GroupTraffic> {
  const out = { ...a };
  for (const [key, t] of Object.entries(b)) out[key] = out[key] === undefined ? t : addTraffic(out[key], t);
  return out;
}
