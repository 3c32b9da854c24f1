// Deployment targets: an ECS deployment has one, its service, with the task sets and the eight lifecycle events.
import type {
  BatchGetDeploymentTargetsInput,
  BatchGetDeploymentTargetsOutput,
  GetDeploymentTargetInput,
  GetDeploymentTargetOutput,
  ListDeploymentTargetsInput,
  ListDeploymentTargetsOutput,
} from '@aws-sdk/client-codedeploy';
import { SlipwayError, describeValue } from '../../core/errors.ts';
import { arn } from '../../core/ids.ts';
import type { OperationContext } from '../types.ts';
import { ecsTargetId, loadDeployment, toDeploymentTarget, type DeploymentRecord } from './deployment-record.ts';
import { requireDeploymentId } from './deployments.ts';
import { page } from './problems.ts';

function started(ctx: OperationContext, id: string): DeploymentRecord {
  const d = loadDeployment(ctx, id);
  if (d.status === 'Created' || d.status === 'Queued') throw new SlipwayError('DeploymentNotStartedException', `The deployment ${id} has not started yet (${d.status}); its targets exist once it is InProgress`);
  return d;
}

function serviceArn(ctx: OperationContext, d: DeploymentRecord): string {
  return arn(ctx.config, 'ecs', `service/${d.ecsService.clusterName ?? ''}/${d.ecsService.serviceName ?? ''}`);
}

function target(ctx: OperationContext, d: DeploymentRecord, targetId: unknown, field: string): ReturnType<typeof toDeploymentTarget> {
  if (targetId === undefined || targetId === null || targetId === '') throw new SlipwayError('DeploymentTargetIdRequiredException', `${field}: found nothing, expected a target id`);
  if (targetId !== ecsTargetId(d.ecsService)) {
    throw new SlipwayError('DeploymentTargetDoesNotExistException', `${field}: found ${describeValue(targetId)}, expected ${ecsTargetId(d.ecsService)} (the deployment's ECS service, cluster:service)`);
  }
  return toDeploymentTarget(d, serviceArn(ctx, d));
}

export function listDeploymentTargets(input: ListDeploymentTargetsInput, ctx: OperationContext): ListDeploymentTargetsOutput {
  const d = started(ctx, requireDeploymentId(input.deploymentId));
  const filters = input.targetFilters ?? {};
  for (const key of Object.keys(filters)) {
    if (key !== 'TargetStatus' && key !== 'ServerInstanceLabel') throw new SlipwayError('InvalidTargetFilterNameException', `targetFilters: found "${key}", expected TargetStatus or ServerInstanceLabel`);
  }
  const statuses = filters['TargetStatus'];
  const ids = statuses === undefined || statuses.includes(d.targetStatus) ? [ecsTargetId(d.ecsService)] : [];
  const p = page(ids, input.nextToken);
  return { targetIds: p.items, ...(p.nextToken === undefined ? {} : { nextToken: p.nextToken }) };
}

export function getDeploymentTarget(input: GetDeploymentTargetInput, ctx: OperationContext): GetDeploymentTargetOutput {
  const d = started(ctx, requireDeploymentId(input.deploymentId));
  return { deploymentTarget: target(ctx, d, input.targetId, 'targetId') };
}

export function batchGetDeploymentTargets(input: BatchGetDeploymentTargetsInput, ctx: OperationContext): BatchGetDeploymentTargetsOutput {
  const d = started(ctx, requireDeploymentId(input.deploymentId));
  const ids: unknown = input.targetIds;
  if (!Array.isArray(ids) || ids.length === 0) throw new SlipwayError('DeploymentTargetIdRequiredException', 'targetIds: found nothing, expected a list of target ids');
  if (ids.length > 25) throw new SlipwayError('DeploymentTargetListSizeExceededException', `targetIds: found ${ids.length} ids, expected at most 25`);
  return { deploymentTargets: ids.map((id: unknown, i) => target(ctx, d, id, `targetIds[${i}]`)) };
}
