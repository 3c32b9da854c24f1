import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, ECSClient, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ensureBusyboxImage } from '../../runtime/base-images.ts';
import type { ContainerRuntime } from '../../runtime/types.ts';
import { startLoad } from '../../../test/e2e/load.ts';
import { freePort } from '../../../test/helpers/ports.ts';
import { startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import { eventuallyOn, fargateTaskDefinition, removeTaskLeftovers } from './testing.ts';

// A service of real containers behind Slipway's ALB: targets registered by the scheduler, health from the load
// balancer's probes, and a rolling update under constant load that drops nothing (deregister, drain, then stop).
const image = `localhost/slipway-scheduler-alb-${randomBytes(4).toString('hex')}:v1`;
const NET = { awsvpcConfiguration: { subnets: ['subnet-1'] } };
let t: TestDaemon;
let ecs: ECSClient;
let elb: ElasticLoadBalancingV2Client;
let runtime: ContainerRuntime;

before(async () => {
  t = await startTestDaemon({ runtime: 'auto' });
  await t.daemon.whenRuntimeSettled();
  runtime = t.daemon.runtime;
  ecs = new ECSClient(t.sdk);
  elb = new ElasticLoadBalancingV2Client(t.sdk);
  const base = await ensureBusyboxImage(runtime);
  await runtime.buildImage({ tag: image, files: { Dockerfile: Buffer.from(`FROM ${base.ref}\nCMD ["sh"]\n`) } });
});

after(async () => {
  ecs.destroy();
  elb.destroy();
  try {
    await removeTaskLeftovers(runtime, t.daemon.instanceId, image);
  } finally {
    await t.stop();
  }
});

async function register(version: string): Promise<string> {
  const command = ['sh', '-c', `mkdir -p /www && printf '{"version":"%s"}' "$VERSION" > /www/index.html && exec httpd -f -p 8080 -h /www`];
  const out = await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition('alb-web', image, { environment: [{ name: 'VERSION', value: version }], command })));
  return out.taskDefinition?.taskDefinitionArn ?? '';
}

function eventually<T>(what: string, check: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  return eventuallyOn(t.daemon.bus, what, check, ms);
}

test('a 2-task service behind an ALB listener answers, and a rolling update v1 → v2 under load fails no request', async () => {
  await ecs.send(new CreateClusterCommand({}));
  const tg = await elb.send(
    new CreateTargetGroupCommand({ Name: 'alb-web', Protocol: 'HTTP', Port: 8080, VpcId: 'vpc-1', TargetType: 'ip', HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2 }),
  );
  const tgArn = tg.TargetGroups?.[0]?.TargetGroupArn ?? '';
  await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tgArn, Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '3' }] }));
  const lbArn = (await elb.send(new CreateLoadBalancerCommand({ Name: 'alb-web' }))).LoadBalancers?.[0]?.LoadBalancerArn ?? '';
  const port = await freePort();
  await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: port, DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }] }));
  const v1 = await register('v1');
  await ecs.send(
    new CreateServiceCommand({
      serviceName: 'alb-web',
      taskDefinition: v1,
      desiredCount: 2,
      networkConfiguration: NET,
      loadBalancers: [{ targetGroupArn: tgArn, containerName: 'app', containerPort: 8080 }],
      deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200 },
    }),
  );
  await eventually('steady with 2 healthy targets', async () => {
    const s = (await ecs.send(new DescribeServicesCommand({ services: ['alb-web'] }))).services?.[0];
    const health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }));
    const healthy = health.TargetHealthDescriptions?.filter((d) => d.TargetHealth?.State === 'healthy').length;
    return s?.events?.some((e) => e.message === '(service alb-web) has reached a steady state.') === true && healthy === 2 ? true : undefined;
  });
  const targets = (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }))).TargetHealthDescriptions ?? [];
  assert.ok(targets.every((d) => /^127\./.test(d.Target?.Id ?? '') && d.Target?.Port === 8080), JSON.stringify(targets));

  const load = startLoad(`http://127.0.0.1:${port}/`, 2);
  await load.after(50);
  const v2 = await register('v2');
  await ecs.send(new UpdateServiceCommand({ service: 'alb-web', taskDefinition: v2 }));
  await eventually('rolled to v2', async () => {
    const s = (await ecs.send(new DescribeServicesCommand({ services: ['alb-web'] }))).services?.[0];
    return s?.deployments?.length === 1 && s.deployments[0]?.taskDefinition === v2 && s.deployments[0].rolloutState === 'COMPLETED' ? true : undefined;
  });
  await load.after(50);
  const stats = await load.stop();
  assert.equal(stats.failed, 0, stats.failures.join('\n'));
  assert.ok((stats.versions['v1'] ?? 0) > 0 && (stats.versions['v2'] ?? 0) > 0, JSON.stringify(stats.versions));
  process.stdout.write(`# rolling update under load: ${stats.total} requests, ${stats.failed} failed, ${JSON.stringify(stats.versions)}\n`);
  await ecs.send(new UpdateServiceCommand({ service: 'alb-web', desiredCount: 0 }));
  await eventually('scaled in', async () => {
    const s = (await ecs.send(new DescribeServicesCommand({ services: ['alb-web'] }))).services?.[0];
    // A list can fail while a container is being removed (the engine loses it between listing and inspecting).
    const left = await runtime.list({ 'dev.slipway.owner': t.daemon.instanceId }).catch(() => undefined);
    return s?.runningCount === 0 && s.pendingCount === 0 && left?.length === 0 ? true : undefined;
  });
});
