// The watching and acting commands against a real daemon (engines off: the test moves the deployment itself).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CodeDeployClient, CreateApplicationCommand, CreateDeploymentCommand, CreateDeploymentGroupCommand } from '@aws-sdk/client-codedeploy';
import { CodePipelineClient, CreatePipelineCommand } from '@aws-sdk/client-codepipeline';
import { LIFECYCLE_EVENTS } from '../services/codedeploy/deployment-record.ts';
import { completeLifecycleEvent, getDeploymentRecord, recordTrafficShift, reportTaskSets, startDeployment, startLifecycleEvent, succeedDeployment } from '../services/codedeploy/lifecycle.ts';
import { appSpecText, ecsGroupInput } from '../services/codedeploy/test-fixtures.ts';
import type { ServiceContext } from '../services/types.ts';
import { startTestDaemon, type TestDaemon } from '../../test/helpers/daemon.ts';
import { main } from './main.ts';

let t: TestDaemon;
let ctx: ServiceContext;
let cd: CodeDeployClient;

async function run(...args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await main([...args, '--endpoint', t.endpoint], { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  return { code, lines };
}

before(async () => {
  t = await startTestDaemon({ engines: false });
  const d = t.daemon;
  ctx = { config: d.config, store: d.store, bus: d.bus, clock: d.clock, log: d.log, masker: d.masker };
  cd = new CodeDeployClient(t.sdk);
  await cd.send(new CreateApplicationCommand({ applicationName: 'app', computePlatform: 'ECS' }));
  await cd.send(new CreateDeploymentGroupCommand(ecsGroupInput('app', 'group')));
});

after(async () => {
  cd.destroy();
  await t.stop();
});

test('pipeline list: none, then each pipeline with its type, mode and latest execution', async () => {
  assert.deepEqual(await run('pipeline', 'list'), { code: 0, lines: ['No pipelines.'] });
  const cp = new CodePipelineClient(t.sdk);
  await cp.send(
    new CreatePipelineCommand({
      pipeline: {
        name: 'web',
        roleArn: 'arn:aws:iam::000000000000:role/cp',
        artifactStore: { type: 'S3', location: 'bucket' },
        pipelineType: 'V2',
        executionMode: 'QUEUED',
        stages: [
          { name: 'Source', actions: [{ name: 'Source', actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeCommit', version: '1' }, configuration: { RepositoryName: 'r', BranchName: 'main' }, outputArtifacts: [{ name: 'Src' }] }] },
          { name: 'Approve', actions: [{ name: 'Approve', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } }] },
        ],
      },
    }),
  );
  cp.destroy();
  const listed = await run('pipeline', 'list');
  assert.equal(listed.code, 0);
  // CreatePipeline starts a first execution, as on AWS.
  assert.match(listed.lines.join('\n'), /^web {2}v1 {2}V2 {2}QUEUED {2}InProgress [0-9a-f-]{36} \(\d{4}-\d\d-\d\dT/);
});

test('deploy watch: the steps and the traffic split as they happen, exit 0 when the deployment succeeds', async () => {
  const { deploymentId = '' } = await cd.send(new CreateDeploymentCommand({ applicationName: 'app', deploymentGroupName: 'group', revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpecText() } } }));
  const lines: string[] = [];
  const watching = main(['deploy', 'watch', deploymentId, '--endpoint', t.endpoint], { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  // The watcher has printed the current state once its first line is there; then the test moves the deployment.
  while (!lines.some((l) => l.startsWith(`deployment ${deploymentId}`))) await new Promise<void>((r) => setImmediate(r));
  startDeployment(ctx, deploymentId);
  for (const name of LIFECYCLE_EVENTS) {
    startLifecycleEvent(ctx, deploymentId, name);
    if (name === 'Install') {
      const base = { desiredCount: 1, pendingCount: 0, runningCount: 1, trafficWeight: 0 };
      reportTaskSets(ctx, deploymentId, [
        { ...base, identifer: 'ecs-svc/1', taskSetLabel: 'Blue', targetGroup: 'tg-blue', status: 'PRIMARY', trafficWeight: 100 },
        { ...base, identifer: 'ecs-svc/2', taskSetLabel: 'Green', targetGroup: 'tg-green', status: 'ACTIVE' },
      ]);
    }
    if (name === 'AllowTraffic') for (const p of [10, 100]) recordTrafficShift(ctx, deploymentId, p);
    completeLifecycleEvent(ctx, deploymentId, name, 'Succeeded');
  }
  succeedDeployment(ctx, deploymentId);
  assert.equal(await watching, 0, lines.join('\n'));
  assert.equal(getDeploymentRecord(ctx, deploymentId).status, 'Succeeded');
  for (const expected of ['    deploy Install: Succeeded', '    deploy production traffic: 90% blue / 10% green', '    deploy production traffic: 0% blue / 100% green', `    deploy ${deploymentId}: Succeeded`]) {
    assert.ok(lines.includes(expected), `"${expected}" in:\n${lines.join('\n')}`);
  }
});

test('deploy rollback and stop: StopDeployment with and without autoRollbackEnabled; continue needs a waiting deployment', async () => {
  const create = async (): Promise<string> =>
    (await cd.send(new CreateDeploymentCommand({ applicationName: 'app', deploymentGroupName: 'group', revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpecText() } } }))).deploymentId ?? '';
  const first = await create();
  const refused = await run('deploy', 'continue', first);
  assert.equal(refused.code, 1);
  assert.match(refused.lines.join('\n'), /DeploymentIsNotInReadyStateException|ContinueDeployment/);
  startDeployment(ctx, first);
  startLifecycleEvent(ctx, first, 'BeforeInstall');
  const stopped = await run('deploy', 'stop', first);
  assert.deepEqual(stopped, { code: 0, lines: [`Stopped ${first}: Succeeded (Deployment ${first} stopped)`] });
  assert.equal(getDeploymentRecord(ctx, first).status, 'Stopped');

  const second = await create();
  startDeployment(ctx, second);
  startLifecycleEvent(ctx, second, 'BeforeInstall');
  completeLifecycleEvent(ctx, second, 'BeforeInstall', 'Succeeded');
  startLifecycleEvent(ctx, second, 'Install');
  const rolled = await run('deploy', 'rollback', second);
  assert.equal(rolled.code, 0);
  assert.match(rolled.lines[0] ?? '', new RegExp(`^Rolling back ${second}: Pending`));
  assert.ok(getDeploymentRecord(ctx, second).rollbackInfo?.rollbackDeploymentId !== undefined);
});

test('logs group: every event with its stream', async () => {
  const logs = new CloudWatchLogsClient(t.sdk);
  await logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/web' }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: '/ecs/web', logStreamName: 'ecs/web/abc' }));
  await logs.send(new PutLogEventsCommand({ logGroupName: '/ecs/web', logStreamName: 'ecs/web/abc', logEvents: [{ timestamp: Date.now(), message: 'listening on 80' }] }));
  logs.destroy();
  assert.deepEqual(await run('logs', 'group', '/ecs/web'), { code: 0, lines: ['ecs/web/abc  listening on 80'] });
});
