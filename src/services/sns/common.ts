// SNS's shared pieces: its error codes, Query-map reading, ARNs, paging, and the row readers topics and subscriptions share.
import { describeValue, SlipwayError } from '../../core/errors.ts';
import { arn, parseArn } from '../../core/ids.ts';
import { num, str, type Row } from '../../store/db.ts';
import type { ServiceContext } from '../types.ts';

/** SNS's `InvalidParameter` (HTTP 400): AWS words its messages "Invalid parameter: <what>". */
export function invalidParameter(message: string): SlipwayError {
  return new SlipwayError('InvalidParameter', `Invalid parameter: ${message}`, { extra: { httpStatus: 400 } });
}

export function notFound(message: string): SlipwayError {
  return new SlipwayError('NotFound', message, { extra: { httpStatus: 404 } });
}

/** Reads a required string member, or throws InvalidParameter naming it (SNS validates one member at a time). */
export function requireString(input: Record<string, unknown>, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') throw invalidParameter(`${name}: found ${describeValue(value)}, expected a non-empty string`);
  return value;
}

export function optionalString(input: Record<string, unknown>, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidParameter(`${name}: found ${describeValue(value)}, expected a string`);
  return value;
}

/**
 * A Query-protocol map (`Attributes.entry.N.key` / `.value`) as a plain record. The codec nests it as
 * {entry: {'1': {key, value}}}; the SDK's JSON-ish tests may pass a plain object, which is accepted as is.
 */
export function readQueryMap(input: Record<string, unknown>, name: string, keyName = 'key', valueName = 'value'): Record<string, unknown> {
  const raw = input[name];
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalidParameter(`${name}: found ${describeValue(raw)}, expected a map`);
  const entries = (raw as Record<string, unknown>)['entry'];
  if (entries === undefined) return { ...(raw as Record<string, unknown>) };
  const list = Array.isArray(entries) ? entries : Object.values(entries as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  for (const entry of list) {
    if (typeof entry !== 'object' || entry === null) continue;
    const key = (entry as Record<string, unknown>)[keyName];
    if (typeof key !== 'string') throw invalidParameter(`${name}: an entry without a ${keyName}`);
    out[key] = (entry as Record<string, unknown>)[valueName];
  }
  return out;
}

/** Topic names: 1–256 ASCII letters, digits, hyphens and underscores (a `.fifo` suffix marks FIFO topics). */
export const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;

export function topicArn(ctx: Pick<ServiceContext, 'config'>, name: string): string {
  return arn(ctx.config, 'sns', name);
}

/** The topic name of an SNS topic ARN of this Slipway's account and region, or undefined. */
export function topicNameOf(ctx: Pick<ServiceContext, 'config'>, value: string): string | undefined {
  const parsed = parseArn(value);
  if (parsed === undefined || parsed.service !== 'sns' || parsed.region !== ctx.config.region || parsed.accountId !== ctx.config.accountId) return undefined;
  return TOPIC_NAME.test(parsed.resource) ? parsed.resource : undefined;
}

export interface TopicRow {
  readonly arn: string;
  readonly name: string;
  readonly attributes: Record<string, string>;
  readonly created: number;
}

export function toTopic(row: Row): TopicRow {
  return { arn: str(row, 'arn'), name: str(row, 'name'), attributes: JSON.parse(str(row, 'attributes')) as Record<string, string>, created: num(row, 'created') };
}

/** The topic an ARN names, or NotFound as AWS words it. */
export function requireTopic(ctx: Pick<ServiceContext, 'store'>, arnValue: string): TopicRow {
  const row = ctx.store.get('SELECT * FROM sns_topics WHERE arn = ?', arnValue);
  if (row === undefined) throw notFound(`Topic does not exist: ${arnValue} (create it with CreateTopic, or check the ARN's region and account)`);
  return toTopic(row);
}

export type SubscriptionStatus = 'PendingConfirmation' | 'Confirmed';

export interface SubscriptionRow {
  readonly arn: string;
  readonly topicArn: string;
  readonly protocol: string;
  readonly endpoint: string;
  readonly status: SubscriptionStatus;
  readonly token: string;
  readonly attributes: Record<string, string>;
  readonly created: number;
}

export function toSubscription(row: Row): SubscriptionRow {
  return {
    arn: str(row, 'arn'),
    topicArn: str(row, 'topic_arn'),
    protocol: str(row, 'protocol'),
    endpoint: str(row, 'endpoint'),
    status: str(row, 'status') as SubscriptionStatus,
    token: str(row, 'token'),
    attributes: JSON.parse(str(row, 'attributes')) as Record<string, string>,
    created: num(row, 'created'),
  };
}

/** ListSubscriptions' view: AWS shows "PendingConfirmation" in place of the ARN until the endpoint confirms. */
export function subscriptionView(s: SubscriptionRow, accountId: string): Record<string, string> {
  return {
    SubscriptionArn: s.status === 'Confirmed' ? s.arn : 'PendingConfirmation',
    Owner: accountId,
    Protocol: s.protocol,
    Endpoint: s.endpoint,
    TopicArn: s.topicArn,
  };
}

/** NextToken paging over a stable ordering (AWS pages topics and subscriptions by 100). */
export function page<T>(items: readonly T[], token: string | undefined, size = 100): { items: T[]; next?: string } {
  let start = 0;
  if (token !== undefined) {
    const decoded = Number(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded < 0) throw invalidParameter(`NextToken: found ${describeValue(token)}, expected a NextToken from a previous response`);
    start = decoded;
  }
  const slice = items.slice(start, start + size);
  const end = start + slice.length;
  return end < items.length ? { items: slice, next: Buffer.from(String(end)).toString('base64url') } : { items: slice };
}
