import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CreateClusterCommand,
  DeleteClusterCommand,
  DescribeClustersCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DeleteServiceCommand,
  DeleteTaskSetCommand,
  DescribeServicesCommand,
  DescribeTaskSetsCommand,
  DescribeTasksCommand,
  ECSClient,
  InvalidParameterException,
  ListServicesCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  UpdateServiceCommand,
  UpdateServicePrimaryTaskSetCommand,
  UpdateTaskSetCommand,
  type ContainerDefinition,
  type Service,
} from '@aws-sdk/client-ecs';
import { CreateTargetGroupCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { FakeRuntime } from '../../runtime/fake/runtime.ts';
import { checkShape, loadModel } from '../../../test/helpers/aws-model.ts';
import { callJson, startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';

let t: TestDaemon;
let ecs: ECSClient;
let elb: ElasticLoadBalancingV2Client;
const model = loadModel('ecs.2014-11-13');
const TARGET = 'AmazonEC2ContainerServiceV20141113';
const NET = { awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' as const } };

before(async () => {
  t = await startTestDaemon({ runtime: async () => new FakeRuntime() });
  ecs = new ECSClient(t.sdk);
  elb = new ElasticLoadBalancingV2Client(t.sdk);
  await ecs.send(new CreateClusterCommand({ clusterName: 'apps' }));
});
after(async () => {
  ecs.destroy();
  elb.destroy();
  await t.stop();
});

async function register(family: string, extra: Partial<ContainerDefinition> = {}): Promise<string> {
  const out = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'web', image: 'web:1', portMappings: [{ containerPort: 8080 }], ...extra }],
    }),
  );
  return out.taskDefinition?.taskDefinitionArn ?? '';
}

/** Re-checks after every event on the daemon's bus until `check` returns a value (10 s bound). */
async function eventually<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const next = t.daemon.bus.next(() => true, AbortSignal.timeout(Math.max(1, deadline - Date.now()))).catch(() => undefined);
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await next;
  }
}

async function describeService(name: string): Promise<Service> {
  const out = await ecs.send(new DescribeServicesCommand({ cluster: 'apps', services: [name] }));
  const s = out.services?.[0];
  if (s === undefined) throw new Error(`no service ${name}`);
  return s;
}

test('RunTask, DescribeTasks, ListTasks, StopTask: the task runs, lists, stops with the reason; shapes match the model', async () => {
  const td = await register('api-task');
  await assert.rejects(ecs.send(new RunTaskCommand({ cluster: 'apps', taskDefinition: td })), (e) => e instanceof InvalidParameterException && /Network Configuration must be provided/.test(e.message));
  await assert.rejects(ecs.send(new RunTaskCommand({ cluster: 'nope', taskDefinition: td, networkConfiguration: NET })), { name: 'ClusterNotFoundException' });
  const raw = await callJson(t.endpoint, `${TARGET}.RunTask`, { cluster: 'apps', taskDefinition: td, count: 2, networkConfiguration: NET, startedBy: 'me' });
  assert.equal(raw.status, 200, JSON.stringify(raw.body));
  assert.deepEqual(checkShape(model, 'RunTaskResponse', raw.body), []);
  const arns = (raw.body['tasks'] as Array<{ taskArn: string; lastStatus: string }>).map((x) => x.taskArn);
  assert.equal(arns.length, 2);
  const running = await eventually('both RUNNING', async () => {
    const d = await ecs.send(new DescribeTasksCommand({ cluster: 'apps', tasks: arns }));
    return d.tasks?.every((x) => x.lastStatus === 'RUNNING') === true ? d : undefined;
  });
  const first = running.tasks?.[0];
  assert.equal(first?.desiredStatus, 'RUNNING');
  assert.equal(first?.group, 'family:api-task');
  assert.equal(first?.startedBy, 'me');
  const ip = first?.attachments?.[0]?.details?.find((d) => d.name === 'privateIPv4Address')?.value;
  assert.match(ip ?? '', /^127\./);
  assert.equal(first?.containers?.[0]?.networkInterfaces?.[0]?.privateIpv4Address, ip);
  const describedRaw = await callJson(t.endpoint, `${TARGET}.DescribeTasks`, { cluster: 'apps', tasks: [...arns, 'nope'] });
  assert.deepEqual(checkShape(model, 'DescribeTasksResponse', describedRaw.body), []);
  assert.equal((describedRaw.body['failures'] as unknown[]).length, 1);
  const listed = await ecs.send(new ListTasksCommand({ cluster: 'apps', family: 'api-task' }));
  assert.deepEqual([...(listed.taskArns ?? [])].sort(), [...arns].sort());
  const stopped = await ecs.send(new StopTaskCommand({ cluster: 'apps', task: arns[0], reason: 'maintenance' }));
  assert.equal(stopped.task?.desiredStatus, 'STOPPED');
  const end = await eventually('STOPPED', async () => {
    const d = await ecs.send(new DescribeTasksCommand({ cluster: 'apps', tasks: [arns[0] ?? ''] }));
    return d.tasks?.[0]?.lastStatus === 'STOPPED' ? d.tasks[0] : undefined;
  });
  assert.deepEqual([end.stoppedReason, end.stopCode], ['maintenance', 'UserInitiated']);
  const stillRunning = await ecs.send(new ListTasksCommand({ cluster: 'apps', family: 'api-task' }));
  assert.deepEqual(stillRunning.taskArns, [arns[1]]);
  const stoppedList = await ecs.send(new ListTasksCommand({ cluster: 'apps', desiredStatus: 'STOPPED' }));
  assert.ok(stoppedList.taskArns?.includes(arns[0] ?? ''));
});

