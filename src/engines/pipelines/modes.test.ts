import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import type { PipelineDeclaration } from '@aws-sdk/client-codepipeline';
import { disableStageTransition, enableStageTransition } from '../../services/codepipeline/control.ts';
import { listPipelineExecutions, retryStageExecution, startPipelineExecution, stopPipelineExecution } from '../../services/codepipeline/executions.ts';
import { createPipeline } from '../../services/codepipeline/pipelines.ts';
import { getPipelineState } from '../../services/codepipeline/views.ts';
import { ActionFailure } from './types.ts';
import { buildAction, startHarness, testPipeline, type Harness } from './testing.ts';

let h: Harness;
afterEach(async () => {
  await h.stop();
});

/** Source → Build (one action) → Deploy (one action); Build and Deploy each take 1 s of clock time. */
function threeStages(name: string, extra: Partial<PipelineDeclaration> = {}): PipelineDeclaration {
  const p = testPipeline(name, [buildAction('Build')], extra);
  p.stages?.push({
    name: 'Deploy',
    actions: [{ name: 'Deploy', actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'ECS', version: '1' }, configuration: { ClusterName: 'c', ServiceName: 's' }, inputArtifacts: [{ name: 'Src' }] }],
  });
  return p;
}

function create(p: PipelineDeclaration): string {
  createPipeline({ pipeline: p }, h.op);
  return String(h.ctx.store.get('SELECT id FROM codepipeline_executions WHERE pipeline = ? ORDER BY seq LIMIT 1', p.name ?? '')?.['id']);
}

function start(name: string): string {
  return startPipelineExecution({ name }, h.op).pipelineExecutionId ?? '';
}

function where(name: string, id: string): string {
  const e = h.execution(name, id);
  return e.phase === 'done' ? e.status : `${e.status} ${e.phase} ${e.stageIndex}`;
}

function builtFor(): string[] {
  return h.build.jobs.map((j) => j.pipelineExecutionId);
}

test('SUPERSEDED: a newer execution replaces one waiting between stages; a running stage is never interrupted', async () => {
  h = startHarness();
  const e1 = create(threeStages('sup'));
  await h.until('E1 builds', () => builtFor().length === 1);
  const e2 = start('sup');
  await h.until('E2 waits in front of Build', () => where('sup', e2) === 'InProgress waiting 1');
  const e3 = start('sup');
  await h.until('E3 waits and E2 is superseded', () => where('sup', e3) === 'InProgress waiting 1' && where('sup', e2) === 'Superseded');
  assert.equal(where('sup', e1), 'InProgress running 1');
  assert.equal(h.build.jobs[0]?.signal.aborted, false);
  assert.deepEqual(builtFor(), [e1]);
  await h.clock.advance(1000);
  await h.until('E3 builds while E1 deploys', () => builtFor().length === 2 && h.deploy.jobs.length === 1);
  assert.deepEqual(builtFor(), [e1, e3]);
  await h.clock.advance(1000);
  await h.until('E1 succeeds and E3 deploys', () => where('sup', e1) === 'Succeeded' && h.deploy.jobs.length === 2);
  await h.clock.advance(1000);
  await h.until('E3 succeeds', () => where('sup', e3) === 'Succeeded');
  assert.equal(where('sup', e2), 'Superseded');
  assert.equal(h.execution('sup', e2).summary, 'Superseded by a newer execution');
});

test('QUEUED: waiting executions enter a stage one by one in arrival order, none superseded', async () => {
  h = startHarness();
  const e1 = create(threeStages('queue', { pipelineType: 'V2', executionMode: 'QUEUED' }));
  await h.until('E1 builds', () => builtFor().length === 1);
  const e2 = start('queue');
  const e3 = start('queue');
  await h.until('E2 and E3 wait', () => where('queue', e2) === 'InProgress waiting 1' && where('queue', e3) === 'InProgress waiting 1');
  const state = getPipelineState({ name: 'queue' }, h.op);
  assert.deepEqual(state.stageStates?.[1]?.inboundExecutions?.map((e) => e.pipelineExecutionId), [e2, e3]);
  await h.clock.advance(1000);
  await h.until('E2 builds', () => builtFor().length === 2);
  assert.equal(where('queue', e3), 'InProgress waiting 1');
  await h.clock.advance(1000);
  await h.until('E3 builds', () => builtFor().length === 3);
  await h.clock.advance(1000);
  await h.clock.advance(1000);
  await h.until('all succeed', () => [e1, e2, e3].every((e) => where('queue', e) === 'Succeeded'));
  assert.deepEqual(builtFor(), [e1, e2, e3]);
  assert.deepEqual(h.deploy.jobs.map((j) => j.pipelineExecutionId), [e1, e2, e3]);
});

