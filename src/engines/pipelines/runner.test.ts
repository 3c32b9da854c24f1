import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { createPipeline, deletePipeline } from '../../services/codepipeline/pipelines.ts';
import { listPipelineExecutions, startPipelineExecution } from '../../services/codepipeline/executions.ts';
import { listActionExecutions, getPipelineState } from '../../services/codepipeline/views.ts';
import { unzip, zipOf } from './providers/zip.ts';
import { buildAction, startHarness, testPipeline, type Harness } from './testing.ts';

let h: Harness;
afterEach(async () => {
  await h.stop();
});

function statusOf(name: string, id: string): string {
  return h.execution(name, id).status;
}

function firstExecution(name: string): string {
  const row = h.ctx.store.get('SELECT id FROM codepipeline_executions WHERE pipeline = ? ORDER BY seq LIMIT 1', name);
  return String(row?.['id']);
}

test('stages run in order; equal runOrder runs in parallel; artifacts flow sealed between actions', async () => {
  h = startHarness();
  const seen: string[] = [];
  h.build.on('Package', async (job) => {
    const input = await job.inputArtifacts[0]?.read();
    const files = await unzip(input ?? Buffer.alloc(0));
    seen.push(String(files.get('made-by.txt')));
    await job.clock.sleep(1000, job.signal);
    return {};
  });
  createPipeline(
    {
      pipeline: testPipeline('order', [
        buildAction('Compile', { outputArtifacts: [{ name: 'Compiled' }] }),
        buildAction('Lint'),
        buildAction('Package', { runOrder: 2, inputArtifacts: [{ name: 'Compiled' }] }),
      ]),
    },
    h.op,
  );
  const id = firstExecution('order');
  await h.until('Compile and Lint both run', () => h.build.jobs.length === 2);
  assert.deepEqual(h.build.jobs.map((j) => j.actionName).sort(), ['Compile', 'Lint']);
  assert.equal(h.build.started('Package').length, 0);
  await h.clock.advance(1000);
  await h.until('Package runs', () => h.build.started('Package').length === 1);
  // Package reads its input before it sleeps: its timeout's sleeper and its own.
  await h.clock.whenSleepers(2);
  await h.clock.advance(1000);
  await h.until('the execution succeeds', () => statusOf('order', id) === 'Succeeded');
  assert.deepEqual(seen, [`Compile in ${id}`]);
  // At rest, no artifact blob contains the zip's plain text.
  const blobRoot = join(h.dataDir, 'blobs', 'sha256');
  for (const dir of readdirSync(blobRoot)) {
    for (const f of readdirSync(join(blobRoot, dir))) assert.ok(!readFileSync(join(blobRoot, dir, f)).includes('made-by.txt'), 'artifact stored in the clear');
  }
  const state = getPipelineState({ name: 'order' }, h.op);
  assert.deepEqual(state.stageStates?.map((s) => s.latestExecution?.status), ['Succeeded', 'Succeeded']);
  const actions = listActionExecutions({ pipelineName: 'order', filter: { pipelineExecutionId: id } }, h.op).actionExecutionDetails ?? [];
  assert.deepEqual(actions.map((a) => `${a.actionName}:${a.status}`).sort(), ['Compile:Succeeded', 'Fetch:Succeeded', 'Lint:Succeeded', 'Package:Succeeded']);
  assert.equal(actions.find((a) => a.actionName === 'Compile')?.output?.outputArtifacts?.[0]?.name, 'Compiled');
});

