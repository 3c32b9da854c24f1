// ECS task sets (CODE_DEPLOY and EXTERNAL controllers): create, scale, delete, describe, and the primary switch.
import type {
  CreateTaskSetRequest,
  CreateTaskSetResponse,
  DeleteTaskSetRequest,
  DeleteTaskSetResponse,
  DescribeTaskSetsRequest,
  DescribeTaskSetsResponse,
  Failure,
  LoadBalancer,
  NetworkConfiguration,
  Tag,
  TaskSet,
  UpdateServicePrimaryTaskSetRequest,
  UpdateServicePrimaryTaskSetResponse,
  UpdateTaskSetRequest,
  UpdateTaskSetResponse,
} from '@aws-sdk/client-ecs';
import { SlipwayError } from '../../core/errors.ts';
import { arn } from '../../core/ids.ts';
import type { OperationContext, ServiceContext } from '../types.ts';
import { InputReader } from '../validate.ts';
import { checkLoadBalancers } from './load-balancers.ts';
import { ecsSvcId, findService, getService, requireActiveService, taskSetsOf, toTaskSet, toTaskSetRecord, type ServiceRecord, type TaskSetBody, type TaskSetRecord } from './service-store.ts';
import { resolveTaskDefinition, type ResolvedTaskDefinition } from './task-store.ts';
import { checkNetworkConfiguration, requireCluster } from './tasks.ts';

export interface NewTaskSet {
  readonly taskDefinition: ResolvedTaskDefinition;
  readonly scale: number;
  readonly status: 'PRIMARY' | 'ACTIVE';
  readonly loadBalancers: LoadBalancer[];
  readonly launchType: string;
  readonly networkConfiguration?: NetworkConfiguration;
  readonly externalId?: string;
  readonly startedBy?: string;
  readonly tags: Tag[];
}

export function insertTaskSet(ctx: ServiceContext, service: ServiceRecord, input: NewTaskSet): TaskSetRecord {
  const id = ecsSvcId();
  const a = arn(ctx.config, 'ecs', `task-set/${service.cluster}/${service.name}/${id}`);
  const now = ctx.clock.now();
  const body: TaskSetBody = {
    loadBalancers: input.loadBalancers,
    launchType: input.launchType,
    tags: input.tags,
    ...(input.networkConfiguration === undefined ? {} : { networkConfiguration: input.networkConfiguration }),
  };
  ctx.store.run(
    `INSERT INTO ecs_task_sets (id, arn, service_arn, status, task_definition, scale_value, external_id, started_by, body, stability_status, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'STABILIZING', ?, ?)`,
    id,
    a,
    service.arn,
    input.status,
    input.taskDefinition.arn,
    input.scale,
    input.externalId ?? null,
    input.startedBy ?? null,
    JSON.stringify(body),
    now,
    now,
  );
  ctx.bus.publish({ type: 'ecs.task-set.created', resource: a, detail: { serviceArn: service.arn, id } });
  return requireTaskSet(ctx, service, id);
}

function requireTaskSet(ctx: ServiceContext, service: ServiceRecord, ref: string): TaskSetRecord {
  const id = ref.includes('/ecs-svc/') ? `ecs-svc/${ref.split('/ecs-svc/')[1] ?? ''}` : ref;
  const row = ctx.store.get('SELECT * FROM ecs_task_sets WHERE service_arn = ? AND (id = ? OR arn = ?) AND deleted = 0', service.arn, id, ref);
  if (row === undefined) throw new SlipwayError('TaskSetNotFoundException', `The specified task set does not exist: ${ref} in service ${service.name}`);
  return toTaskSetRecord(row);
}

function externalService(ctx: OperationContext, clusterRef: string | undefined, serviceRef: string): ServiceRecord {
  const cluster = requireCluster(ctx, clusterRef);
  const s = requireActiveService(ctx, cluster, serviceRef);
  if (s.controller === 'ECS') {
    throw new SlipwayError('InvalidParameterException', `Amazon ECS only supports task set management on services configured to use external deployment controllers; service ${s.name} uses ECS`);
  }
  return s;
}

