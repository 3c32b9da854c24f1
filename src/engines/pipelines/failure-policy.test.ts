// Stage onFailure ROLLBACK / FAIL / SKIP on the runner with test providers: the ROLLBACK execution, its artifacts and variables.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import type { PipelineDeclaration } from '@aws-sdk/client-codepipeline';
import { checkShape, loadModel } from '../../../test/helpers/aws-model.ts';
import { getPipelineExecution, listPipelineExecutions, startPipelineExecution } from '../../services/codepipeline/executions.ts';
import { createPipeline } from '../../services/codepipeline/pipelines.ts';
import { rollbackStage } from '../../services/codepipeline/rollback.ts';
import { getPipelineState } from '../../services/codepipeline/views.ts';
import { buildAction, startHarness, testPipeline, type Harness } from './testing.ts';
import { ActionFailure } from './types.ts';
import { unzip, zipOf } from './providers/zip.ts';

let h: Harness;
afterEach(async () => {
  await h.stop();
});

const model = loadModel('codepipeline.2015-07-09');

/** Source → Build (namespace BuildVars: Exec = the execution id) → Deploy (its ServiceName reads #{BuildVars.Exec}). */
function pipeline(name: string, result: 'ROLLBACK' | 'FAIL' | 'SKIP', extra: Partial<PipelineDeclaration> = {}): PipelineDeclaration {
  const p = testPipeline(name, [buildAction('Build', { namespace: 'BuildVars', outputArtifacts: [{ name: 'BuildOut' }] })], { pipelineType: 'V2', ...extra });
  p.stages?.push({
    name: 'Deploy',
    actions: [{ name: 'Deploy', actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'ECS', version: '1' }, configuration: { ClusterName: 'c', ServiceName: '#{BuildVars.Exec}' }, inputArtifacts: [{ name: 'BuildOut' }] }],
    onFailure: { result },
  });
  return p;
}

/** Builds record their execution id as a variable and in their artifact; deploys fail while `failing` says so. */
function script(failing: () => boolean): { deployed: Array<{ execution: string; service: string; madeBy: string }> } {
  const deployed: Array<{ execution: string; service: string; madeBy: string }> = [];
  h.build.on('Build', async (job) => ({ outputArtifacts: { BuildOut: await zipOf({ 'built-in.txt': job.pipelineExecutionId }) }, outputVariables: { Exec: job.pipelineExecutionId } }));
  h.deploy.on('Deploy', async (job) => {
    const files = await unzip((await job.inputArtifacts[0]?.read()) ?? Buffer.alloc(0));
    deployed.push({ execution: job.pipelineExecutionId, service: job.configuration['ServiceName'] ?? '', madeBy: String(files.get('built-in.txt')) });
    if (failing()) throw new ActionFailure('the new version does not start');
    return {};
  });
  return { deployed };
}

function status(name: string, id: string): string {
  return h.execution(name, id).status;
}

function newest(name: string): string {
  return listPipelineExecutions({ pipelineName: name }, h.op).pipelineExecutionSummaries?.[0]?.pipelineExecutionId ?? '';
}

test('onFailure ROLLBACK: a failed Deploy starts a ROLLBACK execution that re-runs Deploy alone with the last good execution’s artifacts and variables', async () => {
  h = startHarness();
  let failing = false;
  const { deployed } = script(() => failing);
  createPipeline({ pipeline: pipeline('rb', 'ROLLBACK') }, h.op);
  const e1 = newest('rb');
  await h.until('E1 succeeds', () => status('rb', e1) === 'Succeeded');
  failing = true;
  const e2 = startPipelineExecution({ name: 'rb' }, h.op).pipelineExecutionId ?? '';
  await h.until('E2 fails and a rollback starts', () => status('rb', e2) === 'Failed' && newest('rb') !== e2);
  failing = false;
  const e3 = newest('rb');
  await h.until('the rollback succeeds', () => status('rb', e3) === 'Succeeded');
  assert.match(h.execution('rb', e2).summary, new RegExp(`^Action Deploy in stage Deploy failed: the new version does not start; stage Deploy is rolling back to execution ${e1} in execution ${e3}$`));
  // The rollback deployed E1's build output with E1's variables, and built nothing itself.
  assert.deepEqual(deployed.at(-1), { execution: e3, service: e1, madeBy: e1 });
  assert.deepEqual(h.build.jobs.map((j) => j.pipelineExecutionId), [e1, e2]);
  assert.deepEqual(h.source.jobs.map((j) => j.pipelineExecutionId), [e1, e2]);

  const rollback = getPipelineExecution({ pipelineName: 'rb', pipelineExecutionId: e3 }, h.op).pipelineExecution;
  assert.equal(rollback?.executionType, 'ROLLBACK');
  assert.deepEqual(rollback?.rollbackMetadata, { rollbackTargetPipelineExecutionId: e1 });
  assert.equal(rollback?.trigger?.triggerType, 'AutomatedRollback');
  assert.equal(rollback?.trigger?.triggerDetail, e2);
  assert.deepEqual(checkShape(model, 'PipelineExecution', JSON.parse(JSON.stringify(rollback)) as unknown), []);
  assert.equal(getPipelineExecution({ pipelineName: 'rb', pipelineExecutionId: e2 }, h.op).pipelineExecution?.executionType, 'STANDARD');
  const listed = listPipelineExecutions({ pipelineName: 'rb' }, h.op).pipelineExecutionSummaries ?? [];
  assert.deepEqual(
    listed.map((s) => [s.pipelineExecutionId, s.status, s.executionType, s.rollbackMetadata?.rollbackTargetPipelineExecutionId]),
    [
      [e3, 'Succeeded', 'ROLLBACK', e1],
      [e2, 'Failed', 'STANDARD', undefined],
      [e1, 'Succeeded', 'STANDARD', undefined],
    ],
  );
  // sourceRevisions of the rollback are the target's; it has no stage runs before Deploy.
  assert.equal(listed[0]?.sourceRevisions?.length, listed[2]?.sourceRevisions?.length);
  const state = getPipelineState({ name: 'rb' }, h.op).stageStates ?? [];
  assert.deepEqual(state[2]?.latestExecution, { pipelineExecutionId: e3, status: 'Succeeded', type: 'ROLLBACK' });
  assert.deepEqual(state[1]?.latestExecution, { pipelineExecutionId: e2, status: 'Succeeded', type: 'STANDARD' });

  // A failing rollback is not rolled back again; RollbackStage can still target E1 by hand.
  failing = true;
  const manual = rollbackStage({ pipelineName: 'rb', stageName: 'Deploy', targetPipelineExecutionId: e1 }, h.op).pipelineExecutionId ?? '';
  await h.until('the manual rollback fails', () => status('rb', manual) === 'Failed');
  assert.equal(newest('rb'), manual);
  assert.equal(h.execution('rb', manual).trigger.triggerType, 'ManualRollback');
  assert.doesNotMatch(h.execution('rb', manual).summary, /rolling back/);
});

