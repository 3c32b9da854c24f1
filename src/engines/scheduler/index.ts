// The ECS scheduler engine: runs tasks as containers, reconciles services and task sets, re-adopts after a restart.
import { typeFilter } from '../../core/events.ts';
import { LABELS, type ContainerInfo, type ContainerRuntime } from '../../runtime/types.ts';
import { addServiceEvent, getService, schedulableServices } from '../../services/ecs/service-store.ts';
import { getTask, liveTasks, requestStop, type TaskRecord } from '../../services/ecs/task-store.ts';
import type { Engine, EngineContext } from '../types.ts';
import { TASK_ROLE } from './containers.ts';
import { finishDraining, loadBalancersFor, reconcileRolling, reconcileTaskSets, targetsOf, type ReconcileContext } from './reconcile.ts';
import { TaskRunner } from './runner.ts';
import { elbv2Targets, type LoadBalancerTargets } from './targets.ts';

export { FakeTargets, type LoadBalancerTargets } from './targets.ts';

export interface SchedulerOptions {
  /** The load balancer seam; default Slipway's ELBv2 targets. */
  readonly targets?: LoadBalancerTargets;
  /** How often the reconcile loop runs without an event (injected clock); default 1000 ms. */
  readonly tickMs?: number;
  /** Longest wait for a deregistered target to finish draining before its task stops; default 3600 s (ELB's maximum delay). */
  readonly maxDrainMs?: number;
}

export interface Scheduler extends Engine {
  /** Resolves once start-up adoption has finished (tests wait for it). */
  readonly ready: Promise<void>;
}

const DRAIN_POLL_MS = 1000;

