// Drives one ECS blue/green deployment through its eight lifecycle events, resumable from whatever step it was in.
import type { TaskSet } from '@aws-sdk/client-ecs';
import { typeFilter } from '../../core/events.ts';
import type { DeploymentRecord, LifecycleEventName, TaskSetState } from '../../services/codedeploy/deployment-record.ts';
import { isActive, LIFECYCLE_EVENTS } from '../../services/codedeploy/deployment-record.ts';
import {
  beginReadyWait,
  beginTerminationWait,
  completeLifecycleEvent,
  deploymentTrafficSchedule,
  getDeploymentRecord,
  recordTrafficShift,
  reportTaskSets,
  startDeployment,
  startLifecycleEvent,
  stopDeployment,
  succeedDeployment,
} from '../../services/codedeploy/lifecycle.ts';
import { getTask } from '../../services/ecs/task-store.ts';
import type { ServiceContext } from '../../services/types.ts';
import type { FleetPort, Weight } from './fleet.ts';
import type { HookCall, HookVerdict } from './hooks.ts';
import { WaitTimeout, waitFor } from '../../core/wait.ts';
import { deploymentMinuteMs } from '../../core/config.ts';

export interface DriverOptions {
  /** Longest wait for the replacement task set to reach a steady state (AWS: 60 minutes). */
  readonly installTimeoutMs: number;
  /** Replacement tasks that may stop (failed health checks, exits) before Install fails. */
  readonly maxGreenTaskFailures: number;
  /** Longest wait for a hook's PutLifecycleEventHookExecutionStatus (AWS: 1 hour). */
  readonly hookTimeoutMs: number;
}

export const DEFAULT_DRIVER_OPTIONS: DriverOptions = { installTimeoutMs: 60 * 60_000, maxGreenTaskFailures: 3, hookTimeoutMs: 60 * 60_000 };

/** Starts the hook registered under an appspec function name; undefined when none is registered. */
export type HookInvoker = (hookFunction: string, call: HookCall, signal: AbortSignal) => { timeoutMs: number; verdict: Promise<HookVerdict | undefined> } | undefined;

