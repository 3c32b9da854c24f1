// Subscriptions (HTTP/HTTPS only): Subscribe with AWS's confirmation handshake, ConfirmSubscription, Unsubscribe, the two lists.
import type {
  ConfirmSubscriptionInput,
  ConfirmSubscriptionResponse,
  ListSubscriptionsByTopicInput,
  ListSubscriptionsByTopicResponse,
  ListSubscriptionsInput,
  ListSubscriptionsResponse,
  SubscribeInput,
  SubscribeResponse,
  UnsubscribeInput,
} from '@aws-sdk/client-sns';
import { randomBytes } from 'node:crypto';
import { describeValue } from '../../core/errors.ts';
import { uuid } from '../../core/ids.ts';
import type { ServiceContext } from '../types.ts';
import { invalidParameter, notFound, optionalString, page, readQueryMap, requireString, requireTopic, subscriptionView, toSubscription, type SubscriptionRow } from './common.ts';
import { cancelDeliveries, enqueueDelivery } from './deliveries.ts';
import { DEFAULT_HTTP_RETRY_POLICY, readRetryPolicy, retryDelays } from './delivery-policy.ts';

const PROTOCOLS = new Set(['http', 'https']);
const SUBSCRIPTION_ATTRIBUTES = new Set(['DeliveryPolicy', 'RawMessageDelivery', 'FilterPolicy', 'FilterPolicyScope', 'RedrivePolicy']);
/** AWS's confirmation tokens stay valid for three days. */
const TOKEN_TTL_MS = 3 * 24 * 60 * 60 * 1000;

type Ctx = Pick<ServiceContext, 'store' | 'bus' | 'clock' | 'config'>;

/** Retry delays for a subscription: its own DeliveryPolicy, else the topic's, else AWS's default. */
export function scheduleFor(ctx: Pick<ServiceContext, 'store'>, topicArn: string, subscriptionAttributes: Record<string, string>): number[] {
  const topic = ctx.store.get('SELECT attributes FROM sns_topics WHERE arn = ?', topicArn);
  const topicAttributes = topic === undefined ? {} : (JSON.parse(String(topic['attributes'])) as Record<string, string>);
  const policy =
    readRetryPolicy(subscriptionAttributes['DeliveryPolicy'], 'DeliveryPolicy') ?? readRetryPolicy(topicAttributes['DeliveryPolicy'], 'DeliveryPolicy') ?? DEFAULT_HTTP_RETRY_POLICY;
  return retryDelays(policy);
}

