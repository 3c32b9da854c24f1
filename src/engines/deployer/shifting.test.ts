import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ContinueDeploymentCommand, CreateDeploymentConfigCommand, GetDeploymentCommand, UpdateDeploymentGroupCommand } from '@aws-sdk/client-codedeploy';
import type { SlipwayEvent } from '../../core/events.ts';
import { startLoad, type Load, type LoadStats } from '../../../test/e2e/load.ts';
import { APPLICATION, GROUP, startBlueGreen, type BlueGreenWorld } from './testing.ts';

// Canary and linear shifting on the real engine under constant load: each step's measured share of production traffic,
// the test listener serving green first, 0 failed requests. A deployment "minute" lasts 5 s here (deploymentMinuteMs).
const MINUTE_MS = 5000;
let w: BlueGreenWorld;

before(async () => {
  w = await startBlueGreen({ settings: { deploymentMinuteMs: MINUTE_MS } });
  await w.cd.send(new CreateDeploymentConfigCommand({ deploymentConfigName: 'Canary20Percent1Minute', computePlatform: 'ECS', trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 20, canaryInterval: 1 } } }));
  await w.cd.send(new CreateDeploymentConfigCommand({ deploymentConfigName: 'Linear25PercentEvery1Minute', computePlatform: 'ECS', trafficRoutingConfig: { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 25, linearInterval: 1 } } }));
});

after(async () => {
  await w.close();
});

interface Step {
  readonly greenPercent: number;
  readonly at: LoadStats;
}

/** Follows one deployment under load: a snapshot of the counts at each traffic shift, and when the test listener moved. */
async function follow(load: Load, id: string, green: string): Promise<{ steps: Step[]; beforeTest: LoadStats; testServed: string; end: SlipwayEvent }> {
  const steps: Step[] = [];
  let beforeTest: LoadStats | undefined;
  let testServed = '';
  const probes: Promise<void>[] = [];
  const off = w.t.daemon.bus.subscribe(
    (e) => e.resource === id,
    (e) => {
      if (e.type === 'codedeploy.deployment.traffic-shifted') steps.push({ greenPercent: Number(e.detail['greenPercent']), at: load.snapshot() });
      if (e.type === 'codedeploy.lifecycle-event.completed' && e.detail['lifecycleEventName'] === 'AllowTestTraffic') {
        beforeTest = load.snapshot();
        probes.push(w.version(w.testPort).then((v) => void (testServed = v)));
      }
    },
  );
  try {
    const end = await w.ended(id);
    await Promise.all(probes);
    assert.ok(beforeTest !== undefined, 'AllowTestTraffic completed');
    assert.equal(beforeTest.versions[green] ?? 0, 0, 'production served no green before the test listener did');
    return { steps, beforeTest, testServed, end };
  } finally {
    off();
  }
}

/** The share of `green` among the answers between two snapshots, in percent. */
function share(from: LoadStats, to: LoadStats, green: string): { percent: number; requests: number } {
  const requests = to.total - to.failed - (from.total - from.failed);
  const greenCount = (to.versions[green] ?? 0) - (from.versions[green] ?? 0);
  return { percent: (100 * greenCount) / Math.max(1, requests), requests };
}

function assertSteps(steps: readonly Step[], expected: readonly number[], green: string): string[] {
  assert.deepEqual(
    steps.map((s) => s.greenPercent),
    expected,
  );
  const measured: string[] = [];
  for (let i = 0; i + 1 < steps.length; i++) {
    const from = steps[i] as Step;
    const to = steps[i + 1] as Step;
    const { percent, requests } = share(from.at, to.at, green);
    measured.push(`${from.greenPercent}%: ${percent.toFixed(1)}% of ${requests}`);
    assert.ok(requests >= 50, `step ${from.greenPercent}% saw only ${requests} requests`);
    assert.ok(Math.abs(percent - from.greenPercent) <= 5, `step ${from.greenPercent}%: green got ${percent.toFixed(1)}% of ${requests} requests`);
  }
  return measured;
}

test('a canary (20% for a minute, then 100%) and a linear (25% a minute) deployment: shares within 5%, test listener first, 0 failed', { timeout: 600_000 }, async () => {
  const load = startLoad(`http://127.0.0.1:${w.prodPort}/`, 4);
  try {
    await load.after(50);
    const v2 = await w.taskDefinition('v2');
    const canary = await w.deploy(v2, { configName: 'Canary20Percent1Minute' });
    const c = await follow(load, canary, 'v2');
    assert.equal(c.end.type, 'codedeploy.deployment.succeeded', JSON.stringify(c.end.detail));
    assert.equal(c.testServed, 'v2');
    const canaryShares = assertSteps(c.steps, [20, 100], 'v2');
    await load.after(50);
    assert.equal(await w.version(w.prodPort), 'v2');

    // Linear, with blue kept for an hour after success: ContinueDeployment(TERMINATION_WAIT) ends that wait.
    await w.cd.send(
      new UpdateDeploymentGroupCommand({
        applicationName: APPLICATION,
        currentDeploymentGroupName: GROUP,
        blueGreenDeploymentConfiguration: {
          deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
          terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 60 },
        },
      }),
    );
    const v3 = await w.taskDefinition('v3');
    const linear = await w.deploy(v3, { configName: 'Linear25PercentEvery1Minute' });
    const waiting = w.next((e) => e.resource === linear && e.type === 'codedeploy.deployment.termination-wait-started');
    const following = follow(load, linear, 'v3');
    await waiting;
    const info = (await w.cd.send(new GetDeploymentCommand({ deploymentId: linear }))).deploymentInfo;
    assert.equal(info?.status, 'InProgress');
    assert.equal(info?.instanceTerminationWaitTimeStarted, true);
    await w.cd.send(new ContinueDeploymentCommand({ deploymentId: linear, deploymentWaitType: 'TERMINATION_WAIT' }));
    const l = await following;
    assert.equal(l.end.type, 'codedeploy.deployment.succeeded', JSON.stringify(l.end.detail));
    assert.equal(l.testServed, 'v3');
    const linearShares = assertSteps(l.steps, [25, 50, 75, 100], 'v3');
    await load.after(50);
    const stats = await load.stop();
    assert.equal(stats.failed, 0, `failed requests: ${stats.failures.join('; ')}`);
    assert.equal(await w.version(w.prodPort), 'v3');
    console.log(`canary: ${canaryShares.join(', ')}; linear: ${linearShares.join(', ')}; ${stats.total} requests, 0 failed`);
  } finally {
    await load.stop();
  }
});
