// Feeds Slipway's bus to EventBridge rules: each relevant event becomes AWS's envelope and is routed, in order, exactly once.
import { typeFilter } from '../../core/events.ts';
import { routeEvent } from '../../services/events/index.ts';
import type { EngineContext } from '../types.ts';
import { SOURCE_TYPES, toEnvelope } from './envelopes.ts';

/**
 * The position of the last bus event routed: a restart continues after it, so no state change is lost or sent twice.
 * It is written with every event that matched a rule (in that event's transaction), every PERSIST_EVERY events and at
 * stop; events re-read after a crash matched no rule then, so reading them again sends nothing twice. Each event is
 * routed only to the rules and targets that existed (unchanged) at its time, so a rule created since sees nothing older.
 */
export const LAST_SEQ_KEY = 'notifications/last-seq';
const BATCH = 500;
const PERSIST_EVERY = 1000;

export class EventRouter {
  readonly #ctx: EngineContext;
  readonly #relevant = typeFilter(...SOURCE_TYPES);
  #lastSeq = 0;
  #persisted = 0;
  #pumping = false;
  #again = false;
  #unsubscribe: () => void = () => {};

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
  }

  start(): void {
    const stored = this.#ctx.store.getKv<number>(LAST_SEQ_KEY);
    // A first start routes what happens from now on, not the history before notifications existed.
    this.#lastSeq = stored ?? this.#ctx.bus.lastSeq();
    if (stored === undefined) this.#ctx.store.setKv(LAST_SEQ_KEY, this.#lastSeq);
    this.#persisted = this.#lastSeq;
    this.#unsubscribe = this.#ctx.bus.subscribe(this.#relevant, () => this.pump());
    this.pump();
  }

  stop(): void {
    this.#unsubscribe();
    this.#persist();
  }

  #persist(): void {
    if (this.#persisted === this.#lastSeq) return;
    this.#ctx.store.setKv(LAST_SEQ_KEY, this.#lastSeq);
    this.#persisted = this.#lastSeq;
  }

  /** Routes every relevant event after the last one routed; re-entrant calls just ask for another round. */
  pump(): void {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        for (;;) {
          const events = this.#ctx.bus.since(this.#lastSeq, BATCH);
          if (events.length === 0) break;
          for (const e of events) {
            try {
              const env = this.#relevant(e) ? toEnvelope(this.#ctx, e) : undefined;
              // Most events match no rule: then the transaction writes nothing and costs no sync.
              if (env !== undefined) {
                this.#ctx.store.tx(() => {
                  if (routeEvent(this.#ctx, env, e.time).length === 0) return;
                  this.#ctx.store.setKv(LAST_SEQ_KEY, e.seq);
                  this.#persisted = e.seq;
                });
              }
            } catch (error) {
              // One event that cannot be routed must not hold back the ones after it.
              this.#ctx.log.error({ err: error, seq: e.seq, type: e.type }, 'routing an event to EventBridge rules failed');
            }
            this.#lastSeq = e.seq;
          }
          if (this.#lastSeq - this.#persisted >= PERSIST_EVERY) this.#persist();
        }
      } while (this.#again);
    } catch (error) {
      // A bus handler must not throw (reading the log failed); the next event pumps again from the last position.
      this.#ctx.log.error({ err: error, lastSeq: this.#lastSeq }, 'reading events for EventBridge rules failed');
    } finally {
      this.#pumping = false;
    }
  }
}