test('CreateService (ECS controller) runs desiredCount tasks, registers targets, reaches a steady state; UpdateService rolls to a new revision', async () => {
  const tg = await elb.send(new CreateTargetGroupCommand({ Name: 'svc-tg', Protocol: 'HTTP', Port: 8080, VpcId: 'vpc-1', TargetType: 'ip' }));
  const tgArn = tg.TargetGroups?.[0]?.TargetGroupArn ?? '';
  const td = await register('svc');
  await assert.rejects(
    ecs.send(new CreateServiceCommand({ cluster: 'apps', serviceName: 'bad', taskDefinition: td, desiredCount: 1, networkConfiguration: NET, loadBalancers: [{ targetGroupArn: tgArn, containerName: 'web', containerPort: 9999 }] })),
    (e) => e instanceof InvalidParameterException && e.message === 'The container web did not have a container port 9999 defined.',
  );
  await assert.rejects(
    ecs.send(new CreateServiceCommand({ cluster: 'apps', serviceName: 'bad', taskDefinition: td, desiredCount: 1, networkConfiguration: NET, loadBalancers: [{ targetGroupArn: tgArn, containerName: 'nope', containerPort: 8080 }] })),
    (e) => e instanceof InvalidParameterException && e.message === 'The container nope does not exist in the task definition.',
  );
  const created = await ecs.send(
    new CreateServiceCommand({
      cluster: 'apps',
      serviceName: 'svc',
      taskDefinition: td,
      desiredCount: 2,
      networkConfiguration: NET,
      loadBalancers: [{ targetGroupArn: tgArn, containerName: 'web', containerPort: 8080 }],
      healthCheckGracePeriodSeconds: 0,
      deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 200, deploymentCircuitBreaker: { enable: true, rollback: true } },
    }),
  );
  assert.equal(created.service?.deploymentController?.type, 'ECS');
  assert.equal(created.service?.deployments?.[0]?.rolloutState, 'IN_PROGRESS');
  await assert.rejects(ecs.send(new CreateServiceCommand({ cluster: 'apps', serviceName: 'svc', taskDefinition: td, desiredCount: 1, networkConfiguration: NET })), {
    message: 'Creation of service was not idempotent.',
  });
  const steady = await eventually('steady state', async () => {
    const s = await describeService('svc');
    return s.events?.some((e) => e.message === '(service svc) has reached a steady state.') === true ? s : undefined;
  });
  assert.equal(steady.runningCount, 2);
  const messages = steady.events?.map((e) => e.message ?? '') ?? [];
  assert.ok(messages.some((m) => /^\(service svc\) has started 2 tasks: \(task [0-9a-f]{32}\) \(task [0-9a-f]{32}\)\.$/.test(m)), messages.join('\n'));
  assert.equal(messages.filter((m) => m === `(service svc) registered 1 targets in (target-group ${tgArn})`).length, 2);
  assert.equal(steady.deployments?.[0]?.rolloutState, 'COMPLETED');
  const raw = await callJson(t.endpoint, `${TARGET}.DescribeServices`, { cluster: 'apps', services: ['svc', 'missing'] });
  assert.deepEqual(checkShape(model, 'DescribeServicesResponse', raw.body), []);
  assert.deepEqual((await ecs.send(new ListServicesCommand({ cluster: 'apps' }))).serviceArns, [created.service?.serviceArn]);
  await assert.rejects(ecs.send(new UpdateServiceCommand({ cluster: 'apps', service: 'svc', deploymentController: { type: 'CODE_DEPLOY' } })), (e) => e instanceof InvalidParameterException && /deployment controller/.test(e.message));
  // A new revision: a new PRIMARY deployment replaces both tasks.
  const td2 = await register('svc', { environment: [{ name: 'V', value: '2' }] });
  const updated = await ecs.send(new UpdateServiceCommand({ cluster: 'apps', service: 'svc', taskDefinition: td2 }));
  assert.deepEqual(updated.service?.deployments?.map((d) => d.status), ['PRIMARY', 'ACTIVE']);
  const rolled = await eventually('rolled to v2', async () => {
    const s = await describeService('svc');
    return s.deployments?.length === 1 && s.deployments[0]?.rolloutState === 'COMPLETED' && s.runningCount === 2 ? s : undefined;
  });
  assert.equal(rolled.deployments?.[0]?.taskDefinition, td2);
  const tasks = await ecs.send(new ListTasksCommand({ cluster: 'apps', serviceName: 'svc' }));
  const described = await ecs.send(new DescribeTasksCommand({ cluster: 'apps', tasks: tasks.taskArns ?? [] }));
  assert.deepEqual(described.tasks?.map((x) => x.taskDefinitionArn), [td2, td2]);
  await assert.rejects(ecs.send(new DeleteServiceCommand({ cluster: 'apps', service: 'svc' })), { message: 'The service cannot be stopped while it is scaled above 0.' });
  const deleted = await ecs.send(new DeleteServiceCommand({ cluster: 'apps', service: 'svc', force: true }));
  assert.equal(deleted.service?.status, 'DRAINING');
  await eventually('INACTIVE', async () => ((await describeService('svc')).status === 'INACTIVE' ? true : undefined));
});

