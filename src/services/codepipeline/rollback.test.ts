// RollbackStage through the SDK against a daemon: the ROLLBACK execution it starts, and AWS's refusals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CodeCommitClient, CreateRepositoryCommand, PutFileCommand } from '@aws-sdk/client-codecommit';
import {
  CodePipelineClient,
  CreatePipelineCommand,
  GetPipelineExecutionCommand,
  GetPipelineStateCommand,
  ListPipelineExecutionsCommand,
  PipelineExecutionNotFoundException,
  PipelineExecutionOutdatedException,
  PutApprovalResultCommand,
  RollbackStageCommand,
  StageNotFoundException,
  UnableToRollbackStageException,
  UpdatePipelineCommand,
  type PipelineDeclaration,
} from '@aws-sdk/client-codepipeline';
import { checkShape, loadModel } from '../../../test/helpers/aws-model.ts';
import { callJson, startTestDaemon } from '../../../test/helpers/daemon.ts';
import { untilPipeline } from './testing.ts';

const DECLARATION: PipelineDeclaration = {
  name: 'rel',
  pipelineType: 'V2',
  roleArn: 'arn:aws:iam::000000000000:role/pipeline-role',
  artifactStore: { type: 'S3', location: 'slipway-artifacts' },
  stages: [
    {
      name: 'Source',
      actions: [{ name: 'Source', actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeCommit', version: '1' }, configuration: { RepositoryName: 'app', BranchName: 'main' }, outputArtifacts: [{ name: 'Code' }] }],
    },
    { name: 'Release', actions: [{ name: 'Approve', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } }] },
  ],
};

test('RollbackStage starts a ROLLBACK execution of the stage with the target’s revisions; its refusals use AWS’s exceptions', async () => {
  const t = await startTestDaemon();
  const cp = new CodePipelineClient(t.sdk);
  const cc = new CodeCommitClient(t.sdk);
  try {
    await cc.send(new CreateRepositoryCommand({ repositoryName: 'app' }));
    const commit = await cc.send(new PutFileCommand({ repositoryName: 'app', branchName: 'main', filePath: 'a.txt', fileContent: Buffer.from('a'), commitMessage: 'one', name: 'Ada', email: 'ada@example.com' }));
    await cp.send(new CreatePipelineCommand({ pipeline: DECLARATION }));
    const approval = async (): Promise<{ status?: string; token?: string; executionId?: string; type?: string }> => {
      const stage = (await cp.send(new GetPipelineStateCommand({ name: 'rel' }))).stageStates?.[1];
      const latest = stage?.actionStates?.[0]?.latestExecution;
      return { status: latest?.status, token: latest?.token, executionId: stage?.latestExecution?.pipelineExecutionId, type: stage?.latestExecution?.type };
    };
    const approve = async (): Promise<string> => {
      await untilPipeline(t, 'an approval waits', async () => (await approval()).status === 'InProgress');
      const a = await approval();
      await cp.send(new PutApprovalResultCommand({ pipelineName: 'rel', stageName: 'Release', actionName: 'Approve', token: a.token ?? '', result: { status: 'Approved', summary: 'ok' } }));
      const id = a.executionId ?? '';
      await untilPipeline(t, `${id} succeeds`, async () => (await cp.send(new GetPipelineExecutionCommand({ pipelineName: 'rel', pipelineExecutionId: id }))).pipelineExecution?.status === 'Succeeded');
      return id;
    };
    const e1 = await approve();

    const refused = async (input: { stageName: string; targetPipelineExecutionId: string }, type: new (...args: never[]) => Error, message: RegExp): Promise<void> => {
      await assert.rejects(cp.send(new RollbackStageCommand({ pipelineName: 'rel', ...input })), (e: unknown) => e instanceof type && message.test(e.message));
    };
    await refused({ stageName: 'Source', targetPipelineExecutionId: e1 }, UnableToRollbackStageException, /a source stage cannot be rolled back/);
    await refused({ stageName: 'Deploy', targetPipelineExecutionId: e1 }, StageNotFoundException, /Stage Deploy does not exist in pipeline rel \(stages: Source, Release\)/);
    await refused({ stageName: 'Release', targetPipelineExecutionId: '00000000-0000-4000-8000-000000000000' }, PipelineExecutionNotFoundException, /does not exist in pipeline rel/);

    const rolled = await cp.send(new RollbackStageCommand({ pipelineName: 'rel', stageName: 'Release', targetPipelineExecutionId: e1 }));
    const e2 = rolled.pipelineExecutionId ?? '';
    assert.notEqual(e2, e1);
    await untilPipeline(t, 'the rollback waits for approval', async () => (await approval()).executionId === e2 && (await approval()).status === 'InProgress');
    assert.equal((await approval()).type, 'ROLLBACK');
    await refused({ stageName: 'Release', targetPipelineExecutionId: e1 }, UnableToRollbackStageException, new RegExp(`execution ${e2} is running in it`));
    await refused({ stageName: 'Release', targetPipelineExecutionId: e2 }, UnableToRollbackStageException, /is itself a ROLLBACK execution/);
    assert.equal(await approve(), e2);
    const execution = (await cp.send(new GetPipelineExecutionCommand({ pipelineName: 'rel', pipelineExecutionId: e2 }))).pipelineExecution;
    assert.equal(execution?.executionType, 'ROLLBACK');
    assert.deepEqual(execution?.rollbackMetadata, { rollbackTargetPipelineExecutionId: e1 });
    assert.equal(execution?.trigger?.triggerType, 'ManualRollback');
    assert.equal(execution?.artifactRevisions?.[0]?.revisionId, commit.commitId);
    const summaries = (await cp.send(new ListPipelineExecutionsCommand({ pipelineName: 'rel' }))).pipelineExecutionSummaries ?? [];
    assert.deepEqual(
      summaries.map((s) => [s.executionType, s.rollbackMetadata?.rollbackTargetPipelineExecutionId]),
      [
        ['ROLLBACK', e1],
        ['STANDARD', undefined],
      ],
    );
    const model = loadModel('codepipeline.2015-07-09');
    for (const [op, input, shape] of [
      ['GetPipelineExecution', { pipelineName: 'rel', pipelineExecutionId: e2 }, 'GetPipelineExecutionOutput'],
      ['ListPipelineExecutions', { pipelineName: 'rel' }, 'ListPipelineExecutionsOutput'],
      ['GetPipelineState', { name: 'rel' }, 'GetPipelineStateOutput'],
    ] as const) {
      const res = await callJson(t.endpoint, `CodePipeline_20150709.${op}`, input);
      assert.deepEqual(checkShape(model, shape, res.body), [], op);
    }

    // After an update, E1 ran an older structure.
    await cp.send(new UpdatePipelineCommand({ pipeline: { ...DECLARATION, stages: [...(DECLARATION.stages ?? []).slice(0, 1), { name: 'Release', actions: [{ name: 'Approve', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' }, configuration: { CustomData: 'v2' } }] }] } }));
    await refused({ stageName: 'Release', targetPipelineExecutionId: e1 }, PipelineExecutionOutdatedException, /ran version 1 of pipeline rel, which is now at version 2/);
  } finally {
    cp.destroy();
    cc.destroy();
    await t.stop();
  }
});
