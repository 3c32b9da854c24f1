// The deployer engine: drives CodeDeploy's ECS blue/green deployments (and their rollbacks) through ECS and ELBv2.
import { isActive } from '../../services/codedeploy/deployment-record.ts';
import { activeDeploymentIds, failDeployment, getDeploymentRecord } from '../../services/codedeploy/lifecycle.ts';
import type { Engine, EngineContext } from '../types.ts';
import { DEFAULT_DRIVER_OPTIONS, DeploymentDriver, DeploymentEnded, DeploymentStepError, type DriverOptions, type HookInvoker } from './driver.ts';
import { invokeHook } from './hooks.ts';
import { runRollback } from './rollback.ts';
import { hooksMount } from './hooks-api.ts';
import { watchAlarms } from './alarms.ts';
import { findHook } from '../../services/codedeploy/hooks.ts';
import { Fleet } from './fleet.ts';

export { DEFAULT_DRIVER_OPTIONS, type DriverOptions } from './driver.ts';

export function startDeployer(engine: EngineContext, options: Partial<DriverOptions> = {}): Engine {
  const ctx = { ...engine, log: engine.log.child({ component: 'deployer' }) };
  const fleet = new Fleet(ctx);
  const settings: DriverOptions = { ...DEFAULT_DRIVER_OPTIONS, ...options };
  const running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  let stopping = false;
  const hooks: HookInvoker = (reference, call, signal) => {
    const hook = findHook(ctx, reference);
    if (hook === undefined) {
      ctx.log.info({ deploymentId: call.deploymentId, hook: reference }, 'no hook registered under this name: waiting for PutLifecycleEventHookExecutionStatus');
      return undefined;
    }
    ctx.log.info({ deploymentId: call.deploymentId, hook: hook.name, kind: hook.kind, lifecycleEvent: call.lifecycleEventName }, 'invoking hook');
    return { timeoutMs: hook.timeoutSeconds * 1000, verdict: invokeHook(ctx, hook, call, signal) };
  };

  const drive = (id: string): void => {
    if (stopping || running.has(id)) return;
    const controller = new AbortController();
    const done = (async () => {
      try {
        const d = getDeploymentRecord(ctx, id);
        if (!isActive(d)) return;
        ctx.log.info({ deploymentId: id, group: d.deploymentGroupName, rollback: d.creator === 'codeDeployRollback' }, 'deployment picked up');
        if (d.creator === 'codeDeployRollback') await runRollback(ctx, fleet, id, controller.signal);
        else {
          const unwatch = watchAlarms(ctx, id);
          try {
            await new DeploymentDriver(ctx, fleet, id, controller.signal, settings, hooks).run();
          } finally {
            unwatch();
          }
        }
      } catch (error) {
        if (controller.signal.aborted || error instanceof DeploymentEnded) return;
        if (!isActive(getDeploymentRecord(ctx, id))) return;
        const code = error instanceof DeploymentStepError ? error.code : 'INTERNAL_ERROR';
        const message = error instanceof Error ? error.message : String(error);
        ctx.log.warn({ deploymentId: id, code, message }, 'deployment failed');
        failDeployment(ctx, id, { code, message });
      } finally {
        running.delete(id);
      }
    })();
    running.set(id, { controller, done });
  };

  const offCreated = ctx.bus.subscribe((e) => e.type === 'codedeploy.deployment.created', (e) => drive(e.resource));
  // A deployment stopped or failed from outside (StopDeployment, an alarm) stops being driven; its rollback takes over.
  const offEnded = ctx.bus.subscribe(
    (e) => e.type === 'codedeploy.deployment.stopped' || e.type === 'codedeploy.deployment.failed',
    (e) => running.get(e.resource)?.controller.abort(new Error(`deployment ${e.resource} ended`)),
  );
  // Resume what a restart interrupted, from the step each deployment was in.
  setImmediate(() => {
    // A daemon stopped as soon as it started has closed the store by now.
    if (stopping) return;
    for (const id of activeDeploymentIds(ctx)) drive(id);
  });

  return {
    name: 'deployer',
    mounts: [hooksMount(ctx)],
    async health() {
      return { status: 'Healthy', detail: `${running.size} deployment(s) in progress` };
    },
    async stop() {
      stopping = true;
      offCreated();
      offEnded();
      for (const { controller } of running.values()) controller.abort(new Error('Slipway is stopping'));
      await Promise.all([...running.values()].map((r) => r.done));
    },
  };
}
