// Publish: one message to a topic becomes one queued HTTP/S delivery per confirmed subscription (the engine sends them).
import type { PublishInput, PublishResponse } from '@aws-sdk/client-sns';
import { describeValue } from '../../core/errors.ts';
import { uuid } from '../../core/ids.ts';
import type { ServiceContext } from '../types.ts';
import { invalidParameter, optionalString, readQueryMap, requireString, requireTopic, toSubscription } from './common.ts';
import { enqueueDelivery, type Delivery } from './deliveries.ts';
import { scheduleFor } from './subscriptions.ts';

/** AWS's limit on a message's size. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

export interface PublishRequest {
  readonly message: string;
  readonly subject?: string;
  /** `json`: Message is an object of per-protocol messages with a `default`. */
  readonly messageStructure?: string;
  readonly messageAttributes?: Delivery['messageAttributes'];
}

type Ctx = Pick<ServiceContext, 'store' | 'bus' | 'clock' | 'config'>;

function checkSubject(subject: string): void {
  if (subject.length === 0 || subject.length > 100 || !/^[\x20-\x7e]+$/.test(subject)) {
    throw invalidParameter(`Subject: found ${describeValue(subject)}, expected 1 to 100 printable ASCII characters without line breaks`);
  }
}

function perProtocol(message: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as Record<string, unknown>)['default'] !== 'string') {
    throw invalidParameter('Message Structure - No default entry in JSON message body');
  }
  return parsed as Record<string, unknown>;
}

/**
 * Publishes to a topic (in one transaction): the engines' and EventBridge's way in as well as Publish's.
 * Throws NotFound when the topic does not exist. Returns the MessageId.
 */
export function publishToTopic(ctx: Ctx, topicArn: string, req: PublishRequest): string {
  if (Buffer.byteLength(req.message) > MAX_MESSAGE_BYTES) throw invalidParameter(`Message too long: ${Buffer.byteLength(req.message)} bytes, expected at most ${MAX_MESSAGE_BYTES}`);
  if (req.subject !== undefined) checkSubject(req.subject);
  const structured = req.messageStructure === 'json' ? perProtocol(req.message) : undefined;
  if (req.messageStructure !== undefined && req.messageStructure !== 'json') throw invalidParameter(`MessageStructure: found ${describeValue(req.messageStructure)}, expected json`);
  const messageId = uuid();
  ctx.store.tx(() => {
    requireTopic(ctx, topicArn);
    const subs = ctx.store.all("SELECT * FROM sns_subscriptions WHERE topic_arn = ? AND status = 'Confirmed' ORDER BY created", topicArn).map(toSubscription);
    for (const s of subs) {
      const chosen = structured?.[s.protocol] ?? structured?.['default'];
      enqueueDelivery(ctx, {
        messageId,
        type: 'Notification',
        topicArn,
        subscriptionArn: s.arn,
        endpoint: s.endpoint,
        message: typeof chosen === 'string' ? chosen : req.message,
        ...(req.subject === undefined ? {} : { subject: req.subject }),
        messageAttributes: req.messageAttributes ?? {},
        schedule: scheduleFor(ctx, topicArn, s.attributes),
      });
    }
    ctx.bus.publish({ type: 'sns.message.published', resource: topicArn, detail: { messageId, subscriptions: subs.length } });
  });
  return messageId;
}

const DATA_TYPE = /^(String|Number|Binary)(\..+)?$|^String\.Array$/;

function readMessageAttributes(raw: Record<string, unknown>): Delivery['messageAttributes'] {
  const out: Delivery['messageAttributes'] = {};
  for (const [name, value] of Object.entries(readQueryMap(raw, 'MessageAttributes', 'Name', 'Value'))) {
    const v = (value ?? {}) as Record<string, unknown>;
    const type = v['DataType'];
    if (typeof type !== 'string' || !DATA_TYPE.test(type)) {
      throw invalidParameter(`MessageAttributes.${name}.DataType: found ${describeValue(type)}, expected String, String.Array, Number or Binary`);
    }
    const isBinary = type.startsWith('Binary');
    const data = isBinary ? v['BinaryValue'] : v['StringValue'];
    if (data === undefined || data === null) {
      throw invalidParameter(`The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`);
    }
    const text = data instanceof Uint8Array ? Buffer.from(data).toString('base64') : typeof data === 'string' ? data : JSON.stringify(data);
    out[name] = { Type: type, Value: text };
  }
  return out;
}

export function publish(input: PublishInput, ctx: Ctx): PublishResponse {
  const raw = input as unknown as Record<string, unknown>;
  if (raw['PhoneNumber'] !== undefined) throw invalidParameter('PhoneNumber: Slipway publishes to topics only (no SMS)');
  const target = optionalString(raw, 'TopicArn') ?? optionalString(raw, 'TargetArn');
  if (target === undefined) throw invalidParameter('TopicArn or TargetArn Reason: no value for required parameter');
  const message = requireString(raw, 'Message');
  const subject = optionalString(raw, 'Subject');
  const messageStructure = optionalString(raw, 'MessageStructure');
  const messageId = publishToTopic(ctx, target, {
    message,
    ...(subject === undefined ? {} : { subject }),
    ...(messageStructure === undefined ? {} : { messageStructure }),
    messageAttributes: readMessageAttributes(raw),
  });
  return { MessageId: messageId };
}
