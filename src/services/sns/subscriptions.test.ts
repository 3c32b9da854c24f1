import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ConfirmSubscriptionCommand,
  CreateTopicCommand,
  DeleteTopicCommand,
  InvalidParameterException,
  ListSubscriptionsByTopicCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import { freePort } from '../../../test/helpers/ports.ts';
import { ManualClock } from '../../core/clock.ts';
import type { SlipwayEvent } from '../../core/events.ts';
import { WebhookReceiver } from './testing.ts';

// Subscription lifecycles on a ManualClock: token expiry is three days of the daemon's clock, not of real time.
const DAY = 24 * 60 * 60 * 1000;
let clock: ManualClock;
let t: TestDaemon;
let sns: SNSClient;
let receiver: WebhookReceiver;
let hook: string;

before(async () => {
  clock = new ManualClock();
  t = await startTestDaemon({ clock });
  sns = new SNSClient(t.sdk);
  receiver = new WebhookReceiver();
  hook = await receiver.listen(await freePort());
});
after(async () => {
  sns.destroy();
  await t.stop();
  await receiver.close();
});

test('SubscribeCommand again after the token expired sends a new token that confirms the subscription', async () => {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'expiring' }));
  const endpoint = `${hook}/expiring`;
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: endpoint }));
  const first = await receiver.nextOfType('SubscriptionConfirmation', (b) => b['TopicArn'] === TopicArn);
  const oldToken = String(first.body['Token']);

  await clock.advance(3 * DAY + 1);
  await assert.rejects(sns.send(new ConfirmSubscriptionCommand({ TopicArn, Token: oldToken })), (e: Error) => e instanceof InvalidParameterException && /expired.*Subscribe again/.test(e.message));

  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: endpoint }));
  const second = await receiver.nextOfType('SubscriptionConfirmation', (b) => b['TopicArn'] === TopicArn && b['Token'] !== oldToken);
  const newToken = String(second.body['Token']);
  assert.notEqual(newToken, oldToken, 'the repeated Subscribe rotates the token');
  await assert.rejects(sns.send(new ConfirmSubscriptionCommand({ TopicArn, Token: oldToken })), InvalidParameterException);

  // The new token has its own three days.
  await clock.advance(2 * DAY);
  const { SubscriptionArn } = await sns.send(new ConfirmSubscriptionCommand({ TopicArn, Token: newToken }));
  assert.match(SubscriptionArn ?? '', /^arn:aws:sns:us-east-1:000000000000:expiring:/);
  const listed = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
  assert.deepEqual(
    listed.Subscriptions?.map((s) => s.SubscriptionArn),
    [SubscriptionArn],
  );
});

async function confirmed(name: string): Promise<{ topicArn: string; subscriptionArn: string }> {
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: name }))).TopicArn ?? '';
  const { SubscriptionArn } = await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: `${hook}/${name}`, ReturnSubscriptionArn: true }));
  const confirmation = await receiver.nextOfType('SubscriptionConfirmation', (b) => b['TopicArn'] === topicArn);
  assert.equal((await fetch(String(confirmation.body['SubscribeURL']))).status, 200);
  return { topicArn, subscriptionArn: SubscriptionArn ?? '' };
}

function attempt(topicArn: string, n: number): Promise<SlipwayEvent> {
  return t.daemon.bus.next((e) => e.type === 'sns.delivery.attempted' && e.detail['type'] === 'Notification' && e.detail['topicArn'] === topicArn && e.detail['attempt'] === n);
}

/** Publishes one message that the receiver refuses once, so it waits 20 s for its retry; returns its delivery row. */
async function waitingRetry(topicArn: string): Promise<number> {
  receiver.statuses.push(500);
  const first = attempt(topicArn, 1);
  await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'retry me' }));
  const e = await first;
  assert.equal(e.detail['status'], 'Pending');
  return Number(e.detail['deliveryId']);
}

function row(id: number): Record<string, unknown> | undefined {
  const r = t.daemon.store.get('SELECT status, reason FROM sns_deliveries WHERE id = ?', id);
  return r === undefined ? undefined : { ...r };
}

