import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import { ManualClock } from '../../core/clock.ts';
import type { SlipwayEvent } from '../../core/events.ts';
import { receiverForFile } from '../../services/sns/testing.ts';
import { ERROR_BACKOFF_MS } from './deliveries.ts';

// The delivery worker sleeps on the daemon's clock: a ManualClock makes AWS's 20-second retry schedule instant and exact.
const web = receiverForFile();
const receiver = web.receiver;
const dataDir = mkdtempSync(join(tmpdir(), 'slipway-notify-retries-'));

after(async () => {
  rmSync(dataDir, { recursive: true, force: true });
});

/** Listens for a Notification's n-th attempt on a topic (call before the Publish, so it cannot be missed). */
function attempted(t: TestDaemon, topicArn: string, attempt: number): Promise<SlipwayEvent> {
  return t.daemon.bus.next((e) => e.type === 'sns.delivery.attempted' && e.detail['type'] === 'Notification' && e.detail['topicArn'] === topicArn && e.detail['attempt'] === attempt);
}

async function confirmedTopic(t: TestDaemon, sns: SNSClient, name: string): Promise<string> {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: `${web.url()}/${name}` }));
  const confirmation = await receiver.nextOfType('SubscriptionConfirmation', (b) => b['TopicArn'] === TopicArn);
  assert.equal((await fetch(String(confirmation.body['SubscribeURL']))).status, 200);
  return TopicArn ?? '';
}

test('a 500 is retried on AWS default schedule (20 s apart) until the receiver answers 200; every attempt is logged', async () => {
  const clock = new ManualClock();
  const t = await startTestDaemon({ clock });
  const sns = new SNSClient(t.sdk);
  const logs = new CloudWatchLogsClient(t.sdk);
  try {
    const topicArn = await confirmedTopic(t, sns, 'flaky');
    receiver.statuses.push(500, 503);
    const published = Date.now();
    const firstAttempt = attempted(t, topicArn, 1);
    const { MessageId } = await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'hello' }));
    const first = await firstAttempt;
    assert.equal(first.detail['messageId'], MessageId);
    assert.equal(first.detail['statusCode'], 500);
    assert.equal(first.detail['status'], 'Pending');
    assert.equal(first.detail['nextAttempt'], clock.now() + 20_000);

    const second = attempted(t, topicArn, 2);
    await clock.advance(20_000);
    assert.equal((await second).detail['statusCode'], 503);
    const third = attempted(t, topicArn, 3);
    await clock.advance(20_000);
    assert.equal((await third).detail['status'], 'Delivered');
    const copies = receiver.posts.filter((p) => p.body['MessageId'] === MessageId);
    assert.equal(copies.length, 3, 'the same MessageId on every retry');
    assert.ok(Date.now() - published < 20_000, 'no real waiting');

    const failures = await logs.send(new FilterLogEventsCommand({ logGroupName: 'sns/us-east-1/000000000000/flaky/Failure' }));
    const failed = (failures.events ?? []).map((e) => JSON.parse(e.message ?? '{}') as { status: string; delivery: { statusCode: number; attempts: number; providerResponse: string } });
    assert.deepEqual(
      failed.map((r) => [r.status, r.delivery.statusCode, r.delivery.attempts]),
      [
        ['FAILURE', 500, 1],
        ['FAILURE', 503, 2],
      ],
    );
    assert.equal(failed[0]?.delivery.providerResponse, 'receiver answered 500');
    const successes = await logs.send(new FilterLogEventsCommand({ logGroupName: 'sns/us-east-1/000000000000/flaky' }));
    assert.deepEqual(
      (successes.events ?? []).map((e) => (JSON.parse(e.message ?? '{}') as { delivery: { attempts: number } }).delivery.attempts),
      [3],
    );
  } finally {
    sns.destroy();
    logs.destroy();
    await t.stop();
  }
});