test('variables: codepipeline, pipeline-level and action namespaces resolve just before the action; an unresolvable one fails it', async () => {
  h = startHarness();
  h.source.on('Fetch', async (job) => ({ outputArtifacts: { Src: await zipOf({ a: 'b' }) }, outputVariables: { ETag: `etag-${job.pipelineExecutionId.slice(0, 4)}` } }));
  h.build.on('Build', async () => ({}));
  createPipeline(
    {
      pipeline: testPipeline(
        'vars',
        [
          buildAction('Build', {
            configuration: { ProjectName: 'p', EnvironmentVariables: '#{SourceVariables.ETag}|#{codepipeline.PipelineExecutionId}|#{variables.Stage}' },
          }),
        ],
        { pipelineType: 'V2', variables: [{ name: 'Stage', defaultValue: 'dev' }] },
      ),
    },
    h.op,
  );
  const first = firstExecution('vars');
  await h.until('the first execution succeeds', () => statusOf('vars', first) === 'Succeeded');
  assert.equal(h.build.jobs[0]?.configuration['EnvironmentVariables'], `etag-${first.slice(0, 4)}|${first}|dev`);
  const second = startPipelineExecution({ name: 'vars', variables: [{ name: 'Stage', value: 'prod' }] }, h.op).pipelineExecutionId ?? '';
  await h.until('the second execution succeeds', () => statusOf('vars', second) === 'Succeeded');
  assert.equal(h.build.jobs[1]?.configuration['EnvironmentVariables'], `etag-${second.slice(0, 4)}|${second}|prod`);
  const detail = listActionExecutions({ pipelineName: 'vars', filter: { pipelineExecutionId: second } }, h.op).actionExecutionDetails?.find((a) => a.actionName === 'Build');
  assert.equal(detail?.input?.resolvedConfiguration?.['EnvironmentVariables'], `etag-${second.slice(0, 4)}|${second}|prod`);
  assert.equal(detail?.input?.configuration?.['EnvironmentVariables'], '#{SourceVariables.ETag}|#{codepipeline.PipelineExecutionId}|#{variables.Stage}');

  // The namespace exists, but the source did not produce this variable: the action fails before its provider runs.
  h.source.on('Fetch', async () => ({ outputArtifacts: { Src: await zipOf({ a: 'b' }) }, outputVariables: {} }));
  const third = startPipelineExecution({ name: 'vars' }, h.op).pipelineExecutionId ?? '';
  await h.until('the third execution fails', () => statusOf('vars', third) === 'Failed');
  assert.equal(h.build.jobs.length, 2);
  const failed = listActionExecutions({ pipelineName: 'vars', filter: { pipelineExecutionId: third } }, h.op).actionExecutionDetails?.find((a) => a.actionName === 'Build');
  assert.equal(failed?.status, 'Failed');
  assert.equal(failed?.output?.executionResult?.errorDetails?.code, 'ConfigurationError');
  assert.match(failed?.output?.executionResult?.errorDetails?.message ?? '', /#\{SourceVariables\.ETag\} in configuration key EnvironmentVariables: namespace SourceVariables has no output variable ETag/);
  assert.match(h.execution('vars', third).summary, /Action Build in stage Build failed: Unable to resolve variables/);
});

test('an action past its timeout fails; an action type without a provider fails naming it', async () => {
  h = startHarness();
  h.build.on('Forever', (job) => new Promise((_, reject) => job.signal.addEventListener('abort', () => reject(new Error('aborted')))));
  createPipeline({ pipeline: testPipeline('slow', [buildAction('Forever', { timeoutInMinutes: 5 })]) }, h.op);
  const id = firstExecution('slow');
  await h.clock.advance(1000);
  await h.until('Forever runs', () => h.build.started('Forever').length === 1);
  await h.clock.advance(5 * 60_000);
  await h.until('the execution fails', () => statusOf('slow', id) === 'Failed');
  assert.match(h.execution('slow', id).summary, /The action timed out after 5 minutes/);
  assert.equal(h.build.started('Forever')[0]?.signal.aborted, true);

  createPipeline(
    {
      pipeline: testPipeline('lambda', [
        { name: 'Invoke', actionTypeId: { category: 'Invoke', owner: 'AWS', provider: 'Lambda', version: '1' }, configuration: { FunctionName: 'f' } },
      ]),
    },
    h.op,
  );
  const lambda = firstExecution('lambda');
  await h.clock.advance(1000);
  await h.until('the lambda pipeline fails', () => statusOf('lambda', lambda) === 'Failed');
  assert.match(h.execution('lambda', lambda).summary, /Slipway has no provider for action type Invoke\/AWS\/Lambda yet/);
});

test('deleting a pipeline aborts its running actions and drops its history', async () => {
  h = startHarness();
  createPipeline({ pipeline: testPipeline('gone', [buildAction('Build')]) }, h.op);
  await h.until('Build runs', () => h.build.jobs.length === 1);
  const digest = String(h.ctx.store.get('SELECT digest FROM codepipeline_artifacts')?.['digest']);
  assert.equal(await h.ctx.blobs.has(digest), true);
  deletePipeline({ name: 'gone' }, h.op);
  await h.until('the build is aborted', () => h.build.jobs[0]?.signal.aborted === true);
  await h.runner.cleaned();
  assert.equal(existsSync(h.ctx.blobs.path(digest)), false);
  createPipeline({ pipeline: testPipeline('gone', [buildAction('Build')]) }, h.op);
  assert.equal(listPipelineExecutions({ pipelineName: 'gone' }, h.op).pipelineExecutionSummaries?.length, 1);
  await h.until('the new execution builds', () => h.build.jobs.length === 2);
  await h.clock.advance(1000);
  await h.until('it succeeds', () => h.execution('gone', firstExecution('gone')).status === 'Succeeded');
});
