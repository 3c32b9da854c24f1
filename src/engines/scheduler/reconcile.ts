// Service reconciliation: desired vs running tasks per deployment (ECS rolling) or per task set (CODE_DEPLOY/EXTERNAL).
import type { LoadBalancer } from '@aws-sdk/client-ecs';
import {
  addServiceEvent,
  computedDesiredCount,
  deploymentsOf,
  insertDeployment,
  taskSetsOf,
  type DeploymentRecord,
  type ServiceRecord,
  type TaskSetRecord,
} from '../../services/ecs/service-store.ts';
import { launchTask, liveTasks, loadTaskDefinitionBody, requestStop, resolveTaskDefinition, type TaskRecord } from '../../services/ecs/task-store.ts';
import type { ServiceContext } from '../../services/types.ts';
import type { LoadBalancerTargets, Target } from './targets.ts';

export interface ReconcileContext {
  readonly ctx: ServiceContext;
  readonly targets: LoadBalancerTargets;
  /** False while no container runtime is available: nothing is launched (tasks would only fail). */
  readonly canLaunch: boolean;
  /** Per-service launch backoff after failures (clock ms), owned by the engine. */
  readonly backoff: Map<string, { failures: number; until: number }>;
}

/** The targets a task stands for: its address and the port its container publishes for each load balancer entry. */
export function targetsOf(task: TaskRecord, loadBalancers: readonly LoadBalancer[]): Array<{ targetGroupArn: string; target: Target }> {
  if (task.address === undefined) return [];
  const out: Array<{ targetGroupArn: string; target: Target }> = [];
  for (const lb of loadBalancers) {
    if (lb.targetGroupArn === undefined) continue;
    const c = task.containers.find((x) => x.name === lb.containerName);
    const binding = c?.networkBindings?.find((b) => b.containerPort === lb.containerPort);
    const port = binding?.hostPort ?? lb.containerPort;
    if (port === undefined) continue;
    out.push({ targetGroupArn: lb.targetGroupArn, target: { id: task.address === '127.0.0.1' ? (binding?.bindIP ?? '127.0.0.1') : task.address, port } });
  }
  return out;
}

/** The load balancer entries a service task registers in: its task set's, else the service's. */
export function loadBalancersFor(ctx: ServiceContext, service: ServiceRecord, task: TaskRecord): LoadBalancer[] {
  if (task.taskSetId !== undefined) return taskSetsOf(ctx, service.arn).find((ts) => ts.id === task.taskSetId)?.body.loadBalancers ?? [];
  return service.body.loadBalancers;
}

function pastGrace(service: ServiceRecord, task: TaskRecord, now: number): boolean {
  return now - (task.startedAt ?? now) >= (service.body.healthCheckGracePeriodSeconds ?? 0) * 1000;
}

function hasHealthChecks(ctx: ServiceContext, task: TaskRecord): boolean {
  return (loadTaskDefinitionBody(ctx, task.taskDefinitionArn)?.containerDefinitions ?? []).some((c) => (c.essential ?? true) && c.healthCheck !== undefined);
}

/** RUNNING, passing its container health checks (when it has any) and healthy (or unused) in every target group. */
function isHealthy(r: ReconcileContext, service: ServiceRecord, task: TaskRecord): boolean {
  if (task.lastStatus !== 'RUNNING' || task.desiredStatus !== 'RUNNING') return false;
  if (task.healthStatus === 'UNHEALTHY') return false;
  if (task.healthStatus !== 'HEALTHY' && hasHealthChecks(r.ctx, task)) return false;
  for (const { targetGroupArn, target } of targetsOf(task, loadBalancersFor(r.ctx, service, task))) {
    const state = safeHealth(r, targetGroupArn, target);
    if (state !== 'healthy' && state !== 'unused') return false;
  }
  return true;
}

function safeHealth(r: ReconcileContext, targetGroupArn: string, target: Target): string {
  try {
    return r.targets.health(targetGroupArn, [target])[0]?.state ?? 'unused';
  } catch {
    return 'unused';
  }
}

const short = (task: TaskRecord): string => task.id;
const label = (service: ServiceRecord, taskSet?: TaskSetRecord): string => (taskSet === undefined ? `(service ${service.name})` : `(service ${service.name}, taskSet ${taskSet.id})`);

