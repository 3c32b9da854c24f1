// The durable HTTP/S delivery queue: what to POST where, AWS's message JSON and headers, and each attempt's record.
import { createHash } from 'node:crypto';
import { num, str, type Row } from '../../store/db.ts';
import type { ServiceContext } from '../types.ts';

export type MessageType = 'SubscriptionConfirmation' | 'Notification' | 'UnsubscribeConfirmation';
export type DeliveryStatus = 'Pending' | 'Delivered' | 'Failed';

/** Bus events: a delivery was queued (the notifications engine picks it up), an attempt was made, pending ones were ended. */
export const DELIVERY_QUEUED = 'sns.delivery.queued';
export const DELIVERY_ATTEMPTED = 'sns.delivery.attempted';
export const DELIVERY_CANCELLED = 'sns.delivery.cancelled';

/** The edge path that answers SubscribeURL / UnsubscribeURL GETs (Query parameters as on sns.<region>.amazonaws.com/). */
export const SNS_URL_PATH = '/sns/';

export interface Delivery {
  readonly id: number;
  readonly messageId: string;
  readonly type: MessageType;
  readonly topicArn: string;
  readonly subscriptionArn: string;
  readonly endpoint: string;
  readonly message: string;
  readonly subject?: string;
  readonly messageAttributes: Record<string, { Type: string; Value: string }>;
  readonly token?: string;
  readonly published: number;
  /** Delay in ms before each retry; attempts = 1 + schedule.length. */
  readonly schedule: number[];
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttempt: number;
  /** Why it ended Failed when no attempt says so (its subscription or topic was deleted). */
  readonly reason?: string;
}

function toDelivery(row: Row): Delivery {
  const subject = row['subject'];
  const token = row['token'];
  return {
    id: num(row, 'id'),
    messageId: str(row, 'message_id'),
    type: str(row, 'type') as MessageType,
    topicArn: str(row, 'topic_arn'),
    subscriptionArn: str(row, 'subscription_arn'),
    endpoint: str(row, 'endpoint'),
    message: str(row, 'message'),
    ...(typeof subject === 'string' ? { subject } : {}),
    messageAttributes: JSON.parse(str(row, 'message_attributes')) as Delivery['messageAttributes'],
    ...(typeof token === 'string' ? { token } : {}),
    published: num(row, 'published'),
    schedule: JSON.parse(str(row, 'schedule')) as number[],
    status: str(row, 'status') as DeliveryStatus,
    attempts: num(row, 'attempts'),
    nextAttempt: num(row, 'next_attempt'),
    ...(typeof row['reason'] === 'string' ? { reason: row['reason'] } : {}),
  };
}

/** What a caller queues: a delivery before it has an id, a time or attempts. */
export interface DeliveryInput extends Omit<Delivery, 'id' | 'messageAttributes' | 'published' | 'schedule' | 'status' | 'attempts' | 'nextAttempt' | 'reason'> {
  readonly messageAttributes?: Delivery['messageAttributes'];
  readonly schedule: readonly number[];
}

/** Queues one POST (in the caller's transaction) and announces it; the notifications engine sends it. */
export function enqueueDelivery(ctx: Pick<ServiceContext, 'store' | 'bus' | 'clock'>, d: DeliveryInput): number {
  const now = ctx.clock.now();
  const id = ctx.store.run(
    `INSERT INTO sns_deliveries (message_id, type, topic_arn, subscription_arn, endpoint, message, subject, message_attributes, token, published, schedule, status, attempts, next_attempt, updated)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'Pending', 0, ?, ?)`,
    d.messageId,
    d.type,
    d.topicArn,
    d.subscriptionArn,
    d.endpoint,
    d.message,
    d.subject ?? null,
    JSON.stringify(d.messageAttributes ?? {}),
    d.token ?? null,
    now,
    JSON.stringify(d.schedule),
    now,
    now,
  ).lastInsertRowid;
  ctx.bus.publish({ type: DELIVERY_QUEUED, resource: d.subscriptionArn, detail: { deliveryId: id, messageId: d.messageId, type: d.type, topicArn: d.topicArn } });
  return id;
}

/**
 * Ends the pending deliveries of a subscription or of a whole topic as Failed, saying why (in the caller's
 * transaction, the one that deletes them): a deleted subscription receives nothing more.
 */
