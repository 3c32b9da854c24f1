// A rollback deployment: production and test traffic back to the original task set, then the replacement removed.
import type { LifecycleEventName } from '../../services/codedeploy/deployment-record.ts';
import { LIFECYCLE_EVENTS } from '../../services/codedeploy/deployment-record.ts';
import { completeLifecycleEvent, getDeploymentRecord, recordTrafficShift, startDeployment, startLifecycleEvent, succeedDeployment } from '../../services/codedeploy/lifecycle.ts';
import type { ServiceContext } from '../../services/types.ts';
import type { FleetPort, Weight } from './fleet.ts';

/** A rollback deployment (creator codeDeployRollback): all traffic back to blue, then the replacement removed. */
export async function runRollback(ctx: ServiceContext, fleet: FleetPort, id: string, signal: AbortSignal): Promise<void> {
  let d = getDeploymentRecord(ctx, id);
  if (d.status === 'Created' || d.status === 'Queued') d = startDeployment(ctx, id);
  const cluster = d.ecsService.clusterName ?? '';
  const service = d.ecsService.serviceName ?? '';
  const pair = d.loadBalancerInfo.targetGroupPairInfoList?.[0];
  const blue = d.taskSets.find((t) => t.taskSetLabel === 'Blue');
  const triggering = d.rollbackInfo?.rollbackTriggeringDeploymentId;
  const sets = fleet.taskSets(cluster, service);
  const green = sets.find((t) => t.externalId !== undefined && t.externalId === triggering);
  const blueSet = sets.find((t) => t.id === blue?.identifer);
  const blueArn = blue === undefined ? undefined : fleet.targetGroupArn(blue.targetGroup);
  const step = async (name: LifecycleEventName, work?: () => Promise<void>): Promise<void> => {
    const event = getDeploymentRecord(ctx, id).lifecycleEvents.find((e) => e.lifecycleEventName === name);
    if (event === undefined || event.status === 'Succeeded' || event.status === 'Skipped') return;
    if (work === undefined) {
      completeLifecycleEvent(ctx, id, name, 'Skipped');
      return;
    }
    if (event.status === 'Pending') startLifecycleEvent(ctx, id, name);
    await work();
    completeLifecycleEvent(ctx, id, name, 'Succeeded');
  };
  const back: Weight[] = blueArn === undefined ? [] : [{ targetGroupArn: blueArn, weight: 1 }];
  for (const name of LIFECYCLE_EVENTS) {
    if (name === 'AllowTestTraffic' && back.length > 0) {
      await step(name, async () => {
        for (const listener of pair?.testTrafficRoute?.listenerArns ?? []) await fleet.route(listener, back, signal);
      });
    } else if (name === 'AllowTraffic' && back.length > 0) {
      await step(name, async () => {
        for (const listener of pair?.prodTrafficRoute?.listenerArns ?? []) await fleet.route(listener, back, signal);
        if (blueSet?.taskSetArn !== undefined && blueSet.status !== 'PRIMARY') fleet.promote(cluster, service, blueSet.taskSetArn);
        recordTrafficShift(ctx, id, 0);
      });
    } else {
      await step(name);
    }
  }
  if (green?.taskSetArn !== undefined) fleet.remove(cluster, service, green.taskSetArn);
  succeedDeployment(ctx, id);
}
