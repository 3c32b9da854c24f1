import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { putApprovalResult } from '../../services/codepipeline/control.ts';
import { createPipeline } from '../../services/codepipeline/pipelines.ts';
import { getPipelineState, listActionExecutions } from '../../services/codepipeline/views.ts';
import { buildAction, startHarness, testPipeline, TestProvider } from './testing.ts';

function firstExecution(h: ReturnType<typeof startHarness>, name: string): string {
  return String(h.ctx.store.get('SELECT id FROM codepipeline_executions WHERE pipeline = ? ORDER BY seq LIMIT 1', name)?.['id']);
}

test('executions survive a restart: a resumable provider picks its run up from the persisted state; another fails saying why', async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 6, 9));
  const build = new TestProvider('Build', 'CodeBuild');
  build.resumable = true;
  build.on('Compile', async (job) => {
    job.persist({ buildId: 'build-42' });
    job.progress({ summary: 'compiling', percentComplete: 40, externalExecutionId: 'build-42' });
    await job.clock.sleep(60_000, job.signal);
    return {};
  });
  const first = startHarness({ clock, providers: { build } });
  createPipeline({ pipeline: testPipeline('resume', [buildAction('Compile')]) }, first.op);
  const fragile = testPipeline('fragile', [buildAction('Compile')]);
  fragile.stages?.push({
    name: 'Deploy',
    actions: [{ name: 'Deploy', actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'ECS', version: '1' }, configuration: { ClusterName: 'c', ServiceName: 's' }, inputArtifacts: [{ name: 'Src' }] }],
  });
  const resumeId = firstExecution(first, 'resume');
  await first.until('Compile reports progress', () => first.execution('resume', resumeId).status === 'InProgress' && build.jobs.length === 1 && getPipelineState({ name: 'resume' }, first.op).stageStates?.[1]?.actionStates?.[0]?.latestExecution?.percentComplete === 40);
  first.deploy.defaultMs = 60_000;
  build.on('Compile', async () => ({}));
  createPipeline({ pipeline: fragile }, first.op);
  const fragileId = firstExecution(first, 'fragile');
  await first.until('the fragile pipeline deploys', () => first.deploy.jobs.length === 1);
  await first.close();
  assert.equal(build.jobs[0]?.signal.aborted, true);

  // A new runner on the same data dir: the resumable build continues from its persisted state.
  const build2 = new TestProvider('Build', 'CodeBuild');
  build2.resumable = true;
  build2.on('Compile', async (job) => {
    assert.deepEqual(job.resumeState, { buildId: 'build-42' });
    return { summary: `resumed ${String(job.resumeState?.['buildId'])}` };
  });
  const second = startHarness({ clock, dataDir: first.dataDir, providers: { build: build2 } });
  try {
    await second.until('both executions settle', () => second.execution('resume', resumeId).status === 'Succeeded' && second.execution('fragile', fragileId).status === 'Failed');
    assert.equal(build2.jobs.length, 1);
    const compile = listActionExecutions({ pipelineName: 'resume', filter: { pipelineExecutionId: resumeId } }, second.op).actionExecutionDetails?.find((a) => a.actionName === 'Compile');
    assert.equal(compile?.output?.executionResult?.externalExecutionSummary, 'resumed build-42');
    assert.equal(compile?.output?.executionResult?.externalExecutionId, 'build-42');
    assert.match(second.execution('fragile', fragileId).summary, /Slipway restarted while this action ran, and the Deploy\/AWS\/ECS provider cannot pick a run up again; retry the stage/);
  } finally {
    await second.close();
    rmSync(first.dataDir, { recursive: true, force: true });
  }
});

test('manual approval: approved, rejected, timed out (configurable), and still pending after a restart', async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 6, 9));
  const h = startHarness({ clock, approvalTimeoutMinutes: 30 });
  const approval = (name: string): NonNullable<Parameters<typeof testPipeline>[1]> => [
    { name: 'Approve', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' }, configuration: { CustomData: `release ${name}?` } },
  ];
  const token = (name: string): string | undefined => getPipelineState({ name }, h.op).stageStates?.[1]?.actionStates?.[0]?.latestExecution?.token;
  for (const name of ['yes', 'no', 'late']) createPipeline({ pipeline: testPipeline(name, approval(name)) }, h.op);
  await h.until('three approvals wait', () => ['yes', 'no', 'late'].every((n) => token(n) !== undefined));
  assert.equal(getPipelineState({ name: 'yes' }, h.op).stageStates?.[1]?.actionStates?.[0]?.latestExecution?.summary, 'Waiting for approval: release yes?');
  const approvedAt = putApprovalResult({ pipelineName: 'yes', stageName: 'Build', actionName: 'Approve', token: token('yes') ?? '', result: { status: 'Approved', summary: 'ship it' } }, h.op).approvedAt;
  assert.equal(approvedAt?.getTime(), clock.now());
  putApprovalResult({ pipelineName: 'no', stageName: 'Build', actionName: 'Approve', token: token('no') ?? '', result: { status: 'Rejected', summary: 'not today' } }, h.op);
  const yes = firstExecution(h, 'yes');
  const no = firstExecution(h, 'no');
  const late = firstExecution(h, 'late');
  await h.until('yes succeeds, no fails', () => h.execution('yes', yes).status === 'Succeeded' && h.execution('no', no).status === 'Failed');
  assert.match(h.execution('no', no).summary, /Rejected: not today/);
  assert.throws(
    () => putApprovalResult({ pipelineName: 'yes', stageName: 'Build', actionName: 'Approve', token: token('yes') ?? '', result: { status: 'Approved', summary: 'again' } }, h.op),
    (e: Error & { code?: string }) => e.code === 'ApprovalAlreadyCompletedException',
  );

  // Restart while 'late' waits: the approval is still pending afterwards, with the same token and deadline.
  const lateToken = token('late');
  await h.close();
  const h2 = startHarness({ clock, dataDir: h.dataDir, approvalTimeoutMinutes: 30 });
  try {
    await h2.until('the approval waits again', () => clock.pending >= 1);
    assert.equal(h2.execution('late', late).status, 'InProgress');
    assert.equal(getPipelineState({ name: 'late' }, h2.op).stageStates?.[1]?.actionStates?.[0]?.latestExecution?.token, lateToken);
    await clock.advance(30 * 60_000);
    await h2.until('late times out', () => h2.execution('late', late).status === 'Failed');
    assert.match(h2.execution('late', late).summary, /The action timed out after 30 minutes/);
  } finally {
    await h2.stop();
  }
});
