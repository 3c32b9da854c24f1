import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  UpdateServiceCommand,
  UpdateTaskSetCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { ensureBusyboxImage } from '../../runtime/base-images.ts';
import type { ContainerRuntime } from '../../runtime/types.ts';
import { startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import { eventuallyOn, fargateTaskDefinition, removeTaskLeftovers } from './testing.ts';

// Real containers through the shared podman: a small HTTP image built locally from busybox (never pulled).
const suffix = randomBytes(4).toString('hex');
const image = `localhost/slipway-scheduler-test-${suffix}:v1`;
const NET = { awsvpcConfiguration: { subnets: ['subnet-1'] } };
const dataDir = mkdtempSync(join(tmpdir(), 'slipway-scheduler-podman-'));
let t: TestDaemon;
let ecs: ECSClient;
let runtime: ContainerRuntime;

async function start(): Promise<void> {
  t = await startTestDaemon({ dataDir, runtime: 'auto' });
  await t.daemon.whenRuntimeSettled();
  runtime = t.daemon.runtime;
  ecs = new ECSClient(t.sdk);
}

before(async () => {
  await start();
  const base = await ensureBusyboxImage(runtime);
  await runtime.buildImage({
    tag: image,
    files: {
      Dockerfile: Buffer.from(
        `FROM ${base.ref}\nCMD ["sh", "-c", "mkdir -p /www && echo ok-$HOSTNAME > /www/index.html && exec httpd -f -p 8080 -h /www"]\n`,
      ),
    },
  });
  await ecs.send(new CreateClusterCommand({}));
  await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition('web', image, { healthCheck: { command: ['CMD-SHELL', 'test ! -f /tmp/sick'], interval: 5, timeout: 2, retries: 1 } })));
});

