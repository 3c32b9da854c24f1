// One daemon per data dir: `<dataDir>/slipway.lock` names the running daemon's pid and endpoint.
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { endpointUrl } from '../core/config.ts';
import { SlipwayError } from '../core/errors.ts';

export interface DaemonLockInfo {
  readonly pid: number;
  readonly host: string;
  readonly port: number;
  /** Milliseconds since the epoch. */
  readonly startedAt: number;
}

export interface DaemonLock {
  readonly path: string;
  /** Removes the lock file, if it is still this holder's. Safe to call twice. */
  release(): void;
  /** Replaces the recorded info atomically (e.g. the real port once listening). */
  update(info: DaemonLockInfo): void;
}

export const LOCK_FILE = 'slipway.lock';
/** Held only for the few syscalls of a stale-lock takeover; older than this it was left by a crash. */
const TAKEOVER_STALE_MS = 10_000;
const TAKEOVER_WAIT_MS = 5_000;

export function lockPath(dataDir: string): string {
  return join(dataDir, LOCK_FILE);
}

/**
 * Takes the data dir's lock, or throws `AlreadyRunning` naming the live holder. A lock whose pid is dead is
 * taken over; when several starters race, exactly one wins and the others see it running.
 */
export function acquireDaemonLock(dataDir: string, info: DaemonLockInfo): DaemonLock {
  mkdirSync(dataDir, { recursive: true });
  const path = lockPath(dataDir);
  const deadline = Date.now() + TAKEOVER_WAIT_MS;
  for (;;) {
    const mine = tryCreate(path, info);
    if (mine !== undefined) return holder(path, mine);
    const existing = readRaw(path);
    if (existing === undefined) continue; // removed between our attempt and the read: try again
    if (existing.info !== undefined && isAlive(existing.info.pid)) throw alreadyRunning(dataDir, existing.info);
    // Stale (dead pid, or content no daemon wrote): replace it under the takeover mutex.
    const taken = takeOver(path, existing.text, info);
    if (taken !== undefined) return holder(path, taken);
    if (Date.now() > deadline) {
      throw new SlipwayError('LockContended', `Could not take over the stale lock ${path}: another starter held ${path}.takeover for over ${TAKEOVER_WAIT_MS} ms`, {
        fault: 'server',
      });
    }
    pause(5);
  }
}

/** The running daemon's info, or undefined when there is no lock or its process is gone. */
export function readDaemonLock(dataDir: string): DaemonLockInfo | undefined {
  const existing = readRaw(lockPath(dataDir));
  if (existing?.info === undefined || !isAlive(existing.info.pid)) return undefined;
  return existing.info;
}

/** True when a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM';
  }
}

/** `own` is the exact text this holder wrote; it carries a nonce, so it identifies this holder's file. */
function holder(path: string, own: string): DaemonLock {
  let released = false;
  return {
    path,
    release(): void {
      if (released) return;
      released = true;
      // Only remove the file if it is still ours: never someone else's lock after a takeover.
      if (readRaw(path)?.text === own) rmSync(path, { force: true });
    },
    update(next: DaemonLockInfo): void {
      if (released) throw new SlipwayError('LockReleased', `The lock ${path} was already released; it cannot be updated`, { fault: 'server' });
      const tmp = writeTemp(path, next);
      renameSync(tmp.file, path);
      own = tmp.text;
    },
  };
}

/** Publishes a complete lock file with link(2), which fails if the name exists: no reader ever sees it half-written. */
function tryCreate(path: string, info: DaemonLockInfo): string | undefined {
  const tmp = writeTemp(path, info);
  try {
    linkSync(tmp.file, path);
    return tmp.text;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'EEXIST') return undefined;
    throw error;
  } finally {
    rmSync(tmp.file, { force: true });
  }
}

/** Under a mkdir mutex: removes the lock only if it is still the stale file we inspected, then creates ours. */
function takeOver(path: string, staleText: string, info: DaemonLockInfo): string | undefined {
  const mutex = `${path}.takeover`;
  try {
    mkdirSync(mutex);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
    // A starter killed inside the few syscalls below leaves the mutex: clear it once it is clearly abandoned.
    try {
      if (Date.now() - statSync(mutex).mtimeMs > TAKEOVER_STALE_MS) rmdirSync(mutex);
    } catch {
      // gone already, or just replaced: the caller retries
    }
    return undefined;
  }
  try {
    // Lock files are never rewritten in place by anyone but their holder, and each carries a nonce: same text, same file.
    if (readRaw(path)?.text === staleText) unlinkSync(path);
    return tryCreate(path, info);
  } finally {
    rmSync(mutex, { recursive: true, force: true });
  }
}

function writeTemp(path: string, info: DaemonLockInfo): { file: string; text: string } {
  const nonce = randomUUID();
  const tmp = `${path}.${process.pid}.${nonce}.tmp`;
  const body = `${JSON.stringify({ pid: info.pid, host: info.host, port: info.port, startedAt: info.startedAt, nonce })}\n`;
  const fd = openSync(tmp, 'wx');
  try {
    writeSync(fd, body);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { file: tmp, text: body };
}

function readRaw(path: string): { text: string; info: DaemonLockInfo | undefined } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
  return { text, info: parseInfo(text) };
}

function parseInfo(text: string): DaemonLockInfo | undefined {
  try {
    const v = JSON.parse(text) as Partial<Record<keyof DaemonLockInfo, unknown>>;
    if (typeof v.pid !== 'number' || typeof v.host !== 'string' || typeof v.port !== 'number') return undefined;
    return { pid: v.pid, host: v.host, port: v.port, startedAt: typeof v.startedAt === 'number' ? v.startedAt : 0 };
  } catch {
    return undefined;
  }
}

function alreadyRunning(dataDir: string, info: DaemonLockInfo): SlipwayError {
  const since = info.startedAt > 0 ? ` since ${new Date(info.startedAt).toISOString()}` : '';
  return new SlipwayError(
    'AlreadyRunning',
    `Slipway is already running for data dir ${dataDir}: pid ${info.pid} at ${endpointUrl(info)}${since}. ` +
      `Use \`slipway status\` or \`slipway down\`; if pid ${info.pid} is not Slipway, remove ${lockPath(dataDir)}.`,
    { extra: { pid: info.pid, endpoint: endpointUrl(info), dataDir } },
  );
}

/** A short synchronous wait: lock acquisition is synchronous and only waits here while another starter holds the takeover mutex. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
