import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  CodePipelineClient,
  CreatePipelineCommand,
  DeletePipelineCommand,
  DisableStageTransitionCommand,
  EnableStageTransitionCommand,
  GetPipelineCommand,
  GetPipelineExecutionCommand,
  GetPipelineStateCommand,
  InvalidStructureException,
  ListActionExecutionsCommand,
  ListActionTypesCommand,
  ListPipelineExecutionsCommand,
  ListPipelinesCommand,
  ListTagsForResourceCommand,
  PipelineNameInUseException,
  PipelineNotFoundException,
  PipelineVersionNotFoundException,
  PutApprovalResultCommand,
  RetryStageExecutionCommand,
  StartPipelineExecutionCommand,
  StopPipelineExecutionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdatePipelineCommand,
  ValidationException,
  type PipelineDeclaration,
} from '@aws-sdk/client-codepipeline';
import { ManualClock } from '../../core/clock.ts';
import { awsCliAvailable, awsCliJson } from '../../../test/helpers/aws-cli.ts';
import { checkShape, loadModel } from '../../../test/helpers/aws-model.ts';
import { callJson, startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';

let t: TestDaemon;
let cp: CodePipelineClient;
const clock = new ManualClock(Date.UTC(2026, 0, 10, 12));
const model = loadModel('codepipeline.2015-07-09');
const TARGET = 'CodePipeline_20150709';
const ROLE = 'arn:aws:iam::000000000000:role/pipeline-role';

/** Source (CodeCommit, a repository that does not exist: runs fail fast) → Approve (Manual) → Build (CodeBuild). */
export function pipeline(name: string, extra: Partial<PipelineDeclaration> = {}): PipelineDeclaration {
  return {
    name,
    roleArn: ROLE,
    artifactStore: { type: 'S3', location: 'slipway-artifacts' },
    stages: [
      {
        name: 'Source',
        actions: [
          {
            name: 'Source',
            actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeCommit', version: '1' },
            configuration: { RepositoryName: 'no-such-repo', BranchName: 'main' },
            outputArtifacts: [{ name: 'SourceArtifact' }],
            namespace: 'SourceVariables',
          },
        ],
      },
      { name: 'Approve', actions: [{ name: 'Approve', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } }] },
      {
        name: 'Build',
        actions: [
          {
            name: 'Build',
            actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
            configuration: { ProjectName: 'app-build', EnvironmentVariables: '[{"name":"COMMIT","value":"#{SourceVariables.CommitId}"}]' },
            inputArtifacts: [{ name: 'SourceArtifact' }],
            outputArtifacts: [{ name: 'BuildArtifact' }],
          },
        ],
      },
    ],
    ...extra,
  };
}

before(async () => {
  t = await startTestDaemon({ clock });
  cp = new CodePipelineClient(t.sdk);
});
after(async () => {
  cp.destroy();
  await t.stop();
});

test('CreatePipeline returns the declaration with AWS defaults; GetPipeline adds metadata; UpdatePipeline increments version', async () => {
  const created = await cp.send(new CreatePipelineCommand({ pipeline: pipeline('app'), tags: [{ key: 'team', value: 'platform' }] }));
  assert.equal(created.pipeline?.version, 1);
  assert.equal(created.pipeline?.pipelineType, 'V1');
  assert.equal(created.pipeline?.executionMode, 'SUPERSEDED');
  assert.equal(created.pipeline?.stages?.[1]?.actions?.[0]?.runOrder, 1);
  assert.deepEqual(created.tags, [{ key: 'team', value: 'platform' }]);
  const got = await cp.send(new GetPipelineCommand({ name: 'app' }));
  assert.equal(got.metadata?.pipelineArn, 'arn:aws:codepipeline:us-east-1:000000000000:app');
  assert.equal(got.metadata?.created?.getTime(), clock.now());
  assert.deepEqual(got.pipeline?.stages?.map((s) => s.name), ['Source', 'Approve', 'Build']);
  const changed = pipeline('app', { pipelineType: 'V2', executionMode: 'QUEUED', variables: [{ name: 'Stage', defaultValue: 'dev' }] });
  const updated = await cp.send(new UpdatePipelineCommand({ pipeline: { ...changed, version: 1 } }));
  assert.equal(updated.pipeline?.version, 2);
  const again = await cp.send(new GetPipelineCommand({ name: 'app' }));
  assert.equal(again.pipeline?.version, 2);
  assert.equal(again.pipeline?.executionMode, 'QUEUED');
  const first = await cp.send(new GetPipelineCommand({ name: 'app', version: 1 }));
  assert.equal(first.pipeline?.executionMode, 'SUPERSEDED');
  await assert.rejects(cp.send(new GetPipelineCommand({ name: 'app', version: 7 })), PipelineVersionNotFoundException);
  await assert.rejects(cp.send(new CreatePipelineCommand({ pipeline: pipeline('app') })), PipelineNameInUseException);
  const listed = await cp.send(new ListPipelinesCommand({}));
  const summary = listed.pipelines?.find((p) => p.name === 'app');
  assert.equal(summary?.version, 2);
  assert.equal(summary?.pipelineType, 'V2');
});

