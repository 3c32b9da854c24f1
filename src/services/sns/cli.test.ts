import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { awsCli, awsCliAvailable, awsCliJson } from '../../../test/helpers/aws-cli.ts';
import { startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';

// The AWS CLI as a second client: the Query codec's maps (<entry><key/><value/>) and EventBridge's JSON as it reads them.
let t: TestDaemon;

before(async () => {
  t = await startTestDaemon();
});
after(async () => {
  await t.stop();
});

test('aws sns and aws events: create-topic, get-topic-attributes, subscribe refusal, put-rule, test-event-pattern', async (ctx) => {
  if (!(await awsCliAvailable())) {
    ctx.skip('the aws CLI is not installed');
    return;
  }
  const created = await awsCliJson(t.endpoint, ['sns', 'create-topic', '--name', 'cli-topic', '--attributes', 'DisplayName=From CLI']);
  assert.equal(created['TopicArn'], 'arn:aws:sns:us-east-1:000000000000:cli-topic');
  const attrs = (await awsCliJson(t.endpoint, ['sns', 'get-topic-attributes', '--topic-arn', String(created['TopicArn'])]))['Attributes'] as Record<string, string>;
  assert.equal(attrs['DisplayName'], 'From CLI');
  assert.equal(attrs['SubscriptionsConfirmed'], '0');
  await assert.rejects(awsCli(t.endpoint, ['sns', 'subscribe', '--topic-arn', String(created['TopicArn']), '--protocol', 'sqs', '--notification-endpoint', 'arn:aws:sqs:us-east-1:000000000000:q']), /InvalidParameter.*sqs/s);

  const rule = await awsCliJson(t.endpoint, ['events', 'put-rule', '--name', 'cli-rule', '--event-pattern', '{"source":["aws.codepipeline"]}']);
  assert.equal(rule['RuleArn'], 'arn:aws:events:us-east-1:000000000000:rule/cli-rule');
  const event = JSON.stringify({ id: '1', account: '000000000000', source: 'aws.codepipeline', time: '2026-01-01T00:00:00Z', region: 'us-east-1', 'detail-type': 'x', detail: {} });
  const tested = await awsCliJson(t.endpoint, ['events', 'test-event-pattern', '--event-pattern', '{"source":["aws.codepipeline"]}', '--event', event]);
  assert.equal(tested['Result'], true);
});
