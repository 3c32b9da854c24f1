import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CodeCommitClient, CreateRepositoryCommand, PutFileCommand } from '@aws-sdk/client-codecommit';
import {
  CodePipelineClient,
  CreatePipelineCommand,
  GetPipelineExecutionCommand,
  GetPipelineStateCommand,
  ListActionExecutionsCommand,
  ListPipelineExecutionsCommand,
  PutApprovalResultCommand,
  StopPipelineExecutionCommand,
} from '@aws-sdk/client-codepipeline';
import { checkShape, loadModel } from '../../../test/helpers/aws-model.ts';
import { callJson, startTestDaemon } from '../../../test/helpers/daemon.ts';
import { untilPipeline } from '../../services/codepipeline/testing.ts';

test('through a real daemon: a CodeCommit source and a manual approval survive a daemon restart; a push starts the pipeline', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-pipeline-daemon-'));
  let t = await startTestDaemon({ dataDir });
  try {
    const cc = new CodeCommitClient(t.sdk);
    await cc.send(new CreateRepositoryCommand({ repositoryName: 'app' }));
    const first = await cc.send(new PutFileCommand({ repositoryName: 'app', branchName: 'main', filePath: 'index.js', fileContent: Buffer.from('console.log(1)\n'), commitMessage: 'first commit', name: 'Ada', email: 'ada@example.com' }));
    let cp = new CodePipelineClient(t.sdk);
    await cp.send(
      new CreatePipelineCommand({
        pipeline: {
          name: 'deliver',
          roleArn: 'arn:aws:iam::000000000000:role/pipeline-role',
          artifactStore: { type: 'S3', location: 'slipway-artifacts' },
          stages: [
            {
              name: 'Source',
              actions: [
                {
                  name: 'Source',
                  actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeCommit', version: '1' },
                  configuration: { RepositoryName: 'app', BranchName: 'main', PollForSourceChanges: 'false' },
                  outputArtifacts: [{ name: 'SourceArtifact' }],
                  namespace: 'SourceVariables',
                },
              ],
            },
            {
              name: 'Release',
              actions: [{ name: 'Approve', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' }, configuration: { CustomData: 'Release #{SourceVariables.CommitId}?' } }],
            },
          ],
        },
      }),
    );
    const approvalOf = async (client: CodePipelineClient): Promise<{ status?: string; token?: string; summary?: string; executionId?: string }> => {
      const state = await client.send(new GetPipelineStateCommand({ name: 'deliver' }));
      const latest = state.stageStates?.[1]?.actionStates?.[0]?.latestExecution;
      return { ...latest, executionId: state.stageStates?.[1]?.latestExecution?.pipelineExecutionId };
    };
    await untilPipeline(t, 'the approval waits', async () => (await approvalOf(cp)).status === 'InProgress');
    const waiting = await approvalOf(cp);
    assert.equal(waiting.summary, `Waiting for approval: Release ${first.commitId}?`);
    const e1 = waiting.executionId ?? '';
    const actions = await cp.send(new ListActionExecutionsCommand({ pipelineName: 'deliver', filter: { pipelineExecutionId: e1 } }));
    const source = actions.actionExecutionDetails?.find((a) => a.actionName === 'Source');
    assert.equal(source?.output?.outputVariables?.['CommitId'], first.commitId);
    assert.equal(source?.output?.outputVariables?.['BranchName'], 'main');
    assert.equal(source?.output?.outputVariables?.['RepositoryName'], 'app');
    assert.equal(source?.output?.outputVariables?.['CommitMessage'], 'first commit');
    assert.match(source?.output?.outputVariables?.['AuthorDate'] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(source?.output?.outputArtifacts?.[0]?.name, 'SourceArtifact');

    // The wire shapes with real run data in them (tokens, variables, revisions, artifacts) match the model.
    const model = loadModel('codepipeline.2015-07-09');
    const wire = async (op: string, input: unknown, shape: string): Promise<void> => {
      const res = await callJson(t.endpoint, `CodePipeline_20150709.${op}`, input);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(checkShape(model, shape, res.body), [], op);
    };
    await wire('GetPipelineState', { name: 'deliver' }, 'GetPipelineStateOutput');
    await wire('ListActionExecutions', { pipelineName: 'deliver' }, 'ListActionExecutionsOutput');
    await wire('ListPipelineExecutions', { pipelineName: 'deliver' }, 'ListPipelineExecutionsOutput');
    await wire('GetPipelineExecution', { pipelineName: 'deliver', pipelineExecutionId: e1 }, 'GetPipelineExecutionOutput');

    // Restart Slipway on the same data dir: the approval is still pending with the same token.
    cp.destroy();
    cc.destroy();
    await t.stop();
    t = await startTestDaemon({ dataDir });
    cp = new CodePipelineClient(t.sdk);
    const after = await approvalOf(cp);
    assert.equal(after.status, 'InProgress');
    assert.equal(after.token, waiting.token);
    await cp.send(new PutApprovalResultCommand({ pipelineName: 'deliver', stageName: 'Release', actionName: 'Approve', token: after.token ?? '', result: { status: 'Approved', summary: 'go' } }));
    await untilPipeline(t, 'E1 succeeds', async () => (await cp.send(new GetPipelineExecutionCommand({ pipelineName: 'deliver', pipelineExecutionId: e1 }))).pipelineExecution?.status === 'Succeeded');
    const execution = (await cp.send(new GetPipelineExecutionCommand({ pipelineName: 'deliver', pipelineExecutionId: e1 }))).pipelineExecution;
    assert.equal(execution?.artifactRevisions?.[0]?.revisionId, first.commitId);
    assert.equal(execution?.trigger?.triggerType, 'CreatePipeline');

    // A push to main starts the pipeline (as the EventBridge rule on the repository does in AWS).
    const cc2 = new CodeCommitClient(t.sdk);
    const second = await cc2.send(new PutFileCommand({ repositoryName: 'app', branchName: 'main', filePath: 'index.js', fileContent: Buffer.from('console.log(2)\n'), parentCommitId: first.commitId, commitMessage: 'second' }));
    cc2.destroy();
    await untilPipeline(t, 'the push execution waits for approval', async () => {
      const a = await approvalOf(cp);
      return a.status === 'InProgress' && a.executionId !== e1;
    });
    const listed = await cp.send(new ListPipelineExecutionsCommand({ pipelineName: 'deliver' }));
    const pushed = listed.pipelineExecutionSummaries?.[0];
    assert.equal(pushed?.trigger?.triggerType, 'CloudWatchEvent');
    assert.equal(pushed?.sourceRevisions?.[0]?.revisionId, second.commitId);
    await cp.send(new StopPipelineExecutionCommand({ pipelineName: 'deliver', pipelineExecutionId: pushed?.pipelineExecutionId ?? '', abandon: true, reason: 'not this one' }));
    await untilPipeline(t, 'the pushed execution stops', async () => (await cp.send(new GetPipelineExecutionCommand({ pipelineName: 'deliver', pipelineExecutionId: pushed?.pipelineExecutionId ?? '' }))).pipelineExecution?.status === 'Stopped');
    assert.equal((await approvalOf(cp)).status, 'Abandoned');

    // Every state change was an event with AWS's state words.
    const states = t.daemon.bus
      .since(0, 10_000)
      .filter((e) => e.type === 'codepipeline.execution.state-change' && e.detail['execution-id'] === e1)
      .map((e) => e.detail['state']);
    assert.deepEqual(states, ['InProgress', 'Succeeded']);
    const actionStates = t.daemon.bus
      .since(0, 10_000)
      .filter((e) => e.type === 'codepipeline.action.state-change' && e.detail['execution-id'] === pushed?.pipelineExecutionId && e.detail['progress'] === undefined)
      .map((e) => `${String(e.detail['action'])}:${String(e.detail['state'])}`);
    assert.deepEqual(actionStates, ['Source:InProgress', 'Source:Succeeded', 'Approve:InProgress', 'Approve:Abandoned']);
    cp.destroy();
  } finally {
    await t.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
