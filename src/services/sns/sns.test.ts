import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  ConfirmSubscriptionCommand,
  CreateTopicCommand,
  DeleteTopicCommand,
  GetTopicAttributesCommand,
  InvalidParameterException,
  ListSubscriptionsByTopicCommand,
  ListSubscriptionsCommand,
  ListTopicsCommand,
  NotFoundException,
  PublishCommand,
  SetTopicAttributesCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { checkShape, loadModel } from '../../../test/helpers/aws-model.ts';
import { startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import { freePort } from '../../../test/helpers/ports.ts';
import { WebhookReceiver } from './testing.ts';

const model = loadModel('sns.2010-03-31');
let t: TestDaemon;
let sns: SNSClient;
let logs: CloudWatchLogsClient;
let receiver: WebhookReceiver;
let hook: string;

before(async () => {
  t = await startTestDaemon();
  sns = new SNSClient(t.sdk);
  logs = new CloudWatchLogsClient(t.sdk);
  receiver = new WebhookReceiver();
  hook = await receiver.listen(await freePort());
});
after(async () => {
  sns.destroy();
  logs.destroy();
  await t.stop();
  await receiver.close();
});

function wire<T extends object>(out: T): Omit<T, '$metadata'> {
  const { $metadata: _, ...rest } = out as T & { $metadata?: unknown };
  return rest;
}

test('CreateTopic is idempotent by name; ListTopics, GetTopicAttributes, SetTopicAttributes and DeleteTopic', async () => {
  const a = await sns.send(new CreateTopicCommand({ Name: 'builds' }));
  assert.equal(a.TopicArn, 'arn:aws:sns:us-east-1:000000000000:builds');
  assert.deepEqual(checkShape(model, 'CreateTopicResponse', wire(a)), []);
  assert.equal((await sns.send(new CreateTopicCommand({ Name: 'builds' }))).TopicArn, a.TopicArn, 'a second CreateTopic returns the same topic');
  await assert.rejects(sns.send(new CreateTopicCommand({ Name: 'builds', Attributes: { DisplayName: 'other' } })), (e: Error) => e instanceof InvalidParameterException && /different attributes/.test(e.message));
  await assert.rejects(sns.send(new CreateTopicCommand({ Name: 'bad name!' })), InvalidParameterException);
  await assert.rejects(sns.send(new CreateTopicCommand({ Name: 'q.fifo' })), (e: Error) => /FIFO/.test(e.message));

  const listed = await sns.send(new ListTopicsCommand({}));
  assert.ok(listed.Topics?.some((x) => x.TopicArn === a.TopicArn));
  assert.deepEqual(checkShape(model, 'ListTopicsResponse', wire(listed)), []);

  await sns.send(new SetTopicAttributesCommand({ TopicArn: a.TopicArn, AttributeName: 'DisplayName', AttributeValue: 'Build news' }));
  const policy = JSON.stringify({ http: { defaultHealthyRetryPolicy: { minDelayTarget: 5, maxDelayTarget: 5, numRetries: 2 } } });
  await sns.send(new SetTopicAttributesCommand({ TopicArn: a.TopicArn, AttributeName: 'DeliveryPolicy', AttributeValue: policy }));
  const attrs = await sns.send(new GetTopicAttributesCommand({ TopicArn: a.TopicArn }));
  assert.deepEqual(checkShape(model, 'GetTopicAttributesResponse', wire(attrs)), []);
  assert.equal(attrs.Attributes?.['DisplayName'], 'Build news');
  assert.equal(attrs.Attributes?.['TopicArn'], a.TopicArn);
  assert.equal(attrs.Attributes?.['SubscriptionsPending'], '0');
  const effective = JSON.parse(attrs.Attributes?.['EffectiveDeliveryPolicy'] ?? '{}') as { http: { defaultHealthyRetryPolicy: { numRetries: number } } };
  assert.equal(effective.http.defaultHealthyRetryPolicy.numRetries, 2);
  await assert.rejects(sns.send(new SetTopicAttributesCommand({ TopicArn: a.TopicArn, AttributeName: 'DeliveryPolicy', AttributeValue: '{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":0}}}' })), InvalidParameterException);
  await assert.rejects(sns.send(new SetTopicAttributesCommand({ TopicArn: a.TopicArn, AttributeName: 'Colour', AttributeValue: 'x' })), InvalidParameterException);

  await sns.send(new DeleteTopicCommand({ TopicArn: a.TopicArn }));
  await assert.rejects(sns.send(new GetTopicAttributesCommand({ TopicArn: a.TopicArn })), NotFoundException);
  await sns.send(new DeleteTopicCommand({ TopicArn: a.TopicArn }));
});

test('Subscribe accepts http and https only, saying so', async () => {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'protocols' }));
  await assert.rejects(
    sns.send(new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'ops@example.com' })),
    (e: Error) => e instanceof InvalidParameterException && /does not support this protocol string: email/.test(e.message) && /http and https/.test(e.message),
  );
  await assert.rejects(sns.send(new SubscribeCommand({ TopicArn, Protocol: 'https', Endpoint: 'http://127.0.0.1/x' })), (e: Error) => /must match the specified protocol/.test(e.message));
  await assert.rejects(sns.send(new SubscribeCommand({ TopicArn: `${TopicArn ?? ''}-missing`, Protocol: 'http', Endpoint: hook })), NotFoundException);
});

