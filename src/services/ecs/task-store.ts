// ECS task records: the row ⇄ Task shape, launching (API and scheduler alike), stop requests and state updates.
import type { Container, RegisterTaskDefinitionRequest, Tag, Task, TaskOverride } from '@aws-sdk/client-ecs';
import { SlipwayError } from '../../core/errors.ts';
import { arn, uuid } from '../../core/ids.ts';
import { num, str, type Row } from '../../store/db.ts';
import type { ServiceContext } from '../types.ts';
import { assertPresent } from '../validate.ts';
import { clusterArn } from './clusters.ts';
import { findRow, taskDefinitionArn } from './task-definitions.ts';

export type TaskStatus = 'PROVISIONING' | 'PENDING' | 'ACTIVATING' | 'RUNNING' | 'DEACTIVATING' | 'STOPPING' | 'DEPROVISIONING' | 'STOPPED';
export type HealthStatus = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';
export type StopCode = 'TaskFailedToStart' | 'EssentialContainerExited' | 'UserInitiated' | 'ServiceSchedulerInitiated' | 'SpotInterruption' | 'TerminationNotice';

/** What Slipway keeps per container of a task; the API shows it as Container, the scheduler drives it. */
export interface TaskContainer {
  readonly name: string;
  readonly containerArn: string;
  readonly image: string;
  readonly essential: boolean;
  lastStatus: 'PENDING' | 'RUNNING' | 'STOPPED';
  runtimeId?: string;
  exitCode?: number;
  reason?: string;
  healthStatus?: HealthStatus;
  networkBindings?: { bindIP: string; containerPort: number; hostPort: number; protocol: 'tcp' | 'udp' }[];
}

export interface TaskRecord {
  readonly arn: string;
  readonly id: string;
  readonly cluster: string;
  readonly taskDefinitionArn: string;
  readonly group: string;
  readonly startedBy?: string;
  readonly serviceArn?: string;
  readonly deploymentId?: string;
  readonly taskSetId?: string;
  readonly lastStatus: TaskStatus;
  readonly desiredStatus: 'RUNNING' | 'STOPPED';
  readonly healthStatus: HealthStatus;
  readonly stoppedReason?: string;
  readonly stopCode?: StopCode;
  readonly address?: string;
  readonly containers: TaskContainer[];
  readonly overrides: TaskOverride;
  readonly launchType: string;
  readonly tags: Tag[];
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly stoppingAt?: number;
  readonly stoppedAt?: number;
  readonly version: number;
}

export function taskArn(ctx: ServiceContext, cluster: string, id: string): string {
  return arn(ctx.config, 'ecs', `task/${cluster}/${id}`);
}

function optStr(row: Row, key: string): string | undefined {
  const v = row[key];
  return typeof v === 'string' ? v : undefined;
}

function optNum(row: Row, key: string): number | undefined {
  const v = row[key];
  return typeof v === 'number' ? v : undefined;
}

export function toRecord(row: Row): TaskRecord {
  const body = JSON.parse(str(row, 'body')) as { overrides?: TaskOverride; launchType?: string; tags?: Tag[] };
  const opt = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> => (value === undefined ? {} : ({ [key]: value } as Record<K, V>));
  return {
    arn: str(row, 'arn'),
    id: str(row, 'id'),
    cluster: str(row, 'cluster'),
    taskDefinitionArn: str(row, 'task_definition'),
    group: str(row, 'grp'),
    lastStatus: str(row, 'last_status') as TaskStatus,
    desiredStatus: str(row, 'desired_status') as 'RUNNING' | 'STOPPED',
    healthStatus: str(row, 'health_status') as HealthStatus,
    containers: JSON.parse(str(row, 'containers')) as TaskContainer[],
    overrides: body.overrides ?? { containerOverrides: [], inferenceAcceleratorOverrides: [] },
    launchType: body.launchType ?? 'FARGATE',
    tags: body.tags ?? [],
    createdAt: num(row, 'created_at'),
    version: num(row, 'version'),
    ...opt('startedBy', optStr(row, 'started_by')),
    ...opt('serviceArn', optStr(row, 'service_arn')),
    ...opt('deploymentId', optStr(row, 'deployment_id')),
    ...opt('taskSetId', optStr(row, 'task_set_id')),
    ...opt('stoppedReason', optStr(row, 'stopped_reason')),
    ...opt('stopCode', optStr(row, 'stop_code') as StopCode | undefined),
    ...opt('address', optStr(row, 'address')),
    ...opt('startedAt', optNum(row, 'started_at')),
    ...opt('stoppingAt', optNum(row, 'stopping_at')),
    ...opt('stoppedAt', optNum(row, 'stopped_at')),
  };
}