test('an invalid structure is reported whole, each problem with its JSON path', async () => {
  const bad = pipeline('bad');
  const stages = bad.stages ?? [];
  stages[2] = {
    name: 'Approve',
    actions: [
      {
        name: 'Build',
        actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
        configuration: { ProjectName: 'x', ProjectNmae: 'y', Env: '#{Nope.X}' },
        inputArtifacts: [{ name: 'BuildArtifact' }],
        runOrder: 1000,
      },
      { name: 'Fetch', actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeCommit', version: '1' }, configuration: { RepositoryName: 'r', BranchName: 'main' }, outputArtifacts: [{ name: 'SourceArtifact' }] },
    ],
  };
  const error = await cp.send(new CreatePipelineCommand({ pipeline: { ...bad, executionMode: 'PARALLEL' } })).then(
    () => assert.fail('accepted'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof InvalidStructureException);
  const message = error.message;
  for (const expected of [
    'pipeline.stages[2].actions[0].runOrder: found 1000, expected an integer from 1 to 999',
    'pipeline.stages[2].name: found "Approve", expected a stage name not used by another stage of the pipeline',
    'pipeline.executionMode: found "PARALLEL", expected SUPERSEDED for a V1 pipeline',
    'pipeline.stages[2].actions[1].actionTypeId.category: found "Source", expected a non-source category (source actions belong only in the first stage)',
    'pipeline.stages[2].actions[0].inputArtifacts[0].name: found artifact "BuildArtifact", which no earlier action produces, expected an output artifact of an earlier stage or a lower runOrder (produced earlier: SourceArtifact)',
    'pipeline.stages[2].actions[0].configuration.ProjectNmae: found an unknown configuration key',
    'pipeline.stages[2].actions[0].configuration.Env: found #{Nope.X}, expected a namespace declared by an action of an earlier stage or a lower runOrder (declared earlier: SourceVariables)',
    'pipeline.stages[2].actions[1].outputArtifacts[0].name: found "SourceArtifact", expected an artifact name unique in the pipeline',
  ]) {
    assert.ok(message.includes(expected), `missing ${expected}\nin ${message}`);
  }
  const oneStage = await cp.send(new CreatePipelineCommand({ pipeline: { ...pipeline('short'), stages: pipeline('short').stages?.slice(0, 1) } })).catch((e: unknown) => e);
  assert.ok(oneStage instanceof InvalidStructureException);
  assert.match(oneStage.message, /pipeline\.stages: found 1 stages, expected from 2 to 50 stages/);
  const badName = await cp.send(new CreatePipelineCommand({ pipeline: pipeline('bad name!') })).catch((e: unknown) => e);
  assert.ok(badName instanceof ValidationException);
  assert.match(badName.message, /pipeline\.name: found "bad name!", expected letters, digits/);
});

test('executions: Start with variables, Get, List, Stop of a finished one, Retry refused, action executions listed', async () => {
  await cp.send(new CreatePipelineCommand({ pipeline: pipeline('runs', { pipelineType: 'V2', variables: [{ name: 'Stage', defaultValue: 'dev' }] }) }));
  const started = await cp.send(new StartPipelineExecutionCommand({ name: 'runs', variables: [{ name: 'Stage', value: 'prod' }], clientRequestToken: 'once' }));
  const id = started.pipelineExecutionId ?? '';
  assert.match(id, /^[0-9a-f-]{36}$/);
  const twice = await cp.send(new StartPipelineExecutionCommand({ name: 'runs', clientRequestToken: 'once' }));
  assert.equal(twice.pipelineExecutionId, id);
  const got = await cp.send(new GetPipelineExecutionCommand({ pipelineName: 'runs', pipelineExecutionId: id }));
  assert.deepEqual(got.pipelineExecution?.variables, [{ name: 'Stage', resolvedValue: 'prod' }]);
  assert.equal(got.pipelineExecution?.trigger?.triggerType, 'StartPipelineExecution');
  assert.equal(got.pipelineExecution?.pipelineVersion, 1);
  await assert.rejects(cp.send(new StartPipelineExecutionCommand({ name: 'runs', variables: [{ name: 'Nope', value: 'x' }] })), /variables\[0\]\.name: found "Nope"/);
  const listed = await cp.send(new ListPipelineExecutionsCommand({ pipelineName: 'runs' }));
  assert.equal(listed.pipelineExecutionSummaries?.length, 2);
  assert.equal(listed.pipelineExecutionSummaries?.[0]?.pipelineExecutionId, id);
  assert.equal(listed.pipelineExecutionSummaries?.[1]?.trigger?.triggerType, 'CreatePipeline');
  await assert.rejects(cp.send(new RetryStageExecutionCommand({ pipelineName: 'runs', pipelineExecutionId: id, stageName: 'Build', retryMode: 'FAILED_ACTIONS' })), /StageNotRetryable|not run/);
  await assert.rejects(cp.send(new RetryStageExecutionCommand({ pipelineName: 'runs', pipelineExecutionId: id, stageName: 'Nope', retryMode: 'ALL_ACTIONS' })), /Stage Nope does not exist/);
  const actions = await cp.send(new ListActionExecutionsCommand({ pipelineName: 'runs', filter: { pipelineExecutionId: id } }));
  assert.ok(Array.isArray(actions.actionExecutionDetails));
  await assert.rejects(cp.send(new GetPipelineExecutionCommand({ pipelineName: 'runs', pipelineExecutionId: '00000000-0000-0000-0000-000000000000' })), /does not exist/);
  await assert.rejects(cp.send(new StartPipelineExecutionCommand({ name: 'nothing' })), PipelineNotFoundException);
  // The runner may already have failed the execution (its repository does not exist): then it is not stoppable.
  const stopped = await cp.send(new StopPipelineExecutionCommand({ pipelineName: 'runs', pipelineExecutionId: id, reason: 'not now' })).catch((e: unknown) => e);
  if (stopped instanceof Error) assert.match(stopped.message, /only an InProgress execution/);
  else assert.equal((stopped as { pipelineExecutionId?: string }).pipelineExecutionId, id);
  await assert.rejects(cp.send(new StopPipelineExecutionCommand({ pipelineName: 'runs', pipelineExecutionId: id })), /already Stopping|only an InProgress/);
});

test('transitions, approvals, action types and tags', async () => {
  await cp.send(new CreatePipelineCommand({ pipeline: pipeline('gates') }));
  await cp.send(new DisableStageTransitionCommand({ pipelineName: 'gates', stageName: 'Build', transitionType: 'Inbound', reason: 'Freeze (release)' }));
  let state = await cp.send(new GetPipelineStateCommand({ name: 'gates' }));
  assert.equal(state.stageStates?.[0]?.inboundTransitionState, undefined);
  assert.equal(state.stageStates?.[2]?.inboundTransitionState?.enabled, false);
  assert.equal(state.stageStates?.[2]?.inboundTransitionState?.disabledReason, 'Freeze (release)');
  await cp.send(new EnableStageTransitionCommand({ pipelineName: 'gates', stageName: 'Approve', transitionType: 'Outbound' }));
  state = await cp.send(new GetPipelineStateCommand({ name: 'gates' }));
  assert.equal(state.stageStates?.[2]?.inboundTransitionState?.enabled, true);
  assert.equal(state.pipelineVersion, 1);
  await assert.rejects(cp.send(new DisableStageTransitionCommand({ pipelineName: 'gates', stageName: 'Nope', transitionType: 'Inbound', reason: 'x' })), /StageNotFound|does not exist/);
  await assert.rejects(
    cp.send(new PutApprovalResultCommand({ pipelineName: 'gates', stageName: 'Approve', actionName: 'Approve', token: '00000000-0000-0000-0000-000000000000', result: { status: 'Approved', summary: 'ok' } })),
    /InvalidApprovalToken|not the approval token/,
  );
  const types = await cp.send(new ListActionTypesCommand({}));
  assert.deepEqual(types.actionTypes?.map((a) => `${a.id?.category}/${a.id?.provider}`).sort(), ['Approval/Manual', 'Build/CodeBuild', 'Deploy/CodeDeployToECS', 'Deploy/ECS', 'Source/CodeCommit', 'Source/ECR', 'Test/CodeBuild']);
  const arn = 'arn:aws:codepipeline:us-east-1:000000000000:gates';
  await cp.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] }));
  await cp.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['a'] }));
  assert.deepEqual((await cp.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, [{ key: 'b', value: '2' }]);
  await cp.send(new DeletePipelineCommand({ name: 'gates' }));
  await assert.rejects(cp.send(new GetPipelineCommand({ name: 'gates' })), PipelineNotFoundException);
});

