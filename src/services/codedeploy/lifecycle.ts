// The engine's seam: the only functions that move a deployment through its lifecycle, each one transaction with its event.
import { SlipwayError } from '../../core/errors.ts';
import { deploymentMinuteMs } from '../../core/config.ts';
import { shortId, uuid } from '../../core/ids.ts';
import { str } from '../../store/db.ts';
import type { ServiceContext } from '../types.ts';
import {
  LIFECYCLE_EVENTS,
  insertDeployment,
  isActive,
  loadDeployment,
  saveDeployment,
  type DeploymentRecord,
  type Diagnostics,
  type LifecycleEventName,
  type LifecycleStatus,
  type TaskSetState,
} from './deployment-record.ts';
import { trafficSchedule, type TrafficStep } from './traffic-schedule.ts';

export type StopReason = 'request' | 'alarm' | 'ready-timeout';

export function newDeploymentId(): string {
  return `d-${shortId(9, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}`;
}

export function pendingLifecycleEvents(hooks: readonly { event: string; functionName: string }[]): DeploymentRecord['lifecycleEvents'] {
  return LIFECYCLE_EVENTS.map((name) => {
    const hook = hooks.find((h) => h.event === name);
    return { lifecycleEventName: name, status: 'Pending' as const, ...(hook === undefined ? {} : { hookFunction: hook.functionName }) };
  });
}

/** Loads, lets `change` edit, saves and publishes, all in one transaction; returns the saved record. */
function update(ctx: ServiceContext, id: string, type: string, change: (d: DeploymentRecord) => Record<string, unknown> | void): DeploymentRecord {
  return ctx.store.tx(() => {
    const d = loadDeployment(ctx, id);
    const detail = change(d) ?? {};
    d.targetUpdatedAt = ctx.clock.now();
    saveDeployment(ctx, d);
    ctx.bus.publish({ type, resource: id, detail: { deploymentId: id, applicationName: d.applicationName, deploymentGroupName: d.deploymentGroupName, status: d.status, ...detail } });
    return d;
  });
}

function requireActive(d: DeploymentRecord, action: string): void {
  if (!isActive(d)) throw new SlipwayError('DeploymentAlreadyCompletedException', `The deployment ${d.deploymentId} is already ${d.status}; it cannot ${action}`);
}

function lifecycleEvent(d: DeploymentRecord, name: LifecycleEventName): DeploymentRecord['lifecycleEvents'][number] {
  const e = d.lifecycleEvents.find((x) => x.lifecycleEventName === name);
  if (e === undefined) throw new SlipwayError('InvalidLifecycleEventHookExecutionIdException', `lifecycleEventName: found "${name}", expected one of ${LIFECYCLE_EVENTS.join(', ')}`);
  return e;
}

/** The deployment as stored (an engine reads appSpec, taskSets, blueGreenDeploymentConfiguration, loadBalancerInfo from it). */
export function getDeploymentRecord(ctx: ServiceContext, id: string): DeploymentRecord {
  return loadDeployment(ctx, id);
}

/** Deployments an engine must (re)drive, oldest first: what it calls on start-up to resume after a restart. */
export function activeDeploymentIds(ctx: ServiceContext): string[] {
  return ctx.store.all("SELECT id FROM codedeploy_deployments WHERE status IN ('Created', 'Queued', 'InProgress', 'Baking', 'Ready') ORDER BY create_time, rowid").map((r) => str(r, 'id'));
}

/** The deployment's traffic steps from its configuration, captured when it was created. */
export function deploymentTrafficSchedule(d: DeploymentRecord): TrafficStep[] {
  return trafficSchedule(d.trafficRoutingConfig);
}

/** Created → InProgress: the engine has picked the deployment up. */
export function startDeployment(ctx: ServiceContext, id: string): DeploymentRecord {
  return update(ctx, id, 'codedeploy.deployment.started', (d) => {
    if (d.status !== 'Created' && d.status !== 'Queued') throw new SlipwayError('InvalidDeploymentStatusException', `The deployment ${id} is ${d.status}; expected Created or Queued to start it`);
    d.status = 'InProgress';
    d.startTime = ctx.clock.now();
    d.targetStatus = 'InProgress';
  });
}

/**
 * Pending → InProgress. When the appspec hooks this event, the result carries a new lifecycleEventHookExecutionId for the
 * hook to report back through PutLifecycleEventHookExecutionStatus (which completes the event).
 */
