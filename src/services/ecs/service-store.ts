// ECS service records: rows ⇄ Service, Deployment and TaskSet shapes, service events, and the counts the API reports.
import type {
  Deployment,
  DeploymentConfiguration,
  LoadBalancer,
  NetworkConfiguration,
  Service,
  ServiceEvent,
  Tag,
  TaskSet,
} from '@aws-sdk/client-ecs';
import { SlipwayError } from '../../core/errors.ts';
import { arn, uuid } from '../../core/ids.ts';
import { num, str, type Row } from '../../store/db.ts';
import type { ServiceContext } from '../types.ts';
import { clusterArn } from './clusters.ts';

export type Controller = 'ECS' | 'CODE_DEPLOY' | 'EXTERNAL';

/** The members of a service kept as JSON (everything not queried by the scheduler). */
export interface ServiceBody {
  loadBalancers: LoadBalancer[];
  networkConfiguration?: NetworkConfiguration;
  deploymentConfiguration: DeploymentConfiguration;
  healthCheckGracePeriodSeconds?: number;
  launchType: string;
  platformVersion?: string;
  tags: Tag[];
  propagateTags: string;
  enableECSManagedTags: boolean;
  role?: string;
  createdBy: string;
}

export interface ServiceRecord {
  readonly arn: string;
  readonly cluster: string;
  readonly name: string;
  readonly status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  readonly controller: Controller;
  readonly taskDefinition?: string;
  readonly desiredCount: number;
  readonly body: ServiceBody;
  readonly createdAt: number;
  readonly steady: boolean;
}

