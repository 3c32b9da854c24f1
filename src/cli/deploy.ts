// `slipway deploy watch | continue | stop | rollback ID`: a CodeDeploy deployment's steps and traffic, and acting on it.
import type { GetDeploymentOutput, GetDeploymentTargetOutput, ListDeploymentTargetsOutput, StopDeploymentOutput } from '@aws-sdk/client-codedeploy';
import { callApi, TARGETS } from './api.ts';
import { callDaemon } from './client.ts';
import { readEventStream } from './events.ts';
import { renderEvent } from './follow.ts';

const ENDED = new Set(['Succeeded', 'Failed', 'Stopped']);

async function describe(endpoint: string, id: string, out: (line: string) => void): Promise<string> {
  const info = (await callApi<GetDeploymentOutput>(endpoint, `${TARGETS.codedeploy}.GetDeployment`, { deploymentId: id })).deploymentInfo;
  const status = info?.status ?? 'Unknown';
  out(`deployment ${id}  ${info?.applicationName ?? ''}/${info?.deploymentGroupName ?? ''}  ${info?.deploymentConfigName ?? ''}  ${status}`);
  if (info?.errorInformation !== undefined) out(`  error    ${info.errorInformation.code ?? ''}: ${info.errorInformation.message ?? ''}`);
  if (status === 'Created' || status === 'Queued') return status;
  const targets = (await callApi<ListDeploymentTargetsOutput>(endpoint, `${TARGETS.codedeploy}.ListDeploymentTargets`, { deploymentId: id })).targetIds ?? [];
  for (const targetId of targets) {
    const ecs = (await callApi<GetDeploymentTargetOutput>(endpoint, `${TARGETS.codedeploy}.GetDeploymentTarget`, { deploymentId: id, targetId })).deploymentTarget?.ecsTarget;
    for (const e of ecs?.lifecycleEvents ?? []) out(`  ${(e.lifecycleEventName ?? '').padEnd(22)} ${e.status ?? ''}`);
    for (const t of ecs?.taskSetsInfo ?? []) {
      out(`  task set ${t.taskSetLabel ?? ''} ${t.identifer ?? ''} on ${t.targetGroup?.name ?? ''}: ${t.runningCount ?? 0}/${t.desiredCount ?? 0} running, ${t.trafficWeight ?? 0}% of production traffic`);
    }
  }
  return status;
}

/** Prints the deployment, then its events as they happen until it ends (or the signal aborts). */
export async function deployWatch(endpoint: string, id: string, out: (line: string) => void, signal?: AbortSignal): Promise<number> {
  // The stream opens first, so nothing that happens while the current state is read can be missed.
  const query = new URLSearchParams({ since: 'now', follow: 'true', type: 'codedeploy.*' });
  const controller = new AbortController();
  const res = await callDaemon(endpoint, `/_slipway/events?${query.toString()}`, { signal: signal === undefined ? controller.signal : AbortSignal.any([signal, controller.signal]) });
  const status = await describe(endpoint, id, out);
  if (ENDED.has(status) || res.body === null) {
    controller.abort();
    return status === 'Succeeded' ? 0 : res.body === null ? 1 : 3;
  }
  try {
    for await (const e of readEventStream(res.body)) {
      if (e.resource !== id) continue;
      for (const line of renderEvent(e)) out(line);
      const now = typeof e.detail['status'] === 'string' ? e.detail['status'] : '';
      if (ENDED.has(now) && /\.(succeeded|failed|stopped)$/.test(e.type)) {
        controller.abort();
        return now === 'Succeeded' ? 0 : 3;
      }
    }
  } catch (error) {
    if (signal?.aborted === true || controller.signal.aborted) return 0;
    throw error;
  }
  return 0;
}

export async function deployContinue(endpoint: string, id: string, waitType: string, out: (line: string) => void): Promise<number> {
  await callApi(endpoint, `${TARGETS.codedeploy}.ContinueDeployment`, { deploymentId: id, deploymentWaitType: waitType });
  out(`Continued ${id} (${waitType}).`);
  return 0;
}

/** StopDeployment; `rollback` asks for autoRollbackEnabled, which returns production traffic to the original task set. */
export async function deployStop(endpoint: string, id: string, rollback: boolean, out: (line: string) => void): Promise<number> {
  const r = await callApi<StopDeploymentOutput>(endpoint, `${TARGETS.codedeploy}.StopDeployment`, { deploymentId: id, autoRollbackEnabled: rollback });
  out(`${rollback ? 'Rolling back' : 'Stopped'} ${id}: ${r.status ?? ''}${r.statusMessage === undefined ? '' : ` (${r.statusMessage})`}`);
  return 0;
}
