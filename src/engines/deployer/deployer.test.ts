import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { GetDeploymentCommand, GetDeploymentTargetCommand } from '@aws-sdk/client-codedeploy';
import { DescribeTaskSetsCommand } from '@aws-sdk/client-ecs';
import { CLUSTER, SERVICE, startBlueGreen, type BlueGreenWorld } from './testing.ts';

// Blue/green on the real engine: busybox httpd tasks behind real listeners, deployed by CodeDeploy's ECS flow.
let w: BlueGreenWorld;

before(async () => {
  w = await startBlueGreen();
});

after(async () => {
  await w.close();
});

test('ECS blue/green: green on the other target group, test then production traffic, blue removed; a failing release rolls back', { timeout: 600_000 }, async () => {
  const [, tg2] = w.targetGroups;
  assert.equal(await w.version(w.prodPort), 'v1');

  // v2: green on web-tg-2; at the end both listeners answer v2 and only green's task set is left.
  const v2 = await w.taskDefinition('v2');
  const id = await w.deploy(v2);
  const end = await w.ended(id);
  assert.equal(end.type, 'codedeploy.deployment.succeeded', JSON.stringify(end.detail));
  assert.equal(await w.version(w.prodPort), 'v2');
  assert.equal(await w.version(w.testPort), 'v2');
  const info = (await w.cd.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo;
  assert.equal(info?.status, 'Succeeded');
  const target = (await w.cd.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId: `${CLUSTER}:${SERVICE}` }))).deploymentTarget?.ecsTarget;
  assert.deepEqual(
    target?.lifecycleEvents?.map((e) => `${e.lifecycleEventName}:${e.status}`),
    ['BeforeInstall', 'Install', 'AfterInstall', 'AllowTestTraffic', 'AfterAllowTestTraffic', 'BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic'].map((n) => `${n}:Succeeded`),
  );
  assert.deepEqual(
    target?.taskSetsInfo?.map((s) => [s.taskSetLabel, s.targetGroup?.name, s.trafficWeight]),
    [
      ['Blue', 'web-tg-1', 0],
      ['Green', 'web-tg-2', 100],
    ],
  );
  // Blue is DRAINING until its tasks have stopped, as on AWS.
  const sets = (await w.ecs.send(new DescribeTaskSetsCommand({ cluster: CLUSTER, service: SERVICE }))).taskSets ?? [];
  assert.deepEqual(
    sets.filter((s) => s.status !== 'DRAINING').map((s) => [s.status, s.loadBalancers?.[0]?.targetGroupArn]),
    [['PRIMARY', tg2]],
  );

  // v3 never gets healthy: Install fails, the rollback deployment restores blue (v2) and removes the replacement.
  const v3 = await w.taskDefinition('v3', false);
  const badId = await w.deploy(v3);
  const failed = await w.ended(badId);
  assert.equal(failed.type, 'codedeploy.deployment.failed');
  const rollbackId = String(failed.detail['rollbackDeploymentId']);
  await w.next((e) => e.resource === rollbackId && e.type === 'codedeploy.deployment.succeeded');
  const badInfo = (await w.cd.send(new GetDeploymentCommand({ deploymentId: badId }))).deploymentInfo;
  assert.equal(badInfo?.errorInformation?.code, 'ECS_UPDATE_ERROR');
  assert.equal(await w.version(w.prodPort), 'v2');
  const after = (await w.ecs.send(new DescribeTaskSetsCommand({ cluster: CLUSTER, service: SERVICE }))).taskSets ?? [];
  assert.deepEqual(
    after.filter((s) => s.status !== 'DRAINING').map((s) => [s.status, s.loadBalancers?.[0]?.targetGroupArn]),
    [['PRIMARY', tg2]],
  );
});
