import { CodeBuildClient, StartBuildCommand, StopBuildCommand } from '@aws-sdk/client-codebuild';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { typeFilter } from '../../core/events.ts';
import { ensureBusyboxImage } from '../../runtime/base-images.ts';
import { startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import { createProject, getBuild, type BuildHarness } from './testing.ts';

const clock = new ManualClock();
let t: TestDaemon;
let h: BuildHarness;

before(async () => {
  t = await startTestDaemon({ runtime: 'auto', clock });
  await t.daemon.whenRuntimeSettled();
  const image = (await ensureBusyboxImage(t.daemon.runtime)).ref;
  h = { t, codebuild: new CodeBuildClient(t.sdk), image } as unknown as BuildHarness;
});

after(async () => {
  await t.stop();
});

const SLEEPER = 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo started\n      - sleep 300\n  post_build:\n    commands:\n      - echo never\n';

/** Starts a build and resolves once its first command printed, with the build id and its completion. */
async function startSleeper(project: string, extra: { queuedTimeoutInMinutesOverride?: number } = {}, waitRunning = true): Promise<{ id: string; done: Promise<unknown> }> {
  const ref: { id?: string | undefined } = {};
  const running = t.daemon.bus.next((e) => e.type === 'codebuild.build.log' && e.detail['id'] === ref.id && (e.detail['lines'] as string[]).includes('started'));
  const done = t.daemon.bus.next((e) => typeFilter('codebuild.build.completed')(e) && e.detail['id'] === ref.id);
  ref.id = (await h.codebuild.send(new StartBuildCommand({ projectName: project, ...extra }))).build?.id;
  if (waitRunning) await running;
  return { id: ref.id ?? '', done };
}

test('the build timeout (on the injected clock) stops the container: the open phase and the build are TIMED_OUT, FINALIZING still runs', async () => {
  const project = await createProject(h, SLEEPER, { timeoutInMinutes: 5 });
  const { id, done } = await startSleeper(project);
  await clock.advance(5 * 60_000);
  await done;
  const build = await getBuild(h, id);
  assert.equal(build.buildStatus, 'TIMED_OUT');
  const phase = build.phases?.find((p) => p.phaseType === 'BUILD');
  assert.equal(phase?.phaseStatus, 'TIMED_OUT');
  assert.deepEqual(phase?.contexts, [{ statusCode: 'BUILD_TIMED_OUT', message: 'Build has timed out.' }]);
  assert.equal(build.phases?.some((p) => p.phaseType === 'POST_BUILD'), false);
  assert.equal(build.phases?.find((p) => p.phaseType === 'FINALIZING')?.phaseStatus, 'SUCCEEDED');
});

test('a build still QUEUED (the machine runs 4 at once) at its queuedTimeoutInMinutes ends TIMED_OUT without running', async () => {
  const project = await createProject(h, SLEEPER);
  const busy = await Promise.all([1, 2, 3, 4].map(() => startSleeper(project)));
  const waiting = await startSleeper(project, { queuedTimeoutInMinutesOverride: 5 }, false);
  assert.equal((await getBuild(h, waiting.id)).currentPhase, 'QUEUED');
  await clock.advance(5 * 60_000);
  await waiting.done;
  const build = await getBuild(h, waiting.id);
  assert.equal(build.buildStatus, 'TIMED_OUT');
  assert.deepEqual(
    (build.phases ?? []).map((p) => `${p.phaseType ?? ''}:${p.phaseStatus ?? '-'}`),
    ['SUBMITTED:SUCCEEDED', 'QUEUED:TIMED_OUT', 'COMPLETED:-'],
  );
  for (const b of busy) await h.codebuild.send(new StopBuildCommand({ id: b.id }));
  await Promise.all(busy.map((b) => b.done));
});