test('PARALLEL: executions never wait for each other', async () => {
  h = startHarness();
  const e1 = create(threeStages('par', { pipelineType: 'V2', executionMode: 'PARALLEL' }));
  const e2 = start('par');
  const e3 = start('par');
  await h.until('all three build at once', () => builtFor().length === 3);
  assert.deepEqual(new Set(builtFor()), new Set([e1, e2, e3]));
  await h.clock.advance(1000);
  await h.until('all three deploy at once', () => h.deploy.jobs.length === 3);
  await h.clock.advance(1000);
  await h.until('all succeed', () => [e1, e2, e3].every((e) => where('par', e) === 'Succeeded'));
});

test('retry: FAILED_ACTIONS reruns only the failed actions, ALL_ACTIONS all of them; only the latest execution of a stage is retryable', async () => {
  h = startHarness();
  let calls = 0;
  h.build.on('Flaky', async () => {
    calls++;
    if (calls % 2 === 1) throw new ActionFailure('flaky failed');
    return {};
  });
  const steady = (): number => h.build.started('Steady').length;
  const e1 = create(testPipeline('retry', [buildAction('Flaky'), buildAction('Steady')]));
  await h.until('Flaky failed and Steady runs', () => calls === 1 && steady() === 1);
  assert.equal(where('retry', e1), 'InProgress running 1');
  await h.clock.advance(1000);
  await h.until('E1 fails', () => where('retry', e1) === 'Failed');
  assert.match(h.execution('retry', e1).summary, /Action Flaky in stage Build failed: flaky failed/);
  retryStageExecution({ pipelineName: 'retry', pipelineExecutionId: e1, stageName: 'Build', retryMode: 'FAILED_ACTIONS' }, h.op);
  await h.until('E1 succeeds', () => where('retry', e1) === 'Succeeded');
  assert.equal(steady(), 1);
  assert.equal(calls, 2);

  const e2 = start('retry');
  await h.until('Steady runs for E2', () => steady() === 2);
  await h.clock.advance(1000);
  await h.until('E2 fails', () => where('retry', e2) === 'Failed');
  retryStageExecution({ pipelineName: 'retry', pipelineExecutionId: e2, stageName: 'Build', retryMode: 'ALL_ACTIONS' }, h.op);
  await h.until('Steady reruns', () => steady() === 3);
  await h.clock.advance(1000);
  await h.until('E2 succeeds', () => where('retry', e2) === 'Succeeded');

  const e3 = start('retry');
  await h.until('Steady runs for E3', () => steady() === 4);
  await h.clock.advance(1000);
  await h.until('E3 fails', () => where('retry', e3) === 'Failed');
  const e4 = start('retry');
  await h.until('E4 enters Build (the failure released the lock)', () => steady() === 5);
  assert.throws(
    () => retryStageExecution({ pipelineName: 'retry', pipelineExecutionId: e3, stageName: 'Build', retryMode: 'FAILED_ACTIONS' }, h.op),
    (e: Error & { code?: string }) => e.code === 'NotLatestPipelineExecutionException' && e.message.includes(`Execution ${e4} entered stage Build after ${e3}`),
  );
  assert.throws(
    () => retryStageExecution({ pipelineName: 'retry', pipelineExecutionId: e4, stageName: 'Build', retryMode: 'FAILED_ACTIONS' }, h.op),
    (e: Error & { code?: string }) => e.code === 'StageNotRetryableException',
  );
});

test('stop and wait lets running actions finish; stop and abandon abandons them; both unlock the stage for retry', async () => {
  h = startHarness();
  const e1 = create(threeStages('stop'));
  await h.until('E1 builds', () => builtFor().length === 1);
  stopPipelineExecution({ pipelineName: 'stop', pipelineExecutionId: e1, reason: 'hold on' }, h.op);
  await h.until('E1 Build stops', () => getPipelineState({ name: 'stop' }, h.op).stageStates?.[1]?.latestExecution?.status === 'Stopping');
  assert.equal(where('stop', e1), 'Stopping running 1');
  assert.throws(() => stopPipelineExecution({ pipelineName: 'stop', pipelineExecutionId: e1 }, h.op), (e: Error & { code?: string }) => e.code === 'DuplicatedStopRequestException');
  assert.equal(h.build.jobs[0]?.signal.aborted, false);
  await h.clock.advance(1000);
  await h.until('E1 stops', () => where('stop', e1) === 'Stopped');
  assert.equal(h.deploy.jobs.length, 0);
  assert.equal(h.execution('stop', e1).summary, 'hold on');
  const state = getPipelineState({ name: 'stop' }, h.op);
  assert.equal(state.stageStates?.[1]?.actionStates?.[0]?.latestExecution?.status, 'Succeeded');
  assert.equal(state.stageStates?.[1]?.latestExecution?.status, 'Stopped');

  const e2 = start('stop');
  await h.until('E2 builds', () => builtFor().length === 2);
  stopPipelineExecution({ pipelineName: 'stop', pipelineExecutionId: e2, abandon: true }, h.op);
  await h.until('E2 stops at once', () => where('stop', e2) === 'Stopped');
  assert.equal(h.build.jobs[1]?.signal.aborted, true);
  assert.equal(getPipelineState({ name: 'stop' }, h.op).stageStates?.[1]?.actionStates?.[0]?.latestExecution?.status, 'Abandoned');
  retryStageExecution({ pipelineName: 'stop', pipelineExecutionId: e2, stageName: 'Build', retryMode: 'ALL_ACTIONS' }, h.op);
  await h.until('E2 builds again', () => builtFor().length === 3);
  await h.clock.advance(1000);
  await h.clock.advance(1000);
  await h.until('E2 succeeds', () => where('stop', e2) === 'Succeeded');

  // A Stopping execution can still be abandoned.
  const e3 = start('stop');
  await h.until('E3 builds', () => builtFor().length === 4);
  stopPipelineExecution({ pipelineName: 'stop', pipelineExecutionId: e3 }, h.op);
  stopPipelineExecution({ pipelineName: 'stop', pipelineExecutionId: e3, abandon: true, reason: 'now' }, h.op);
  await h.until('E3 stops without waiting for its build', () => where('stop', e3) === 'Stopped');
  assert.equal(h.build.jobs[3]?.signal.aborted, true);
  assert.deepEqual(listPipelineExecutions({ pipelineName: 'stop' }, h.op).pipelineExecutionSummaries?.[0]?.stopTrigger, { reason: 'now' });
  assert.throws(() => stopPipelineExecution({ pipelineName: 'stop', pipelineExecutionId: e3, abandon: true }, h.op), (e: Error & { code?: string }) => e.code === 'PipelineExecutionNotStoppableException');
});

