import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ConfirmSubscriptionCommand, CreateTopicCommand, InvalidParameterException, ListSubscriptionsByTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import { freePort } from '../../../test/helpers/ports.ts';
import { ManualClock } from '../../core/clock.ts';
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