function queueConfirmation(ctx: Ctx, s: SubscriptionRow): void {
  enqueueDelivery(ctx, {
    messageId: uuid(),
    type: 'SubscriptionConfirmation',
    topicArn: s.topicArn,
    subscriptionArn: s.arn,
    endpoint: s.endpoint,
    token: s.token,
    message: `You have chosen to subscribe to the topic ${s.topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
    schedule: scheduleFor(ctx, s.topicArn, s.attributes),
  });
}

export function subscribe(input: SubscribeInput, ctx: Ctx): SubscribeResponse {
  const raw = input as unknown as Record<string, unknown>;
  const topicArnValue = requireString(raw, 'TopicArn');
  const protocol = requireString(raw, 'Protocol');
  if (!PROTOCOLS.has(protocol)) {
    throw invalidParameter(`Amazon SNS does not support this protocol string: ${protocol} (Slipway delivers to http and https endpoints only)`);
  }
  const endpoint = requireString(raw, 'Endpoint');
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== `${protocol}:`) throw invalidParameter(`Endpoint: found ${describeValue(endpoint)}, expected a ${protocol}:// URL (Endpoint must match the specified protocol)`);
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(readQueryMap(raw, 'Attributes'))) {
    if (!SUBSCRIPTION_ATTRIBUTES.has(key)) throw invalidParameter(`Attributes: found ${describeValue(key)}, expected one of ${[...SUBSCRIPTION_ATTRIBUTES].join(', ')}`);
    if (typeof value !== 'string') throw invalidParameter(`Attributes (${key}): found ${describeValue(value)}, expected a string`);
    if (key === 'FilterPolicy' || key === 'RedrivePolicy') throw invalidParameter(`Attributes: ${key} is not supported by Slipway (every confirmed HTTP/S subscription receives every message)`);
    if (key === 'DeliveryPolicy') readRetryPolicy(value, key);
    attributes[key] = value;
  }
  const returnArn = raw['ReturnSubscriptionArn'] === true || raw['ReturnSubscriptionArn'] === 'true';
  return ctx.store.tx(() => {
    requireTopic(ctx, topicArnValue);
    const existing = ctx.store.get('SELECT * FROM sns_subscriptions WHERE topic_arn = ? AND protocol = ? AND endpoint = ?', topicArnValue, protocol, endpoint);
    if (existing !== undefined) {
      const s = toSubscription(existing);
      if (s.status === 'Confirmed') return { SubscriptionArn: s.arn };
      // A repeated Subscribe of a pending endpoint sends a confirmation again, as AWS does, with a fresh token and a
      // fresh three days: resending an expired token would leave the subscription impossible to confirm.
      const renewed: SubscriptionRow = { ...s, token: randomBytes(64).toString('hex'), created: ctx.clock.now() };
      ctx.store.run('UPDATE sns_subscriptions SET token = ?, created = ? WHERE arn = ?', renewed.token, renewed.created, s.arn);
      // A confirmation still being retried carries the old token, which no longer works.
      cancelDeliveries(ctx, { subscriptionArn: s.arn }, 'Not delivered: replaced by the confirmation a later Subscribe sent');
      queueConfirmation(ctx, renewed);
      return { SubscriptionArn: returnArn ? s.arn : 'pending confirmation' };
    }
    const s: SubscriptionRow = {
      arn: `${topicArnValue}:${uuid()}`,
      topicArn: topicArnValue,
      protocol,
      endpoint,
      status: 'PendingConfirmation',
      token: randomBytes(64).toString('hex'),
      attributes,
      created: ctx.clock.now(),
    };
    ctx.store.run(
      'INSERT INTO sns_subscriptions (arn, topic_arn, protocol, endpoint, status, token, attributes, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      s.arn,
      s.topicArn,
      s.protocol,
      s.endpoint,
      s.status,
      s.token,
      JSON.stringify(s.attributes),
      s.created,
    );
    ctx.bus.publish({ type: 'sns.subscription.created', resource: s.arn, detail: { topicArn: s.topicArn, protocol, endpoint, status: s.status } });
    queueConfirmation(ctx, s);
    return { SubscriptionArn: returnArn ? s.arn : 'pending confirmation' };
  });
}

/** ConfirmSubscription, also reached unsigned through the SubscribeURL GET. */
export function confirmSubscription(input: ConfirmSubscriptionInput, ctx: Ctx): ConfirmSubscriptionResponse {
  const raw = input as unknown as Record<string, unknown>;
  const topicArnValue = requireString(raw, 'TopicArn');
  const token = requireString(raw, 'Token');
  return ctx.store.tx(() => {
    requireTopic(ctx, topicArnValue);
    const row = ctx.store.get('SELECT * FROM sns_subscriptions WHERE topic_arn = ? AND token = ?', topicArnValue, token);
    if (row === undefined) throw invalidParameter(`Token: no pending subscription of topic ${topicArnValue} has this token (it was replaced by a later Subscribe, or the subscription was deleted); Subscribe again for a new one`);
    const s = toSubscription(row);
    if (s.status === 'Confirmed') return { SubscriptionArn: s.arn };
    if (ctx.clock.now() - s.created > TOKEN_TTL_MS) throw invalidParameter('Token: the confirmation token has expired (tokens are valid for 3 days); Subscribe again');
    ctx.store.run("UPDATE sns_subscriptions SET status = 'Confirmed' WHERE arn = ?", s.arn);
    ctx.bus.publish({ type: 'sns.subscription.confirmed', resource: s.arn, detail: { topicArn: s.topicArn, endpoint: s.endpoint } });
    return { SubscriptionArn: s.arn };
  });
}

/** Unsubscribe, also reached through the UnsubscribeURL GET; AWS then POSTs an UnsubscribeConfirmation. */
export function unsubscribe(input: UnsubscribeInput, ctx: Ctx): Record<string, never> {
  const arnValue = requireString(input as unknown as Record<string, unknown>, 'SubscriptionArn');
  ctx.store.tx(() => {
    const row = ctx.store.get('SELECT * FROM sns_subscriptions WHERE arn = ?', arnValue);
    if (row === undefined) throw notFound('Subscription does not exist');
    const s = toSubscription(row);
    ctx.store.run('DELETE FROM sns_subscriptions WHERE arn = ?', arnValue);
    cancelDeliveries(ctx, { subscriptionArn: s.arn }, `Not delivered: subscription ${s.arn} was deleted (Unsubscribe)`);
    ctx.bus.publish({ type: 'sns.subscription.deleted', resource: s.arn, detail: { topicArn: s.topicArn } });
    if (s.status === 'Confirmed') {
      enqueueDelivery(ctx, {
        messageId: uuid(),
        type: 'UnsubscribeConfirmation',
        topicArn: s.topicArn,
        subscriptionArn: s.arn,
        endpoint: s.endpoint,
        token: s.token,
        // AWS's SubscribeURL restores the subscription; Slipway has deleted it, so only a new Subscribe brings it back.
        message: `You have chosen to deactivate subscription ${s.arn}.\nTo subscribe again, call Subscribe for topic ${s.topicArn} with endpoint ${s.endpoint} (in Slipway the SubscribeURL in this message does not restore the subscription).`,
        schedule: scheduleFor(ctx, s.topicArn, s.attributes),
      });
    }
  });
  return {};
}

export function listSubscriptions(input: ListSubscriptionsInput, ctx: Ctx): ListSubscriptionsResponse {
  const token = optionalString(input as unknown as Record<string, unknown>, 'NextToken');
  const all = ctx.store.all('SELECT * FROM sns_subscriptions ORDER BY created, arn').map((r) => subscriptionView(toSubscription(r), ctx.config.accountId));
  const { items, next } = page(all, token);
  return next === undefined ? { Subscriptions: items } : { Subscriptions: items, NextToken: next };
}

export function listSubscriptionsByTopic(input: ListSubscriptionsByTopicInput, ctx: Ctx): ListSubscriptionsByTopicResponse {
  const raw = input as unknown as Record<string, unknown>;
  const topicArnValue = requireString(raw, 'TopicArn');
  const token = optionalString(raw, 'NextToken');
  requireTopic(ctx, topicArnValue);
  const all = ctx.store.all('SELECT * FROM sns_subscriptions WHERE topic_arn = ? ORDER BY created, arn', topicArnValue).map((r) => subscriptionView(toSubscription(r), ctx.config.accountId));
  const { items, next } = page(all, token);
  return next === undefined ? { Subscriptions: items } : { Subscriptions: items, NextToken: next };
}
