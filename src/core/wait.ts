// Waiting on the bus, not on a timer: re-checks a condition whenever a relevant event arrives, with an injected-clock deadline.
import { abortReason, type Clock } from './clock.ts';
import type { EventBus, EventFilter, SlipwayEvent } from './events.ts';

export class WaitTimeout extends Error {
  override readonly name = 'WaitTimeout';
}

export interface WaitOptions<T> {
  /** Events after which `check` may have a new answer. */
  readonly on: EventFilter;
  /**
   * The condition, checked once at the start (no event) and after each matching event: a value ends the wait,
   * undefined keeps waiting, a throw ends it with that error.
   */
  readonly check: (event?: SlipwayEvent) => T | undefined;
  /** Deadline on the injected clock; none waits until the signal aborts. */
  readonly timeoutMs?: number;
  /** What is awaited, for the timeout's message. */
  readonly what: string;
  readonly signal: AbortSignal;
}

export function waitFor<T>(ctx: { bus: EventBus; clock: Clock }, options: WaitOptions<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = new AbortController();
    let done = false;
    const finish = (fn: () => void): void => {
      if (done) return;
      done = true;
      off();
      timer.abort();
      options.signal.removeEventListener('abort', onAbort);
      fn();
    };
    const evaluate = (event?: SlipwayEvent): void => {
      try {
        const value = options.check(event);
        if (value !== undefined) finish(() => resolve(value));
      } catch (error) {
        finish(() => reject(error instanceof Error ? error : new Error(String(error))));
      }
    };
    const onAbort = (): void => finish(() => reject(abortReason(options.signal)));
    // Subscribe before the first check, so an event between the two cannot be missed.
    const off = ctx.bus.subscribe(options.on, evaluate);
    options.signal.addEventListener('abort', onAbort, { once: true });
    if (options.signal.aborted) {
      onAbort();
      return;
    }
    evaluate();
    if (!done && options.timeoutMs !== undefined) {
      const ms = options.timeoutMs;
      ctx.clock.sleep(ms, timer.signal).then(
        () => finish(() => reject(new WaitTimeout(`${options.what}: not reached within ${Math.round(ms / 1000)} s`))),
        () => {},
      );
    }
  });
}
