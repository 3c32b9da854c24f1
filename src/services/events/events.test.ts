import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  EventBridgeClient,
  InvalidEventPatternException,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  ResourceNotFoundException,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { checkShape, loadModel } from '../../../test/helpers/aws-model.ts';
import { callJson, startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import { freePort } from '../../../test/helpers/ports.ts';
import { WebhookReceiver } from '../sns/testing.ts';

const model = loadModel('events.2015-10-07');
let t: TestDaemon;
let events: EventBridgeClient;
let sns: SNSClient;

before(async () => {
  t = await startTestDaemon();
  events = new EventBridgeClient(t.sdk);
  sns = new SNSClient(t.sdk);
});
after(async () => {
  events.destroy();
  sns.destroy();
  await t.stop();
});

async function wire(op: string, input: unknown, shape: string): Promise<Record<string, unknown>> {
  const res = await callJson(t.endpoint, `AWSEvents.${op}`, input);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(checkShape(model, shape, res.body), [], op);
  return res.body;
}

const pattern = JSON.stringify({ source: ['my.app'], 'detail-type': ['Order Placed'] });

test('PutRule, DescribeRule, ListRules, DisableRule, EnableRule and DeleteRule on the default bus', async () => {
  const put = await events.send(new PutRuleCommand({ Name: 'orders', EventPattern: pattern, Description: 'new orders' }));
  assert.equal(put.RuleArn, 'arn:aws:events:us-east-1:000000000000:rule/orders');
  await wire('PutRule', { Name: 'orders', EventPattern: pattern, Description: 'new orders' }, 'PutRuleResponse');
  const described = await events.send(new DescribeRuleCommand({ Name: 'orders' }));
  assert.equal(described.State, 'ENABLED');
  assert.equal(described.EventPattern, pattern);
  assert.equal(described.EventBusName, 'default');
  await wire('DescribeRule', { Name: 'orders' }, 'DescribeRuleResponse');

  await events.send(new DisableRuleCommand({ Name: 'orders' }));
  assert.equal((await events.send(new DescribeRuleCommand({ Name: 'orders' }))).State, 'DISABLED');
  await events.send(new PutRuleCommand({ Name: 'orders', EventPattern: pattern }));
  assert.equal((await events.send(new DescribeRuleCommand({ Name: 'orders' }))).State, 'DISABLED', 'PutRule without State keeps the state');
  await events.send(new EnableRuleCommand({ Name: 'orders' }));
  assert.equal((await events.send(new DescribeRuleCommand({ Name: 'orders' }))).State, 'ENABLED');

  await events.send(new PutRuleCommand({ Name: 'other', EventPattern: pattern, State: 'DISABLED' }));
  const listed = await events.send(new ListRulesCommand({ NamePrefix: 'ord' }));
  assert.deepEqual(listed.Rules?.map((r) => r.Name), ['orders']);
  const paged = await events.send(new ListRulesCommand({ Limit: 1 }));
  assert.equal(paged.Rules?.length, 1);
  assert.ok(paged.NextToken !== undefined);
  assert.deepEqual((await events.send(new ListRulesCommand({ Limit: 1, NextToken: paged.NextToken }))).Rules?.map((r) => r.Name), ['other']);
  await wire('ListRules', {}, 'ListRulesResponse');

  await events.send(new DeleteRuleCommand({ Name: 'other' }));
  await assert.rejects(events.send(new DescribeRuleCommand({ Name: 'other' })), (e: Error) => e instanceof ResourceNotFoundException && e.message === 'Rule other does not exist on EventBus default.');
  await events.send(new DeleteRuleCommand({ Name: 'other' }));
});

test('PutRule rejects bad patterns, scheduled rules and other buses, saying why', async () => {
  await assert.rejects(events.send(new PutRuleCommand({ Name: 'bad', EventPattern: '{"source":"my.app"}' })), (e: Error) => e instanceof InvalidEventPatternException && /inside an array/.test(e.message));
  await assert.rejects(events.send(new PutRuleCommand({ Name: 'bad', EventPattern: '{"detail":{"n":[{"numeric":[">"]}]}}' })), InvalidEventPatternException);
  await assert.rejects(events.send(new PutRuleCommand({ Name: 'bad', EventPattern: 'not json' })), InvalidEventPatternException);
  await assert.rejects(events.send(new PutRuleCommand({ Name: 'cron', ScheduleExpression: 'rate(5 minutes)' })), (e: Error) => /scheduled rules are not supported/.test(e.message));
  await assert.rejects(events.send(new PutRuleCommand({ Name: 'b', EventPattern: pattern, EventBusName: 'orders-bus' })), ResourceNotFoundException);
  await assert.rejects(events.send(new PutRuleCommand({ Name: 'bad name!', EventPattern: pattern })), (e: Error) => /Name/.test(e.message));
});

test('PutTargets (SNS topics only), ListTargetsByRule, RemoveTargets; DeleteRule refuses while targets remain', async () => {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'orders-topic' }));
  await events.send(new PutRuleCommand({ Name: 'with-targets', EventPattern: pattern }));
  const put = await events.send(new PutTargetsCommand({ Rule: 'with-targets', Targets: [{ Id: 'sns', Arn: TopicArn, InputPath: '$.detail' }] }));
  assert.equal(put.FailedEntryCount, 0);
  await wire('PutTargets', { Rule: 'with-targets', Targets: [{ Id: 'sns', Arn: TopicArn, InputPath: '$.detail' }] }, 'PutTargetsResponse');
  await assert.rejects(
    events.send(new PutTargetsCommand({ Rule: 'with-targets', Targets: [{ Id: 'fn', Arn: 'arn:aws:lambda:us-east-1:000000000000:function:notify' }] })),
    (e: Error) => /Targets\[0\]\.Arn/.test(e.message) && /SNS topics only/.test(e.message),
  );
  await assert.rejects(events.send(new PutTargetsCommand({ Rule: 'nope', Targets: [{ Id: 'sns', Arn: TopicArn }] })), ResourceNotFoundException);
  const listed = await events.send(new ListTargetsByRuleCommand({ Rule: 'with-targets' }));
  assert.deepEqual(listed.Targets, [{ Id: 'sns', Arn: TopicArn, InputPath: '$.detail' }]);
  await wire('ListTargetsByRule', { Rule: 'with-targets' }, 'ListTargetsByRuleResponse');
  await assert.rejects(events.send(new DeleteRuleCommand({ Name: 'with-targets' })), (e: Error) => /has targets/.test(e.message));
  const removed = await events.send(new RemoveTargetsCommand({ Rule: 'with-targets', Ids: ['sns'] }));
  assert.equal(removed.FailedEntryCount, 0);
  await wire('RemoveTargets', { Rule: 'with-targets', Ids: ['sns'] }, 'RemoveTargetsResponse');
  assert.deepEqual((await events.send(new ListTargetsByRuleCommand({ Rule: 'with-targets' }))).Targets, []);
  await events.send(new DeleteRuleCommand({ Name: 'with-targets' }));
});

