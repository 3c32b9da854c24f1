import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deploymentsOf, findService } from '../../services/ecs/service-store.ts';
import { createService, updateService } from '../../services/ecs/services.ts';
import { createTaskSet, updateTaskSet } from '../../services/ecs/task-sets.ts';
import { failureThreshold } from './reconcile.ts';
import { startSchedulerHarness, type SchedulerHarness } from './testing.ts';

const NET = { awsvpcConfiguration: { subnets: ['subnet-1'] } };
const TG = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/tg/1';

function events(h: SchedulerHarness, svc: string): string[] {
  const s = findService(h.ctx, 'default', svc);
  return h.ctx.store.all('SELECT message FROM ecs_service_events WHERE service_arn = ? ORDER BY id', s?.arn ?? '').map((r) => String(r['message']));
}

function running(h: SchedulerHarness, svc: string): number {
  const s = findService(h.ctx, 'default', svc);
  return h.live(s?.arn).filter((t) => t.lastStatus === 'RUNNING' && t.desiredStatus === 'RUNNING').length;
}

test('a service keeps desiredCount tasks: a killed container is replaced, targets follow the tasks', async () => {
  const h = await startSchedulerHarness();
  try {
    const td = h.register('web', [{ name: 'app', image: 'web:1', portMappings: [{ containerPort: 8080 }] }]);
    createService({ serviceName: 'web', taskDefinition: td, desiredCount: 2, networkConfiguration: NET, loadBalancers: [{ targetGroupArn: TG, containerName: 'app', containerPort: 8080 }] }, h.op);
    await h.until('steady', () => events(h, 'web').includes('(service web) has reached a steady state.'));
    assert.equal(running(h, 'web'), 2);
    const [first] = h.live(findService(h.ctx, 'default', 'web')?.arn);
    assert.ok(first !== undefined);
    assert.ok(h.targets.registered(TG).includes(`${first.address}:8080`));
    await h.runtime.exitContainer(first.containers[0]?.runtimeId ?? '', 137);
    await h.until('replaced', () => h.task(first.arn).lastStatus === 'STOPPED' && running(h, 'web') === 2);
    assert.equal(h.task(first.arn).stoppedReason, 'Essential container in task exited');
    assert.ok(!h.targets.registered(TG).includes(`${first.address}:8080`), 'the stopped task was deregistered');
    assert.equal(h.targets.registered(TG).length, 2);
    const ev = events(h, 'web');
    assert.ok(ev.includes(`(service web) deregistered 1 targets in (target-group ${TG})`), ev.join('\n'));
    assert.equal(ev.filter((m) => m.startsWith('(service web) has started 1 tasks: (task ')).length, 1);
  } finally {
    await h.stop();
  }
});

test('a failing container health check marks the task UNHEALTHY after retries and the service replaces it', async () => {
  const h = await startSchedulerHarness();
  try {
    let failing = false;
    const exec = h.runtime as unknown as { exec: typeof h.runtime.exec };
    const original = exec.exec.bind(h.runtime);
    exec.exec = async (id, options) => (options.command.join(' ') === '/bin/sh -c probe' ? { exitCode: failing ? 1 : 0, stdout: '', stderr: '', timedOut: false } : original(id, options));
    const td = h.register('hc', [{ name: 'app', image: 'hc:1', healthCheck: { command: ['CMD-SHELL', 'probe'], interval: 5, timeout: 2, retries: 2, startPeriod: 10 } }]);
    createService({ serviceName: 'hc', taskDefinition: td, desiredCount: 1, networkConfiguration: NET }, h.op);
    await h.until('healthy and steady', () => events(h, 'hc').includes('(service hc) has reached a steady state.'), 1000);
    const [task] = h.live(findService(h.ctx, 'default', 'hc')?.arn);
    assert.equal(task?.healthStatus, 'HEALTHY');
    failing = true;
    await h.until('UNHEALTHY', () => h.task(task?.arn ?? '').healthStatus === 'UNHEALTHY' || h.task(task?.arn ?? '').desiredStatus === 'STOPPED', 1000);
    await h.until('replaced', () => h.task(task?.arn ?? '').lastStatus === 'STOPPED', 1000);
    assert.equal(h.task(task?.arn ?? '').stoppedReason, 'Task failed container health checks');
    assert.ok(events(h, 'hc').includes(`(service hc) (task ${task?.id ?? ''}) failed container health checks.`));
    failing = false;
    await h.until('a new healthy task', () => h.live(findService(h.ctx, 'default', 'hc')?.arn).some((t) => t.healthStatus === 'HEALTHY'), 1000);
  } finally {
    await h.stop();
  }
});

test('a rolling update stays within maximumPercent and above minimumHealthyPercent, then completes', async () => {
  const h = await startSchedulerHarness();
  try {
    const v1 = h.register('roll', [{ name: 'app', image: 'roll:1' }]);
    createService({ serviceName: 'roll', taskDefinition: v1, desiredCount: 4, networkConfiguration: NET, deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 150 } }, h.op);
    await h.until('steady v1', () => events(h, 'roll').includes('(service roll) has reached a steady state.'));
    const arn = findService(h.ctx, 'default', 'roll')?.arn ?? '';
    let maxLive = 0;
    let minRunning = Number.POSITIVE_INFINITY;
    h.ctx.bus.subscribe((e) => e.type.startsWith('ecs.task.'), () => {
      const live = h.live(arn).filter((t) => t.desiredStatus === 'RUNNING');
      maxLive = Math.max(maxLive, live.length);
      minRunning = Math.min(minRunning, live.filter((t) => t.lastStatus === 'RUNNING').length);
    });
    const v2 = h.register('roll', [{ name: 'app', image: 'roll:2' }]);
    updateService({ service: 'roll', taskDefinition: v2 }, h.op);
    await h.until('rolled', () => {
      const d = deploymentsOf(h.ctx, arn);
      return d.length === 1 && d[0]?.rolloutState === 'COMPLETED' && d[0].taskDefinition === v2;
    });
    assert.ok(maxLive <= 6, `at most 150% (6) tasks, saw ${maxLive}`);
    assert.ok(minRunning >= 2, `at least 50% (2) running, saw ${minRunning}`);
    assert.deepEqual(h.live(arn).map((t) => t.taskDefinitionArn), [v2, v2, v2, v2]);
  } finally {
    await h.stop();
  }
});

