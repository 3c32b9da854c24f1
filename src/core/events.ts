// The event bus: every state change is an event with a time, a resource and a type; persisted, then delivered.
import { abortReason } from './clock.ts';

export interface EventInput {
  /** Dotted type, e.g. `codecommit.push`, `ecr.image.push`, `daemon.started`. */
  readonly type: string;
  /** The ARN (or other stable name) of the resource the event is about. */
  readonly resource: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface SlipwayEvent extends EventInput {
  /** Position in the log: strictly increasing, gap-free within a data dir. */
  readonly seq: number;
  /** Milliseconds since the epoch. */
  readonly time: number;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** Where events are persisted. `append` runs inside the caller's transaction when there is one. */
export interface EventSink {
  append(event: { type: string; resource: string; time: number; detail: Readonly<Record<string, unknown>> }): number;
  /** Events after `seq`, oldest first, at most `limit`. */
  since(seq: number, limit: number): SlipwayEvent[];
  /** The position of the newest persisted event (0 when there is none). */
  lastSeq(): number;
  /** Runs `fn` once the current transaction commits, at once when there is none; drops it on rollback. */
  afterCommit(fn: () => void): void;
}

export type EventFilter = (event: SlipwayEvent) => boolean;
type Handler = (event: SlipwayEvent) => void;

/** Matches `type` exactly, or a prefix when the pattern ends in `*` (`codecommit.*`). */
export function typeFilter(...patterns: string[]): EventFilter {
  return (event) =>
    patterns.some((p) => (p.endsWith('*') ? event.type.startsWith(p.slice(0, -1)) : event.type === p));
}

export class EventBus {
  readonly #sink: EventSink;
  readonly #now: () => number;
  readonly #subscribers = new Set<{ filter: EventFilter; handler: Handler }>();

  constructor(sink: EventSink, now: () => number) {
    this.#sink = sink;
    this.#now = now;
  }

  /** Persists the event (within the current transaction, if any) and delivers it after commit. */
  publish(input: EventInput): SlipwayEvent {
    const time = this.#now();
    const detail = input.detail ?? {};
    const seq = this.#sink.append({ type: input.type, resource: input.resource, time, detail });
    const event: SlipwayEvent = { seq, time, type: input.type, resource: input.resource, detail };
    this.#sink.afterCommit(() => this.#deliver(event));
    return event;
  }

  /** Subscribes to future events; returns the unsubscribe function. A throwing handler never stops delivery. */
  subscribe(filter: EventFilter, handler: Handler): () => void {
    const entry = { filter, handler };
    this.#subscribers.add(entry);
    return () => this.#subscribers.delete(entry);
  }

  /** The position of the newest persisted event: `since` from here returns only what comes next. */
  lastSeq(): number {
    return this.#sink.lastSeq();
  }

  /** Persisted events after `seq`. */
  since(seq: number, limit = 1000): SlipwayEvent[] {
    return this.#sink.since(seq, limit);
  }

  /**
   * The first event after `seq` that matches: one already persisted, else the next one published (history is read and
   * the subscription made in one synchronous step, so nothing falls between them). Rejects when the signal aborts.
   */
  after(seq: number, filter: EventFilter, signal?: AbortSignal): Promise<SlipwayEvent> {
    for (let cursor = seq; ; ) {
      const page = this.since(cursor, 1000);
      const found = page.find(filter);
      if (found !== undefined) return Promise.resolve(found);
      const last = page.at(-1);
      if (last === undefined) break;
      cursor = last.seq;
    }
    return this.next(filter, signal);
  }

  /** Resolves with the first future event that matches, or rejects when the signal aborts. */
  next(filter: EventFilter, signal?: AbortSignal): Promise<SlipwayEvent> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      const off = this.subscribe(filter, (event) => {
        off();
        signal?.removeEventListener('abort', onAbort);
        resolve(event);
      });
      const onAbort = (): void => {
        off();
        reject(abortReason(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #deliver(event: SlipwayEvent): void {
    for (const { filter, handler } of [...this.#subscribers]) {
      try {
        if (filter(event)) handler(event);
      } catch (error) {
        // A subscriber's bug must not stop the others from hearing the event.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

/** An in-memory sink for unit tests of code that only publishes. */
export class MemoryEventSink implements EventSink {
  readonly events: SlipwayEvent[] = [];

  append(event: { type: string; resource: string; time: number; detail: Readonly<Record<string, unknown>> }): number {
    const seq = this.events.length + 1;
    this.events.push({ ...event, seq });
    return seq;
  }

  since(seq: number, limit: number): SlipwayEvent[] {
    return this.events.filter((e) => e.seq > seq).slice(0, limit);
  }

  lastSeq(): number {
    return this.events.length;
  }

  afterCommit(fn: () => void): void {
    fn();
  }
}
