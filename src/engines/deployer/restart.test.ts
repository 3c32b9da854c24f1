import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CreateDeploymentConfigCommand, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { startLoad } from '../../../test/e2e/load.ts';
import { startBlueGreen, type BlueGreenWorld } from './testing.ts';

// A restart of Slipway in the middle of a linear shift on the real engine: the deployment resumes from the step it was
// in (production keeps its split through the restart) and finishes. Slipway's listeners live in its process, so while
// it is down their ports refuse connections: the load stops for the restart, and every request before and after it
// must succeed.
let w: BlueGreenWorld;

before(async () => {
  w = await startBlueGreen({ settings: { deploymentMinuteMs: 10_000 } });
  await w.cd.send(new CreateDeploymentConfigCommand({ deploymentConfigName: 'Linear25PercentEvery1Minute', computePlatform: 'ECS', trafficRoutingConfig: { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 25, linearInterval: 1 } } }));
});

after(async () => {
  await w.close();
});

test('a restart while production shifts resumes the deployment at its step, with 0 failed requests around it', { timeout: 600_000 }, async () => {
  const before = startLoad(`http://127.0.0.1:${w.prodPort}/`, 4);
  const v2 = await w.taskDefinition('v2');
  const id = await w.deploy(v2, { configName: 'Linear25PercentEvery1Minute' });
  await w.next((e) => e.resource === id && e.type === 'codedeploy.deployment.traffic-shifted' && e.detail['greenPercent'] === 25);
  await before.after(40);
  const first = await before.stop();
  assert.equal(first.failed, 0, `failed requests before the restart: ${first.failures.join('; ')}`);

  await w.restart();
  // Events from before the restart are history now: read the state, then follow what happens next.
  const ended = w.ended(id);
  const resumed = (await w.cd.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo?.status;
  const afterRestart = startLoad(`http://127.0.0.1:${w.prodPort}/`, 4);
  try {
    await afterRestart.after(100);
    const split = afterRestart.snapshot();
    // A "minute" of 10 s leaves three steps (30 s) after the restart: the deployment must still be running, and resume.
    assert.equal(resumed, 'InProgress');
    // Production kept its split: green answers a quarter (or more, if the next step came meanwhile).
    assert.ok((split.versions['v2'] ?? 0) >= 15, `after the restart green answered ${split.versions['v2'] ?? 0} of ${split.total}`);
    const end = await ended;
    assert.equal(end.type, 'codedeploy.deployment.succeeded', JSON.stringify(end.detail));
    await afterRestart.after(40);
  } finally {
    const second = await afterRestart.stop();
    assert.equal(second.failed, 0, `failed requests after the restart: ${second.failures.join('; ')}`);
  }
  const info = (await w.cd.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo;
  assert.equal(info?.status, 'Succeeded');
  assert.equal(await w.version(w.prodPort), 'v2');
});