test('PutEvents routes matching events through the rule to the SNS topic webhook; InputPath selects the detail', async () => {
  const receiver = new WebhookReceiver();
  const hook = await receiver.listen(await freePort());
  try {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'routed' }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: hook }));
    const confirmation = await receiver.nextOfType('SubscriptionConfirmation');
    await fetch(String(confirmation.body['SubscribeURL']));
    await events.send(new PutRuleCommand({ Name: 'big-orders', EventPattern: JSON.stringify({ source: ['shop'], detail: { total: [{ numeric: ['>=', 100] }] } }) }));
    await events.send(new PutTargetsCommand({ Rule: 'big-orders', Targets: [{ Id: 'a', Arn: TopicArn, InputPath: '$.detail' }] }));

    const out = await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'shop', DetailType: 'Order', Detail: JSON.stringify({ id: 'small', total: 5 }) },
          { Source: 'shop', DetailType: 'Order', Detail: JSON.stringify({ id: 'big', total: 250 }) },
          { Source: 'shop', DetailType: 'Order', Detail: 'not json' },
        ],
      }),
    );
    assert.equal(out.FailedEntryCount, 1);
    assert.equal(out.Entries?.[2]?.ErrorCode, 'MalformedDetail');
    assert.match(out.Entries?.[0]?.EventId ?? '', /^[0-9a-f-]{36}$/);
    await wire('PutEvents', { Entries: [{ Source: 'shop', DetailType: 'Order', Detail: '{"id":"wire","total":1}' }] }, 'PutEventsResponse');
    const note = await receiver.nextOfType('Notification');
    assert.deepEqual(JSON.parse(String(note.body['Message'])), { id: 'big', total: 250 });
    assert.equal(receiver.posts.filter((p) => p.body['Type'] === 'Notification').length, 1, 'the small order did not match');
  } finally {
    await receiver.close();
  }
});

