import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { putParameter } from '../../services/ssm/parameters.ts';
import { createSecret } from '../../services/secretsmanager/secrets.ts';
import { registryHost } from '../../services/ecr/auth.ts';
import { runTask, stopTask } from '../../services/ecs/tasks.ts';
import { startSchedulerHarness } from './testing.ts';

const NET = { awsvpcConfiguration: { subnets: ['subnet-1'] } };

test('RunTask: PROVISIONING → PENDING → RUNNING with env, secrets, its own loopback address and awslogs stream', async () => {
  const h = await startSchedulerHarness();
  try {
    putParameter({ Name: '/app/db-host', Value: 'db.internal', Type: 'String' }, h.op);
    const secretArn = createSecret({ Name: 'app/creds', SecretString: JSON.stringify({ password: 's3cret' }) }, h.op).ARN ?? '';
    const td = h.register('web', [
      {
        name: 'app',
        image: 'web:1',
        portMappings: [{ containerPort: 8080 }],
        environment: [{ name: 'MODE', value: 'prod' }],
        secrets: [
          { name: 'DB_HOST', valueFrom: 'arn:aws:ssm:us-east-1:000000000000:parameter/app/db-host' },
          { name: 'DB_PASSWORD', valueFrom: `${secretArn}:password::` },
        ],
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web', 'awslogs-stream-prefix': 'ecs', 'awslogs-region': 'us-east-1' } },
      },
    ]);
    const out = runTask({ taskDefinition: td, networkConfiguration: NET, overrides: { containerOverrides: [{ name: 'app', environment: [{ name: 'FAKE_LOGS', value: 'hello\nworld' }] }] } }, h.op);
    const arn = out.tasks?.[0]?.taskArn ?? '';
    assert.equal(out.tasks?.[0]?.lastStatus, 'PROVISIONING');
    const seen: string[] = [];
    h.ctx.bus.subscribe((e) => e.type === 'ecs.task.state' && e.resource === arn, (e) => seen.push(String(e.detail['lastStatus'])));
    await h.until('task RUNNING', () => h.task(arn).lastStatus === 'RUNNING');
    assert.deepEqual(seen, ['PENDING', 'RUNNING']);
    const task = h.task(arn);
    assert.match(task.address ?? '', /^127\.\d+\.\d+\.\d+$/);
    assert.notEqual(task.address, '127.0.0.1');
    const info = await h.runtime.inspect(task.containers[0]?.runtimeId ?? '');
    assert.equal(info.labels['dev.slipway.resource'], arn);
    assert.deepEqual(task.containers[0]?.networkBindings, [{ bindIP: task.address, containerPort: 8080, hostPort: 8080, protocol: 'tcp' }]);
    const env = h.specs[0]?.env ?? {};
    assert.deepEqual([env['MODE'], env['DB_HOST'], env['DB_PASSWORD']], ['prod', 'db.internal', 's3cret']);
    const answer = await fetch(`http://${task.address}:8080/`);
    assert.equal(answer.status, 200);
    await answer.text();
    const rows = h.ctx.store.all('SELECT message FROM logs_events WHERE group_name = ? AND stream_name = ? ORDER BY id', '/ecs/web', `ecs/app/${task.id}`);
    assert.deepEqual(rows.map((r) => r['message']), ['hello', 'world']);
    const stopped = stopTask({ task: arn, reason: 'done here' }, h.op);
    assert.equal(stopped.task?.desiredStatus, 'STOPPED');
    await h.until('task STOPPED', () => h.task(arn).lastStatus === 'STOPPED');
    const end = h.task(arn);
    assert.equal(end.stoppedReason, 'done here');
    assert.equal(end.stopCode, 'UserInitiated');
    assert.equal(end.containers[0]?.exitCode, 143, 'SIGTERM');
    assert.deepEqual(await h.runtime.list({ 'dev.slipway.resource': arn }), [], 'containers removed');
  } finally {
    await h.stop();
  }
});

test('secrets reach the container environment; a missing parameter stops the task before any container starts', async () => {
  const h = await startSchedulerHarness();
  try {
    putParameter({ Name: 'plain', Value: 'v1', Type: 'SecureString' }, h.op);
    const td = h.register('env', [{ name: 'app', image: 'env:1', secrets: [{ name: 'P', valueFrom: 'plain' }], environment: [{ name: 'A', value: '1' }] }]);
    const ok = runTask({ taskDefinition: td, networkConfiguration: NET }, h.op).tasks?.[0]?.taskArn ?? '';
    await h.until('RUNNING', () => h.task(ok).lastStatus === 'RUNNING');
    const env = h.specs.at(-1)?.env ?? {};
    assert.deepEqual([env['A'], env['P'], env['AWS_REGION']], ['1', 'v1', 'us-east-1']);
    const bad = h.register('env', [{ name: 'app', image: 'env:1', secrets: [{ name: 'P', valueFrom: 'missing-param' }] }]);
    const failed = runTask({ taskDefinition: bad, networkConfiguration: NET }, h.op).tasks?.[0]?.taskArn ?? '';
    await h.until('STOPPED', () => h.task(failed).lastStatus === 'STOPPED');
    const t = h.task(failed);
    assert.equal(t.stopCode, 'TaskFailedToStart');
    assert.match(t.stoppedReason ?? '', /^ResourceInitializationError: unable to pull secrets or registry auth: .*missing-param/);
  } finally {
    await h.stop();
  }
});