test('wire shapes match the model', async () => {
  const call = (op: string, input: unknown): Promise<{ status: number; body: Record<string, unknown> }> => callJson(t.endpoint, `${TARGET}.${op}`, input);
  const created = await call('CreatePipeline', { pipeline: pipeline('wire') });
  assert.deepEqual(checkShape(model, 'CreatePipelineOutput', created.body), []);
  assert.deepEqual(checkShape(model, 'GetPipelineOutput', (await call('GetPipeline', { name: 'wire' })).body), []);
  assert.deepEqual(checkShape(model, 'GetPipelineStateOutput', (await call('GetPipelineState', { name: 'wire' })).body), []);
  assert.deepEqual(checkShape(model, 'ListPipelinesOutput', (await call('ListPipelines', {})).body), []);
  const list = await call('ListPipelineExecutions', { pipelineName: 'wire' });
  assert.deepEqual(checkShape(model, 'ListPipelineExecutionsOutput', list.body), []);
  const id = (list.body['pipelineExecutionSummaries'] as Array<{ pipelineExecutionId: string }>)[0]?.pipelineExecutionId;
  assert.deepEqual(checkShape(model, 'GetPipelineExecutionOutput', (await call('GetPipelineExecution', { pipelineName: 'wire', pipelineExecutionId: id })).body), []);
  assert.deepEqual(checkShape(model, 'ListActionExecutionsOutput', (await call('ListActionExecutions', { pipelineName: 'wire' })).body), []);
  assert.deepEqual(checkShape(model, 'ListActionTypesOutput', (await call('ListActionTypes', {})).body), []);
  const bad = await call('CreatePipeline', { pipeline: { ...pipeline('wire2'), stages: [] } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body['__type'], 'InvalidStructureException');
});

test('the AWS CLI: create-pipeline --cli-input-json, get-pipeline, get-pipeline-state', async (ctx) => {
  if (!(await awsCliAvailable())) {
    ctx.skip('aws CLI not installed');
    return;
  }
  const file = join(t.dataDir, 'pipeline.json');
  writeFileSync(file, JSON.stringify({ pipeline: pipeline('cli') }));
  const created = (await awsCliJson(t.endpoint, ['codepipeline', 'create-pipeline', '--cli-input-json', `file://${file}`])) as { pipeline: { name: string; version: number } };
  assert.equal(created.pipeline.name, 'cli');
  assert.equal(created.pipeline.version, 1);
  const got = (await awsCliJson(t.endpoint, ['codepipeline', 'get-pipeline', '--name', 'cli'])) as { pipeline: { stages: unknown[] }; metadata: { pipelineArn: string } };
  assert.equal(got.metadata.pipelineArn, 'arn:aws:codepipeline:us-east-1:000000000000:cli');
  assert.equal(got.pipeline.stages.length, 3);
  const state = (await awsCliJson(t.endpoint, ['codepipeline', 'get-pipeline-state', '--name', 'cli'])) as { stageStates: Array<{ stageName: string }> };
  assert.deepEqual(state.stageStates.map((s) => s.stageName), ['Source', 'Approve', 'Build']);
});
