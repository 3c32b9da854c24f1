import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  CodeDeployClient,
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentGroupCommand,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
} from '@aws-sdk/client-codedeploy';
import { CreateClusterCommand, CreateServiceCommand, DescribeTaskSetsCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { SlipwayEvent } from '../../core/events.ts';
import { ensureBusyboxImage } from '../../runtime/base-images.ts';
import { connectRuntime } from '../../runtime/engine.ts';
import type { ContainerRuntime } from '../../runtime/types.ts';
import { startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import { fargateTaskDefinition } from '../scheduler/testing.ts';
import { freePort } from '../../../test/helpers/ports.ts';

// Blue/green on the real engine: busybox httpd tasks behind real listeners, deployed by CodeDeploy's ECS flow.
const suffix = randomBytes(4).toString('hex');
const image = `localhost/slipway-deployer-test-${suffix}:v1`;
const NET = { awsvpcConfiguration: { subnets: ['subnet-1'] } };
let t: TestDaemon;
let runtime: ContainerRuntime;
let ecs: ECSClient;
let elb: ElasticLoadBalancingV2Client;
let cd: CodeDeployClient;
let prodPort: number;
let testPort: number;

async function taskDefinition(version: string, healthy = true): Promise<string> {
  const td = await ecs.send(
    new RegisterTaskDefinitionCommand(
      fargateTaskDefinition('web', image, {
        // As in the seed's task definition: ECS replaces a task whose container health check fails.
        healthCheck: { command: ['CMD-SHELL', 'wget -q -O /dev/null http://127.0.0.1:8080/health-check'], interval: 5, timeout: 2, retries: 1 },
        environment: [
          { name: 'VERSION', value: version },
          { name: 'HEALTHY', value: String(healthy) },
        ],
      }),
    ),
  );
  return td.taskDefinition?.taskDefinitionArn ?? '';
}

async function body(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/`);
  return (await res.text()).trim();
}

function nextEvent(match: (e: SlipwayEvent) => boolean): Promise<SlipwayEvent> {
  return t.daemon.bus.next(match, AbortSignal.timeout(240_000));
}

function appspec(taskDefinitionArn: string): string {
  return JSON.stringify({
    version: 0.0,
    Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: { TaskDefinition: taskDefinitionArn, LoadBalancerInfo: { ContainerName: 'app', ContainerPort: 8080 } } } }],
  });
}

before(async () => {
  t = await startTestDaemon({ runtime: 'auto' });
  await t.daemon.whenRuntimeSettled();
  runtime = t.daemon.runtime;
  ecs = new ECSClient(t.sdk);
  elb = new ElasticLoadBalancingV2Client(t.sdk);
  cd = new CodeDeployClient(t.sdk);
  const base = await ensureBusyboxImage(runtime);
  const script = 'mkdir -p /www && echo "$VERSION" > /www/index.html && if [ "$HEALTHY" = true ]; then echo ok > /www/health-check; fi; exec httpd -f -p 8080 -h /www';
  await runtime.buildImage({ tag: image, files: { Dockerfile: Buffer.from(`FROM ${base.ref}\nCMD ["sh", "-c", ${JSON.stringify(script)}]\n`) } });
  prodPort = await freePort();
  testPort = await freePort();
});

after(async () => {
  for (const client of [ecs, elb, cd]) client.destroy();
  // Stop Slipway first (it leaves task containers running, as designed), then clean up through a connection of our own.
  await t.stop();
  const cleanup = await connectRuntime();
  for (const c of await cleanup.list({ 'dev.slipway.role': 'ecs-task' })) {
    if (c.image === image || c.image.endsWith(image)) await cleanup.remove(c.id, { force: true });
  }
  await cleanup.removeImage(image).catch(() => undefined);
  await cleanup.close();
});

test('ECS blue/green: green on the other target group, test then production traffic, blue removed; a failing release rolls back', { timeout: 600_000 }, async () => {
  const groups: string[] = [];
  for (const name of ['web-tg-1', 'web-tg-2']) {
    const tg = await elb.send(
      new CreateTargetGroupCommand({ Name: name, Protocol: 'HTTP', Port: 8080, VpcId: 'vpc-1', TargetType: 'ip', HealthCheckPath: '/health-check', HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2 }),
    );
    groups.push(tg.TargetGroups?.[0]?.TargetGroupArn ?? '');
  }
  const [tg1 = '', tg2 = ''] = groups;
  const lb = await elb.send(new CreateLoadBalancerCommand({ Name: 'web-alb', Subnets: ['subnet-1', 'subnet-2'] }));
  const lbArn = lb.LoadBalancers?.[0]?.LoadBalancerArn ?? '';
  const prod = await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: prodPort, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg1 }] }));
  const testListener = await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: testPort, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg1 }] }));

  await ecs.send(new CreateClusterCommand({ clusterName: 'bg' }));
  const v1 = await taskDefinition('v1');
  const healthy = nextEvent((e) => e.type === 'elbv2.target-health.changed' && e.resource === tg1 && e.detail['state'] === 'healthy');
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'bg',
      serviceName: 'web',
      taskDefinition: v1,
      desiredCount: 1,
      networkConfiguration: NET,
      deploymentController: { type: 'CODE_DEPLOY' },
      loadBalancers: [{ targetGroupArn: tg1, containerName: 'app', containerPort: 8080 }],
    }),
  );
  await healthy;
  assert.equal(await body(prodPort), 'v1');

  await cd.send(new CreateApplicationCommand({ applicationName: 'web', computePlatform: 'ECS' }));
  await cd.send(
    new CreateDeploymentGroupCommand({
      applicationName: 'web',
      deploymentGroupName: 'web-dg',
      serviceRoleArn: 'arn:aws:iam::000000000000:role/cd',
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      blueGreenDeploymentConfiguration: {
        deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 0 },
      },
      ecsServices: [{ clusterName: 'bg', serviceName: 'web' }],
      loadBalancerInfo: {
        targetGroupPairInfoList: [
          {
            targetGroups: [{ name: 'web-tg-1' }, { name: 'web-tg-2' }],
            prodTrafficRoute: { listenerArns: [prod.Listeners?.[0]?.ListenerArn ?? ''] },
            testTrafficRoute: { listenerArns: [testListener.Listeners?.[0]?.ListenerArn ?? ''] },
          },
        ],
      },
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
    }),
  );

  // v2: green on web-tg-2; at the end both listeners answer v2 and only green's task set is left.
  const v2 = await taskDefinition('v2');
  const created = await cd.send(new CreateDeploymentCommand({ applicationName: 'web', deploymentGroupName: 'web-dg', revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appspec(v2) } } }));
  const id = created.deploymentId ?? '';
  const end = await nextEvent((e) => e.resource === id && (e.type === 'codedeploy.deployment.succeeded' || e.type === 'codedeploy.deployment.failed'));
  assert.equal(end.type, 'codedeploy.deployment.succeeded', JSON.stringify(end.detail));
  assert.equal(await body(prodPort), 'v2');
  assert.equal(await body(testPort), 'v2');
  const info = (await cd.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo;
  assert.equal(info?.status, 'Succeeded');
  const target = (await cd.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId: 'bg:web' }))).deploymentTarget?.ecsTarget;
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
  const sets = (await ecs.send(new DescribeTaskSetsCommand({ cluster: 'bg', service: 'web' }))).taskSets ?? [];
  assert.deepEqual(
    sets.filter((s) => s.status !== 'DRAINING').map((s) => [s.status, s.loadBalancers?.[0]?.targetGroupArn]),
    [['PRIMARY', tg2]],
  );

  // v3 never gets healthy: Install fails, the rollback deployment restores blue (v2) and removes the replacement.
  const v3 = await taskDefinition('v3', false);
  const bad = await cd.send(new CreateDeploymentCommand({ applicationName: 'web', deploymentGroupName: 'web-dg', revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appspec(v3) } } }));
  const badId = bad.deploymentId ?? '';
  const failed = await nextEvent((e) => e.resource === badId && (e.type === 'codedeploy.deployment.succeeded' || e.type === 'codedeploy.deployment.failed'));
  assert.equal(failed.type, 'codedeploy.deployment.failed');
  const rollbackId = String(failed.detail['rollbackDeploymentId']);
  await nextEvent((e) => e.resource === rollbackId && e.type === 'codedeploy.deployment.succeeded');
  const badInfo = (await cd.send(new GetDeploymentCommand({ deploymentId: badId }))).deploymentInfo;
  assert.equal(badInfo?.errorInformation?.code, 'ECS_UPDATE_ERROR');
  assert.equal(await body(prodPort), 'v2');
  const after = (await ecs.send(new DescribeTaskSetsCommand({ cluster: 'bg', service: 'web' }))).taskSets ?? [];
  assert.deepEqual(
    after.filter((s) => s.status !== 'DRAINING').map((s) => [s.status, s.loadBalancers?.[0]?.targetGroupArn]),
    [['PRIMARY', tg2]],
  );
});