test('a 4xx is not retried; a policy of 1 retry gives up after two attempts', async () => {
  const clock = new ManualClock();
  const t = await startTestDaemon({ clock });
  const sns = new SNSClient(t.sdk);
  try {
    const topicArn = await confirmedTopic(t, sns, 'strict');
    receiver.statuses.push(404);
    const rejected = attempted(t, topicArn, 1);
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'gone' }));
    assert.equal((await rejected).detail['status'], 'Failed');

    const policy = JSON.stringify({ healthyRetryPolicy: { numRetries: 1, minDelayTarget: 1, maxDelayTarget: 1 } });
    const { SubscriptionArn } = await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: `${web.url()}/once`, ReturnSubscriptionArn: true, Attributes: { DeliveryPolicy: policy } }));
    const confirmation = await receiver.next((p) => p.path === '/hook/once' && p.body['Type'] === 'SubscriptionConfirmation');
    await fetch(String(confirmation.body['SubscribeURL']));
    receiver.statuses.push(500, 500, 500);
    const mine = (n: number): Promise<SlipwayEvent> => t.daemon.bus.next((e) => e.type === 'sns.delivery.attempted' && e.resource === SubscriptionArn && e.detail['attempt'] === n);
    const once = mine(1);
    const last = mine(2);
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'twice' }));
    assert.equal((await once).detail['status'], 'Pending');
    await clock.advance(1_000);
    assert.equal((await last).detail['status'], 'Failed');
    receiver.statuses.length = 0;
  } finally {
    sns.destroy();
    await t.stop();
  }
});

test('a restart of Slipway continues a pending delivery', async () => {
  const clock = new ManualClock();
  let t = await startTestDaemon({ clock, dataDir });
  let sns = new SNSClient(t.sdk);
  let messageId: string | undefined;
  const topicArn = await confirmedTopic(t, sns, 'durable');
  try {
    receiver.statuses.push(500);
    const first = attempted(t, topicArn, 1);
    messageId = (await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'survives' }))).MessageId;
    assert.equal((await first).detail['status'], 'Pending');
  } finally {
    sns.destroy();
    await t.stop();
  }
  const later = new ManualClock(clock.now());
  t = await startTestDaemon({ clock: later, dataDir });
  sns = new SNSClient(t.sdk);
  try {
    const second = attempted(t, topicArn, 2);
    await later.advance(20_000);
    assert.equal((await second).detail['status'], 'Delivered');
    assert.equal(receiver.posts.filter((p) => p.body['MessageId'] === messageId).length, 2);
  } finally {
    sns.destroy();
    await t.stop();
  }
});

test('an unexpected worker error (an unreadable delivery row) is retried after a backoff on the clock, not left until a restart', async () => {
  const clock = new ManualClock();
  const t = await startTestDaemon({ clock });
  const sns = new SNSClient(t.sdk);
  try {
    const topicArn = await confirmedTopic(t, sns, 'broken-row');
    receiver.statuses.push(500);
    const first = attempted(t, topicArn, 1);
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'after the error' }));
    const id = Number((await first).detail['deliveryId']);
    const schedule = String(t.daemon.store.get('SELECT schedule FROM sns_deliveries WHERE id = ?', id)?.['schedule']);
    t.daemon.store.run("UPDATE sns_deliveries SET schedule = 'not json' WHERE id = ?", id);
    const seen: SlipwayEvent[] = [];
    const off = t.daemon.bus.subscribe((e) => e.type === 'sns.delivery.attempted' && e.detail['deliveryId'] === id, (e) => seen.push(e));
    await clock.advance(20_000);
    assert.deepEqual(seen, [], 'reading the row failed, so no attempt');
    t.daemon.store.run('UPDATE sns_deliveries SET schedule = ? WHERE id = ?', schedule, id);
    const second = attempted(t, topicArn, 2);
    await clock.advance(ERROR_BACKOFF_MS);
    assert.equal((await second).detail['status'], 'Delivered');
    off();
  } finally {
    sns.destroy();
    await t.stop();
  }
});