test('onFailure ROLLBACK with no earlier success in the stage just fails; FAIL and SKIP fail the execution', async () => {
  h = startHarness();
  script(() => true);
  for (const result of ['ROLLBACK', 'FAIL', 'SKIP'] as const) {
    const name = `p-${result.toLowerCase()}`;
    createPipeline({ pipeline: pipeline(name, result) }, h.op);
    const e1 = newest(name);
    await h.until(`${name} fails`, () => status(name, e1) === 'Failed');
    assert.equal(newest(name), e1, `${result} started no other execution`);
    const summary = h.execution(name, e1).summary;
    if (result === 'ROLLBACK') assert.match(summary, /; no earlier execution of this pipeline version succeeded in stage Deploy, so it was not rolled back$/);
    else assert.equal(summary, 'Action Deploy in stage Deploy failed: the new version does not start');
  }
});

test('SUPERSEDED: the ROLLBACK execution enters the stage like a newer execution, replacing one waiting there', async () => {
  h = startHarness();
  let failing = false;
  h.build.on('Build', async (job) => ({ outputArtifacts: { BuildOut: await zipOf({ 'built-in.txt': job.pipelineExecutionId }) }, outputVariables: { Exec: job.pipelineExecutionId } }));
  h.deploy.on('Deploy', async (job) => {
    await job.clock.sleep(1000, job.signal);
    if (failing) throw new ActionFailure('the new version does not start');
    return {};
  });
  const deploys = (): string[] => h.deploy.jobs.map((j) => j.pipelineExecutionId);
  createPipeline({ pipeline: pipeline('sup', 'ROLLBACK') }, h.op);
  const e1 = newest('sup');
  await h.until('E1 deploys', () => deploys().length === 1);
  await h.clock.advance(1000);
  await h.until('E1 succeeds', () => status('sup', e1) === 'Succeeded');
  failing = true;
  const e2 = startPipelineExecution({ name: 'sup' }, h.op).pipelineExecutionId ?? '';
  await h.until('E2 deploys', () => deploys().length === 2);
  const e3 = startPipelineExecution({ name: 'sup' }, h.op).pipelineExecutionId ?? '';
  await h.until('E3 waits in front of Deploy', () => h.execution('sup', e3).phase === 'waiting' && h.execution('sup', e3).stageIndex === 2);
  await h.clock.advance(1000);
  await h.until('E2 fails, its rollback deploys and E3 is superseded', () => status('sup', e2) === 'Failed' && deploys().length === 3 && status('sup', e3) === 'Superseded');
  const rollback = newest('sup');
  assert.deepEqual(deploys(), [e1, e2, rollback]);
  assert.equal(h.execution('sup', rollback).executionType, 'ROLLBACK');
  failing = false;
  await h.clock.advance(1000);
  await h.until('the rollback succeeds', () => status('sup', rollback) === 'Succeeded');
});

test('a failed source stage with onFailure ROLLBACK is not rolled back (AWS cannot roll back a source stage)', async () => {
  h = startHarness();
  script(() => false);
  let calls = 0;
  h.source.on('Fetch', async (job) => {
    calls++;
    if (calls > 1) throw new ActionFailure('the bucket is gone');
    return { outputArtifacts: { Src: await zipOf({ 'a.txt': job.pipelineExecutionId }) } };
  });
  const p = pipeline('src', 'ROLLBACK');
  const source = p.stages?.[0];
  if (source !== undefined) source.onFailure = { result: 'ROLLBACK' };
  createPipeline({ pipeline: p }, h.op);
  const e1 = newest('src');
  await h.until('E1 succeeds', () => status('src', e1) === 'Succeeded');
  const e2 = startPipelineExecution({ name: 'src' }, h.op).pipelineExecutionId ?? '';
  await h.until('E2 fails', () => status('src', e2) === 'Failed');
  assert.equal(newest('src'), e2);
  assert.match(h.execution('src', e2).summary, /the bucket is gone; a source stage cannot be rolled back$/);
});