test('the circuit breaker fails a deployment whose tasks never start and rolls back to the last completed one', async () => {
  const h = await startSchedulerHarness();
  try {
    assert.equal(failureThreshold(2), 3);
    assert.equal(failureThreshold(1000), 200);
    const good = h.register('cb', [{ name: 'app', image: 'cb:1' }]);
    createService({ serviceName: 'cb', taskDefinition: good, desiredCount: 2, networkConfiguration: NET, deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } } }, h.op);
    await h.until('steady', () => events(h, 'cb').includes('(service cb) has reached a steady state.'));
    const bad = h.register('cb', [{ name: 'app', image: 'cb:2', environment: [{ name: 'FAKE_START_ERROR', value: 'exec format error' }] }]);
    updateService({ service: 'cb', taskDefinition: bad }, h.op);
    const arn = findService(h.ctx, 'default', 'cb')?.arn ?? '';
    await h.until('rolled back', () => events(h, 'cb').some((m) => m.startsWith('(service cb) rolling back to deployment')), 1000);
    const all = deploymentsOf(h.ctx, arn, true);
    const failed = all.find((d) => d.taskDefinition === bad);
    assert.equal(failed?.rolloutState, 'FAILED');
    assert.equal(failed?.rolloutReason, 'ECS deployment circuit breaker: tasks failed to start.');
    assert.ok(events(h, 'cb').includes(`(service cb) (deployment ${failed?.id ?? ''}) deployment failed: tasks failed to start.`));
    await h.until('back to steady on the good revision', () => {
      const d = deploymentsOf(h.ctx, arn);
      return d.length === 1 && d[0]?.taskDefinition === good && d[0].rolloutState === 'COMPLETED';
    }, 1000);
    assert.equal(findService(h.ctx, 'default', 'cb')?.taskDefinition, good);
    const stoppedBad = h.ctx.store.all("SELECT stopped_reason FROM ecs_tasks WHERE task_definition = ? AND last_status = 'STOPPED'", bad);
    assert.ok(stoppedBad.length >= 3);
    assert.match(String(stoppedBad[0]?.['stopped_reason']), /^CannotStartContainerError: /);
  } finally {
    await h.stop();
  }
});

test('task sets run ceil(desiredCount × scale%) tasks and scale with UpdateTaskSet', async () => {
  const h = await startSchedulerHarness();
  try {
    const td = h.register('ts', [{ name: 'app', image: 'ts:1' }]);
    createService({ serviceName: 'ts', desiredCount: 3, deploymentController: { type: 'EXTERNAL' }, networkConfiguration: NET }, h.op);
    const set = createTaskSet({ cluster: 'default', service: 'ts', taskDefinition: td, scale: { value: 50, unit: 'PERCENT' } }, h.op);
    assert.equal(set.taskSet?.computedDesiredCount, 2);
    await h.until('2 running', () => running(h, 'ts') === 2);
    updateTaskSet({ cluster: 'default', service: 'ts', taskSet: set.taskSet?.id ?? '', scale: { value: 10, unit: 'PERCENT' } }, h.op);
    await h.until('1 running', () => running(h, 'ts') === 1 && h.live(findService(h.ctx, 'default', 'ts')?.arn).length === 1);
    const ev = events(h, 'ts');
    assert.ok(ev.some((m) => m.startsWith(`(service ts, taskSet ${set.taskSet?.id ?? ''}) has started 2 tasks: `)), ev.join('\n'));
  } finally {
    await h.stop();
  }
});

test('ELB-unhealthy tasks are replaced only after healthCheckGracePeriodSeconds', async () => {
  const h = await startSchedulerHarness();
  try {
    h.targets.initialState = 'unhealthy';
    const td = h.register('grace', [{ name: 'app', image: 'g:1', portMappings: [{ containerPort: 8080 }] }]);
    createService(
      { serviceName: 'grace', taskDefinition: td, desiredCount: 1, networkConfiguration: NET, healthCheckGracePeriodSeconds: 60, loadBalancers: [{ targetGroupArn: TG, containerName: 'app', containerPort: 8080 }] },
      h.op,
    );
    const arn = findService(h.ctx, 'default', 'grace')?.arn ?? '';
    await h.until('RUNNING', () => h.live(arn).some((t) => t.lastStatus === 'RUNNING'));
    const [task] = h.live(arn);
    const started = h.clock.now();
    await h.until('stopped after the grace period', () => h.task(task?.arn ?? '').desiredStatus === 'STOPPED', 5000);
    assert.ok(h.clock.now() - started >= 60_000, `stopped ${h.clock.now() - started} ms after start, expected at least the 60 s grace period`);
    assert.equal(h.task(task?.arn ?? '').stoppedReason, `Task failed ELB health checks in (target-group ${TG})`);
    assert.ok(events(h, 'grace').includes(`(service grace) (task ${task?.id ?? ''}) failed ELB health checks in (target-group ${TG}).`));
  } finally {
    await h.stop();
  }
});