export function cancelDeliveries(ctx: Pick<ServiceContext, 'store' | 'bus' | 'clock'>, of: { subscriptionArn: string } | { topicArn: string }, reason: string): number {
  const [column, value] = 'subscriptionArn' in of ? ['subscription_arn', of.subscriptionArn] : ['topic_arn', of.topicArn];
  const ids = ctx.store.all(`SELECT id FROM sns_deliveries WHERE ${column} = ? AND status = 'Pending'`, value).map((r) => num(r, 'id'));
  if (ids.length === 0) return 0;
  const now = ctx.clock.now();
  ctx.store.run(`UPDATE sns_deliveries SET status = 'Failed', reason = ?, updated = ? WHERE ${column} = ? AND status = 'Pending'`, reason, now, value);
  ctx.bus.publish({ type: DELIVERY_CANCELLED, resource: value, detail: { deliveryIds: ids, reason } });
  return ids.length;
}

/** How long finished deliveries (Delivered, Failed) and their attempts are kept before the worker deletes them. */
export const DELIVERY_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/** Deletes the Delivered and Failed deliveries last changed before `before`, with their attempts, in one transaction. */
export function purgeDeliveries(ctx: Pick<ServiceContext, 'store'>, before: number): number {
  return ctx.store.tx(() => {
    const old = "status IN ('Delivered', 'Failed') AND updated < ?";
    ctx.store.run(`DELETE FROM sns_delivery_attempts WHERE delivery_id IN (SELECT id FROM sns_deliveries WHERE ${old})`, before);
    return ctx.store.run(`DELETE FROM sns_deliveries WHERE ${old}`, before).changes;
  });
}

export function pendingDeliveries(ctx: Pick<ServiceContext, 'store'>): Delivery[] {
  return ctx.store.all("SELECT * FROM sns_deliveries WHERE status = 'Pending' ORDER BY id").map(toDelivery);
}

