// The HTTP/S delivery worker: POSTs queued SNS messages, retries on AWS's schedule, logs every attempt, resumes after a restart.
import { SlipwayError } from '../../core/errors.ts';
import { typeFilter } from '../../core/events.ts';
import { appendLogEvents } from '../../services/logs/index.ts';
import {
  deliveryStatusRecord,
  DELIVERY_QUEUED,
  DELIVERY_RETENTION_MS,
  findDelivery,
  httpRequestFor,
  pendingDeliveries,
  purgeDeliveries,
  recordAttempt,
  topicNameOf,
  type AttemptOutcome,
  type Delivery,
} from '../../services/sns/index.ts';
import type { EngineContext } from '../types.ts';

/** How long SNS waits for an HTTP/S endpoint to answer before counting the attempt as failed. */
export const HTTP_TIMEOUT_MS = 15_000;
const MAX_RESPONSE_CHARS = 1_000;
/** After an unexpected worker error a delivery is tried again after 5 s, doubling up to 5 minutes. */
export const ERROR_BACKOFF_MS = 5_000;
const ERROR_BACKOFF_MAX_MS = 5 * 60_000;
/** Finished deliveries are purged at start and then once a day (of the injected clock). */
const PURGE_EVERY_MS = 24 * 60 * 60 * 1000;

export class DeliveryWorker {
  readonly #ctx: EngineContext;
  readonly #running = new Map<number, Promise<void>>();
  readonly #stop = new AbortController();
  #unsubscribe: () => void = () => {};
  #purging: Promise<void> = Promise.resolve();

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
  }

  /** Picks up what a previous run left pending, then every delivery queued from now on. */
  start(): void {
    this.#unsubscribe = this.#ctx.bus.subscribe(typeFilter(DELIVERY_QUEUED), (e) => this.#run(Number(e.detail['deliveryId'])));
    for (const d of pendingDeliveries(this.#ctx)) this.#run(d.id);
    this.#purging = this.#purgeDaily();
  }

  /** Keeps sns_deliveries and sns_delivery_attempts from growing forever: DELIVERY_RETENTION_MS of finished ones. */
  async #purgeDaily(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        const removed = purgeDeliveries(this.#ctx, this.#ctx.clock.now() - DELIVERY_RETENTION_MS);
        if (removed > 0) this.#ctx.log.info({ removed }, 'sns: purged finished deliveries past their retention');
      } catch (error) {
        this.#ctx.log.error({ err: error }, 'sns: purging finished deliveries failed; trying again tomorrow');
      }
      await this.#ctx.clock.sleep(PURGE_EVERY_MS, signal).catch(() => {});
    }
  }

  get inFlight(): number {
    return this.#running.size;
  }

  async stop(): Promise<void> {
    this.#unsubscribe();
    this.#stop.abort(new Error('slipway is stopping'));
    await Promise.allSettled([...this.#running.values(), this.#purging]);
  }

  #run(id: number): void {
    if (this.#running.has(id) || this.#stop.signal.aborted) return;
    const task = this.#loopWithBackoff(id).finally(() => this.#running.delete(id));
    this.#running.set(id, task);
  }

  /** An unexpected error (the store, a bug) must not stall the delivery until a restart: wait, doubling, and go on. */
  async #loopWithBackoff(id: number): Promise<void> {
    const signal = this.#stop.signal;
    for (let failures = 0; ; failures++) {
      try {
        await this.#loop(id);
        return;
      } catch (error) {
        if (signal.aborted) return;
        const delay = Math.min(ERROR_BACKOFF_MAX_MS, ERROR_BACKOFF_MS * 2 ** failures);
        this.#ctx.log.error({ err: error, deliveryId: id, retryInMs: delay }, 'sns delivery failed unexpectedly; trying again');
        try {
          await this.#ctx.clock.sleep(delay, signal);
        } catch {
          return;
        }
      }
    }
  }

  async #loop(id: number): Promise<void> {
    const signal = this.#stop.signal;
    let d = findDelivery(this.#ctx, id);
    while (d?.status === 'Pending' && !signal.aborted) {
      const wait = d.nextAttempt - this.#ctx.clock.now();
      if (wait > 0) {
        await this.#ctx.clock.sleep(wait, signal);
        // Unsubscribe or DeleteTopic may have ended it while this slept.
        d = findDelivery(this.#ctx, id);
        if (d?.status !== 'Pending') return;
      }
      const outcome = await this.#post(d, signal);
      // An attempt cut short by a stop is not recorded: the next start makes it again (at-least-once, as SNS).
      if (signal.aborted) return;
      d = this.#ctx.store.tx(() => {
        // Ended during the POST: the attempt changes nothing (its Failed reason says why).
        const current = findDelivery(this.#ctx, id);
        if (current?.status !== 'Pending') return current;
        const next = recordAttempt(this.#ctx, current, outcome);
        if (current.type === 'Notification') this.#log(current, next.attempts, outcome);
        return next;
      });
    }
  }

  async #post(d: Delivery, stop: AbortSignal): Promise<AttemptOutcome> {
    const { headers, body } = httpRequestFor(d, this.#ctx.endpoint());
    try {
      const res = await fetch(d.endpoint, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.any([stop, AbortSignal.timeout(HTTP_TIMEOUT_MS)]) });
      const text = await res.text().catch(() => '');
      return { statusCode: res.status, response: text.slice(0, MAX_RESPONSE_CHARS) };
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
      return { response: `Connection failed: ${reason}` };
    }
  }

  /** SNS delivery-status logging: successes to sns/<region>/<account>/<topic>, failed attempts to …/Failure. */
  #log(d: Delivery, attempt: number, outcome: AttemptOutcome): void {
    const topic = topicNameOf(this.#ctx, d.topicArn) ?? 'unknown';
    const record = deliveryStatusRecord(d, attempt, outcome, this.#ctx.clock.now());
    const base = `sns/${this.#ctx.config.region}/${this.#ctx.config.accountId}/${topic}`;
    const group = record['status'] === 'SUCCESS' ? base : `${base}/Failure`;
    const stream = d.subscriptionArn.split(':').pop() ?? 'delivery';
    try {
      appendLogEvents(this.#ctx, group, stream, [{ timestamp: this.#ctx.clock.now(), message: JSON.stringify(record) }]);
    } catch (error) {
      // The attempt itself is recorded; a log that cannot be written must not undo it.
      if (!(error instanceof SlipwayError)) throw error;
      this.#ctx.log.warn({ err: error, group }, 'sns delivery-status log not written');
    }
  }
}