test('an essential container exiting stops the task (EssentialContainerExited, exit code kept); a non-essential one does not', async () => {
  const h = await startSchedulerHarness();
  try {
    const td = h.register('ess', [
      { name: 'main', image: 'x:1', essential: true },
      { name: 'side', image: 'x:1', essential: false, environment: [{ name: 'FAKE_RUN_MS', value: '1000' }, { name: 'FAKE_EXIT_CODE', value: '3' }] },
    ]);
    const arn = runTask({ taskDefinition: td, networkConfiguration: NET }, h.op).tasks?.[0]?.taskArn ?? '';
    await h.until('RUNNING', () => h.task(arn).lastStatus === 'RUNNING');
    await h.until('side exits', () => h.task(arn).containers.find((c) => c.name === 'side')?.lastStatus === 'STOPPED', 500);
    assert.equal(h.task(arn).lastStatus, 'RUNNING');
    assert.equal(h.task(arn).containers.find((c) => c.name === 'side')?.exitCode, 3);
    await h.runtime.exitContainer(h.task(arn).containers[0]?.runtimeId ?? '', 2);
    await h.until('STOPPED', () => h.task(arn).lastStatus === 'STOPPED');
    const t = h.task(arn);
    assert.equal(t.stoppedReason, 'Essential container in task exited');
    assert.equal(t.stopCode, 'EssentialContainerExited');
    assert.equal(t.containers.find((c) => c.name === 'main')?.exitCode, 2);
  } finally {
    await h.stop();
  }
});

test('dependsOn: SUCCESS waits for the init container to exit 0; stopTimeout is honoured before the kill', async () => {
  const h = await startSchedulerHarness();
  try {
    const td = h.register('deps', [
      { name: 'init', image: 'x:1', essential: false, environment: [{ name: 'FAKE_RUN_MS', value: '2000' }] },
      { name: 'app', image: 'x:1', dependsOn: [{ containerName: 'init', condition: 'SUCCESS' }], stopTimeout: 7, environment: [{ name: 'FAKE_IGNORE_SIGTERM', value: '1' }] },
    ]);
    const arn = runTask({ taskDefinition: td, networkConfiguration: NET }, h.op).tasks?.[0]?.taskArn ?? '';
    await h.until('PENDING', () => h.task(arn).lastStatus === 'PENDING');
    await h.until('init started', () => h.task(arn).containers.find((c) => c.name === 'init')?.lastStatus === 'RUNNING');
    assert.equal(h.task(arn).containers.find((c) => c.name === 'app')?.runtimeId, undefined, 'app waits for init');
    await h.until('RUNNING', () => h.task(arn).lastStatus === 'RUNNING', 500);
    assert.equal(h.task(arn).containers.find((c) => c.name === 'init')?.exitCode, 0);
    stopTask({ task: arn }, h.op);
    await h.until('STOPPING', () => h.task(arn).lastStatus === 'STOPPING');
    const before = h.clock.now();
    await h.until('STOPPED', () => h.task(arn).lastStatus === 'STOPPED', 1000);
    assert.ok(h.clock.now() - before >= 7000, 'waited the stopTimeout');
    assert.equal(h.task(arn).containers.find((c) => c.name === 'app')?.exitCode, 137);
  } finally {
    await h.stop();
  }
});

test('a restart re-adopts running task containers and removes orphans; it never forgets a task', async () => {
  const h = await startSchedulerHarness();
  try {
    const td = h.register('adopt', [{ name: 'app', image: 'x:1', portMappings: [{ containerPort: 9000 }] }]);
    const arn = runTask({ taskDefinition: td, networkConfiguration: NET }, h.op).tasks?.[0]?.taskArn ?? '';
    await h.until('RUNNING', () => h.task(arn).lastStatus === 'RUNNING');
    const id = h.task(arn).containers[0]?.runtimeId ?? '';
    const orphan = await h.runtime.create({
      image: 'x:1',
      labels: { 'dev.slipway.owner': h.ctx.store.getKv<string>('instance-id') ?? '', 'dev.slipway.role': 'ecs-task', 'dev.slipway.resource': 'arn:aws:ecs:us-east-1:000000000000:task/default/gone' },
    });
    await h.runtime.start(orphan);
    await h.restart();
    await h.until('orphan removed', () => true);
    assert.equal((await h.runtime.list({ 'dev.slipway.resource': 'arn:aws:ecs:us-east-1:000000000000:task/default/gone' })).length, 0);
    assert.equal(h.task(arn).lastStatus, 'RUNNING');
    assert.equal(h.task(arn).containers[0]?.runtimeId, id, 'same container');
    // The adopted task is watched again: its exit is noticed.
    await h.runtime.exitContainer(id, 1);
    await h.until('STOPPED after adoption', () => h.task(arn).lastStatus === 'STOPPED');
    assert.equal(h.task(arn).stopCode, 'EssentialContainerExited');
  } finally {
    await h.stop();
  }
});