test('HTTP subscription: confirmation POST, SubscribeURL GET, Publish delivered as AWS shapes it, Unsubscribe', async () => {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'deploys' }));
  const sub = await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: hook }));
  assert.equal(sub.SubscriptionArn, 'pending confirmation');
  assert.deepEqual(checkShape(model, 'SubscribeResponse', wire(sub)), []);

  const confirmation = await receiver.nextOfType('SubscriptionConfirmation', (b) => b['TopicArn'] === TopicArn);
  assert.equal(confirmation.headers['x-amz-sns-topic-arn'], TopicArn);
  assert.equal(confirmation.headers['content-type'], 'text/plain; charset=UTF-8');
  assert.equal(confirmation.headers['x-amz-sns-message-id'], confirmation.body['MessageId']);
  assert.deepEqual(Object.keys(confirmation.body), ['Type', 'MessageId', 'Token', 'TopicArn', 'Message', 'SubscribeURL', 'Timestamp', 'SignatureVersion', 'Signature', 'SigningCertURL']);
  assert.match(String(confirmation.body['Message']), /You have chosen to subscribe to the topic/);

  const pending = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
  assert.deepEqual(checkShape(model, 'ListSubscriptionsByTopicResponse', wire(pending)), []);
  assert.equal(pending.Subscriptions?.[0]?.SubscriptionArn, 'PendingConfirmation');

  // The receiver confirms by GETting the SubscribeURL, as an AWS webhook does.
  const confirm = await fetch(String(confirmation.body['SubscribeURL']));
  assert.equal(confirm.status, 200);
  assert.match(await confirm.text(), /<SubscriptionArn>arn:aws:sns:us-east-1:000000000000:deploys:/);
  const listed = await sns.send(new ListSubscriptionsCommand({}));
  assert.deepEqual(checkShape(model, 'ListSubscriptionsResponse', wire(listed)), []);
  const mine = listed.Subscriptions?.find((s) => s.TopicArn === TopicArn);
  assert.match(mine?.SubscriptionArn ?? '', /^arn:aws:sns:us-east-1:000000000000:deploys:[0-9a-f-]{36}$/);
  assert.equal(mine?.Protocol, 'http');
  assert.equal(mine?.Endpoint, hook);

  const published = await sns.send(
    new PublishCommand({ TopicArn, Subject: 'Deploy done', Message: 'web is live', MessageAttributes: { env: { DataType: 'String', StringValue: 'prod' } } }),
  );
  assert.deepEqual(checkShape(model, 'PublishResponse', wire(published)), []);
  const note = await receiver.nextOfType('Notification', (b) => b['MessageId'] === published.MessageId);
  assert.equal(note.headers['x-amz-sns-subscription-arn'], mine?.SubscriptionArn);
  assert.deepEqual(Object.keys(note.body), ['Type', 'MessageId', 'TopicArn', 'Subject', 'Message', 'Timestamp', 'SignatureVersion', 'Signature', 'SigningCertURL', 'UnsubscribeURL', 'MessageAttributes']);
  assert.equal(note.body['Message'], 'web is live');
  assert.equal(note.body['Subject'], 'Deploy done');
  assert.deepEqual(note.body['MessageAttributes'], { env: { Type: 'String', Value: 'prod' } });
  assert.match(String(note.body['Timestamp']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

  await sns.send(new UnsubscribeCommand({ SubscriptionArn: mine?.SubscriptionArn }));
  const bye = await receiver.nextOfType('UnsubscribeConfirmation', (b) => b['TopicArn'] === TopicArn);
  assert.match(String(bye.body['Message']), /You have chosen to deactivate subscription/);
  assert.deepEqual((await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }))).Subscriptions, []);
  await assert.rejects(sns.send(new UnsubscribeCommand({ SubscriptionArn: mine?.SubscriptionArn })), NotFoundException);
});

test('ConfirmSubscription with the token from the confirmation message; delivery-status log readable with CloudWatch Logs', async () => {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'tokens' }));
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: `${hook}?t=tokens` }));
  const confirmation = await receiver.nextOfType('SubscriptionConfirmation', (b) => b['TopicArn'] === TopicArn);
  await assert.rejects(sns.send(new ConfirmSubscriptionCommand({ TopicArn, Token: 'not-the-token' })), InvalidParameterException);
  const confirmed = await sns.send(new ConfirmSubscriptionCommand({ TopicArn, Token: String(confirmation.body['Token']) }));
  assert.deepEqual(checkShape(model, 'ConfirmSubscriptionResponse', wire(confirmed)), []);
  assert.match(confirmed.SubscriptionArn ?? '', /^arn:aws:sns:us-east-1:000000000000:tokens:/);

  const attempted = t.daemon.bus.next((e) => e.type === 'sns.delivery.attempted' && e.resource === confirmed.SubscriptionArn);
  const { MessageId } = await sns.send(new PublishCommand({ TopicArn, Message: JSON.stringify({ default: 'plain', http: 'for http' }), MessageStructure: 'json' }));
  const note = await receiver.nextOfType('Notification', (b) => b['MessageId'] === MessageId);
  assert.equal(note.body['Message'], 'for http', 'MessageStructure json picks the http entry');
  assert.equal((await attempted).detail['status'], 'Delivered');

  const stream = (confirmed.SubscriptionArn ?? '').split(':').pop();
  const events = await logs.send(new GetLogEventsCommand({ logGroupName: 'sns/us-east-1/000000000000/tokens', logStreamName: stream, startFromHead: true }));
  const record = JSON.parse(events.events?.[0]?.message ?? '{}') as Record<string, Record<string, unknown>>;
  assert.equal(record['status'], 'SUCCESS');
  assert.equal(record['notification']?.['messageId'], MessageId);
  assert.equal(record['notification']?.['topicArn'], TopicArn);
  assert.equal(record['delivery']?.['statusCode'], 200);
  assert.equal(record['delivery']?.['attempts'], 1);
  assert.equal(record['delivery']?.['destination'], `${hook}?t=tokens`);
});
