import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CreateDeploymentConfigCommand, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { startLoad } from '../../../test/e2e/load.ts';
import { startBlueGreen, type BlueGreenWorld } from './testing.ts';

// A restart of Slipway in the middle of a linear shift on the real engine, under load that never stops: the load
// balancer's data plane is a process of its own, so production keeps its split while Slipway is down; after the
// restart the deployment resumes from the step it was in and finishes. Not one request fails.
let w: BlueGreenWorld;

before(async () => {
  w = await startBlueGreen({ settings: { deploymentMinuteMs: 10_000 } });
  await w.cd.send(new CreateDeploymentConfigCommand({ deploymentConfigName: 'Linear25PercentEvery1Minute', computePlatform: 'ECS', trafficRoutingConfig: { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 25, linearInterval: 1 } } }));
});

after(async () => {
  await w.close();
});

test('a restart while production shifts: the deployment resumes at its step and finishes, with 0 failed requests throughout', { timeout: 600_000 }, async () => {
  const load = startLoad(`http://127.0.0.1:${w.prodPort}/`, 4);
  try {
    const v2 = await w.taskDefinition('v2');
    const id = await w.deploy(v2, { configName: 'Linear25PercentEvery1Minute' });
    await w.next((e) => e.resource === id && e.type === 'codedeploy.deployment.traffic-shifted' && e.detail['greenPercent'] === 25);
    await load.after(40);

    await w.stopDaemon();
    // Slipway is down: the data plane serves production with the split it was given.
    const down = load.snapshot();
    await load.after(600);
    const whileDown = load.snapshot();
    const greenWhileDown = (whileDown.versions['v2'] ?? 0) - (down.versions['v2'] ?? 0);
    const share = greenWhileDown / (whileDown.total - down.total);
    assert.ok(share > 0.2 && share < 0.3, `while Slipway was down green answered ${greenWhileDown} of ${whileDown.total - down.total}`);
    process.stdout.write(`# while Slipway was stopped: ${whileDown.total - down.total} requests, green answered ${(share * 100).toFixed(1)}%, ${whileDown.failed - down.failed} failed\n`);

    await w.startDaemon();
    // Events from before the restart are history now: read the state, then follow what happens next.
    const ended = w.ended(id);
    // A "minute" of 10 s leaves the deployment running after the restart: it resumes.
    assert.equal((await w.cd.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo?.status, 'InProgress');
    const end = await ended;
    assert.equal(end.type, 'codedeploy.deployment.succeeded', JSON.stringify(end.detail));
    await load.after(40);
  } finally {
    const stats = await load.stop();
    process.stdout.write(`# restart under load: ${stats.total} requests, ${stats.failed} failed, ${JSON.stringify(stats.versions)}\n`);
    assert.equal(stats.failed, 0, `failed requests: ${stats.failures.join('; ')}`);
  }
  assert.equal(await w.version(w.prodPort), 'v2');
});
