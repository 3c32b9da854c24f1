import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { startTestDaemon } from '../../../test/helpers/daemon.ts';
import { ManualClock } from '../../core/clock.ts';
import { STATE_CHANGE } from '../../services/codepipeline/state.ts';
import { receiverForFile } from '../../services/sns/testing.ts';

const web = receiverForFile();
const receiver = web.receiver;
const dataDir = mkdtempSync(join(tmpdir(), 'slipway-notify-router-'));
const laterDir = mkdtempSync(join(tmpdir(), 'slipway-notify-router-later-'));

after(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(laterDir, { recursive: true, force: true });
});

test('a state change published while the notifications engine was not running is routed at the next start, once', async () => {
  let t = await startTestDaemon({ dataDir });
  const sns = new SNSClient(t.sdk);
  const events = new EventBridgeClient(t.sdk);
  try {
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'late' }))).TopicArn ?? '';
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: web.url() }));
    const confirmation = await receiver.nextOfType('SubscriptionConfirmation');
    await fetch(String(confirmation.body['SubscribeURL']));
    await events.send(new PutRuleCommand({ Name: 'stopped', EventPattern: JSON.stringify({ source: ['aws.codepipeline'], detail: { state: ['STOPPED'] } }) }));
    await events.send(new PutTargetsCommand({ Rule: 'stopped', Targets: [{ Id: 'late', Arn: topicArn, InputPath: '$.detail' }] }));
  } finally {
    sns.destroy();
    events.destroy();
    await t.stop();
  }

  // Without engines, as if Slipway had stopped between the state change and its routing.
  t = await startTestDaemon({ dataDir, engines: false });
  t.daemon.bus.publish({ type: STATE_CHANGE.execution, resource: 'arn:aws:codepipeline:us-east-1:000000000000:p', detail: { pipeline: 'p', 'execution-id': 'e-1', version: 3, state: 'Stopped' } });
  await t.stop();

  const arrived = receiver.nextOfType('Notification');
  t = await startTestDaemon({ dataDir });
  const notifications = (): number => Number(t.daemon.store.get("SELECT count(*) AS n FROM sns_deliveries WHERE type = 'Notification'")?.['n']);
  try {
    assert.deepEqual(JSON.parse(String((await arrived).body['Message'])), { pipeline: 'p', 'execution-id': 'e-1', state: 'STOPPED', version: 3 });
    // Stop only once the attempt is recorded, or the next start would (rightly) send it again.
    const attempted = t.daemon.bus.next((e) => e.type === 'sns.delivery.attempted');
    if (t.daemon.store.get("SELECT 1 AS one FROM sns_deliveries WHERE status = 'Pending'") !== undefined) await attempted;
    assert.equal(notifications(), 1);
  } finally {
    await t.stop();
  }
  t = await startTestDaemon({ dataDir });
  try {
    assert.equal(notifications(), 1, 'a second restart routes nothing again');
  } finally {
    await t.stop();
  }
});

test('an event routed after a restart reaches only the rules and targets that existed when it happened', async () => {
  const start = Date.UTC(2026, 4, 1);
  const pattern = JSON.stringify({ source: ['aws.codepipeline'], detail: { state: ['FAILED'] } });
  const topics: Record<string, string> = {};
  let t = await startTestDaemon({ dataDir: laterDir, clock: new ManualClock(start) });
  const sns = new SNSClient(t.sdk);
  let events = new EventBridgeClient(t.sdk);
  try {
    for (const name of ['existing', 'newer']) {
      topics[name] = (await sns.send(new CreateTopicCommand({ Name: name }))).TopicArn ?? '';
      await sns.send(new SubscribeCommand({ TopicArn: topics[name], Protocol: 'http', Endpoint: `${web.url()}/${name}` }));
      const confirmation = await receiver.nextOfType('SubscriptionConfirmation', (b) => b['TopicArn'] === topics[name]);
      assert.equal((await fetch(String(confirmation.body['SubscribeURL']))).status, 200);
    }
    await events.send(new PutRuleCommand({ Name: 'before', EventPattern: pattern }));
    await events.send(new PutTargetsCommand({ Rule: 'before', Targets: [{ Id: 'existing', Arn: topics['existing'], InputPath: '$.detail' }] }));
  } finally {
    sns.destroy();
    events.destroy();
    await t.stop();
  }

  // The event happens while its routing cannot run (as in a crash before the router reached it).
  t = await startTestDaemon({ dataDir: laterDir, engines: false, clock: new ManualClock(start + 1_000) });
  t.daemon.bus.publish({ type: STATE_CHANGE.execution, resource: 'arn:aws:codepipeline:us-east-1:000000000000:q', detail: { pipeline: 'q', 'execution-id': 'e-9', version: 1, state: 'Failed' } });
  await t.stop();

  // Then, still before routing: a new rule, a new target on the old rule, all matching the event.
  t = await startTestDaemon({ dataDir: laterDir, engines: false, clock: new ManualClock(start + 2_000) });
  events = new EventBridgeClient(t.sdk);
  try {
    await events.send(new PutRuleCommand({ Name: 'after', EventPattern: pattern }));
    await events.send(new PutTargetsCommand({ Rule: 'after', Targets: [{ Id: 'newer', Arn: topics['newer'] }] }));
    await events.send(new PutTargetsCommand({ Rule: 'before', Targets: [{ Id: 'newer', Arn: topics['newer'] }] }));
  } finally {
    events.destroy();
    await t.stop();
  }

  const arrived = receiver.nextOfType('Notification', (b) => b['TopicArn'] === topics['existing']);
  t = await startTestDaemon({ dataDir: laterDir, clock: new ManualClock(start + 3_000) });
  try {
    assert.deepEqual(JSON.parse(String((await arrived).body['Message'])), { pipeline: 'q', 'execution-id': 'e-9', state: 'FAILED', version: 1 });
    const byTopic = t.daemon.store.all("SELECT topic_arn, count(*) AS n FROM sns_deliveries WHERE type = 'Notification' GROUP BY topic_arn").map((r) => [String(r['topic_arn']), Number(r['n'])]);
    assert.deepEqual(byTopic, [[topics['existing'], 1]], 'the rule and the target created after the event received nothing');
  } finally {
    await t.stop();
  }
});