export function startLifecycleEvent(ctx: ServiceContext, id: string, name: LifecycleEventName): { hookFunction?: string; lifecycleEventHookExecutionId?: string } {
  let out: { hookFunction?: string; lifecycleEventHookExecutionId?: string } = {};
  update(ctx, id, 'codedeploy.lifecycle-event.started', (d) => {
    requireActive(d, `start ${name}`);
    const e = lifecycleEvent(d, name);
    if (e.status !== 'Pending') throw new SlipwayError('InvalidDeploymentStatusException', `Lifecycle event ${name} of ${id} is ${e.status}; expected Pending to start it`);
    e.status = 'InProgress';
    e.startTime = ctx.clock.now();
    if (e.hookFunction !== undefined) e.lifecycleEventHookExecutionId = uuid();
    out = { ...(e.hookFunction === undefined ? {} : { hookFunction: e.hookFunction, lifecycleEventHookExecutionId: e.lifecycleEventHookExecutionId }) };
    return { lifecycleEventName: name, ...out };
  });
  return out;
}

/** InProgress (or Pending, for Skipped) → Succeeded | Failed | Skipped, with diagnostics for a failure. */
export function completeLifecycleEvent(ctx: ServiceContext, id: string, name: LifecycleEventName, status: 'Succeeded' | 'Failed' | 'Skipped', diagnostics?: Diagnostics): DeploymentRecord {
  return update(ctx, id, 'codedeploy.lifecycle-event.completed', (d) => {
    requireActive(d, `complete ${name}`);
    const e = lifecycleEvent(d, name);
    const allowed: LifecycleStatus[] = status === 'Skipped' ? ['Pending', 'InProgress'] : ['InProgress'];
    if (!allowed.includes(e.status)) throw new SlipwayError('LifecycleEventAlreadyCompletedException', `Lifecycle event ${name} of ${id} is ${e.status}; expected ${allowed.join(' or ')}`);
    const now = ctx.clock.now();
    e.status = status;
    e.startTime ??= now;
    e.endTime = now;
    if (diagnostics !== undefined) e.diagnostics = diagnostics;
    return { lifecycleEventName: name, lifecycleEventStatus: status };
  });
}

/** The engine reports the task sets as ECS sees them (created, scaled, draining). */
export function reportTaskSets(ctx: ServiceContext, id: string, taskSets: readonly TaskSetState[]): DeploymentRecord {
  return update(ctx, id, 'codedeploy.deployment.task-sets-updated', (d) => {
    d.taskSets = taskSets.map((t) => ({ ...t }));
    return { taskSets: d.taskSets.map((t) => ({ identifer: t.identifer, taskSetLabel: t.taskSetLabel, targetGroup: t.targetGroup, trafficWeight: t.trafficWeight })) };
  });
}

/** Records production traffic as the load balancer now applies it: greenPercent on Green, the rest on Blue. */
export function recordTrafficShift(ctx: ServiceContext, id: string, greenPercent: number): DeploymentRecord {
  if (!(greenPercent >= 0 && greenPercent <= 100)) throw new RangeError(`greenPercent ${greenPercent}: expected 0 to 100`);
  return update(ctx, id, 'codedeploy.deployment.traffic-shifted', (d) => {
    for (const t of d.taskSets) t.trafficWeight = t.taskSetLabel === 'Green' ? greenPercent : 100 - greenPercent;
    return { greenPercent };
  });
}

/** deploymentReadyOption STOP_DEPLOYMENT: InProgress → Ready until ContinueDeployment(READY_WAIT) or `endsAt`. */
export function beginReadyWait(ctx: ServiceContext, id: string): DeploymentRecord {
  return update(ctx, id, 'codedeploy.deployment.ready', (d) => {
    requireActive(d, 'wait for READY_WAIT');
    const minutes = d.blueGreenDeploymentConfiguration.deploymentReadyOption?.waitTimeInMinutes ?? 0;
    d.status = 'Ready';
    d.targetStatus = 'Ready';
    d.readyWaitEndsAt = ctx.clock.now() + minutes * deploymentMinuteMs(ctx.config);
    return { readyWaitEndsAt: d.readyWaitEndsAt };
  });
}

/** ContinueDeployment(READY_WAIT) and the engine's own CONTINUE_DEPLOYMENT both end the ready wait this way. */
export function endReadyWait(ctx: ServiceContext, id: string): DeploymentRecord {
  return update(ctx, id, 'codedeploy.deployment.continued', (d) => {
    if (d.status !== 'Ready') throw new SlipwayError('DeploymentIsNotInReadyStateException', `The deployment ${id} is ${d.status}; ContinueDeployment(READY_WAIT) needs a deployment in Ready (waiting to reroute traffic)`);
    d.status = 'InProgress';
    d.targetStatus = 'InProgress';
    delete d.readyWaitEndsAt;
    return { deploymentWaitType: 'READY_WAIT' };
  });
}

