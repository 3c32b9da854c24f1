// ECS tasks, API side: RunTask and StopTask record intent for the scheduler engine; DescribeTasks and ListTasks read.
import type {
  DescribeTasksRequest,
  DescribeTasksResponse,
  Failure,
  ListTasksRequest,
  ListTasksResponse,
  RunTaskRequest,
  RunTaskResponse,
  StopTaskRequest,
  StopTaskResponse,
  Task,
  TaskOverride,
} from '@aws-sdk/client-ecs';
import { SlipwayError } from '../../core/errors.ts';
import { str } from '../../store/db.ts';
import type { OperationContext, ServiceContext } from '../types.ts';
import { assertPresent, InputReader } from '../validate.ts';
import { clusterName } from './clusters.ts';
import { page } from './paging.ts';
import { getTask, launchTask, requestStop, resolveTaskDefinition, taskArn, toTask, type ResolvedTaskDefinition } from './task-store.ts';

const LAUNCH_TYPES = ['EC2', 'FARGATE', 'EXTERNAL'] as const;

/** The ACTIVE cluster a `cluster` member names; AWS's ClusterNotFoundException otherwise. */
export function requireCluster(ctx: ServiceContext, ref: string | undefined): string {
  const name = clusterName(ref);
  const row = ctx.store.get("SELECT name FROM ecs_clusters WHERE name = ? AND status = 'ACTIVE'", name);
  if (row === undefined) throw new SlipwayError('ClusterNotFoundException', `Cluster not found: ${ref ?? name} names no ACTIVE cluster; expected the name or ARN of an existing cluster`);
  return name;
}