test('TestEventPattern: exact, prefix, anything-but, exists, numeric, nested fields and $or', async () => {
  const event = {
    id: '1',
    account: '000000000000',
    source: 'aws.codepipeline',
    time: '2026-01-01T00:00:00Z',
    region: 'us-east-1',
    'detail-type': 'CodePipeline Action Execution State Change',
    resources: ['arn:aws:codepipeline:us-east-1:000000000000:deliver'],
    detail: { pipeline: 'deliver', state: 'FAILED', attempt: 3, type: { category: 'Deploy', provider: 'ECS' }, tags: ['a', 'b'] },
  };
  const check = async (p: unknown): Promise<boolean> => (await events.send(new TestEventPatternCommand({ EventPattern: JSON.stringify(p), Event: JSON.stringify(event) }))).Result ?? false;
  assert.equal(await check({ source: ['aws.codepipeline'] }), true);
  assert.equal(await check({ source: ['aws.codebuild'] }), false);
  assert.equal(await check({ detail: { pipeline: [{ prefix: 'del' }] } }), true);
  assert.equal(await check({ detail: { pipeline: [{ suffix: 'ver' }] } }), true);
  assert.equal(await check({ detail: { state: [{ 'anything-but': ['SUCCEEDED', 'STARTED'] }] } }), true);
  assert.equal(await check({ detail: { state: [{ 'anything-but': 'FAILED' }] } }), false);
  assert.equal(await check({ detail: { state: [{ 'anything-but': { prefix: 'FAIL' } }] } }), false);
  assert.equal(await check({ detail: { missing: [{ exists: false }], state: [{ exists: true }] } }), true);
  assert.equal(await check({ detail: { state: [{ exists: false }] } }), false);
  assert.equal(await check({ detail: { attempt: [{ numeric: ['>', 2, '<=', 3] }] } }), true);
  assert.equal(await check({ detail: { attempt: [{ numeric: ['<', 3] }] } }), false);
  assert.equal(await check({ detail: { type: { category: ['Deploy'], provider: ['ECS', 'CodeDeploy'] } } }), true);
  assert.equal(await check({ detail: { type: { category: ['Build'] } } }), false);
  assert.equal(await check({ detail: { tags: ['b'] } }), true, 'an array in the event matches when any element does');
  assert.equal(await check({ detail: { state: [{ 'equals-ignore-case': 'failed' }] } }), true);
  assert.equal(await check({ detail: { pipeline: [{ wildcard: 'd*r' }] } }), true);
  assert.equal(await check({ $or: [{ detail: { state: ['SUCCEEDED'] } }, { detail: { attempt: [3] } }] }), true);
  assert.equal(await check({ detail: { state: ['FAILED'] }, source: ['other'] }), false, 'every field must match');
  const body = await wire('TestEventPattern', { EventPattern: '{"source":["aws.codepipeline"]}', Event: JSON.stringify(event) }, 'TestEventPatternResponse');
  assert.equal(body['Result'], true);
  await assert.rejects(events.send(new TestEventPatternCommand({ EventPattern: '{"source":["x"]}', Event: '{"source":"x"}' })), (e: Error) => /missing id, account/.test(e.message));
});
