import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import { ManualClock } from '../../core/clock.ts';
import { receiverForFile } from '../../services/sns/testing.ts';

// Finished deliveries are kept 7 days of the daemon's clock, then deleted with their attempts.
const DAY = 24 * 60 * 60 * 1000;
const web = receiverForFile();
const receiver = web.receiver;
const dataDir = mkdtempSync(join(tmpdir(), 'slipway-notify-retention-'));

after(async () => {
  rmSync(dataDir, { recursive: true, force: true });
});

function counts(t: TestDaemon): { deliveries: number; attempts: number } {
  return {
    deliveries: Number(t.daemon.store.get('SELECT count(*) AS n FROM sns_deliveries')?.['n']),
    attempts: Number(t.daemon.store.get('SELECT count(*) AS n FROM sns_delivery_attempts')?.['n']),
  };
}

/** Publishes one message and waits until its single attempt finished it (Delivered or Failed). */
async function finished(t: TestDaemon, sns: SNSClient, topicArn: string, message: string): Promise<void> {
  const done = t.daemon.bus.next((e) => e.type === 'sns.delivery.attempted' && e.detail['type'] === 'Notification' && e.detail['status'] !== 'Pending');
  await sns.send(new PublishCommand({ TopicArn: topicArn, Message: message }));
  await done;
}

test('Delivered and Failed deliveries are deleted with their attempts 7 days after they finished (within a day): daily, and when Slipway starts', async () => {
  const clock = new ManualClock();
  let t = await startTestDaemon({ clock, dataDir });
  let sns = new SNSClient(t.sdk);
  try {
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'kept-a-week' }))).TopicArn ?? '';
    const confirmed = t.daemon.bus.next((e) => e.type === 'sns.delivery.attempted' && e.detail['type'] === 'SubscriptionConfirmation');
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: web.url() }));
    await confirmed;
    const confirmation = await receiver.nextOfType('SubscriptionConfirmation');
    assert.equal((await fetch(String(confirmation.body['SubscribeURL']))).status, 200);
    await finished(t, sns, topicArn, 'delivered');
    receiver.statuses.push(404);
    await finished(t, sns, topicArn, 'refused');
    assert.deepEqual(counts(t), { deliveries: 3, attempts: 3 });

    await clock.advance(7 * DAY);
    assert.deepEqual(counts(t), { deliveries: 3, attempts: 3 }, 'kept for 7 days');
    // The purge runs once a day from the start, so a delivery goes within a day after its 7 days.
    await clock.advance(DAY);
    assert.deepEqual(counts(t), { deliveries: 0, attempts: 0 }, 'the daily purge removed them');

    await finished(t, sns, topicArn, 'before the restart');
    assert.deepEqual(counts(t), { deliveries: 1, attempts: 1 });
  } finally {
    sns.destroy();
    await t.stop();
  }
  t = await startTestDaemon({ clock: new ManualClock(clock.now() + 7 * DAY + 1), dataDir });
  sns = new SNSClient(t.sdk);
  try {
    assert.deepEqual(counts(t), { deliveries: 0, attempts: 0 }, 'the start purged what had expired while Slipway was stopped');
  } finally {
    sns.destroy();
    await t.stop();
  }
});
