import { BatchGetBuildsCommand, CodeBuildClient, CreateProjectCommand } from '@aws-sdk/client-codebuild';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureBusyboxImage } from '../../runtime/base-images.ts';
import { buildArn, insertBuild, type BuildRecord } from '../../services/codebuild/build-state.ts';
import { startTestDaemon } from '../../../test/helpers/daemon.ts';

function record(project: string, id: string, image: string, phase: 'QUEUED' | 'BUILD'): BuildRecord {
  const now = Date.now();
  const full = `${project}:${id}`;
  return {
    id: full,
    arn: buildArn({ config: { accountId: '000000000000', region: 'us-east-1', dataDir: '', host: '', port: 0 } }, full),
    buildNumber: phase === 'BUILD' ? 1 : 2,
    projectName: project,
    startTime: now,
    currentPhase: phase,
    buildStatus: 'IN_PROGRESS',
    buildComplete: false,
    phases: [{ phaseType: 'SUBMITTED', phaseStatus: 'SUCCEEDED', startTime: now, endTime: now }, { phaseType: phase, startTime: now }],
    source: { type: 'NO_SOURCE', buildspec: 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo resumed queue\n' },
    secondarySources: [],
    secondaryArtifactsDefinition: [],
    secondaryArtifacts: [],
    environment: { type: 'LINUX_CONTAINER', image, computeType: 'BUILD_GENERAL1_SMALL', environmentVariables: [] },
    timeoutInMinutes: 60,
    queuedTimeoutInMinutes: 480,
    initiator: 'root',
    logsEnabled: true,
  };
}

test('at start-up a build a crash left IN_PROGRESS ends as FAULT with the reason; a QUEUED one runs', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-build-restart-'));
  try {
    // The first daemon only writes state, as a daemon that died mid-build would have left it.
    const first = await startTestDaemon({ dataDir, runtime: 'none' });
    await new CodeBuildClient(first.sdk).send(
      new CreateProjectCommand({
        name: 'restart',
        source: { type: 'NO_SOURCE', buildspec: 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo x\n' },
        artifacts: { type: 'NO_ARTIFACTS' },
        environment: { type: 'LINUX_CONTAINER', image: 'unused', computeType: 'BUILD_GENERAL1_SMALL' },
        serviceRole: 'arn:aws:iam::000000000000:role/codebuild',
      }),
    );
    await first.stop();

    const second = await startTestDaemon({ dataDir, runtime: 'auto' });
    try {
      await second.daemon.whenRuntimeSettled();
      const image = (await ensureBusyboxImage(second.daemon.runtime)).ref;
      const running = record('restart', '00000000-0000-4000-8000-000000000001', image, 'BUILD');
      const queued = record('restart', '00000000-0000-4000-8000-000000000002', image, 'QUEUED');
      await second.stop();
      // Written while no daemon runs: the next start finds them.
      const { Store } = await import('../../store/db.ts');
      const store = new Store(dataDir);
      store.tx(() => {
        insertBuild({ store }, running);
        insertBuild({ store }, queued);
      });
      store.db.close();
    } catch (err) {
      await second.stop();
      throw err;
    }

    const third = await startTestDaemon({ dataDir, runtime: 'auto' });
    try {
      const completed = (id: string): boolean => third.daemon.bus.since(0, 100_000).some((e) => e.type === 'codebuild.build.completed' && e.detail['id'] === id);
      const queuedId = 'restart:00000000-0000-4000-8000-000000000002';
      const done = third.daemon.bus.next((e) => e.type === 'codebuild.build.completed' && e.detail['id'] === queuedId);
      if (!completed(queuedId)) await done;
      const got = await new CodeBuildClient(third.sdk).send(new BatchGetBuildsCommand({ ids: ['restart:00000000-0000-4000-8000-000000000001', queuedId] }));
      const [crashed, ran] = got.builds ?? [];
      assert.equal(crashed?.buildStatus, 'FAULT');
      const open = crashed?.phases?.find((p) => p.phaseType === 'BUILD');
      assert.equal(open?.phaseStatus, 'FAULT');
      assert.equal(open?.contexts?.[0]?.statusCode, 'BUILD_INTERRUPTED');
      assert.equal(ran?.buildStatus, 'SUCCEEDED');
    } finally {
      await third.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