test('a disabled transition holds executions at the stage boundary, where a newer one still supersedes; enabling lets the latest in', async () => {
  h = startHarness();
  createPipeline({ pipeline: threeStages('gate') }, h.op);
  // The creation execution passes first; the gate is closed after it.
  const e0 = String(h.ctx.store.get("SELECT id FROM codepipeline_executions WHERE pipeline = 'gate'")?.['id']);
  await h.until('E0 builds', () => builtFor().length === 1);
  disableStageTransition({ pipelineName: 'gate', stageName: 'Deploy', transitionType: 'Inbound', reason: 'release freeze' }, h.op);
  await h.clock.advance(1000);
  await h.until('E0 waits at the closed gate', () => where('gate', e0) === 'InProgress waiting 2');
  const e1 = start('gate');
  await h.until('E1 builds', () => builtFor().length === 2);
  await h.clock.advance(1000);
  await h.until('E1 reaches the gate and supersedes E0', () => where('gate', e1) === 'InProgress waiting 2' && where('gate', e0) === 'Superseded');
  assert.equal(h.deploy.jobs.length, 0);
  assert.equal(getPipelineState({ name: 'gate' }, h.op).stageStates?.[2]?.inboundExecution?.pipelineExecutionId, e1);
  enableStageTransition({ pipelineName: 'gate', stageName: 'Build', transitionType: 'Outbound' }, h.op);
  await h.until('E1 deploys', () => h.deploy.jobs.length === 1);
  assert.equal(h.deploy.jobs[0]?.pipelineExecutionId, e1);
  await h.clock.advance(1000);
  await h.until('E1 succeeds', () => where('gate', e1) === 'Succeeded');
});

test('onFailure RETRY retries a failed stage once by itself; a second failure fails the execution', async () => {
  h = startHarness();
  let calls = 0;
  h.build.on('Flaky', async () => {
    calls++;
    if (calls !== 2) throw new ActionFailure(`attempt ${calls} failed`);
    return {};
  });
  const p = testPipeline('auto', [buildAction('Flaky')]);
  const build = p.stages?.[1];
  if (build !== undefined) build.onFailure = { result: 'RETRY', retryConfiguration: { retryMode: 'ALL_ACTIONS' } };
  const e1 = create(p);
  await h.until('E1 succeeds after one automatic retry', () => where('auto', e1) === 'Succeeded');
  assert.equal(calls, 2);
  assert.deepEqual(getPipelineState({ name: 'auto' }, h.op).stageStates?.[1]?.retryStageMetadata, { autoStageRetryAttempt: 1, latestRetryTrigger: 'AutomatedStageRetry' });
  const e2 = start('auto');
  await h.until('E2 fails after its one automatic retry', () => where('auto', e2) === 'Failed');
  assert.equal(calls, 4);
  assert.match(h.execution('auto', e2).summary, /attempt 4 failed/);
  retryStageExecution({ pipelineName: 'auto', pipelineExecutionId: e2, stageName: 'Build', retryMode: 'FAILED_ACTIONS' }, h.op);
  await h.until('E2 fails again', () => calls === 5 && where('auto', e2) === 'Failed');
  assert.deepEqual(getPipelineState({ name: 'auto' }, h.op).stageStates?.[1]?.retryStageMetadata, { autoStageRetryAttempt: 1, manualStageRetryAttempt: 1, latestRetryTrigger: 'ManualStageRetry' });
});