export function startScheduler(engine: EngineContext, options: SchedulerOptions = {}): Scheduler {
  const ctx = { ...engine, log: engine.log.child({ component: 'scheduler' }) };
  const targets = options.targets ?? elbv2Targets(ctx);
  const tickMs = options.tickMs ?? 1000;
  const maxDrainMs = options.maxDrainMs ?? 3_600_000;
  const instanceId = ctx.store.getKv<string>('instance-id') ?? 'slipway';
  const runners = new Map<string, TaskRunner>();
  const backoff = new Map<string, { failures: number; until: number }>();
  const stopper = new AbortController();
  let runtime: ContainerRuntime | undefined;
  let runtimeError: string | undefined;
  let scheduled = false;
  let running = false;
  let ticking = false;

  const hooks = {
    onRunning(task: TaskRecord): void {
      if (task.serviceArn === undefined) return;
      const service = getService(ctx, task.serviceArn);
      if (service === undefined) return;
      for (const { targetGroupArn, target } of targetsOf(task, loadBalancersFor(ctx, service, task))) {
        try {
          const state = targets.health(targetGroupArn, [target])[0]?.state;
          if (state !== undefined && state !== 'unused' && state !== 'draining') continue; // already registered (adoption)
          targets.register(targetGroupArn, [target]);
          addServiceEvent(ctx, service.arn, `(service ${service.name}) registered 1 targets in (target-group ${targetGroupArn})`);
        } catch (error) {
          ctx.log.warn({ task: task.arn, targetGroupArn, error: String(error) }, 'target registration failed');
        }
      }
      kick();
    },
    async beforeStop(task: TaskRecord): Promise<void> {
      if (task.serviceArn === undefined) return;
      const service = getService(ctx, task.serviceArn);
      if (service === undefined) return;
      const registered = targetsOf(task, loadBalancersFor(ctx, service, task));
      for (const { targetGroupArn, target } of registered) {
        try {
          targets.deregister(targetGroupArn, [target]);
          addServiceEvent(ctx, service.arn, `(service ${service.name}) deregistered 1 targets in (target-group ${targetGroupArn})`);
        } catch (error) {
          ctx.log.debug({ task: task.arn, targetGroupArn, error: String(error) }, 'target was not registered');
        }
      }
      // The task keeps serving its in-flight requests until the load balancer has drained it.
      const deadline = ctx.clock.now() + maxDrainMs;
      while (ctx.clock.now() < deadline && !stopper.signal.aborted) {
        const draining = registered.some(({ targetGroupArn, target }) => {
          try {
            return targets.health(targetGroupArn, [target])[0]?.state === 'draining';
          } catch {
            return false;
          }
        });
        if (!draining) return;
        await ctx.clock.sleep(DRAIN_POLL_MS, stopper.signal).catch(() => undefined);
      }
    },
    onChange(task: TaskRecord): void {
      if (task.lastStatus === 'STOPPED') {
        runners.delete(task.arn);
        countFailure(task);
      }
      kick();
    },
  };

  /** A service task that failed (not scaled in) counts toward the circuit breaker and delays the next launches. */
  function countFailure(task: TaskRecord): void {
    if (task.serviceArn === undefined || task.stopCode === 'UserInitiated') return;
    const failed = task.stopCode === 'TaskFailedToStart' || task.stopCode === 'EssentialContainerExited' || (task.stoppedReason ?? '').includes('health checks');
    if (!failed) return;
    if (task.deploymentId !== undefined) ctx.store.run('UPDATE ecs_deployments SET failed_tasks = failed_tasks + 1 WHERE id = ?', task.deploymentId);
    const b = backoff.get(task.serviceArn) ?? { failures: 0, until: 0 };
    b.failures++;
    // Like ECS's throttle: the first failures relaunch at once, repeated ones wait longer each time (at most a minute).
    b.until = b.failures <= 2 ? 0 : ctx.clock.now() + Math.min(60_000, 1000 * 2 ** Math.min(b.failures - 2, 6));
    backoff.set(task.serviceArn, b);
  }

  function runner(arn: string): TaskRunner | undefined {
    if (runtime === undefined) return undefined;
    let r = runners.get(arn);
    if (r === undefined) {
      r = new TaskRunner({ ctx, runtime, instanceId, hooks }, arn);
      runners.set(arn, r);
    }
    return r;
  }

  function track(what: string, p: Promise<void>): void {
    p.catch((error: unknown) => {
      // After stop(), a flow in progress ends at its next write: the next start adopts where it stopped.
      if (stopper.signal.aborted) ctx.log.debug({ what, error: String(error) }, 'scheduler step ended by stop');
      else ctx.log.error({ what, error: String(error) }, 'scheduler step failed');
    });
  }

  /** Stops what cannot run: no container runtime means a task goes STOPPED with the reason, as AWS reports capacity errors. */
  function failWithoutRuntime(task: TaskRecord): void {
    requestStop(ctx, task.arn, `ResourceInitializationError: ${runtimeError ?? 'no container runtime'}`, 'TaskFailedToStart');
    ctx.store.run("UPDATE ecs_tasks SET last_status = 'STOPPED', stopped_at = ? WHERE arn = ?", ctx.clock.now(), task.arn);
    ctx.bus.publish({ type: 'ecs.task.state', resource: task.arn, detail: { lastStatus: 'STOPPED', serviceArn: task.serviceArn ?? null } });
  }

  function reconcile(): void {
    for (const task of liveTasks(ctx)) {
      if (runtime === undefined) {
        if (runtimeError !== undefined) failWithoutRuntime(task);
        continue;
      }
      const existing = runners.get(task.arn);
      if (existing === undefined) {
        const r = runner(task.arn);
        if (r === undefined) continue;
        track('task', task.desiredStatus === 'STOPPED' ? r.stop() : r.start());
      } else if (task.desiredStatus === 'STOPPED' && !existing.stopping) {
        track('stop', existing.stop());
      }
    }
    const r: ReconcileContext = { ctx, targets, canLaunch: runtime !== undefined, backoff };
    const services = schedulableServices(ctx);
    if (runners.size > 0 || services.length > 0) tick();
    for (const service of services) {
      try {
        if (service.controller === 'ECS') {
          if (service.status === 'ACTIVE') reconcileRolling(r, service);
        } else {
          reconcileTaskSets(r, service);
        }
        if (service.status === 'DRAINING') finishDraining(r, service);
      } catch (error) {
        ctx.log.error({ service: service.arn, error: String(error) }, 'service reconcile failed');
      }
    }
  }

  /** A periodic reconcile while anything runs (backoffs, grace periods, draining); an idle scheduler holds no timer. */
  function tick(): void {
    if (ticking || stopper.signal.aborted) return;
    ticking = true;
    ctx.clock.sleep(tickMs, stopper.signal).then(
      () => {
        ticking = false;
        kick();
      },
      () => undefined,
    );
  }

  function kick(): void {
    if (stopper.signal.aborted) return;
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (running || stopper.signal.aborted) return;
      running = true;
      try {
        reconcile();
      } finally {
        running = false;
      }
    });
  }

  /** Start-up: adopt the containers of known tasks, remove orphans (Slipway's, of tasks it no longer has), then reconcile. */
  async function adopt(rt: ContainerRuntime): Promise<void> {
    const found = await rt.list({ [LABELS.owner]: instanceId, [LABELS.role]: TASK_ROLE });
    const byTask = new Map<string, ContainerInfo[]>();
    for (const info of found) {
      const arn = info.labels[LABELS.resource] ?? '';
      byTask.set(arn, [...(byTask.get(arn) ?? []), info]);
    }
    for (const [arn, infos] of byTask) {
      const task = getTask(ctx, arn);
      if (task === undefined || task.lastStatus === 'STOPPED') {
        for (const info of infos) await rt.remove(info.id, { force: true }).catch(() => undefined);
        ctx.log.info({ task: arn, containers: infos.length }, 'removed orphaned task containers');
      }
    }
    for (const task of liveTasks(ctx)) {
      const r = runner(task.arn);
      if (r !== undefined) track('adopt', r.adopt(byTask.get(task.arn) ?? []));
    }
  }

  const ready = (async () => {
    try {
      runtime = await ctx.runtime();
    } catch (error) {
      runtimeError = error instanceof Error ? error.message : String(error);
      ctx.log.warn({ error: runtimeError }, 'scheduler has no container runtime: tasks stop as they are asked to run');
    }
    if (stopper.signal.aborted) return;
    // Listing can race with containers removed meanwhile (the engine answers 500 for one it just lost): retry.
    for (let attempt = 1; runtime !== undefined && !stopper.signal.aborted; attempt++) {
      try {
        await adopt(runtime);
        break;
      } catch (error) {
        ctx.log.warn({ attempt, error: String(error) }, 'adopting task containers failed; retrying');
        if (attempt >= 5) break;
        await ctx.clock.sleep(500 * attempt, stopper.signal).catch(() => undefined);
      }
    }
    kick();
  })();

  const off = ctx.bus.subscribe(typeFilter('ecs.*', 'elbv2.target-health.changed'), () => {
    void ready.then(kick);
  });
  return {
    name: 'scheduler',
    ready,
    async health() {
      // The runtime reports its own state; the scheduler still works (tasks it cannot run are STOPPED with the reason).
      if (runtimeError !== undefined) return { status: 'Healthy', detail: `no container runtime: tasks stop as they are asked to run (${runtimeError})` };
      if (runtime === undefined) return { status: 'Starting', detail: 'waiting for the container runtime' };
      return { status: 'Healthy', detail: `${runners.size} tasks tracked` };
    },
    async stop() {
      off();
      stopper.abort();
      await ready.catch(() => undefined);
      // Containers keep running: the next start adopts them by their labels.
      for (const r of runners.values()) r.detach();
      runners.clear();
    },
  };
}