after(async () => {
  ecs.destroy();
  try {
    await removeTaskLeftovers(runtime, t.daemon.instanceId, image);
  } finally {
    await t.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

function eventually<T>(what: string, check: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  return eventuallyOn(t.daemon.bus, what, check, ms);
}

async function serviceTasks(service: string): Promise<Task[]> {
  const arns = (await ecs.send(new ListTasksCommand({ serviceName: service }))).taskArns ?? [];
  if (arns.length === 0) return [];
  return (await ecs.send(new DescribeTasksCommand({ tasks: arns }))).tasks ?? [];
}

const address = (task: Task | undefined): string => task?.containers?.[0]?.networkInterfaces?.[0]?.privateIpv4Address ?? '';

async function get(url: string): Promise<string> {
  const res = await fetch(url);
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return text;
}

async function healthyPair(): Promise<Task[]> {
  return eventually('2 healthy RUNNING tasks', async () => {
    const tasks = await serviceTasks('web');
    return tasks.length === 2 && tasks.every((x) => x.lastStatus === 'RUNNING' && x.healthStatus === 'HEALTHY') ? tasks : undefined;
  });
}

test('a 2-task service answers on each task address; a killed container and an unhealthy task are replaced; a restart re-adopts', async () => {
  await ecs.send(new CreateServiceCommand({ serviceName: 'web', taskDefinition: 'web', desiredCount: 2, networkConfiguration: NET }));
  const tasks = await healthyPair();
  const addresses = tasks.map(address);
  assert.equal(new Set(addresses).size, 2, 'each task has its own address');
  for (const a of addresses) assert.match(await get(`http://${a}:8080/`), /^ok-/);

  // Killed from outside: the essential container exits, the task stops, the service starts another.
  const victim = tasks[0];
  await runtime.stop(victim?.containers?.[0]?.runtimeId ?? '', { timeoutSeconds: 0 });
  const stopped = await eventually('killed task STOPPED', async () => {
    const d = (await ecs.send(new DescribeTasksCommand({ tasks: [victim?.taskArn ?? ''] }))).tasks?.[0];
    return d?.lastStatus === 'STOPPED' ? d : undefined;
  });
  assert.equal(stopped.stoppedReason, 'Essential container in task exited');
  assert.equal(stopped.stopCode, 'EssentialContainerExited');
  const afterKill = await healthyPair();
  assert.ok(!afterKill.some((x) => x.taskArn === victim?.taskArn));

  // A failing health check: UNHEALTHY, stopped by the service, replaced.
  const sick = afterKill[0];
  await runtime.exec(sick?.containers?.[0]?.runtimeId ?? '', { command: ['touch', '/tmp/sick'] });
  const unhealthy = await eventually('unhealthy task stopped', async () => {
    const d = (await ecs.send(new DescribeTasksCommand({ tasks: [sick?.taskArn ?? ''] }))).tasks?.[0];
    return d?.lastStatus === 'STOPPED' ? d : undefined;
  });
  assert.equal(unhealthy.stoppedReason, 'Task failed container health checks');
  const steady = await healthyPair();

  // A restart of Slipway: the same containers are adopted and keep answering.
  await t.daemon.stop('restart test');
  await start();
  const adopted = await eventually('adopted', async () => {
    const now = await serviceTasks('web');
    return now.length === 2 && now.every((x) => x.lastStatus === 'RUNNING') ? now : undefined;
  });
  assert.deepEqual(adopted.map((x) => x.containers?.[0]?.runtimeId).sort(), steady.map((x) => x.containers?.[0]?.runtimeId).sort());
  for (const x of adopted) assert.match(await get(`http://${address(x)}:8080/`), /^ok-/);
  const svc = (await ecs.send(new DescribeServicesCommand({ services: ['web'] }))).services?.[0];
  assert.ok(svc?.events?.some((e) => e.message === '(service web) has reached a steady state.'));
  await ecs.send(new UpdateServiceCommand({ service: 'web', desiredCount: 0 }));
  await eventually('scaled in', async () => ((await serviceTasks('web')).length === 0 ? true : undefined));
});

test('an essential container exit stops a standalone task with its exit code; task sets scale by percent', async () => {
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'oneshot',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'job', image, command: ['sh', '-c', 'exit 3'] }],
    }),
  );
  const run = await ecs.send(new RunTaskCommand({ taskDefinition: 'oneshot', networkConfiguration: NET }));
  const done = await eventually('job STOPPED', async () => {
    const d = (await ecs.send(new DescribeTasksCommand({ tasks: [run.tasks?.[0]?.taskArn ?? ''] }))).tasks?.[0];
    return d?.lastStatus === 'STOPPED' ? d : undefined;
  });
  assert.deepEqual([done.stoppedReason, done.stopCode, done.containers?.[0]?.exitCode], ['Essential container in task exited', 'EssentialContainerExited', 3]);

  await ecs.send(new CreateServiceCommand({ serviceName: 'ext', desiredCount: 2, deploymentController: { type: 'EXTERNAL' }, networkConfiguration: NET }));
  const set = await ecs.send(new CreateTaskSetCommand({ cluster: 'default', service: 'ext', taskDefinition: 'web', scale: { value: 50, unit: 'PERCENT' } }));
  const one = await eventually('1 task', async () => {
    const now = await serviceTasks('ext');
    return now.length === 1 && now[0]?.lastStatus === 'RUNNING' ? now : undefined;
  });
  assert.match(await get(`http://${address(one[0])}:8080/`), /^ok-/);
  await ecs.send(new UpdateTaskSetCommand({ cluster: 'default', service: 'ext', taskSet: set.taskSet?.id ?? '', scale: { value: 100, unit: 'PERCENT' } }));
  await eventually('2 tasks', async () => {
    const now = await serviceTasks('ext');
    return now.length === 2 && now.every((x) => x.lastStatus === 'RUNNING') ? now : undefined;
  });
  await ecs.send(new UpdateTaskSetCommand({ cluster: 'default', service: 'ext', taskSet: set.taskSet?.id ?? '', scale: { value: 0, unit: 'PERCENT' } }));
  await eventually('0 tasks', async () => ((await serviceTasks('ext')).length === 0 ? true : undefined));
});