/** awsvpc tasks need a network configuration, as on AWS (Slipway keeps it but gives each task a loopback address). */
export function checkNetworkConfiguration(td: ResolvedTaskDefinition, networkConfiguration: unknown): void {
  if (td.body.networkMode === 'awsvpc' && (networkConfiguration === undefined || networkConfiguration === null)) {
    throw new SlipwayError('InvalidParameterException', "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  }
}

/** A task id, full ARN or `cluster/id` form, as StopTask and DescribeTasks accept. */
function taskRef(ctx: ServiceContext, cluster: string, ref: string): string {
  if (ref.startsWith('arn:')) return ref;
  return taskArn(ctx, cluster, ref.includes('/') ? (ref.split('/').pop() ?? ref) : ref);
}

export function runTask(input: RunTaskRequest, ctx: OperationContext): RunTaskResponse {
  const r = new InputReader(input);
  const clusterRef = r.string('cluster');
  const tdRef = r.string('taskDefinition', { required: true, min: 1 });
  const count = r.integer('count', { min: 1, max: 10 }) ?? 1;
  const group = r.string('group', { max: 255 });
  const startedBy = r.string('startedBy', { max: 128 });
  const launchType = r.string('launchType', { oneOf: LAUNCH_TYPES });
  r.done();
  assertPresent(tdRef);
  const cluster = requireCluster(ctx, clusterRef);
  const td = resolveTaskDefinition(ctx, tdRef);
  if (td.status !== 'ACTIVE') throw new SlipwayError('ClientException', `TaskDefinition is inactive: ${td.arn}; expected an ACTIVE revision`);
  checkNetworkConfiguration(td, input.networkConfiguration);
  const overrides: TaskOverride = { containerOverrides: [], inferenceAcceleratorOverrides: [], ...input.overrides };
  for (const o of overrides.containerOverrides ?? []) {
    if (!(td.body.containerDefinitions ?? []).some((c) => c.name === o.name)) {
      throw new SlipwayError('InvalidParameterException', `overrides.containerOverrides: container ${o.name ?? '(no name)'} is not in task definition ${td.arn}`);
    }
  }
  const tasks: Task[] = [];
  ctx.store.tx(() => {
    for (let i = 0; i < count; i++) {
      const record = launchTask(ctx, {
        cluster,
        taskDefinition: td,
        group: group ?? `family:${td.family}`,
        ...(startedBy === undefined ? {} : { startedBy }),
        overrides,
        launchType: launchType ?? 'FARGATE',
        tags: input.tags ?? [],
      });
      tasks.push(toTask(ctx, record));
    }
  });
  return { tasks, failures: [] };
}

export function stopTask(input: StopTaskRequest, ctx: OperationContext): StopTaskResponse {
  const r = new InputReader(input);
  const clusterRef = r.string('cluster');
  const ref = r.string('task', { required: true, min: 1 });
  const reason = r.string('reason', { max: 255 });
  r.done();
  assertPresent(ref);
  const cluster = requireCluster(ctx, clusterRef);
  const stopped = requestStop(ctx, taskRef(ctx, cluster, ref), reason ?? 'Task stopped by user', 'UserInitiated');
  if (stopped === undefined) throw new SlipwayError('InvalidParameterException', 'The referenced task was not found.');
  return { task: toTask(ctx, stopped) };
}

export function describeTasks(input: DescribeTasksRequest, ctx: OperationContext): DescribeTasksResponse {
  const r = new InputReader(input);
  const clusterRef = r.string('cluster');
  const refs = r.stringList('tasks', { required: true, max: 100 }) ?? [];
  const include = r.stringList('include', { item: { oneOf: ['TAGS'] } }) ?? [];
  r.done();
  const cluster = requireCluster(ctx, clusterRef);
  const tasks: Task[] = [];
  const failures: Failure[] = [];
  for (const ref of refs) {
    const a = taskRef(ctx, cluster, ref);
    const t = getTask(ctx, a);
    if (t === undefined || t.cluster !== cluster) failures.push({ arn: a, reason: 'MISSING' });
    else tasks.push(toTask(ctx, t, include.includes('TAGS')));
  }
  return { tasks, failures };
}

export function listTasks(input: ListTasksRequest, ctx: OperationContext): ListTasksResponse {
  const r = new InputReader(input);
  const clusterRef = r.string('cluster');
  const family = r.string('family');
  const serviceName = r.string('serviceName');
  const startedBy = r.string('startedBy');
  const desiredStatus = r.string('desiredStatus', { oneOf: ['RUNNING', 'PENDING', 'STOPPED'] }) ?? 'RUNNING';
  const launchType = r.string('launchType', { oneOf: LAUNCH_TYPES });
  const maxResults = r.integer('maxResults', { min: 1, max: 100 });
  const nextToken = r.string('nextToken');
  r.done();
  const cluster = requireCluster(ctx, clusterRef);
  if (family !== undefined && serviceName !== undefined) {
    throw new SlipwayError('InvalidParameterException', 'family and serviceName: both given; expected at most one of them');
  }
  // PENDING is a desired status AWS accepts but never reports for Fargate; it lists nothing, as there.
  const rows = ctx.store.all(
    `SELECT arn, task_definition, started_by, service_arn, body FROM ecs_tasks WHERE cluster = ? AND desired_status = ? ORDER BY created_at, arn`,
    cluster,
    desiredStatus,
  );
  const serviceSuffix = serviceName === undefined ? undefined : `/${serviceName.split('/').pop() ?? serviceName}`;
  const arns = rows
    .filter((row) => family === undefined || str(row, 'task_definition').includes(`:task-definition/${family}:`))
    .filter((row) => serviceSuffix === undefined || str(row, 'service_arn').endsWith(serviceSuffix))
    .filter((row) => startedBy === undefined || str(row, 'started_by') === startedBy)
    .filter((row) => launchType === undefined || (JSON.parse(str(row, 'body')) as { launchType?: string }).launchType === launchType)
    .map((row) => str(row, 'arn'));
  const p = page(arns, maxResults, nextToken);
  return { taskArns: p.items, ...(p.nextToken === undefined ? {} : { nextToken: p.nextToken }) };
}