/** Stops tasks that fail container or ELB health checks once the grace period is over; they are replaced. */
function stopUnhealthy(r: ReconcileContext, service: ServiceRecord, tasks: readonly TaskRecord[], taskSet?: TaskSetRecord): void {
  const now = r.ctx.clock.now();
  for (const task of tasks) {
    if (task.desiredStatus !== 'RUNNING' || task.lastStatus !== 'RUNNING' || !pastGrace(service, task, now)) continue;
    let reason: string | undefined;
    if (task.healthStatus === 'UNHEALTHY') reason = 'Task failed container health checks';
    for (const { targetGroupArn, target } of targetsOf(task, loadBalancersFor(r.ctx, service, task))) {
      if (reason === undefined && safeHealth(r, targetGroupArn, target) === 'unhealthy') reason = `Task failed ELB health checks in (target-group ${targetGroupArn})`;
    }
    if (reason === undefined) continue;
    requestStop(r.ctx, task.arn, reason, 'ServiceSchedulerInitiated');
    addServiceEvent(r.ctx, service.arn, `${label(service, taskSet)} (task ${short(task)}) ${reason.startsWith('Task failed ELB') ? `failed ELB health checks in (target-group ${reason.split('(target-group ')[1]?.slice(0, -1) ?? ''})` : 'failed container health checks'}.`);
    addServiceEvent(r.ctx, service.arn, `${label(service, taskSet)} has stopped 1 running tasks: (task ${short(task)}).`);
  }
}

function launch(r: ReconcileContext, service: ServiceRecord, count: number, how: { taskDefinition: string; deploymentId?: string; taskSet?: TaskSetRecord }): void {
  if (count <= 0 || !r.canLaunch) return;
  const b = r.backoff.get(service.arn);
  if (b !== undefined && r.ctx.clock.now() < b.until) return;
  const td = resolveTaskDefinition(r.ctx, how.taskDefinition);
  const started: TaskRecord[] = [];
  for (let i = 0; i < count; i++) {
    started.push(
      launchTask(r.ctx, {
        cluster: service.cluster,
        taskDefinition: td,
        group: `service:${service.name}`,
        startedBy: how.taskSet?.id ?? how.deploymentId ?? 'ecs-svc',
        serviceArn: service.arn,
        ...(how.deploymentId === undefined ? {} : { deploymentId: how.deploymentId }),
        ...(how.taskSet === undefined ? {} : { taskSetId: how.taskSet.id }),
        launchType: how.taskSet?.body.launchType ?? service.body.launchType,
        tags: service.body.propagateTags === 'SERVICE' ? service.body.tags : [],
      }),
    );
  }
  addServiceEvent(r.ctx, service.arn, `${label(service, how.taskSet)} has started ${started.length} tasks: ${started.map((t) => `(task ${short(t)})`).join(' ')}.`);
}

function stopTasks(r: ReconcileContext, service: ServiceRecord, tasks: readonly TaskRecord[], reason: string, taskSet?: TaskSetRecord): void {
  if (tasks.length === 0) return;
  for (const t of tasks) requestStop(r.ctx, t.arn, reason, 'ServiceSchedulerInitiated');
  addServiceEvent(r.ctx, service.arn, `${label(service, taskSet)} has stopped ${tasks.length} running tasks: ${tasks.map((t) => `(task ${short(t)})`).join(' ')}.`);
}

/** Least useful first: not yet running, then unhealthy, then the newest. */
function stopOrder(r: ReconcileContext, service: ServiceRecord, tasks: readonly TaskRecord[]): TaskRecord[] {
  const rank = (t: TaskRecord): number => (t.lastStatus !== 'RUNNING' ? 0 : isHealthy(r, service, t) ? 2 : 1);
  return [...tasks].sort((a, b) => rank(a) - rank(b) || b.createdAt - a.createdAt);
}

function markSteady(r: ReconcileContext, service: ServiceRecord, steady: boolean): void {
  if (steady === service.steady) return;
  r.ctx.store.run('UPDATE ecs_services SET steady = ? WHERE arn = ?', steady ? 1 : 0, service.arn);
  if (steady) {
    r.backoff.delete(service.arn);
    addServiceEvent(r.ctx, service.arn, `(service ${service.name}) has reached a steady state.`);
  }
}