test('CODE_DEPLOY services get a PRIMARY task set; UpdateService refuses task definition changes with AWS words', async () => {
  const td = await register('bg');
  const created = await ecs.send(
    new CreateServiceCommand({ cluster: 'apps', serviceName: 'bg', taskDefinition: td, desiredCount: 1, networkConfiguration: NET, deploymentController: { type: 'CODE_DEPLOY' } }),
  );
  assert.equal(created.service?.taskSets?.length, 1);
  assert.deepEqual([created.service?.taskSets?.[0]?.status, created.service?.taskSets?.[0]?.scale], ['PRIMARY', { value: 100, unit: 'PERCENT' }]);
  const td2 = await register('bg', { environment: [{ name: 'V', value: '2' }] });
  await assert.rejects(ecs.send(new UpdateServiceCommand({ cluster: 'apps', service: 'bg', taskDefinition: td2 })), {
    message: 'Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.',
  });
  const scaled = await ecs.send(new UpdateServiceCommand({ cluster: 'apps', service: 'bg', desiredCount: 2 }));
  assert.equal(scaled.service?.desiredCount, 2);
  await eventually('task set steady', async () => ((await describeService('bg')).taskSets?.[0]?.stabilityStatus === 'STEADY_STATE' ? true : undefined));
});

test('task sets on an EXTERNAL service: create, scale by percent, switch primary, delete (drained)', async () => {
  const td = await register('ext');
  await ecs.send(new CreateServiceCommand({ cluster: 'apps', serviceName: 'ext', desiredCount: 4, deploymentController: { type: 'EXTERNAL' }, networkConfiguration: NET }));
  const svcTd = await register('plain');
  await ecs.send(new CreateServiceCommand({ cluster: 'apps', serviceName: 'plain', taskDefinition: svcTd, desiredCount: 0, networkConfiguration: NET }));
  await assert.rejects(ecs.send(new CreateTaskSetCommand({ cluster: 'apps', service: 'plain', taskDefinition: td })), (e) => e instanceof InvalidParameterException);
  const blue = await ecs.send(new CreateTaskSetCommand({ cluster: 'apps', service: 'ext', taskDefinition: td, externalId: 'd-1', scale: { value: 50, unit: 'PERCENT' }, networkConfiguration: NET }));
  assert.equal(blue.taskSet?.computedDesiredCount, 2);
  assert.equal(blue.taskSet?.status, 'PRIMARY');
  const green = await ecs.send(new CreateTaskSetCommand({ cluster: 'apps', service: 'ext', taskDefinition: td, scale: { value: 25, unit: 'PERCENT' }, networkConfiguration: NET }));
  assert.equal(green.taskSet?.status, 'ACTIVE');
  await eventually('3 running', async () => ((await describeService('ext')).runningCount === 3 ? true : undefined));
  const up = await ecs.send(new UpdateTaskSetCommand({ cluster: 'apps', service: 'ext', taskSet: green.taskSet?.id ?? '', scale: { value: 100, unit: 'PERCENT' } }));
  assert.equal(up.taskSet?.computedDesiredCount, 4);
  await eventually('6 running', async () => ((await describeService('ext')).runningCount === 6 ? true : undefined));
  const primary = await ecs.send(new UpdateServicePrimaryTaskSetCommand({ cluster: 'apps', service: 'ext', primaryTaskSet: green.taskSet?.taskSetArn ?? '' }));
  assert.equal(primary.taskSet?.status, 'PRIMARY');
  const drained = await ecs.send(new DeleteTaskSetCommand({ cluster: 'apps', service: 'ext', taskSet: blue.taskSet?.id ?? '' }));
  assert.equal(drained.taskSet?.status, 'DRAINING');
  await eventually('blue gone', async () => {
    const d = await ecs.send(new DescribeTaskSetsCommand({ cluster: 'apps', service: 'ext' }));
    return d.taskSets?.length === 1 && d.taskSets[0]?.runningCount === 4 ? d : undefined;
  });
  const raw = await callJson(t.endpoint, `${TARGET}.DescribeTaskSets`, { cluster: 'apps', service: 'ext', taskSets: [blue.taskSet?.id, green.taskSet?.id] });
  assert.deepEqual(checkShape(model, 'DescribeTaskSetsResponse', raw.body), []);
  assert.deepEqual((raw.body['failures'] as Array<{ reason: string }>).map((f) => f.reason), ['MISSING']);
  const svc = await describeService('ext');
  assert.equal(svc.taskDefinition, td);
  assert.equal(svc.deployments?.length, 0);
});

test('DescribeClusters counts running tasks and active services; DeleteCluster refuses while services are active', async () => {
  const d = await ecs.send(new DescribeClustersCommand({ clusters: ['apps'] }));
  const c = d.clusters?.[0];
  assert.equal(c?.activeServicesCount, 3, 'bg, ext and plain (svc was deleted)');
  assert.ok((c?.runningTasksCount ?? 0) + (c?.pendingTasksCount ?? 0) >= 1);
  await assert.rejects(ecs.send(new DeleteClusterCommand({ cluster: 'apps' })), { name: 'ClusterContainsServicesException' });
});
