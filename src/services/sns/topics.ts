// Topics: CreateTopic (idempotent by name), DeleteTopic, ListTopics, GetTopicAttributes, SetTopicAttributes.
import type {
  CreateTopicInput,
  CreateTopicResponse,
  DeleteTopicInput,
  GetTopicAttributesInput,
  GetTopicAttributesResponse,
  ListTopicsInput,
  ListTopicsResponse,
  SetTopicAttributesInput,
} from '@aws-sdk/client-sns';
import { describeValue } from '../../core/errors.ts';
import type { OperationContext } from '../types.ts';
import { invalidParameter, optionalString, page, readQueryMap, requireString, requireTopic, toSubscription, toTopic, TOPIC_NAME, topicArn } from './common.ts';
import { cancelDeliveries } from './deliveries.ts';
import { effectiveDeliveryPolicy, readRetryPolicy } from './delivery-policy.ts';

/** The attributes a user may set; the rest of GetTopicAttributes is computed. */
const SETTABLE = new Set([
  'DisplayName',
  'Policy',
  'DeliveryPolicy',
  'HTTPSuccessFeedbackRoleArn',
  'HTTPSuccessFeedbackSampleRate',
  'HTTPFailureFeedbackRoleArn',
  'KmsMasterKeyId',
  'SignatureVersion',
  'TracingConfig',
]);

function checkAttribute(name: string, value: unknown): string {
  if (!SETTABLE.has(name)) {
    if (name === 'FifoTopic' || name === 'ContentBasedDeduplication') throw invalidParameter(`Attributes: ${name}: Slipway supports standard topics only, not FIFO topics`);
    throw invalidParameter(`AttributeName: found ${describeValue(name)}, expected one of ${[...SETTABLE].join(', ')}`);
  }
  if (typeof value !== 'string') throw invalidParameter(`AttributeValue (${name}): found ${describeValue(value)}, expected a string`);
  if (name === 'DeliveryPolicy') readRetryPolicy(value, name);
  if (name === 'DisplayName' && value.length > 100) throw invalidParameter(`DisplayName: found ${value.length} characters, expected at most 100`);
  if (name === 'SignatureVersion' && value !== '1' && value !== '2') throw invalidParameter(`SignatureVersion: found ${describeValue(value)}, expected 1 or 2`);
  return value;
}

function defaultPolicy(arnValue: string, accountId: string): string {
  return JSON.stringify({
    Version: '2008-10-17',
    Id: '__default_policy_ID',
    Statement: [
      {
        Sid: '__default_statement_ID',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['SNS:GetTopicAttributes', 'SNS:SetTopicAttributes', 'SNS:AddPermission', 'SNS:RemovePermission', 'SNS:DeleteTopic', 'SNS:Subscribe', 'SNS:ListSubscriptionsByTopic', 'SNS:Publish'],
        Resource: arnValue,
        Condition: { StringEquals: { 'AWS:SourceOwner': accountId } },
      },
    ],
  });
}

export function createTopic(input: CreateTopicInput, ctx: OperationContext): CreateTopicResponse {
  const raw = input as unknown as Record<string, unknown>;
  const name = requireString(raw, 'Name');
  if (name.endsWith('.fifo')) throw invalidParameter('Name: FIFO topics (.fifo) are not supported by Slipway; create a standard topic');
  if (!TOPIC_NAME.test(name)) {
    throw invalidParameter(`Topic Name: found ${describeValue(name)}, expected 1 to 256 ASCII letters, digits, hyphens and underscores`);
  }
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(readQueryMap(raw, 'Attributes'))) attributes[key] = checkAttribute(key, value);
  const arnValue = topicArn(ctx, name);
  return ctx.store.tx(() => {
    const existing = ctx.store.get('SELECT * FROM sns_topics WHERE arn = ?', arnValue);
    if (existing !== undefined) {
      // AWS returns the existing topic for a repeated CreateTopic unless the attributes asked for differ.
      const current = toTopic(existing).attributes;
      const differs = Object.entries(attributes).some(([k, v]) => current[k] !== v);
      if (differs) throw invalidParameter('Attributes Reason: Topic already exists with different attributes');
      return { TopicArn: arnValue };
    }
    ctx.store.run('INSERT INTO sns_topics (arn, name, attributes, created) VALUES (?, ?, ?, ?)', arnValue, name, JSON.stringify(attributes), ctx.clock.now());
    ctx.bus.publish({ type: 'sns.topic.created', resource: arnValue, detail: { name } });
    return { TopicArn: arnValue };
  });
}

