// Deployments through the API: create (one active per group), get, batch get, list, stop, continue, and hook results.
import type {
  BatchGetDeploymentsInput,
  BatchGetDeploymentsOutput,
  ContinueDeploymentInput,
  CreateDeploymentInput,
  CreateDeploymentOutput,
  DeploymentStatus,
  GetDeploymentInput,
  GetDeploymentOutput,
  ListDeploymentsInput,
  ListDeploymentsOutput,
  PutLifecycleEventHookExecutionStatusInput,
  PutLifecycleEventHookExecutionStatusOutput,
  StopDeploymentInput,
  StopDeploymentOutput,
} from '@aws-sdk/client-codedeploy';
import { SlipwayError, describeValue } from '../../core/errors.ts';
import { str } from '../../store/db.ts';
import type { OperationContext } from '../types.ts';
import { checkName, getApplicationRow } from './applications.ts';
import { findDeploymentConfig } from './deployment-configs.ts';
import { getGroup } from './deployment-groups.ts';
import { ACTIVE_STATUSES, insertDeployment, isActive, loadDeployment, toDeploymentInfo, type DeploymentRecord } from './deployment-record.ts';
import { readAlarms, readRollback } from './group-input.ts';
import { completeLifecycleEvent, endReadyWait, endTerminationWait, newDeploymentId, pendingLifecycleEvents, stopDeployment as stopWith } from './lifecycle.ts';
import { CodedProblems, page } from './problems.ts';
import { readRevision } from './revision.ts';

const STATUSES: readonly DeploymentStatus[] = ['Created', 'Queued', 'InProgress', 'Baking', 'Succeeded', 'Failed', 'Stopped', 'Ready'];

export function requireDeploymentId(value: unknown, field = 'deploymentId'): string {
  if (value === undefined || value === null || value === '') throw new SlipwayError('DeploymentIdRequiredException', `${field}: found nothing, expected a deployment id`);
  if (typeof value !== 'string' || !/^d-[A-Z0-9]{9}$/.test(value)) throw new SlipwayError('InvalidDeploymentIdException', `${field}: found ${describeValue(value)}, expected a deployment id like d-ABCDEFGHI`);
  return value;
}

export function createDeployment(input: CreateDeploymentInput, ctx: OperationContext): CreateDeploymentOutput {
  const p = new CodedProblems();
  const application = checkName(p, 'applicationName', input.applicationName, 'Application') ?? '';
  const groupName = checkName(p, 'deploymentGroupName', input.deploymentGroupName, 'DeploymentGroup') ?? '';
  p.throwIfAny('Invalid CreateDeployment input');
  const platform = str(getApplicationRow(ctx, application), 'compute_platform');
  if (platform !== 'ECS') throw new SlipwayError('InvalidComputePlatformException', `Application ${application} is for the ${platform} platform; Slipway deploys ECS applications only (Server deployments are not implemented yet)`);
  const group = getGroup(ctx, application, groupName);
  const { revision, appSpec } = readRevision(ctx, input.revision);
  const configName = input.deploymentConfigName ?? group.deploymentConfigName;
  const config = findDeploymentConfig(ctx, configName);
  if (config === undefined) throw new SlipwayError('DeploymentConfigDoesNotExistException', `No deployment configuration found for name: ${configName}`);
  if (config.computePlatform !== 'ECS') throw new SlipwayError('InvalidDeploymentConfigNameException', `deploymentConfigName: found "${configName}" (a ${config.computePlatform} configuration), expected an ECS configuration`);
  if (input.targetInstances !== undefined) throw new SlipwayError('InvalidTargetInstancesException', 'targetInstances: found an object, expected nothing for an ECS deployment (its target is the deployment group\'s ECS service)');
  const overrideAlarms = input.overrideAlarmConfiguration === undefined ? undefined : readAlarms(p, input.overrideAlarmConfiguration);
  const rollback = input.autoRollbackConfiguration === undefined ? group.autoRollbackConfiguration : readRollback(p, input.autoRollbackConfiguration);
  p.throwIfAny('Invalid CreateDeployment input');
  const service = group.ecsServices[0];
  if (service === undefined || group.blueGreenDeploymentConfiguration === undefined || group.loadBalancerInfo === undefined) {
    throw new SlipwayError('InvalidLoadBalancerInfoException', `Deployment group ${groupName} lacks its ECS service, load balancer or blue/green configuration`);
  }
  const { blueGreenDeploymentConfiguration, loadBalancerInfo } = group;
  return ctx.store.tx(() => {
    const active = ctx.store.get(
      `SELECT id FROM codedeploy_deployments WHERE application_name = ? AND group_name = ? AND status IN (${ACTIVE_STATUSES.map(() => '?').join(', ')}) ORDER BY create_time LIMIT 1`,
      application,
      groupName,
      ...ACTIVE_STATUSES,
    );
    if (active !== undefined) throw new SlipwayError('DeploymentLimitExceededException', `The Deployment Group '${groupName}' already has an active Deployment '${str(active, 'id')}'`);
    const last = ctx.store.get("SELECT body FROM codedeploy_deployments WHERE application_name = ? AND group_name = ? AND status = 'Succeeded' ORDER BY create_time DESC, rowid DESC LIMIT 1", application, groupName);
    const now = ctx.clock.now();
    const id = newDeploymentId();
    const d: DeploymentRecord = {
      deploymentId: id,
      applicationName: application,
      deploymentGroupName: groupName,
      deploymentConfigName: configName,
      ...(config.trafficRoutingConfig === undefined ? {} : { trafficRoutingConfig: config.trafficRoutingConfig }),
      status: 'Created',
      createTime: now,
      ...(input.description === undefined ? {} : { description: input.description }),
      creator: 'user',
      revision,
      ...(last === undefined ? {} : { previousRevision: (JSON.parse(str(last, 'body')) as DeploymentRecord).revision }),
      ...(appSpec === undefined ? {} : { appSpec }),
      autoRollbackConfiguration: rollback,
      alarmConfiguration: overrideAlarms ?? group.alarmConfiguration,
      ...(overrideAlarms === undefined ? {} : { overrideAlarmConfiguration: overrideAlarms }),
      deploymentStyle: group.deploymentStyle,
      blueGreenDeploymentConfiguration,
      loadBalancerInfo,
      ecsService: service,
      targetStatus: 'Pending',
      targetUpdatedAt: now,
      lifecycleEvents: pendingLifecycleEvents(appSpec?.hooks ?? []),
      taskSets: [],
      instanceTerminationWaitTimeStarted: false,
      deploymentStatusMessages: [],
    };
    insertDeployment(ctx, d);
    ctx.bus.publish({ type: 'codedeploy.deployment.created', resource: id, detail: { deploymentId: id, applicationName: application, deploymentGroupName: groupName, status: 'Created', creator: 'user' } });
    return { deploymentId: id };
  });
}