export function findDelivery(ctx: Pick<ServiceContext, 'store'>, id: number): Delivery | undefined {
  const row = ctx.store.get('SELECT * FROM sns_deliveries WHERE id = ?', id);
  return row === undefined ? undefined : toDelivery(row);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The POST AWS makes: headers and the JSON body, field for field. Slipway does not sign messages: SignatureVersion
 * is "1" and Signature / SigningCertURL are empty (documented in docs/notifications.md).
 */
export function httpRequestFor(d: Delivery, endpointUrl: string): { headers: Record<string, string>; body: string } {
  const base = `${endpointUrl.replace(/\/$/, '')}${SNS_URL_PATH}`;
  const q = (params: Record<string, string>): string => `${base}?${new URLSearchParams(params).toString()}`;
  const signature = { SignatureVersion: '1', Signature: '', SigningCertURL: '' };
  let body: Record<string, unknown>;
  if (d.type === 'Notification') {
    body = {
      Type: d.type,
      MessageId: d.messageId,
      TopicArn: d.topicArn,
      ...(d.subject === undefined ? {} : { Subject: d.subject }),
      Message: d.message,
      Timestamp: iso(d.published),
      ...signature,
      UnsubscribeURL: q({ Action: 'Unsubscribe', SubscriptionArn: d.subscriptionArn }),
      ...(Object.keys(d.messageAttributes).length === 0 ? {} : { MessageAttributes: d.messageAttributes }),
    };
  } else {
    body = {
      Type: d.type,
      MessageId: d.messageId,
      Token: d.token ?? '',
      TopicArn: d.topicArn,
      Message: d.message,
      SubscribeURL: q({ Action: 'ConfirmSubscription', TopicArn: d.topicArn, Token: d.token ?? '' }),
      Timestamp: iso(d.published),
      ...signature,
    };
  }
  const headers: Record<string, string> = {
    'content-type': 'text/plain; charset=UTF-8',
    'user-agent': 'Amazon Simple Notification Service Agent',
    'x-amz-sns-message-type': d.type,
    'x-amz-sns-message-id': d.messageId,
    'x-amz-sns-topic-arn': d.topicArn,
  };
  if (d.type !== 'SubscriptionConfirmation') headers['x-amz-sns-subscription-arn'] = d.subscriptionArn;
  return { headers, body: JSON.stringify(body) };
}

export interface AttemptOutcome {
  /** The HTTP status, or undefined when no response came (connection refused, timeout). */
  readonly statusCode?: number;
  /** The response body's start, or the network error. */
  readonly response: string;
}

/** AWS retries server errors, throttling and no response; other 4xx are client errors it does not retry. */
export function isRetryable(o: AttemptOutcome): boolean {
  return o.statusCode === undefined || o.statusCode >= 500 || o.statusCode === 429;
}

export function isSuccess(o: AttemptOutcome): boolean {
  return o.statusCode !== undefined && o.statusCode >= 200 && o.statusCode < 300;
}

/** One delivery-status log record, shaped as SNS writes them to `sns/<region>/<account>/<topic>[/Failure]`. */
export function deliveryStatusRecord(d: Delivery, attempt: number, o: AttemptOutcome, at: number): Record<string, unknown> {
  const success = isSuccess(o);
  return {
    notification: {
      messageMD5Sum: createHash('md5').update(d.message).digest('hex'),
      messageId: d.messageId,
      topicArn: d.topicArn,
      timestamp: iso(d.published).replace('T', ' ').replace('Z', ''),
    },
    delivery: {
      deliveryId: `${d.messageId}-${attempt}`,
      destination: d.endpoint,
      providerResponse: o.response,
      dwellTimeMs: Math.max(0, at - d.published),
      attempts: attempt,
      ...(o.statusCode === undefined ? {} : { statusCode: o.statusCode }),
    },
    status: success ? 'SUCCESS' : 'FAILURE',
  };
}

/**
 * Records one attempt (in the caller's transaction): the attempt row, the delivery's new status and next time, and a
 * `sns.delivery.attempted` event. Returns the delivery as it now stands.
 */
export function recordAttempt(ctx: Pick<ServiceContext, 'store' | 'bus' | 'clock'>, d: Delivery, o: AttemptOutcome): Delivery {
  const now = ctx.clock.now();
  const attempt = d.attempts + 1;
  const success = isSuccess(o);
  const retriesLeft = d.schedule.length - (attempt - 1);
  const retry = !success && isRetryable(o) && retriesLeft > 0;
  const status: DeliveryStatus = success ? 'Delivered' : retry ? 'Pending' : 'Failed';
  const next = retry ? now + (d.schedule[attempt - 1] ?? 0) : now;
  ctx.store.run(
    'INSERT INTO sns_delivery_attempts (delivery_id, attempt, at, status_code, response, outcome) VALUES (?, ?, ?, ?, ?, ?)',
    d.id,
    attempt,
    now,
    o.statusCode ?? null,
    o.response,
    success ? 'SUCCESS' : 'FAILURE',
  );
  ctx.store.run('UPDATE sns_deliveries SET status = ?, attempts = ?, next_attempt = ?, updated = ? WHERE id = ?', status, attempt, next, now, d.id);
  ctx.bus.publish({
    type: DELIVERY_ATTEMPTED,
    resource: d.subscriptionArn,
    detail: { deliveryId: d.id, messageId: d.messageId, type: d.type, topicArn: d.topicArn, attempt, ...(o.statusCode === undefined ? {} : { statusCode: o.statusCode }), response: o.response, status, ...(retry ? { nextAttempt: next } : {}) },
  });
  return { ...d, status, attempts: attempt, nextAttempt: next };
}

export interface AttemptRecord {
  readonly attempt: number;
  readonly at: number;
  readonly statusCode?: number;
  readonly response: string;
  readonly outcome: 'SUCCESS' | 'FAILURE';
}

/** The delivery log of one message to one subscription, oldest attempt first. */
export function attemptsOf(ctx: Pick<ServiceContext, 'store'>, deliveryId: number): AttemptRecord[] {
  return ctx.store.all('SELECT * FROM sns_delivery_attempts WHERE delivery_id = ? ORDER BY attempt', deliveryId).map((r) => {
    const code = r['status_code'];
    return {
      attempt: num(r, 'attempt'),
      at: num(r, 'at'),
      ...(typeof code === 'number' ? { statusCode: code } : {}),
      response: str(r, 'response'),
      outcome: str(r, 'outcome') as AttemptRecord['outcome'],
    };
  });
}