/** After AfterAllowTraffic: blue stays for terminationWaitTimeInMinutes (the rollback window). */
export function beginTerminationWait(ctx: ServiceContext, id: string): DeploymentRecord {
  return update(ctx, id, 'codedeploy.deployment.termination-wait-started', (d) => {
    requireActive(d, 'wait to terminate the original task set');
    const minutes = d.blueGreenDeploymentConfiguration.terminateBlueInstancesOnDeploymentSuccess?.terminationWaitTimeInMinutes ?? 0;
    d.instanceTerminationWaitTimeStarted = true;
    d.terminationWaitEndsAt = ctx.clock.now() + minutes * deploymentMinuteMs(ctx.config);
    return { terminationWaitEndsAt: d.terminationWaitEndsAt };
  });
}

/** ContinueDeployment(TERMINATION_WAIT): the wait ends now; the engine hears `codedeploy.deployment.continued`. */
export function endTerminationWait(ctx: ServiceContext, id: string): DeploymentRecord {
  return update(ctx, id, 'codedeploy.deployment.continued', (d) => {
    requireActive(d, 'continue');
    if (!d.instanceTerminationWaitTimeStarted || d.terminationWaitEndsAt === undefined) {
      throw new SlipwayError('DeploymentIsNotInReadyStateException', `The deployment ${id} is not waiting to terminate the original task set; ContinueDeployment(TERMINATION_WAIT) applies after traffic has moved`);
    }
    d.terminationWaitEndsAt = Math.min(d.terminationWaitEndsAt, ctx.clock.now());
    return { deploymentWaitType: 'TERMINATION_WAIT' };
  });
}

/** Blue is gone (or the rollback restored it): the deployment is Succeeded. */
export function succeedDeployment(ctx: ServiceContext, id: string): DeploymentRecord {
  return update(ctx, id, 'codedeploy.deployment.succeeded', (d) => {
    requireActive(d, 'succeed');
    const unfinished = d.lifecycleEvents.filter((e) => e.status === 'Pending' || e.status === 'InProgress').map((e) => e.lifecycleEventName);
    if (unfinished.length > 0) throw new SlipwayError('InvalidDeploymentStatusException', `The deployment ${id} cannot succeed with lifecycle events not finished: ${unfinished.join(', ')}`);
    d.status = 'Succeeded';
    d.targetStatus = 'Succeeded';
    d.completeTime = ctx.clock.now();
    delete d.terminationWaitEndsAt;
  });
}

/** Whether the group's rollback settings (or an explicit override) roll back on this trigger. */
function rollsBack(d: DeploymentRecord, trigger: 'DEPLOYMENT_FAILURE' | 'DEPLOYMENT_STOP_ON_ALARM' | 'DEPLOYMENT_STOP_ON_REQUEST', override: boolean | undefined): boolean {
  if (override !== undefined) return override;
  const c = d.autoRollbackConfiguration;
  return c.enabled === true && (c.events ?? []).includes(trigger);
}

/**
 * Ends an active deployment as Failed or Stopped. Pending events become Skipped, a running one Failed. When rollback
 * applies and the replacement may exist (Install has started), a rollback deployment is created: it restores blue,
 * so an engine drives it like any other deployment (creator codeDeployRollback). Returns its id, if any.
 */