export function deleteTopic(input: DeleteTopicInput, ctx: OperationContext): Record<string, never> {
  const arnValue = requireString(input as unknown as Record<string, unknown>, 'TopicArn');
  ctx.store.tx(() => {
    // Deleting a topic that does not exist succeeds on AWS too.
    const { changes } = ctx.store.run('DELETE FROM sns_topics WHERE arn = ?', arnValue);
    if (changes === 0) return;
    ctx.store.run('DELETE FROM sns_subscriptions WHERE topic_arn = ?', arnValue);
    cancelDeliveries(ctx, { topicArn: arnValue }, `Not delivered: topic ${arnValue} was deleted (DeleteTopic)`);
    ctx.bus.publish({ type: 'sns.topic.deleted', resource: arnValue, detail: {} });
  });
  return {};
}

export function listTopics(input: ListTopicsInput, ctx: OperationContext): ListTopicsResponse {
  const token = optionalString(input as unknown as Record<string, unknown>, 'NextToken');
  const arns = ctx.store.all('SELECT arn FROM sns_topics ORDER BY arn').map((r) => ({ TopicArn: String(r['arn']) }));
  const { items, next } = page(arns, token);
  return next === undefined ? { Topics: items } : { Topics: items, NextToken: next };
}

export function getTopicAttributes(input: GetTopicAttributesInput, ctx: OperationContext): GetTopicAttributesResponse {
  const topic = requireTopic(ctx, requireString(input as unknown as Record<string, unknown>, 'TopicArn'));
  const subs = ctx.store.all('SELECT * FROM sns_subscriptions WHERE topic_arn = ?', topic.arn).map(toSubscription);
  const attributes: Record<string, string> = {
    TopicArn: topic.arn,
    Owner: ctx.config.accountId,
    Policy: defaultPolicy(topic.arn, ctx.config.accountId),
    DisplayName: '',
    SubscriptionsConfirmed: String(subs.filter((s) => s.status === 'Confirmed').length),
    SubscriptionsPending: String(subs.filter((s) => s.status === 'PendingConfirmation').length),
    SubscriptionsDeleted: '0',
    EffectiveDeliveryPolicy: effectiveDeliveryPolicy(topic.attributes['DeliveryPolicy']),
    ...topic.attributes,
  };
  // The Query codec writes a Map as <entry><key/><value/></entry>, the wire form of SNS's attribute maps.
  return { Attributes: new Map(Object.entries(attributes)) as unknown as Record<string, string> };
}

export function setTopicAttributes(input: SetTopicAttributesInput, ctx: OperationContext): Record<string, never> {
  const raw = input as unknown as Record<string, unknown>;
  const arnValue = requireString(raw, 'TopicArn');
  const name = requireString(raw, 'AttributeName');
  const value = checkAttribute(name, raw['AttributeValue'] ?? '');
  ctx.store.tx(() => {
    const topic = requireTopic(ctx, arnValue);
    const attributes = { ...topic.attributes, [name]: value };
    if (value === '') delete attributes[name];
    ctx.store.run('UPDATE sns_topics SET attributes = ? WHERE arn = ?', JSON.stringify(attributes), arnValue);
    ctx.bus.publish({ type: 'sns.topic.attributes-changed', resource: arnValue, detail: { attribute: name } });
  });
  return {};
}