test("an ECR URI in the task definition runs the image of the same repository in Slipway's registry", async () => {
  const h = await startSchedulerHarness();
  try {
    const local = `${registryHost(h.ctx)}/test-api:1.0.0`;
    await h.runtime.buildImage({ tag: local, files: { Dockerfile: Buffer.from('FROM scratch\n') } });
    const td = h.register('ecr', [{ name: 'app', image: '000000000000.dkr.ecr.us-east-1.amazonaws.com/test-api:1.0.0' }]);
    const arn = runTask({ taskDefinition: td, networkConfiguration: NET }, h.op).tasks?.[0]?.taskArn ?? '';
    await h.until('RUNNING', () => h.task(arn).lastStatus === 'RUNNING');
    assert.equal(h.specs.at(-1)?.image, local);
    assert.equal(h.task(arn).containers[0]?.image, '000000000000.dkr.ecr.us-east-1.amazonaws.com/test-api:1.0.0', 'the API shows the image as defined');
  } finally {
    await h.stop();
  }
});

test('StopTask while the task is still PENDING stops what started and leaves no container behind', async () => {
  const h = await startSchedulerHarness();
  try {
    const td = h.register('early', [
      { name: 'init', image: 'x:1', essential: false, environment: [{ name: 'FAKE_RUN_MS', value: '60000' }] },
      { name: 'app', image: 'x:1', dependsOn: [{ containerName: 'init', condition: 'COMPLETE' }] },
    ]);
    const arn = runTask({ taskDefinition: td, networkConfiguration: NET }, h.op).tasks?.[0]?.taskArn ?? '';
    await h.until('init running', () => h.task(arn).containers.find((c) => c.name === 'init')?.lastStatus === 'RUNNING');
    assert.equal(h.task(arn).lastStatus, 'PENDING');
    stopTask({ task: arn }, h.op);
    await h.until('STOPPED', () => h.task(arn).lastStatus === 'STOPPED', 1000);
    assert.equal(h.task(arn).stoppedReason, 'Task stopped by user');
    assert.deepEqual(await h.runtime.list({ 'dev.slipway.resource': arn }), []);
    assert.equal(h.specs.filter((s) => s.labels?.['dev.slipway.resource'] === arn).length, 1, 'app never started');
  } finally {
    await h.stop();
  }
});

test('volumes: host paths bind as given; task-scoped volumes are shared by the containers and removed with the task', async () => {
  const h = await startSchedulerHarness();
  try {
    const td = h.register(
      'vol',
      [
        { name: 'a', image: 'x:1', mountPoints: [{ sourceVolume: 'scratch', containerPath: '/scratch' }, { sourceVolume: 'hostdir', containerPath: '/host', readOnly: true }] },
        { name: 'b', image: 'x:1', mountPoints: [{ sourceVolume: 'scratch', containerPath: '/work' }] },
      ],
      { volumes: [{ name: 'scratch' }, { name: 'hostdir', host: { sourcePath: h.dataDir } }] },
    );
    const arn = runTask({ taskDefinition: td, networkConfiguration: NET }, h.op).tasks?.[0]?.taskArn ?? '';
    await h.until('RUNNING', () => h.task(arn).lastStatus === 'RUNNING');
    const [a, b] = h.specs.filter((s) => s.labels?.['dev.slipway.resource'] === arn);
    const scratch = a?.mounts?.find((m) => m.target === '/scratch')?.source ?? '';
    assert.equal(b?.mounts?.[0]?.source, scratch, 'one task-scoped directory for both containers');
    assert.ok(existsSync(scratch));
    assert.deepEqual(a?.mounts?.find((m) => m.target === '/host'), { source: h.dataDir, target: '/host', readOnly: true, type: 'bind' });
    stopTask({ task: arn }, h.op);
    await h.until('STOPPED', () => h.task(arn).lastStatus === 'STOPPED');
    assert.ok(!existsSync(scratch), 'removed with the task');
  } finally {
    await h.stop();
  }
});