/** `scale.value` is a double (0–100), which InputReader's integer rule would refuse, so it is read here. */
function scaleValue(input: { scale?: { value?: unknown; unit?: unknown } | undefined }, required: boolean): number | undefined {
  if (input.scale === undefined) {
    if (required) throw new SlipwayError('InvalidParameterException', 'scale: found nothing, expected {value: 0-100, unit: PERCENT}');
    return undefined;
  }
  const v = input.scale.value ?? 0;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 100) {
    throw new SlipwayError('InvalidParameterException', `scale.value: found ${JSON.stringify(v)}, expected a number from 0 to 100`);
  }
  if (input.scale.unit !== undefined && input.scale.unit !== 'PERCENT') {
    throw new SlipwayError('InvalidParameterException', `scale.unit: found ${JSON.stringify(input.scale.unit)}, expected PERCENT`);
  }
  return v;
}

export function createTaskSet(input: CreateTaskSetRequest, ctx: OperationContext): CreateTaskSetResponse {
  const r = new InputReader(input);
  const serviceRef = r.string('service', { required: true, min: 1 }) ?? '';
  const clusterRef = r.string('cluster', { required: true, min: 1 });
  const externalId = r.string('externalId', { max: 255 });
  const tdRef = r.string('taskDefinition', { required: true, min: 1 }) ?? '';
  const launchType = r.string('launchType', { oneOf: ['EC2', 'FARGATE', 'EXTERNAL'] });
  r.done();
  const scale = scaleValue(input, false) ?? 100;
  return ctx.store.tx(() => {
    const s = externalService(ctx, clusterRef, serviceRef);
    const td = resolveTaskDefinition(ctx, tdRef);
    checkNetworkConfiguration(td, input.networkConfiguration ?? s.body.networkConfiguration);
    const loadBalancers = checkLoadBalancers(input.loadBalancers ?? [], td);
    const ts = insertTaskSet(ctx, s, {
      taskDefinition: td,
      scale,
      // The service's first task set becomes its primary, so an EXTERNAL service serves without a separate call.
      status: taskSetsOf(ctx, s.arn).some((t) => t.status === 'PRIMARY') ? 'ACTIVE' : 'PRIMARY',
      loadBalancers,
      launchType: launchType ?? s.body.launchType,
      ...(input.networkConfiguration === undefined ? (s.body.networkConfiguration === undefined ? {} : { networkConfiguration: s.body.networkConfiguration }) : { networkConfiguration: input.networkConfiguration }),
      ...(externalId === undefined ? {} : { externalId }),
      ...(s.controller === 'CODE_DEPLOY' ? { startedBy: 'CODE_DEPLOY' } : {}),
      tags: input.tags ?? [],
    });
    if (ts.status === 'PRIMARY') ctx.store.run('UPDATE ecs_services SET task_definition = ? WHERE arn = ?', td.arn, s.arn);
    return { taskSet: toTaskSet(ctx, s, ts) };
  });
}

export function updateTaskSet(input: UpdateTaskSetRequest, ctx: OperationContext): UpdateTaskSetResponse {
  const r = new InputReader(input);
  const clusterRef = r.string('cluster', { required: true, min: 1 });
  const serviceRef = r.string('service', { required: true, min: 1 }) ?? '';
  const ref = r.string('taskSet', { required: true, min: 1 }) ?? '';
  r.struct('scale', { required: true });
  r.done();
  const scale = scaleValue(input, true) ?? 100;
  return ctx.store.tx(() => {
    const s = externalService(ctx, clusterRef, serviceRef);
    const ts = requireTaskSet(ctx, s, ref);
    ctx.store.run("UPDATE ecs_task_sets SET scale_value = ?, stability_status = 'STABILIZING', updated_at = ? WHERE id = ?", scale, ctx.clock.now(), ts.id);
    ctx.bus.publish({ type: 'ecs.task-set.updated', resource: ts.arn, detail: { serviceArn: s.arn, scale } });
    return { taskSet: toTaskSet(ctx, s, requireTaskSet(ctx, s, ts.id)) };
  });
}