/** The circuit breaker's threshold: half the desired count, at least 3 and at most 200 (AWS's rule). */
export function failureThreshold(desired: number): number {
  return Math.min(200, Math.max(3, Math.ceil(desired / 2)));
}

function setRollout(r: ReconcileContext, d: DeploymentRecord, state: DeploymentRecord['rolloutState'], reason: string): void {
  r.ctx.store.run('UPDATE ecs_deployments SET rollout_state = ?, rollout_reason = ?, updated_at = ? WHERE id = ?', state, reason, r.ctx.clock.now(), d.id);
}

/** Circuit breaker: fails a deployment whose tasks keep failing and, with rollback, deploys the last completed one. */
function checkCircuitBreaker(r: ReconcileContext, service: ServiceRecord, primary: DeploymentRecord): boolean {
  const cb = service.body.deploymentConfiguration.deploymentCircuitBreaker;
  if (cb?.enable !== true || primary.rolloutState !== 'IN_PROGRESS' || primary.failedTasks < failureThreshold(service.desiredCount)) return false;
  setRollout(r, primary, 'FAILED', `ECS deployment circuit breaker: tasks failed to start.`);
  addServiceEvent(r.ctx, service.arn, `(service ${service.name}) (deployment ${primary.id}) deployment failed: tasks failed to start.`);
  if (cb.rollback === true) {
    const last = deploymentsOf(r.ctx, service.arn, true).find((d) => d.id !== primary.id && d.rolloutState === 'COMPLETED');
    if (last !== undefined) {
      const id = insertDeployment(r.ctx, service.arn, last.taskDefinition);
      r.ctx.store.run('UPDATE ecs_services SET task_definition = ? WHERE arn = ?', last.taskDefinition, service.arn);
      addServiceEvent(r.ctx, service.arn, `(service ${service.name}) rolling back to deployment ${last.id} with deployment ${id}.`);
    }
  }
  return true;
}

/** ECS (rolling update) controller: launches for the primary deployment within maximumPercent, stops old tasks above minimumHealthyPercent. */
export function reconcileRolling(r: ReconcileContext, service: ServiceRecord): void {
  const all = liveTasks(r.ctx, service.arn);
  stopUnhealthy(r, service, all);
  const deployments = deploymentsOf(r.ctx, service.arn);
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  if (primary === undefined) return;
  if (checkCircuitBreaker(r, service, primary)) return;
  const live = liveTasks(r.ctx, service.arn).filter((t) => t.desiredStatus === 'RUNNING');
  const primaryTasks = live.filter((t) => t.deploymentId === primary.id);
  const oldTasks = live.filter((t) => t.deploymentId !== primary.id);
  const n = service.desiredCount;
  const cfg = service.body.deploymentConfiguration;
  const maxTotal = Math.floor((n * (cfg.maximumPercent ?? 200)) / 100);
  const minHealthy = Math.ceil((n * (cfg.minimumHealthyPercent ?? 100)) / 100);
  const failed = primary.rolloutState === 'FAILED';
  // Start the primary deployment's tasks, within maximumPercent while old tasks still run.
  const need = n - primaryTasks.length;
  if (need > 0 && !failed) launch(r, service, oldTasks.length === 0 ? need : Math.min(need, maxTotal - live.length), { taskDefinition: primary.taskDefinition, deploymentId: primary.id });
  if (need < 0) stopTasks(r, service, stopOrder(r, service, primaryTasks).slice(0, -need), `Scaling activity initiated by (deployment ${primary.id})`);
  // Stop old tasks while enough healthy ones remain: unhealthy or pending ones at once, healthy ones above the floor.
  if (oldTasks.length > 0 && !failed) {
    const healthy = live.filter((t) => isHealthy(r, service, t)).length;
    let budget = healthy - minHealthy;
    const victims: TaskRecord[] = [];
    for (const t of stopOrder(r, service, oldTasks)) {
      if (!isHealthy(r, service, t)) victims.push(t);
      else if (budget > 0) {
        victims.push(t);
        budget--;
      }
    }
    stopTasks(r, service, victims, `Scaling activity initiated by (deployment ${primary.id})`);
  }
  // Old deployments with nothing left are done.
  const stillLive = liveTasks(r.ctx, service.arn);
  for (const d of deployments) {
    if (d.status === 'ACTIVE' && !stillLive.some((t) => t.deploymentId === d.id)) {
      r.ctx.store.run("UPDATE ecs_deployments SET status = 'INACTIVE', updated_at = ? WHERE id = ?", r.ctx.clock.now(), d.id);
    }
  }
  const current = stillLive.filter((t) => t.desiredStatus === 'RUNNING');
  const steady =
    current.length === n &&
    current.every((t) => t.deploymentId === primary.id && isHealthy(r, service, t)) &&
    stillLive.every((t) => t.desiredStatus === 'RUNNING');
  if (steady && primary.rolloutState === 'IN_PROGRESS') {
    setRollout(r, primary, 'COMPLETED', `ECS deployment ${primary.id} completed.`);
    addServiceEvent(r.ctx, service.arn, `(service ${service.name}) (deployment ${primary.id}) deployment completed.`);
  }
  markSteady(r, service, steady);
}