function end(ctx: ServiceContext, id: string, status: 'Failed' | 'Stopped', code: NonNullable<DeploymentRecord['errorInformation']>['code'], message: string, rollback: boolean): string | undefined {
  return ctx.store.tx(() => {
    const d = loadDeployment(ctx, id);
    requireActive(d, status === 'Failed' ? 'fail' : 'stop');
    const now = ctx.clock.now();
    for (const e of d.lifecycleEvents) {
      if (e.status === 'InProgress') Object.assign(e, { status: 'Failed', endTime: now, diagnostics: e.diagnostics ?? { errorCode: 'UnknownError', message } });
      else if (e.status === 'Pending') e.status = 'Skipped';
    }
    d.status = status;
    d.targetStatus = 'Failed';
    d.completeTime = now;
    d.errorInformation = { code, message };
    d.deploymentStatusMessages = [...d.deploymentStatusMessages, message];
    delete d.readyWaitEndsAt;
    delete d.terminationWaitEndsAt;
    const installStarted = d.lifecycleEvents.some((e) => e.lifecycleEventName === 'Install' && e.status !== 'Skipped' && e.status !== 'Pending');
    let rollbackId: string | undefined;
    if (rollback && installStarted) {
      rollbackId = newDeploymentId();
      d.rollbackInfo = { rollbackDeploymentId: rollbackId, rollbackMessage: `Deployment ${id} was rolled back by ${rollbackId}` };
      const { startTime: _s, completeTime: _c, errorInformation: _e, previousRevision: _p, appSpec: _a, ...kept } = structuredClone(d);
      // The rollback deploys what ran before, so it carries that deployment's appspec (none for a group's first deployment).
      const previous = ctx.store.get(
        "SELECT body FROM codedeploy_deployments WHERE application_name = ? AND group_name = ? AND status = 'Succeeded' ORDER BY create_time DESC, rowid DESC LIMIT 1",
        d.applicationName,
        d.deploymentGroupName,
      );
      const previousAppSpec = previous === undefined ? undefined : (JSON.parse(str(previous, 'body')) as DeploymentRecord).appSpec;
      const r: DeploymentRecord = {
        ...kept,
        deploymentId: rollbackId,
        status: 'Created',
        createTime: now,
        creator: 'codeDeployRollback',
        // The rollback deploys what ran before: the previous revision, replacing the one that failed.
        revision: d.previousRevision ?? d.revision,
        ...(d.previousRevision === undefined ? {} : { previousRevision: d.revision }),
        ...(previousAppSpec === undefined ? {} : { appSpec: previousAppSpec }),
        targetStatus: 'Pending',
        targetUpdatedAt: now,
        lifecycleEvents: pendingLifecycleEvents([]),
        instanceTerminationWaitTimeStarted: false,
        deploymentStatusMessages: [],
        rollbackInfo: { rollbackTriggeringDeploymentId: id, rollbackMessage: `Rollback of deployment ${id}: ${message}` },
      };
      insertDeployment(ctx, r);
    }
    d.targetUpdatedAt = now;
    saveDeployment(ctx, d);
    const base = { deploymentId: id, applicationName: d.applicationName, deploymentGroupName: d.deploymentGroupName };
    ctx.bus.publish({ type: status === 'Failed' ? 'codedeploy.deployment.failed' : 'codedeploy.deployment.stopped', resource: id, detail: { ...base, status, errorCode: code, message, ...(rollbackId === undefined ? {} : { rollbackDeploymentId: rollbackId }) } });
    if (rollbackId !== undefined) {
      ctx.bus.publish({ type: 'codedeploy.deployment.created', resource: rollbackId, detail: { ...base, deploymentId: rollbackId, status: 'Created', creator: 'codeDeployRollback', rollbackTriggeringDeploymentId: id } });
    }
    return rollbackId;
  });
}

/** A step failed (hook Failed, task set unhealthy, timeout): Failed, rolled back when DEPLOYMENT_FAILURE is configured. */
export function failDeployment(ctx: ServiceContext, id: string, error: { code: NonNullable<DeploymentRecord['errorInformation']>['code']; message: string }, options: { rollback?: boolean } = {}): { rollbackDeploymentId?: string } {
  const d = loadDeployment(ctx, id);
  const rollbackId = end(ctx, id, 'Failed', error.code, error.message, d.creator !== 'codeDeployRollback' && rollsBack(d, 'DEPLOYMENT_FAILURE', options.rollback));
  return rollbackId === undefined ? {} : { rollbackDeploymentId: rollbackId };
}

/** StopDeployment, an alarm in ALARM, or a ready wait that ran out with STOP_DEPLOYMENT: Stopped, rolled back as configured. */
export function stopDeployment(ctx: ServiceContext, id: string, reason: StopReason, options: { rollback?: boolean; alarms?: readonly string[] } = {}): { rollbackDeploymentId?: string } {
  const d = loadDeployment(ctx, id);
  const [code, trigger, message] =
    reason === 'alarm'
      ? (['ALARM_ACTIVE', 'DEPLOYMENT_STOP_ON_ALARM', `One or more alarms have been activated according to the Amazon CloudWatch metrics you selected: ${(options.alarms ?? []).join(', ')}`] as const)
      : reason === 'ready-timeout'
        ? (['TIMEOUT', 'DEPLOYMENT_STOP_ON_REQUEST', 'The deployment timed out while waiting for ContinueDeployment(READY_WAIT)'] as const)
        : (['MANUAL_STOP', 'DEPLOYMENT_STOP_ON_REQUEST', 'Deployment was stopped by user'] as const);
  const rollback = d.creator !== 'codeDeployRollback' && (reason === 'ready-timeout' ? (options.rollback ?? false) : rollsBack(d, trigger, options.rollback));
  const rollbackId = end(ctx, id, 'Stopped', code, message, rollback);
  return rollbackId === undefined ? {} : { rollbackDeploymentId: rollbackId };
}