export function getDeployment(input: GetDeploymentInput, ctx: OperationContext): GetDeploymentOutput {
  return { deploymentInfo: toDeploymentInfo(loadDeployment(ctx, requireDeploymentId(input.deploymentId))) };
}

/** Unknown ids are left out of the answer, as on AWS. */
export function batchGetDeployments(input: BatchGetDeploymentsInput, ctx: OperationContext): BatchGetDeploymentsOutput {
  const ids: unknown = input.deploymentIds;
  if (!Array.isArray(ids)) throw new SlipwayError('DeploymentIdRequiredException', 'deploymentIds: found nothing, expected a list of deployment ids');
  if (ids.length > 25) throw new SlipwayError('BatchLimitExceededException', `deploymentIds: found ${ids.length} ids, expected at most 25`);
  const infos = [];
  for (const [i, raw] of ids.entries()) {
    const id = requireDeploymentId(raw, `deploymentIds[${i}]`);
    const row = ctx.store.get('SELECT body FROM codedeploy_deployments WHERE id = ?', id);
    if (row !== undefined) infos.push(toDeploymentInfo(JSON.parse(str(row, 'body')) as DeploymentRecord));
  }
  return { deploymentsInfo: infos };
}

function epochMs(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1000;
  throw new SlipwayError('InvalidTimeRangeException', `${field}: found ${describeValue(value)}, expected a timestamp (epoch seconds)`);
}