/** A step failure with the CodeDeploy error code it ends the deployment with. */
export class DeploymentStepError extends Error {
  override readonly name = 'DeploymentStepError';
  readonly code: NonNullable<DeploymentRecord['errorInformation']>['code'];
  constructor(code: DeploymentStepError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

interface Plan {
  readonly cluster: string;
  readonly service: string;
  readonly prodListeners: readonly string[];
  readonly testListeners: readonly string[];
  readonly blue: { readonly targetGroupName: string; readonly targetGroupArn: string; readonly taskSet: TaskSet };
  readonly green: { readonly targetGroupName: string; readonly targetGroupArn: string };
}

const HOOKABLE: readonly LifecycleEventName[] = ['BeforeInstall', 'AfterInstall', 'AfterAllowTestTraffic', 'BeforeAllowTraffic', 'AfterAllowTraffic'];

export class DeploymentDriver {
  readonly #ctx: ServiceContext;
  readonly #fleet: FleetPort;
  readonly #id: string;
  readonly #signal: AbortSignal;
  readonly #options: DriverOptions;
  readonly #hooks: HookInvoker | undefined;

  constructor(ctx: ServiceContext, fleet: FleetPort, id: string, signal: AbortSignal, options: DriverOptions = DEFAULT_DRIVER_OPTIONS, hooks?: HookInvoker) {
    this.#ctx = ctx;
    this.#fleet = fleet;
    this.#id = id;
    this.#signal = signal;
    this.#options = options;
    this.#hooks = hooks;
  }

  #record(): DeploymentRecord {
    return getDeploymentRecord(this.#ctx, this.#id);
  }

  /** Works out blue and green from what ECS and the deployment group say; green is the group blue does not use. */
  #plan(d: DeploymentRecord): Plan {
    const cluster = d.ecsService.clusterName ?? '';
    const service = d.ecsService.serviceName ?? '';
    const pair = d.loadBalancerInfo.targetGroupPairInfoList?.[0];
    const names = (pair?.targetGroups ?? []).map((t) => t.name ?? '');
    const prodListeners = pair?.prodTrafficRoute?.listenerArns ?? [];
    const testListeners = pair?.testTrafficRoute?.listenerArns ?? [];
    if (names.length !== 2 || prodListeners.length === 0) {
      throw new DeploymentStepError('MISSING_ELB_INFORMATION', `The deployment group ${d.deploymentGroupName} has no target group pair with a production listener`);
    }
    const arns = names.map((n) => this.#fleet.targetGroupArn(n));
    const sets = this.#fleet.taskSets(cluster, service);
    const recordedBlue = d.taskSets.find((t) => t.taskSetLabel === 'Blue');
    // Resuming: the recorded blue (which may already be removed); first run: the service's PRIMARY task set.
    const blueSet: TaskSet | undefined =
      recordedBlue === undefined ? sets.find((t) => t.status === 'PRIMARY') : (sets.find((t) => t.id === recordedBlue.identifer) ?? { id: recordedBlue.identifer });
    if (blueSet === undefined) throw new DeploymentStepError('INVALID_ECS_SERVICE', `The ECS service ${service} in ${cluster} has no primary task set to replace`);
    const blueArn =
      recordedBlue !== undefined
        ? arns[names.indexOf(recordedBlue.targetGroup)]
        : (blueSet.loadBalancers?.[0]?.targetGroupArn ?? this.#fleet.weights(prodListeners[0] ?? '').find((w) => w.weight > 0)?.targetGroupArn);
    const blueIndex = arns.indexOf(blueArn ?? '');
    if (blueIndex < 0) throw new DeploymentStepError('ELASTIC_LOAD_BALANCING_INVALID', `The original task set's target group ${blueArn ?? '(none)'} is not one of ${names.join(', ')}`);
    const greenIndex = 1 - blueIndex;
    return {
      cluster,
      service,
      prodListeners,
      testListeners,
      blue: { targetGroupName: names[blueIndex] ?? '', targetGroupArn: arns[blueIndex] ?? '', taskSet: blueSet },
      green: { targetGroupName: names[greenIndex] ?? '', targetGroupArn: arns[greenIndex] ?? '' },
    };
  }

  /** Runs (or resumes) the deployment to its end; failures end it as Failed (rolled back as configured). */
  async run(): Promise<void> {
    let d = this.#record();
    if (d.status === 'Created' || d.status === 'Queued') d = startDeployment(this.#ctx, this.#id);
    const plan = this.#plan(d);
    for (const name of LIFECYCLE_EVENTS) {
      d = this.#record();
      const event = d.lifecycleEvents.find((e) => e.lifecycleEventName === name);
      if (event === undefined || event.status === 'Succeeded' || event.status === 'Skipped') continue;
      const hook = event.status === 'Pending' ? startLifecycleEvent(this.#ctx, this.#id, name) : { ...(event.hookFunction === undefined ? {} : { hookFunction: event.hookFunction }) };
      if (HOOKABLE.includes(name)) {
        if (hook.hookFunction !== undefined) await this.#awaitHook(name, hook.hookFunction);
        else completeLifecycleEvent(this.#ctx, this.#id, name, 'Succeeded');
      } else {
        if (name === 'Install') await this.#install(d, plan);
        if (name === 'AllowTestTraffic') await this.#allowTestTraffic(plan);
        if (name === 'AllowTraffic') await this.#allowTraffic(plan);
        completeLifecycleEvent(this.#ctx, this.#id, name, 'Succeeded');
      }
      if (name === 'AfterAllowTestTraffic') await this.#readyWait();
    }
    await this.#terminationWait();
    // Green is PRIMARY already: AllowTraffic promotes it before it is recorded Succeeded, resumed or not.
    const blue = this.#fleet.taskSets(plan.cluster, plan.service).find((t) => t.id === plan.blue.taskSet.id);
    if (blue?.taskSetArn !== undefined) this.#fleet.remove(plan.cluster, plan.service, blue.taskSetArn);
    this.#report(plan, 100);
    succeedDeployment(this.#ctx, this.#id);
  }

  #greenTaskSet(plan: Plan): TaskSet | undefined {
    return this.#fleet.taskSets(plan.cluster, plan.service).find((t) => t.externalId === this.#id);
  }

  #report(plan: Plan, greenPercent: number): void {
    const sets: TaskSetState[] = [];
    const state = (t: TaskSet, label: 'Blue' | 'Green', group: string, weight: number): TaskSetState => ({
      identifer: t.id ?? '',
      taskSetLabel: label,
      targetGroup: group,
      desiredCount: t.computedDesiredCount ?? 0,
      pendingCount: t.pendingCount ?? 0,
      runningCount: t.runningCount ?? 0,
      status: t.status ?? '',
      trafficWeight: weight,
    });
    const blue = this.#fleet.taskSet(plan.cluster, plan.service, plan.blue.taskSet.taskSetArn ?? '') ?? plan.blue.taskSet;
    sets.push(state(blue, 'Blue', plan.blue.targetGroupName, 100 - greenPercent));
    const green = this.#greenTaskSet(plan);
    if (green !== undefined) sets.push(state(green, 'Green', plan.green.targetGroupName, greenPercent));
    reportTaskSets(this.#ctx, this.#id, sets);
  }

  /** Install: the replacement task set on the green target group, then its tasks running and healthy. */
  async #install(d: DeploymentRecord, plan: Plan): Promise<void> {
    const spec = d.appSpec?.targetService;
    if (spec === undefined) throw new DeploymentStepError('INVALID_REVISION', `The deployment ${this.#id} has no ECS appspec to deploy (S3 revisions are not read by Slipway)`);
    const green =
      this.#greenTaskSet(plan) ??
      this.#fleet.createGreen({
        cluster: plan.cluster,
        service: plan.service,
        taskDefinition: spec.taskDefinition,
        targetGroupArn: plan.green.targetGroupArn,
        containerName: spec.containerName,
        containerPort: spec.containerPort,
        deploymentId: this.#id,
        ...(spec.awsvpcConfiguration === undefined ? {} : { awsvpcConfiguration: { ...spec.awsvpcConfiguration } }),
        ...(spec.platformVersion === undefined ? {} : { platformVersion: spec.platformVersion }),
      });
    this.#report(plan, 0);
    await this.#awaitGreen(plan, green, 'reaching a steady state', (now) => now.stabilityStatus === 'STEADY_STATE' && (now.runningCount ?? 0) >= (now.computedDesiredCount ?? 0));
    this.#report(plan, 0);
  }

  /**
   * Waits until `ready` holds for the replacement task set, re-checking on every task, task-set and target-health change.
   * Fails when too many replacement tasks stop (they fail their health checks or exit) or the wait runs out.
   */
  async #awaitGreen(plan: Plan, green: TaskSet, what: string, ready: (now: TaskSet) => boolean): Promise<void> {
    let failures = 0;
    let lastReason = '';
    try {
      await waitFor(this.#ctx, {
        on: typeFilter('ecs.task-set.stability', 'ecs.task.state', 'elbv2.target-health.changed'),
        check: (e) => {
          if (e?.type === 'ecs.task.state' && e.detail['lastStatus'] === 'STOPPED') {
            const task = getTask(this.#ctx, e.resource);
            if (task?.taskSetId === green.id) {
              failures++;
              lastReason = task?.stoppedReason ?? 'stopped';
              if (failures >= this.#options.maxGreenTaskFailures) {
                throw new DeploymentStepError('ECS_UPDATE_ERROR', `The ECS task set ${green.id ?? ''} failed to reach a steady state: ${failures} replacement tasks stopped (last: ${lastReason})`);
              }
            }
          }
          const now = this.#fleet.taskSet(plan.cluster, plan.service, green.taskSetArn ?? '');
          if (now === undefined) throw new DeploymentStepError('ECS_UPDATE_ERROR', `The replacement task set ${green.id ?? ''} was deleted during the deployment`);
          return ready(now) ? true : undefined;
        },
        timeoutMs: this.#options.installTimeoutMs,
        what: `replacement task set ${green.id ?? ''} ${what}`,
        signal: this.#signal,
      });
    } catch (error) {
      if (error instanceof WaitTimeout) throw new DeploymentStepError('TIMEOUT', `${error.message}${lastReason === '' ? '' : ` (last stopped task: ${lastReason})`}`);
      throw error;
    }
  }

  async #allowTestTraffic(plan: Plan): Promise<void> {
    for (const listener of plan.testListeners) await this.#fleet.route(listener, [{ targetGroupArn: plan.green.targetGroupArn, weight: 1 }], this.#signal);
  }

  /** Production weights step by step per the configuration, each step at its time counted from AllowTraffic's start. */
  async #allowTraffic(plan: Plan): Promise<void> {
    const d = this.#record();
    const started = d.lifecycleEvents.find((e) => e.lifecycleEventName === 'AllowTraffic')?.startTime ?? this.#ctx.clock.now();
    const applied = d.taskSets.find((t) => t.taskSetLabel === 'Green')?.trafficWeight ?? 0;
    // With a test listener the green group is in use, so the load balancer has been checking its targets: production
    // moves only once every replacement task's target is healthy (without one, green's group is unused until now).
    const green = this.#greenTaskSet(plan);
    if (applied === 0 && plan.testListeners.length > 0 && green !== undefined) {
      await this.#awaitGreen(plan, green, 'passing the load balancer health checks', (now) => {
        const health = this.#fleet.targetHealth(plan.green.targetGroupArn);
        return health.length >= (now.computedDesiredCount ?? 1) && health.every((h) => h.state === 'healthy');
      });
    }
    for (const step of deploymentTrafficSchedule(d)) {
      if (step.greenPercent <= applied && step.greenPercent < 100) continue;
      const due = started + step.afterMinutes * deploymentMinuteMs(this.#ctx.config);
      const wait = due - this.#ctx.clock.now();
      if (wait > 0) await this.#ctx.clock.sleep(wait, this.#signal);
      const weights: Weight[] =
        step.greenPercent >= 100
          ? [{ targetGroupArn: plan.green.targetGroupArn, weight: 1 }]
          : [
              { targetGroupArn: plan.blue.targetGroupArn, weight: 100 - step.greenPercent },
              { targetGroupArn: plan.green.targetGroupArn, weight: step.greenPercent },
            ];
      for (const listener of plan.prodListeners) await this.#fleet.route(listener, weights, this.#signal);
      recordTrafficShift(this.#ctx, this.#id, step.greenPercent);
    }
    const promoted = this.#greenTaskSet(plan);
    if (promoted?.taskSetArn !== undefined && promoted.status !== 'PRIMARY') this.#fleet.promote(plan.cluster, plan.service, promoted.taskSetArn);
    this.#report(plan, 100);
  }

  /**
   * Invokes the hook registered under the appspec's function name (none: someone calls PutLifecycleEventHookExecutionStatus),
   * then waits for the verdict, which the invocation itself may give (exit status, an inline HTTP answer).
   */
  async #awaitHook(name: LifecycleEventName, hookFunction: string): Promise<void> {
    const event = this.#record().lifecycleEvents.find((e) => e.lifecycleEventName === name);
    const call = { deploymentId: this.#id, lifecycleEventHookExecutionId: event?.lifecycleEventHookExecutionId ?? '', lifecycleEventName: name };
    const invoking = new AbortController();
    const invocation = this.#hooks?.(hookFunction, call, AbortSignal.any([this.#signal, invoking.signal]));
    invocation?.verdict.then(
      (verdict) => {
        if (verdict !== undefined) this.#hookVerdict(name, hookFunction, verdict);
      },
      (error: unknown) => {
        if (!invoking.signal.aborted && !this.#signal.aborted) this.#hookVerdict(name, hookFunction, { status: 'Failed', message: `The hook ${hookFunction} failed: ${error instanceof Error ? error.message : String(error)}` });
      },
    );
    const done = (): boolean | undefined => {
      const now = this.#record().lifecycleEvents.find((e) => e.lifecycleEventName === name);
      if (now?.status === 'Failed') throw new DeploymentStepError('HOOK_EXECUTION_FAILURE', now.diagnostics?.message ?? `The ${name} hook reported Failed`);
      return now?.status === 'Succeeded' ? true : undefined;
    };
    try {
      await waitFor(this.#ctx, {
        on: (e) => e.type === 'codedeploy.lifecycle-event.completed' && e.resource === this.#id,
        check: done,
        timeoutMs: invocation?.timeoutMs ?? this.#options.hookTimeoutMs,
        what: `the ${name} hook ${hookFunction}'s verdict (PutLifecycleEventHookExecutionStatus)`,
        signal: this.#signal,
      });
    } catch (error) {
      if (error instanceof WaitTimeout) throw new DeploymentStepError('HOOK_EXECUTION_FAILURE', `${error.message}; a hook that gives no verdict in time counts as failed`);
      throw error;
    } finally {
      invoking.abort();
    }
  }

  /** Records what an invocation returned, unless the hook already reported (or the deployment ended) meanwhile. */
  #hookVerdict(name: LifecycleEventName, hookFunction: string, verdict: HookVerdict): void {
    const d = this.#record();
    if (!isActive(d) || d.lifecycleEvents.find((e) => e.lifecycleEventName === name)?.status !== 'InProgress') return;
    try {
      completeLifecycleEvent(this.#ctx, this.#id, name, verdict.status, verdict.status === 'Failed' ? { errorCode: 'ScriptFailed', scriptName: hookFunction, message: verdict.message } : undefined);
    } catch (error) {
      this.#ctx.log.debug({ err: error, deploymentId: this.#id, lifecycleEvent: name }, 'hook verdict arrived after the event completed');
    }
  }

  /** deploymentReadyOption STOP_DEPLOYMENT: Ready until ContinueDeployment(READY_WAIT); stopped when the wait runs out. */
  async #readyWait(): Promise<void> {
    let d = this.#record();
    if (d.blueGreenDeploymentConfiguration.deploymentReadyOption?.actionOnTimeout !== 'STOP_DEPLOYMENT') return;
    if (d.status !== 'Ready') d = beginReadyWait(this.#ctx, this.#id);
    const endsAt = d.readyWaitEndsAt ?? this.#ctx.clock.now();
    try {
      await waitFor(this.#ctx, {
        on: (e) => e.resource === this.#id && e.type === 'codedeploy.deployment.continued',
        check: () => (this.#record().status !== 'Ready' ? true : undefined),
        timeoutMs: Math.max(0, endsAt - this.#ctx.clock.now()),
        what: 'ContinueDeployment(READY_WAIT)',
        signal: this.#signal,
      });
    } catch (error) {
      if (!(error instanceof WaitTimeout)) throw error;
      stopDeployment(this.#ctx, this.#id, 'ready-timeout');
      throw new DeploymentEnded();
    }
  }

  /** Blue stays for terminationWaitTimeInMinutes; ContinueDeployment(TERMINATION_WAIT) moves the end to now. */
  async #terminationWait(): Promise<void> {
    if (!this.#record().instanceTerminationWaitTimeStarted) beginTerminationWait(this.#ctx, this.#id);
    for (;;) {
      const endsAt = this.#record().terminationWaitEndsAt ?? this.#ctx.clock.now();
      const left = endsAt - this.#ctx.clock.now();
      if (left <= 0) return;
      const continued = new AbortController();
      const off = this.#ctx.bus.subscribe(
        (e) => e.resource === this.#id && e.type === 'codedeploy.deployment.continued',
        () => continued.abort(),
      );
      try {
        await this.#ctx.clock.sleep(left, AbortSignal.any([this.#signal, continued.signal]));
      } catch (error) {
        if (this.#signal.aborted) throw error;
      } finally {
        off();
      }
    }
  }
}

/** Thrown when the deployment was ended by the step itself (ready wait ran out): nothing more to record. */
export class DeploymentEnded extends Error {
  override readonly name = 'DeploymentEnded';
}