export interface DeploymentRecord {
  readonly id: string;
  readonly serviceArn: string;
  readonly status: 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
  readonly taskDefinition: string;
  readonly rolloutState: 'COMPLETED' | 'FAILED' | 'IN_PROGRESS';
  readonly rolloutReason: string;
  readonly failedTasks: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface TaskSetBody {
  loadBalancers: LoadBalancer[];
  networkConfiguration?: NetworkConfiguration;
  launchType: string;
  tags: Tag[];
}

export interface TaskSetRecord {
  readonly id: string;
  readonly arn: string;
  readonly serviceArn: string;
  readonly status: 'PRIMARY' | 'ACTIVE' | 'DRAINING';
  readonly taskDefinition: string;
  readonly scale: number;
  readonly externalId?: string;
  readonly startedBy?: string;
  readonly body: TaskSetBody;
  readonly stabilityStatus: 'STEADY_STATE' | 'STABILIZING';
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly deleted: boolean;
}

export function serviceArn(ctx: ServiceContext, cluster: string, name: string): string {
  return arn(ctx.config, 'ecs', `service/${cluster}/${name}`);
}

/** `ecs-svc/` and 19 digits, the form AWS gives deployment and task set ids. */
export function ecsSvcId(): string {
  let digits = '';
  for (const byte of Buffer.from(uuid().replaceAll('-', ''), 'hex')) digits += String(byte % 10);
  return `ecs-svc/${(digits + digits).slice(0, 19).replace(/^0/, '1')}`;
}

export function toServiceRecord(row: Row): ServiceRecord {
  const td = row['task_definition'];
  return {
    arn: str(row, 'arn'),
    cluster: str(row, 'cluster'),
    name: str(row, 'name'),
    status: str(row, 'status') as ServiceRecord['status'],
    controller: str(row, 'controller') as Controller,
    ...(typeof td === 'string' ? { taskDefinition: td } : {}),
    desiredCount: num(row, 'desired_count'),
    body: JSON.parse(str(row, 'body')) as ServiceBody,
    createdAt: num(row, 'created_at'),
    steady: num(row, 'steady') === 1,
  };
}

export function toDeploymentRecord(row: Row): DeploymentRecord {
  return {
    id: str(row, 'id'),
    serviceArn: str(row, 'service_arn'),
    status: str(row, 'status') as DeploymentRecord['status'],
    taskDefinition: str(row, 'task_definition'),
    rolloutState: str(row, 'rollout_state') as DeploymentRecord['rolloutState'],
    rolloutReason: str(row, 'rollout_reason'),
    failedTasks: num(row, 'failed_tasks'),
    createdAt: num(row, 'created_at'),
    updatedAt: num(row, 'updated_at'),
  };
}

export function toTaskSetRecord(row: Row): TaskSetRecord {
  const externalId = row['external_id'];
  const startedBy = row['started_by'];
  return {
    id: str(row, 'id'),
    arn: str(row, 'arn'),
    serviceArn: str(row, 'service_arn'),
    status: str(row, 'status') as TaskSetRecord['status'],
    taskDefinition: str(row, 'task_definition'),
    scale: num(row, 'scale_value'),
    ...(typeof externalId === 'string' ? { externalId } : {}),
    ...(typeof startedBy === 'string' ? { startedBy } : {}),
    body: JSON.parse(str(row, 'body')) as TaskSetBody,
    stabilityStatus: str(row, 'stability_status') as TaskSetRecord['stabilityStatus'],
    createdAt: num(row, 'created_at'),
    updatedAt: num(row, 'updated_at'),
    deleted: num(row, 'deleted') === 1,
  };
}

export function getService(ctx: ServiceContext, arnValue: string): ServiceRecord | undefined {
  const row = ctx.store.get('SELECT * FROM ecs_services WHERE arn = ?', arnValue);
  return row === undefined ? undefined : toServiceRecord(row);
}

/** The newest service of that name in the cluster (an INACTIVE one stays describable, as on AWS). */
export function findService(ctx: ServiceContext, cluster: string, ref: string): ServiceRecord | undefined {
  const name = ref.startsWith('arn:') ? (ref.split('/').pop() ?? ref) : ref;
  return getService(ctx, serviceArn(ctx, cluster, name));
}

export function requireActiveService(ctx: ServiceContext, cluster: string, ref: string): ServiceRecord {
  const s = findService(ctx, cluster, ref);
  if (s === undefined) throw new SlipwayError('ServiceNotFoundException', `Service not found: ${ref} in cluster ${cluster}; expected the name or ARN of a service created there`);
  if (s.status !== 'ACTIVE') throw new SlipwayError('ServiceNotActiveException', `Service was not ACTIVE: ${s.name} is ${s.status}`);
  return s;
}

/** Services the scheduler keeps: ACTIVE ones, and DRAINING ones until their tasks have stopped. */
export function schedulableServices(ctx: ServiceContext): ServiceRecord[] {
  return ctx.store.all("SELECT * FROM ecs_services WHERE status != 'INACTIVE' ORDER BY created_at").map(toServiceRecord);
}

export function deploymentsOf(ctx: ServiceContext, svcArn: string, includeInactive = false): DeploymentRecord[] {
  return ctx.store
    .all(`SELECT * FROM ecs_deployments WHERE service_arn = ? ${includeInactive ? '' : "AND status != 'INACTIVE'"} ORDER BY created_at DESC, rowid DESC`, svcArn)
    .map(toDeploymentRecord);
}

export function taskSetsOf(ctx: ServiceContext, svcArn: string): TaskSetRecord[] {
  return ctx.store.all('SELECT * FROM ecs_task_sets WHERE service_arn = ? AND deleted = 0 ORDER BY created_at, rowid', svcArn).map(toTaskSetRecord);
}

/** Appends an event to the service's events[] (AWS's wording) and announces it on the bus. */
export function addServiceEvent(ctx: ServiceContext, svcArn: string, message: string): void {
  ctx.store.tx(() => {
    ctx.store.run('INSERT INTO ecs_service_events (service_arn, created_at, message) VALUES (?, ?, ?)', svcArn, ctx.clock.now(), message);
    ctx.bus.publish({ type: 'ecs.service.event', resource: svcArn, detail: { message } });
  });
}

export function insertDeployment(ctx: ServiceContext, svcArn: string, taskDefinition: string, rolloutState: DeploymentRecord['rolloutState'] = 'IN_PROGRESS'): string {
  const id = ecsSvcId();
  const now = ctx.clock.now();
  ctx.store.run("UPDATE ecs_deployments SET status = 'ACTIVE', updated_at = ? WHERE service_arn = ? AND status = 'PRIMARY'", now, svcArn);
  ctx.store.run(
    `INSERT INTO ecs_deployments (id, service_arn, status, task_definition, rollout_state, rollout_reason, created_at, updated_at)
     VALUES (?, ?, 'PRIMARY', ?, ?, ?, ?, ?)`,
    id,
    svcArn,
    taskDefinition,
    rolloutState,
    rolloutState === 'IN_PROGRESS' ? 'ECS deployment ' + id + ' in progress.' : 'ECS deployment ' + id + ' completed.',
    now,
    now,
  );
  ctx.store.run('UPDATE ecs_services SET steady = 0 WHERE arn = ?', svcArn);
  return id;
}

function counts(ctx: ServiceContext, column: 'service_arn' | 'deployment_id' | 'task_set_id', value: string): { running: number; pending: number } {
  const row = ctx.store.get(
    `SELECT sum(last_status = 'RUNNING') AS running, sum(last_status IN ('PROVISIONING', 'PENDING', 'ACTIVATING')) AS pending
     FROM ecs_tasks WHERE ${column} = ? AND desired_status = 'RUNNING'`,
    value,
  );
  return { running: Number(row?.['running'] ?? 0), pending: Number(row?.['pending'] ?? 0) };
}

export function computedDesiredCount(service: ServiceRecord, taskSet: TaskSetRecord): number {
  return Math.ceil((service.desiredCount * taskSet.scale) / 100);
}

export function toTaskSet(ctx: ServiceContext, service: ServiceRecord, ts: TaskSetRecord, includeTags = false): TaskSet {
  const c = counts(ctx, 'task_set_id', ts.id);
  return {
    id: ts.id,
    taskSetArn: ts.arn,
    serviceArn: service.arn,
    clusterArn: clusterArn(ctx, service.cluster),
    status: ts.status,
    taskDefinition: ts.taskDefinition,
    computedDesiredCount: ts.status === 'DRAINING' ? 0 : computedDesiredCount(service, ts),
    pendingCount: c.pending,
    runningCount: c.running,
    createdAt: new Date(ts.createdAt),
    updatedAt: new Date(ts.updatedAt),
    launchType: ts.body.launchType as TaskSet['launchType'],
    ...(ts.body.launchType === 'FARGATE' ? { platformVersion: '1.4.0', platformFamily: 'Linux' } : {}),
    ...(ts.body.networkConfiguration === undefined ? {} : { networkConfiguration: ts.body.networkConfiguration }),
    loadBalancers: ts.body.loadBalancers,
    serviceRegistries: [],
    scale: { value: ts.scale, unit: 'PERCENT' },
    stabilityStatus: ts.stabilityStatus,
    stabilityStatusAt: new Date(ts.updatedAt),
    ...(ts.externalId === undefined ? {} : { externalId: ts.externalId }),
    ...(ts.startedBy === undefined ? {} : { startedBy: ts.startedBy }),
    ...(includeTags ? { tags: ts.body.tags } : {}),
  };
}

function toDeployment(ctx: ServiceContext, service: ServiceRecord, d: DeploymentRecord): Deployment {
  const c = counts(ctx, 'deployment_id', d.id);
  return {
    id: d.id,
    status: d.status,
    taskDefinition: d.taskDefinition,
    desiredCount: d.status === 'PRIMARY' ? service.desiredCount : c.running + c.pending,
    pendingCount: c.pending,
    runningCount: c.running,
    failedTasks: d.failedTasks,
    createdAt: new Date(d.createdAt),
    updatedAt: new Date(d.updatedAt),
    launchType: service.body.launchType as Deployment['launchType'],
    ...(service.body.launchType === 'FARGATE' ? { platformVersion: '1.4.0', platformFamily: 'Linux' } : {}),
    ...(service.body.networkConfiguration === undefined ? {} : { networkConfiguration: service.body.networkConfiguration }),
    rolloutState: d.rolloutState,
    rolloutStateReason: d.rolloutReason,
  };
}

export function toService(ctx: ServiceContext, s: ServiceRecord, includeTags = false): Service {
  const c = counts(ctx, 'service_arn', s.arn);
  const events: ServiceEvent[] = ctx.store
    .all('SELECT id, created_at, message FROM ecs_service_events WHERE service_arn = ? ORDER BY id DESC LIMIT 100', s.arn)
    .map((row) => ({ id: `${s.name}-${num(row, 'id')}`, createdAt: new Date(num(row, 'created_at')), message: str(row, 'message') }));
  const externalish = s.controller !== 'ECS';
  return {
    serviceArn: s.arn,
    serviceName: s.name,
    clusterArn: clusterArn(ctx, s.cluster),
    loadBalancers: s.body.loadBalancers,
    serviceRegistries: [],
    status: s.status,
    desiredCount: s.desiredCount,
    runningCount: c.running,
    pendingCount: c.pending,
    launchType: s.body.launchType as Service['launchType'],
    ...(s.body.launchType === 'FARGATE' ? { platformVersion: 'LATEST', platformFamily: 'Linux' } : {}),
    ...(s.taskDefinition === undefined ? {} : { taskDefinition: s.taskDefinition }),
    deploymentConfiguration: s.body.deploymentConfiguration,
    ...(externalish ? { taskSets: taskSetsOf(ctx, s.arn).map((ts) => toTaskSet(ctx, s, ts)) } : {}),
    deployments: externalish ? [] : deploymentsOf(ctx, s.arn).map((d) => toDeployment(ctx, s, d)),
    ...(s.body.role === undefined ? {} : { roleArn: s.body.role }),
    events,
    createdAt: new Date(s.createdAt),
    placementConstraints: [],
    placementStrategy: [],
    ...(s.body.networkConfiguration === undefined ? {} : { networkConfiguration: s.body.networkConfiguration }),
    ...(s.body.healthCheckGracePeriodSeconds === undefined ? {} : { healthCheckGracePeriodSeconds: s.body.healthCheckGracePeriodSeconds }),
    schedulingStrategy: 'REPLICA',
    deploymentController: { type: s.controller },
    ...(includeTags ? { tags: s.body.tags } : {}),
    createdBy: s.body.createdBy,
    enableECSManagedTags: s.body.enableECSManagedTags,
    propagateTags: s.body.propagateTags as Service['propagateTags'],
    enableExecuteCommand: false,
  };
}