export function getTask(ctx: ServiceContext, taskArnValue: string): TaskRecord | undefined {
  const row = ctx.store.get('SELECT * FROM ecs_tasks WHERE arn = ?', taskArnValue);
  return row === undefined ? undefined : toRecord(row);
}

/** Tasks not yet STOPPED, optionally of one service. */
export function liveTasks(ctx: ServiceContext, serviceArn?: string): TaskRecord[] {
  const rows =
    serviceArn === undefined
      ? ctx.store.all("SELECT * FROM ecs_tasks WHERE last_status != 'STOPPED' ORDER BY created_at, arn")
      : ctx.store.all("SELECT * FROM ecs_tasks WHERE last_status != 'STOPPED' AND service_arn = ? ORDER BY created_at, arn", serviceArn);
  return rows.map(toRecord);
}

/** The Task shape of DescribeTasks/RunTask/StopTask. */
export function toTask(ctx: ServiceContext, t: TaskRecord, includeTags = false): Task {
  const td = loadTaskDefinitionBody(ctx, t.taskDefinitionArn);
  const attachmentId = uuidFrom(t.id);
  const containers: Container[] = t.containers.map((c) => ({
    containerArn: c.containerArn,
    taskArn: t.arn,
    name: c.name,
    image: c.image,
    lastStatus: c.lastStatus,
    ...(c.runtimeId === undefined ? {} : { runtimeId: c.runtimeId }),
    ...(c.exitCode === undefined ? {} : { exitCode: c.exitCode }),
    ...(c.reason === undefined ? {} : { reason: c.reason }),
    networkBindings: c.networkBindings ?? [],
    networkInterfaces: t.address === undefined ? [] : [{ attachmentId, privateIpv4Address: t.address }],
    ...(c.healthStatus === undefined ? {} : { healthStatus: c.healthStatus }),
    cpu: '0',
  }));
  const d = (ms: number | undefined): Date | undefined => (ms === undefined ? undefined : new Date(ms));
  const attachmentStatus = t.lastStatus === 'STOPPED' ? 'DELETED' : t.address === undefined ? 'PRECREATED' : 'ATTACHED';
  const task: Task = {
    taskArn: t.arn,
    clusterArn: clusterArn(ctx, t.cluster),
    taskDefinitionArn: t.taskDefinitionArn,
    overrides: t.overrides,
    lastStatus: t.lastStatus,
    desiredStatus: t.desiredStatus,
    healthStatus: t.healthStatus,
    containers,
    launchType: t.launchType as Task['launchType'],
    group: t.group,
    version: t.version,
    createdAt: new Date(t.createdAt),
    availabilityZone: `${ctx.config.region}a`,
    connectivity: 'CONNECTED',
    attributes: [],
    tags: includeTags ? t.tags : [],
    attachments: [
      {
        id: attachmentId,
        type: 'ElasticNetworkInterface',
        status: attachmentStatus,
        details: t.address === undefined ? [] : [{ name: 'privateIPv4Address', value: t.address }],
      },
    ],
    ...(td?.cpu === undefined ? {} : { cpu: td.cpu }),
    ...(td?.memory === undefined ? {} : { memory: td.memory }),
    ...(t.launchType === 'FARGATE' ? { platformVersion: '1.4.0', platformFamily: 'Linux' } : {}),
    ...(t.startedBy === undefined ? {} : { startedBy: t.startedBy }),
    ...(t.stoppedReason === undefined ? {} : { stoppedReason: t.stoppedReason }),
    ...(t.stopCode === undefined ? {} : { stopCode: t.stopCode }),
  };
  const startedAt = d(t.startedAt);
  const stoppingAt = d(t.stoppingAt);
  const stoppedAt = d(t.stoppedAt);
  if (startedAt !== undefined) task.startedAt = startedAt;
  if (stoppingAt !== undefined) task.stoppingAt = stoppingAt;
  if (stoppedAt !== undefined) {
    task.stoppedAt = stoppedAt;
    task.executionStoppedAt = stoppedAt;
  }
  return task;
}