/** CODE_DEPLOY / EXTERNAL controllers: every task set runs ceil(desiredCount × scale%) tasks; DRAINING ones run none. */
export function reconcileTaskSets(r: ReconcileContext, service: ServiceRecord): void {
  const all = liveTasks(r.ctx, service.arn);
  let allSteady = true;
  for (const ts of taskSetsOf(r.ctx, service.arn)) {
    const tasks = all.filter((t) => t.taskSetId === ts.id);
    stopUnhealthy(r, service, tasks, ts);
    const live = liveTasks(r.ctx, service.arn).filter((t) => t.taskSetId === ts.id);
    const running = live.filter((t) => t.desiredStatus === 'RUNNING');
    const draining = ts.status === 'DRAINING' || service.status !== 'ACTIVE';
    const desired = draining ? 0 : computedDesiredCount(service, ts);
    if (draining && live.length === 0) {
      r.ctx.store.run('UPDATE ecs_task_sets SET deleted = 1, updated_at = ? WHERE id = ?', r.ctx.clock.now(), ts.id);
      r.ctx.bus.publish({ type: 'ecs.task-set.removed', resource: ts.arn, detail: { serviceArn: service.arn } });
      continue;
    }
    if (running.length < desired) launch(r, service, desired - running.length, { taskDefinition: ts.taskDefinition, taskSet: ts });
    if (running.length > desired) stopTasks(r, service, stopOrder(r, service, running).slice(0, running.length - desired), `Scaling activity initiated by (taskSet ${ts.id})`, ts);
    const now = liveTasks(r.ctx, service.arn).filter((t) => t.taskSetId === ts.id);
    const steady = now.length === desired && now.every((t) => isHealthy(r, service, t));
    const status = steady ? 'STEADY_STATE' : 'STABILIZING';
    if (status !== ts.stabilityStatus) {
      r.ctx.store.tx(() => {
        r.ctx.store.run('UPDATE ecs_task_sets SET stability_status = ?, updated_at = ? WHERE id = ?', status, r.ctx.clock.now(), ts.id);
        r.ctx.bus.publish({ type: 'ecs.task-set.stability', resource: ts.arn, detail: { serviceArn: service.arn, stabilityStatus: status } });
      });
    }
    if (!steady) allSteady = false;
  }
  markSteady(r, service, allSteady && service.status === 'ACTIVE');
}

/** A service being deleted: once every task is stopped (and task sets drained) it is INACTIVE. */
export function finishDraining(r: ReconcileContext, service: ServiceRecord): void {
  const live = liveTasks(r.ctx, service.arn);
  stopTasks(r, service, live.filter((t) => t.desiredStatus === 'RUNNING'), 'Service is being deleted');
  if (live.length > 0 || taskSetsOf(r.ctx, service.arn).length > 0) return;
  r.ctx.store.tx(() => {
    r.ctx.store.run("UPDATE ecs_services SET status = 'INACTIVE' WHERE arn = ?", service.arn);
    r.ctx.store.run("UPDATE ecs_deployments SET status = 'INACTIVE' WHERE service_arn = ?", service.arn);
    r.ctx.bus.publish({ type: 'ecs.service.inactive', resource: service.arn, detail: {} });
  });
}
