// The injected clock: real time in the daemon, manual time in tests of anything time-based.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The abort reason as an Error (AbortSignal.reason may be anything). */
export function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  return new Error(typeof reason === 'string' ? reason : 'aborted');
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(abortReason(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/**
 * Calls `tick(at)` at every `periodMs` boundary of the clock's time shifted by `offsetMs` (minute boundaries plus one
 * second, say), until the signal aborts; then it resolves. `at` is the boundary reached.
 */
export async function everyPeriod(clock: Clock, periodMs: number, offsetMs: number, signal: AbortSignal, tick: (at: number) => void): Promise<void> {
  for (;;) {
    const now = clock.now();
    const at = Math.floor((now - offsetMs) / periodMs) * periodMs + periodMs + offsetMs;
    try {
      await clock.sleep(at - now, signal);
    } catch {
      return;
    }
    tick(at);
  }
}

interface Sleeper {
  readonly due: number;
  readonly seq: number;
  readonly resolve: () => void;
}

/** A clock that moves only when told to; sleepers wake in due order as it advances. */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #sleepers: Sleeper[] = [];
  #waiters: Array<{ count: number; resolve: () => void }> = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** How many sleepers are waiting now. */
  get pending(): number {
    return this.#sleepers.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      const sleeper: Sleeper = { due: this.#now + Math.max(0, ms), seq: this.#seq++, resolve };
      this.#sleepers.push(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
          reject(abortReason(signal));
        },
        { once: true },
      );
      this.#notifyWaiters();
    });
  }

  /** Resolves once at least `count` sleepers are waiting: lets a test await "the engine is now waiting". */
  whenSleepers(count = 1): Promise<void> {
    if (this.#sleepers.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  /** Moves time forward by `ms`, waking every sleeper that falls due, in order, letting each run. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      const next = this.#sleepers
        .filter((s) => s.due <= target)
        .sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (next === undefined) break;
      this.#sleepers = this.#sleepers.filter((s) => s !== next);
      this.#now = Math.max(this.#now, next.due);
      next.resolve();
      // Let the woken task run up to its next await before waking the next one.
      await new Promise<void>((r) => setImmediate(r));
    }
    this.#now = target;
  }

  #notifyWaiters(): void {
    const ready = this.#waiters.filter((w) => this.#sleepers.length >= w.count);
    this.#waiters = this.#waiters.filter((w) => this.#sleepers.length < w.count);
    for (const w of ready) w.resolve();
  }
}