test('UnsubscribeCommand and DeleteTopicCommand end pending retries as Failed, saying why; nothing more is POSTed', async () => {
  const a = await confirmed('unsubscribed');
  const b = await confirmed('deleted');
  const waitingA = await waitingRetry(a.topicArn);
  const waitingB = await waitingRetry(b.topicArn);
  const retries: SlipwayEvent[] = [];
  const stopListening = t.daemon.bus.subscribe((e) => e.type === 'sns.delivery.attempted' && e.detail['type'] === 'Notification', (e) => retries.push(e));
  try {
    await sns.send(new UnsubscribeCommand({ SubscriptionArn: a.subscriptionArn }));
    await sns.send(new DeleteTopicCommand({ TopicArn: b.topicArn }));
    assert.deepEqual(row(waitingA), { status: 'Failed', reason: `Not delivered: subscription ${a.subscriptionArn} was deleted (Unsubscribe)` });
    assert.deepEqual(row(waitingB), { status: 'Failed', reason: `Not delivered: topic ${b.topicArn} was deleted (DeleteTopic)` });
    await clock.advance(60_000);
    assert.deepEqual(retries, [], 'no retry after the delete');
    assert.equal(receiver.posts.filter((p) => p.body['Type'] === 'Notification' && (p.body['TopicArn'] === a.topicArn || p.body['TopicArn'] === b.topicArn)).length, 2, 'one POST each, before the delete');
  } finally {
    stopListening();
  }
});

test('after UnsubscribeCommand the UnsubscribeConfirmation and its SubscribeURL both say to Subscribe again; an unknown topic is named', async () => {
  const { topicArn, subscriptionArn } = await confirmed('goodbye');
  await sns.send(new UnsubscribeCommand({ SubscriptionArn: subscriptionArn }));
  const bye = await receiver.nextOfType('UnsubscribeConfirmation', (b) => b['TopicArn'] === topicArn);
  assert.match(String(bye.body['Message']), new RegExp(`To subscribe again, call Subscribe for topic ${topicArn} with endpoint ${hook}/goodbye`));
  const res = await fetch(String(bye.body['SubscribeURL']));
  assert.equal(res.status, 400);
  assert.match(await res.text(), /Invalid parameter: Token: no pending subscription of topic .*goodbye has this token .*Subscribe again/);

  const missing = 'arn:aws:sns:us-east-1:000000000000:never-created';
  await assert.rejects(sns.send(new PublishCommand({ TopicArn: missing, Message: 'x' })), (e: Error) => e.name === 'NotFoundException' && e.message.includes(`Topic does not exist: ${missing}`));
});

test('SubscribeCommand again while the confirmation is being retried replaces it: the old token is not sent again', async () => {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'retried-confirmation' }));
  const endpoint = `${hook}/retried-confirmation`;
  receiver.statuses.push(500);
  const retrying = t.daemon.bus.next((e) => e.type === 'sns.delivery.attempted' && e.detail['type'] === 'SubscriptionConfirmation' && e.detail['topicArn'] === TopicArn);
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: endpoint }));
  const first = await retrying;
  assert.equal(first.detail['status'], 'Pending');
  const refused = await receiver.nextOfType('SubscriptionConfirmation', (b) => b['TopicArn'] === TopicArn);
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: endpoint }));
  assert.deepEqual(row(Number(first.detail['deliveryId'])), { status: 'Failed', reason: 'Not delivered: replaced by the confirmation a later Subscribe sent' });
  const fresh = await receiver.nextOfType('SubscriptionConfirmation', (b) => b['TopicArn'] === TopicArn && b['Token'] !== refused.body['Token']);
  await clock.advance(60_000);
  assert.equal(receiver.posts.filter((p) => p.body['Token'] === refused.body['Token']).length, 1, 'the replaced token was POSTed once, never retried');
  assert.match((await sns.send(new ConfirmSubscriptionCommand({ TopicArn, Token: String(fresh.body['Token']) }))).SubscriptionArn ?? '', /:retried-confirmation:/);
});