/** A stable UUID-shaped id for a task's network attachment, derived from the task id. */
function uuidFrom(id: string): string {
  const hex = id.padEnd(32, '0').slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export interface ResolvedTaskDefinition {
  readonly arn: string;
  readonly family: string;
  readonly revision: number;
  readonly status: string;
  readonly body: RegisterTaskDefinitionRequest;
}

/** Resolves `family`, `family:revision` or an ARN, as every ECS taskDefinition member does. */
export function resolveTaskDefinition(ctx: ServiceContext, ref: string): ResolvedTaskDefinition {
  const row = findRow(ref, ctx, false);
  if (row === undefined) throw new SlipwayError('ClientException', `Unable to describe task definition: ${ref} matches no registered revision; expected family, family:revision or a task definition ARN`);
  const family = str(row, 'family');
  const revision = num(row, 'revision');
  return {
    arn: taskDefinitionArn(ctx, family, revision),
    family,
    revision,
    status: str(row, 'status'),
    body: JSON.parse(str(row, 'body')) as RegisterTaskDefinitionRequest,
  };
}

/** The registered body of a task definition ARN (the scheduler reads containers from it). */
export function loadTaskDefinitionBody(ctx: ServiceContext, taskDefinitionArnValue: string): RegisterTaskDefinitionRequest | undefined {
  const m = /task-definition\/([A-Za-z0-9_-]+):(\d+)$/.exec(taskDefinitionArnValue);
  if (m === null) return undefined;
  const row = ctx.store.get('SELECT body FROM ecs_task_definitions WHERE family = ? AND revision = ?', m[1] ?? '', Number(m[2]));
  return row === undefined ? undefined : (JSON.parse(str(row, 'body')) as RegisterTaskDefinitionRequest);
}

export interface LaunchInput {
  readonly cluster: string;
  readonly taskDefinition: ResolvedTaskDefinition;
  readonly group: string;
  readonly startedBy?: string;
  readonly serviceArn?: string;
  readonly deploymentId?: string;
  readonly taskSetId?: string;
  readonly overrides?: TaskOverride;
  readonly launchType?: string;
  readonly tags?: readonly Tag[];
}

/** Records a new task (PROVISIONING, desired RUNNING) and announces it; the scheduler makes it real. */
export function launchTask(ctx: ServiceContext, input: LaunchInput): TaskRecord {
  return ctx.store.tx(() => {
    const id = uuid().replaceAll('-', '');
    const tArn = taskArn(ctx, input.cluster, id);
    const containers: TaskContainer[] = (input.taskDefinition.body.containerDefinitions ?? []).map((c) => ({
      name: c.name ?? '',
      containerArn: arn(ctx.config, 'ecs', `container/${input.cluster}/${id}/${uuid()}`),
      image: c.image ?? '',
      essential: c.essential ?? true,
      lastStatus: 'PENDING',
      ...(c.healthCheck === undefined ? {} : { healthStatus: 'UNKNOWN' as const }),
    }));
    const body = {
      overrides: input.overrides ?? { containerOverrides: [], inferenceAcceleratorOverrides: [] },
      launchType: input.launchType ?? 'FARGATE',
      tags: input.tags ?? [],
    };
    ctx.store.run(
      `INSERT INTO ecs_tasks (arn, id, cluster, task_definition, grp, started_by, service_arn, deployment_id, task_set_id, last_status, desired_status,
         health_status, containers, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'PROVISIONING', 'RUNNING', 'UNKNOWN', ?, ?, ?)`,
      tArn,
      id,
      input.cluster,
      input.taskDefinition.arn,
      input.group,
      input.startedBy ?? null,
      input.serviceArn ?? null,
      input.deploymentId ?? null,
      input.taskSetId ?? null,
      JSON.stringify(containers),
      JSON.stringify(body),
      ctx.clock.now(),
    );
    ctx.bus.publish({ type: 'ecs.task.created', resource: tArn, detail: { cluster: input.cluster, serviceArn: input.serviceArn ?? null } });
    const record = getTask(ctx, tArn);
    assertPresent(record, 'inserted above');
    return record;
  });
}

/** Asks for a task to stop (desired STOPPED) with AWS's reason and code; the scheduler stops its containers. */
export function requestStop(ctx: ServiceContext, taskArnValue: string, reason: string, stopCode: StopCode): TaskRecord | undefined {
  return ctx.store.tx(() => {
    const t = getTask(ctx, taskArnValue);
    if (t === undefined) return undefined;
    if (t.desiredStatus === 'STOPPED') return t;
    ctx.store.run(
      "UPDATE ecs_tasks SET desired_status = 'STOPPED', stopped_reason = ?, stop_code = ?, stopping_at = ?, version = version + 1 WHERE arn = ?",
      reason,
      stopCode,
      ctx.clock.now(),
      taskArnValue,
    );
    ctx.bus.publish({ type: 'ecs.task.stop-requested', resource: taskArnValue, detail: { reason, stopCode, serviceArn: t.serviceArn ?? null } });
    return getTask(ctx, taskArnValue);
  });
}

export interface TaskUpdate {
  readonly lastStatus?: TaskStatus;
  readonly healthStatus?: HealthStatus;
  readonly address?: string;
  readonly containers?: readonly TaskContainer[];
  readonly startedAt?: number;
  readonly stoppedAt?: number;
}

/** The scheduler's write: changes what it observed and publishes `ecs.task.state` when the status or health moved. */
export function updateTask(ctx: ServiceContext, taskArnValue: string, update: TaskUpdate): TaskRecord | undefined {
  return ctx.store.tx(() => {
    const t = getTask(ctx, taskArnValue);
    if (t === undefined) return undefined;
    ctx.store.run(
      `UPDATE ecs_tasks SET last_status = ?, health_status = ?, address = ?, containers = ?, started_at = ?, stopped_at = ?, version = version + 1 WHERE arn = ?`,
      update.lastStatus ?? t.lastStatus,
      update.healthStatus ?? t.healthStatus,
      update.address ?? t.address ?? null,
      JSON.stringify(update.containers ?? t.containers),
      update.startedAt ?? t.startedAt ?? null,
      update.stoppedAt ?? t.stoppedAt ?? null,
      taskArnValue,
    );
    const moved = (update.lastStatus !== undefined && update.lastStatus !== t.lastStatus) || (update.healthStatus !== undefined && update.healthStatus !== t.healthStatus);
    if (moved) {
      ctx.bus.publish({
        type: 'ecs.task.state',
        resource: taskArnValue,
        detail: { lastStatus: update.lastStatus ?? t.lastStatus, healthStatus: update.healthStatus ?? t.healthStatus, serviceArn: t.serviceArn ?? null },
      });
    }
    return getTask(ctx, taskArnValue);
  });
}
