import { CodeBuildClient, StartBuildCommand } from '@aws-sdk/client-codebuild';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { typeFilter } from '../../core/events.ts';
import { ensureBusyboxImage } from '../../runtime/base-images.ts';
import { startTestDaemon } from '../../../test/helpers/daemon.ts';
import { createProject, getBuild, type BuildHarness } from './testing.ts';

test('the build timeout (on the injected clock) stops the container: the open phase and the build are TIMED_OUT, FINALIZING still runs', async () => {
  const clock = new ManualClock();
  const t = await startTestDaemon({ runtime: 'auto', clock });
  try {
    await t.daemon.whenRuntimeSettled();
    const image = (await ensureBusyboxImage(t.daemon.runtime)).ref;
    const h = { t, codebuild: new CodeBuildClient(t.sdk), image } as unknown as BuildHarness;
    const project = await createProject(h, 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo started\n      - sleep 300\n  post_build:\n    commands:\n      - echo never\n', { timeoutInMinutes: 5 });
    const ref: { id?: string | undefined } = {};
    const running = t.daemon.bus.next((e) => e.type === 'codebuild.build.log' && e.detail['id'] === ref.id && (e.detail['lines'] as string[]).includes('started'));
    const done = t.daemon.bus.next((e) => typeFilter('codebuild.build.completed')(e) && e.detail['id'] === ref.id);
    ref.id = (await h.codebuild.send(new StartBuildCommand({ projectName: project }))).build?.id;
    await running;
    await clock.advance(5 * 60_000);
    await done;
    const build = await getBuild(h, ref.id ?? '');
    assert.equal(build.buildStatus, 'TIMED_OUT');
    const phase = build.phases?.find((p) => p.phaseType === 'BUILD');
    assert.equal(phase?.phaseStatus, 'TIMED_OUT');
    assert.deepEqual(phase?.contexts, [{ statusCode: 'BUILD_TIMED_OUT', message: 'Build has timed out.' }]);
    assert.equal(build.phases?.some((p) => p.phaseType === 'POST_BUILD'), false);
    assert.equal(build.phases?.find((p) => p.phaseType === 'FINALIZING')?.phaseStatus, 'SUCCEEDED');
  } finally {
    await t.stop();
  }
});