/** Newest first, filtered by application and group, statuses and creation time. */
export function listDeployments(input: ListDeploymentsInput, ctx: OperationContext): ListDeploymentsOutput {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (input.deploymentGroupName !== undefined && input.applicationName === undefined) {
    throw new SlipwayError('ApplicationNameRequiredException', 'applicationName: found nothing, expected the application of deploymentGroupName');
  }
  if (input.applicationName !== undefined) {
    getApplicationRow(ctx, input.applicationName);
    where.push('application_name = ?');
    params.push(input.applicationName);
  }
  if (input.deploymentGroupName !== undefined) {
    getGroup(ctx, input.applicationName ?? '', input.deploymentGroupName);
    where.push('group_name = ?');
    params.push(input.deploymentGroupName);
  }
  const statuses = input.includeOnlyStatuses ?? [];
  for (const s of statuses) if (!STATUSES.includes(s)) throw new SlipwayError('InvalidDeploymentStatusException', `includeOnlyStatuses: found ${describeValue(s)}, expected one of ${STATUSES.join(', ')}`);
  if (statuses.length > 0) {
    where.push(`status IN (${statuses.map(() => '?').join(', ')})`);
    params.push(...statuses);
  }
  // On the wire a timestamp is epoch seconds.
  const range = input.createTimeRange as { start?: unknown; end?: unknown } | undefined;
  const start = epochMs(range?.start, 'createTimeRange.start');
  const endTime = epochMs(range?.end, 'createTimeRange.end');
  if (start !== undefined && endTime !== undefined && start > endTime) throw new SlipwayError('InvalidTimeRangeException', 'createTimeRange: start is after end; expected start <= end');
  if (start !== undefined) {
    where.push('create_time >= ?');
    params.push(start);
  }
  if (endTime !== undefined) {
    where.push('create_time <= ?');
    params.push(endTime);
  }
  const ids = ctx.store
    .all(`SELECT id FROM codedeploy_deployments ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY create_time DESC, rowid DESC`, ...params)
    .map((r) => str(r, 'id'));
  const p = page(ids, input.nextToken);
  return { deployments: p.items, ...(p.nextToken === undefined ? {} : { nextToken: p.nextToken }) };
}

export function continueDeployment(input: ContinueDeploymentInput, ctx: OperationContext): Record<string, never> {
  const id = requireDeploymentId(input.deploymentId);
  const waitType = input.deploymentWaitType ?? 'READY_WAIT';
  if (waitType !== 'READY_WAIT' && waitType !== 'TERMINATION_WAIT') throw new SlipwayError('InvalidDeploymentWaitTypeException', `deploymentWaitType: found ${describeValue(waitType)}, expected READY_WAIT or TERMINATION_WAIT`);
  const d = loadDeployment(ctx, id);
  if (!isActive(d)) throw new SlipwayError('DeploymentAlreadyCompletedException', `The deployment ${id} has already completed (${d.status})`);
  if (waitType === 'READY_WAIT') endReadyWait(ctx, id);
  else endTerminationWait(ctx, id);
  return {};
}

/** Stops at once; with rollback, the rollback deployment restores blue, so the stop is reported Pending until it runs. */
export function stopDeployment(input: StopDeploymentInput, ctx: OperationContext): StopDeploymentOutput {
  const id = requireDeploymentId(input.deploymentId);
  const d = loadDeployment(ctx, id);
  if (!isActive(d)) throw new SlipwayError('DeploymentAlreadyCompletedException', `The deployment ${id} has already completed (${d.status})`);
  const options = input.autoRollbackEnabled === undefined ? {} : { rollback: input.autoRollbackEnabled };
  const { rollbackDeploymentId } = stopWith(ctx, id, 'request', options);
  return rollbackDeploymentId === undefined
    ? { status: 'Succeeded', statusMessage: `Deployment ${id} stopped` }
    : { status: 'Pending', statusMessage: `Deployment ${id} stopped; rollback deployment ${rollbackDeploymentId} restores the original task set` };
}

/** A hook's verdict: completes the lifecycle event it was started for; the engine then proceeds or fails the deployment. */
export function putLifecycleEventHookExecutionStatus(input: PutLifecycleEventHookExecutionStatusInput, ctx: OperationContext): PutLifecycleEventHookExecutionStatusOutput {
  const id = requireDeploymentId(input.deploymentId);
  const executionId = input.lifecycleEventHookExecutionId;
  if (input.status !== 'Succeeded' && input.status !== 'Failed') {
    throw new SlipwayError('InvalidLifecycleEventHookExecutionStatusException', `status: found ${describeValue(input.status)}, expected Succeeded or Failed`);
  }
  const d = loadDeployment(ctx, id);
  const event = d.lifecycleEvents.find((e) => e.lifecycleEventHookExecutionId !== undefined && e.lifecycleEventHookExecutionId === executionId);
  if (event === undefined) {
    throw new SlipwayError('InvalidLifecycleEventHookExecutionIdException', `lifecycleEventHookExecutionId: found ${describeValue(executionId)}, expected the id CodeDeploy passed to a hook of deployment ${id}`);
  }
  if (event.status !== 'InProgress' || !isActive(d)) {
    throw new SlipwayError('LifecycleEventAlreadyCompletedException', `The lifecycle event ${event.lifecycleEventName} of ${id} is already ${event.status}`);
  }
  completeLifecycleEvent(
    ctx,
    id,
    event.lifecycleEventName,
    input.status,
    input.status === 'Failed' ? { errorCode: 'ScriptFailed', scriptName: event.hookFunction ?? '', message: `The hook ${event.hookFunction ?? ''} reported Failed` } : undefined,
  );
  return { lifecycleEventHookExecutionId: executionId ?? '' };
}
