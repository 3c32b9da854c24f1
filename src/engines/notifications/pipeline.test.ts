import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CodeCommitClient, CreateRepositoryCommand, PutFileCommand } from '@aws-sdk/client-codecommit';
import { CodePipelineClient, CreatePipelineCommand, GetPipelineStateCommand, PutApprovalResultCommand } from '@aws-sdk/client-codepipeline';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import { receiverForFile } from '../../services/sns/testing.ts';

let t: TestDaemon;
const web = receiverForFile();
const receiver = web.receiver;

before(async () => {
  t = await startTestDaemon();
});
after(async () => {
  await t.stop();
});

async function confirmedTopic(sns: SNSClient, name: string): Promise<string> {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: `${web.url()}/${name}` }));
  const confirmation = await receiver.nextOfType('SubscriptionConfirmation', (b) => b['TopicArn'] === TopicArn);
  assert.equal((await fetch(String(confirmation.body['SubscribeURL']))).status, 200);
  return TopicArn ?? '';
}

function notifications(path: string): Array<Record<string, unknown>> {
  return receiver.posts.filter((p) => p.path === path && p.body['Type'] === 'Notification').map((p) => p.body);
}

test('EventBridge rule → SNS → webhook: only the FAILED execution and the failed approval reach the webhook; NotificationArn gets the approval request', async () => {
  const sns = new SNSClient(t.sdk);
  const events = new EventBridgeClient(t.sdk);
  const cc = new CodeCommitClient(t.sdk);
  const cp = new CodePipelineClient(t.sdk);
  try {
    const alerts = await confirmedTopic(sns, 'pipeline-alerts');
    const approvals = await confirmedTopic(sns, 'approvals');
    await events.send(
      new PutRuleCommand({
        Name: 'failed-executions',
        EventPattern: JSON.stringify({ source: ['aws.codepipeline'], 'detail-type': ['CodePipeline Pipeline Execution State Change'], detail: { state: ['FAILED'], pipeline: [{ prefix: 'deli' }] } }),
      }),
    );
    await events.send(new PutTargetsCommand({ Rule: 'failed-executions', Targets: [{ Id: 'alerts', Arn: alerts }] }));
    await events.send(
      new PutRuleCommand({
        Name: 'failed-approvals',
        EventPattern: JSON.stringify({ source: ['aws.codepipeline'], 'detail-type': ['CodePipeline Action Execution State Change'], detail: { type: { category: ['Approval'] }, state: [{ 'anything-but': ['STARTED', 'SUCCEEDED'] }] } }),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'failed-approvals',
        Targets: [{ Id: 'text', Arn: alerts, InputTransformer: { InputPathsMap: { action: '$.detail.action', state: '$.detail.state' }, InputTemplate: '"Action <action> is <state> (<aws.events.rule-name>)"' } }],
      }),
    );

    await cc.send(new CreateRepositoryCommand({ repositoryName: 'app' }));
    await cc.send(new PutFileCommand({ repositoryName: 'app', branchName: 'main', filePath: 'index.js', fileContent: Buffer.from('console.log(1)\n'), commitMessage: 'first' }));
    await cp.send(
      new CreatePipelineCommand({
        pipeline: {
          name: 'deliver',
          roleArn: 'arn:aws:iam::000000000000:role/pipeline-role',
          artifactStore: { type: 'S3', location: 'slipway-artifacts' },
          stages: [
            {
              name: 'Source',
              actions: [{ name: 'Source', actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeCommit', version: '1' }, configuration: { RepositoryName: 'app', BranchName: 'main' }, outputArtifacts: [{ name: 'Src' }] }],
            },
            {
              name: 'Release',
              actions: [
                {
                  name: 'Approve',
                  actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' },
                  configuration: { NotificationArn: approvals, CustomData: 'Ship it?', ExternalEntityLink: 'https://example.com/changes' },
                },
              ],
            },
          ],
        },
      }),
    );

    // The approval request arrives on the NotificationArn topic in AWS's JSON format.
    const request = await receiver.nextOfType('Notification', (b) => b['TopicArn'] === approvals);
    assert.equal(request.body['Subject'], 'APPROVAL NEEDED: AWS CodePipeline deliver for action Approve');
    const message = JSON.parse(String(request.body['Message'])) as { region: string; consoleLink: string; approval: Record<string, unknown> };
    const state = await cp.send(new GetPipelineStateCommand({ name: 'deliver' }));
    const token = state.stageStates?.[1]?.actionStates?.[0]?.latestExecution?.token;
    assert.equal(message.region, 'us-east-1');
    assert.equal(message.consoleLink, 'https://console.aws.amazon.com/codepipeline/home?region=us-east-1#/view/deliver');
    assert.deepEqual(Object.keys(message.approval), ['pipelineName', 'stageName', 'actionName', 'token', 'expires', 'externalEntityLink', 'approvalReviewLink', 'customData']);
    assert.equal(message.approval['pipelineName'], 'deliver');
    assert.equal(message.approval['stageName'], 'Release');
    assert.equal(message.approval['actionName'], 'Approve');
    assert.equal(message.approval['token'], token);
    assert.equal(message.approval['customData'], 'Ship it?');
    assert.equal(message.approval['externalEntityLink'], 'https://example.com/changes');
    assert.match(String(message.approval['expires']), /^\d{4}-\d\d-\d\dT\d\d:\d\dZ$/);
    const expires = Date.parse(String(message.approval['expires']).replace('Z', ':00Z'));
    assert.ok(Math.abs(expires - (Date.now() + 7 * 24 * 3600 * 1000)) < 120_000, 'expires after the 7-day default timeout');

    const executionId = state.stageStates?.[1]?.latestExecution?.pipelineExecutionId;
    const failed = receiver.nextOfType('Notification', (b) => b['TopicArn'] === alerts && String(b['Message']).startsWith('{'));
    const text = receiver.nextOfType('Notification', (b) => b['TopicArn'] === alerts && String(b['Message']).startsWith('"'));
    await cp.send(new PutApprovalResultCommand({ pipelineName: 'deliver', stageName: 'Release', actionName: 'Approve', token: token ?? '', result: { status: 'Rejected', summary: 'not today' } }));

    assert.equal((await text).body['Message'], '"Action Approve is FAILED (failed-approvals)"');
    const event = JSON.parse(String((await failed).body['Message'])) as Record<string, unknown>;
    assert.deepEqual(Object.keys(event), ['version', 'id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'detail']);
    assert.equal(event['source'], 'aws.codepipeline');
    assert.equal(event['detail-type'], 'CodePipeline Pipeline Execution State Change');
    assert.equal(event['account'], '000000000000');
    assert.match(String(event['time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(event['resources'], ['arn:aws:codepipeline:us-east-1:000000000000:deliver']);
    assert.deepEqual(event['detail'], { pipeline: 'deliver', 'execution-id': executionId, 'execution-trigger': { 'trigger-type': 'CreatePipeline', 'trigger-detail': (event['detail'] as Record<string, Record<string, string>>)['execution-trigger']?.['trigger-detail'] }, state: 'FAILED', version: 1 });
    // Nothing else matched: STARTED executions, stages and the source action were filtered out by the patterns.
    assert.equal(notifications('/hook/pipeline-alerts').length, 2);
  } finally {
    sns.destroy();
    events.destroy();
    cc.destroy();
    cp.destroy();
  }
});