export function deleteTaskSet(input: DeleteTaskSetRequest, ctx: OperationContext): DeleteTaskSetResponse {
  const r = new InputReader(input);
  const clusterRef = r.string('cluster', { required: true, min: 1 });
  const serviceRef = r.string('service', { required: true, min: 1 }) ?? '';
  const ref = r.string('taskSet', { required: true, min: 1 }) ?? '';
  const force = r.boolean('force') ?? false;
  r.done();
  return ctx.store.tx(() => {
    const s = externalService(ctx, clusterRef, serviceRef);
    const ts = requireTaskSet(ctx, s, ref);
    if (ts.status === 'PRIMARY' && !force) {
      throw new SlipwayError('InvalidParameterException', `Cannot delete primary task set ${ts.id}: it serves production; make another task set primary first, or pass force`);
    }
    // DRAINING: the scheduler stops its tasks and deregisters their targets, then the task set is gone.
    ctx.store.run("UPDATE ecs_task_sets SET status = 'DRAINING', stability_status = 'STABILIZING', updated_at = ? WHERE id = ?", ctx.clock.now(), ts.id);
    ctx.bus.publish({ type: 'ecs.task-set.deleted', resource: ts.arn, detail: { serviceArn: s.arn } });
    return { taskSet: toTaskSet(ctx, s, requireTaskSet(ctx, s, ts.id)) };
  });
}

export function describeTaskSets(input: DescribeTaskSetsRequest, ctx: OperationContext): DescribeTaskSetsResponse {
  const r = new InputReader(input);
  const clusterRef = r.string('cluster', { required: true, min: 1 });
  const serviceRef = r.string('service', { required: true, min: 1 }) ?? '';
  const refs = r.stringList('taskSets');
  const include = r.stringList('include', { item: { oneOf: ['TAGS'] } }) ?? [];
  r.done();
  const cluster = requireCluster(ctx, clusterRef);
  const s = findService(ctx, cluster, serviceRef);
  if (s === undefined) throw new SlipwayError('ServiceNotFoundException', `Service not found: ${serviceRef} in cluster ${cluster}`);
  const all = taskSetsOf(ctx, s.arn);
  const taskSets: TaskSet[] = [];
  const failures: Failure[] = [];
  if (refs === undefined) {
    for (const ts of all) taskSets.push(toTaskSet(ctx, s, ts, include.includes('TAGS')));
  } else {
    for (const ref of refs) {
      const ts = all.find((t) => t.id === ref || t.arn === ref);
      if (ts === undefined) failures.push({ arn: ref, reason: 'MISSING' });
      else taskSets.push(toTaskSet(ctx, s, ts, include.includes('TAGS')));
    }
  }
  return { taskSets, failures };
}

export function updateServicePrimaryTaskSet(input: UpdateServicePrimaryTaskSetRequest, ctx: OperationContext): UpdateServicePrimaryTaskSetResponse {
  const r = new InputReader(input);
  const clusterRef = r.string('cluster', { required: true, min: 1 });
  const serviceRef = r.string('service', { required: true, min: 1 }) ?? '';
  const ref = r.string('primaryTaskSet', { required: true, min: 1 }) ?? '';
  r.done();
  return ctx.store.tx(() => {
    const s = externalService(ctx, clusterRef, serviceRef);
    const ts = requireTaskSet(ctx, s, ref);
    if (ts.status === 'DRAINING') throw new SlipwayError('InvalidParameterException', `Task set ${ts.id} is DRAINING; expected an ACTIVE task set`);
    const now = ctx.clock.now();
    ctx.store.run("UPDATE ecs_task_sets SET status = 'ACTIVE', updated_at = ? WHERE service_arn = ? AND status = 'PRIMARY' AND deleted = 0", now, s.arn);
    ctx.store.run("UPDATE ecs_task_sets SET status = 'PRIMARY', updated_at = ? WHERE id = ?", now, ts.id);
    ctx.store.run('UPDATE ecs_services SET task_definition = ? WHERE arn = ?', ts.taskDefinition, s.arn);
    ctx.bus.publish({ type: 'ecs.task-set.primary', resource: ts.arn, detail: { serviceArn: s.arn } });
    const service = getService(ctx, s.arn) ?? s;
    return { taskSet: toTaskSet(ctx, service, requireTaskSet(ctx, service, ts.id)) };
  });
}
