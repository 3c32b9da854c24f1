// ECS task definitions, API only: register (validated by src/specs/taskdef), describe, list, list families, deregister.
import type {
  Compatibility,
  DeregisterTaskDefinitionRequest,
  DeregisterTaskDefinitionResponse,
  DescribeTaskDefinitionRequest,
  DescribeTaskDefinitionResponse,
  ListTaskDefinitionFamiliesRequest,
  ListTaskDefinitionFamiliesResponse,
  ListTaskDefinitionsRequest,
  ListTaskDefinitionsResponse,
  RegisterTaskDefinitionRequest,
  RegisterTaskDefinitionResponse,
  Tag,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import { SlipwayError } from '../../core/errors.ts';
import { arn } from '../../core/ids.ts';
import { num, str, type Row } from '../../store/db.ts';
import { assertTaskDefinition } from '../../specs/taskdef/index.ts';
import type { OperationContext, ServiceContext } from '../types.ts';
import { assertPresent, InputReader } from '../validate.ts';
import { page } from './paging.ts';

const STATUSES = ['ACTIVE', 'INACTIVE', 'DELETE_IN_PROGRESS'] as const;

export function taskDefinitionArn(ctx: ServiceContext, family: string, revision: number): string {
  return arn(ctx.config, 'ecs', `task-definition/${family}:${revision}`);
}

/** ECS works out where a definition can run; Slipway reports EC2 always and FARGATE when the network mode allows it. */
function compatibilities(body: RegisterTaskDefinitionRequest): Compatibility[] {
  const out: Compatibility[] = ['EC2'];
  if (body.networkMode === 'awsvpc' || body.requiresCompatibilities?.includes('FARGATE') === true) out.push('FARGATE');
  return out;
}

export function toTaskDefinition(row: Row, ctx: OperationContext): TaskDefinition {
  const body = JSON.parse(str(row, 'body')) as RegisterTaskDefinitionRequest;
  const family = str(row, 'family');
  const revision = num(row, 'revision');
  const deregisteredAt = row['deregistered_at'];
  const registeredBy = row['registered_by'];
  const { tags: _tags, ...rest } = body;
  return {
    ...rest,
    taskDefinitionArn: taskDefinitionArn(ctx, family, revision),
    family,
    revision,
    status: str(row, 'status') as TaskDefinition['status'],
    compatibilities: compatibilities(body),
    registeredAt: new Date(num(row, 'registered_at')),
    ...(typeof registeredBy === 'string' ? { registeredBy } : {}),
    ...(typeof deregisteredAt === 'number' ? { deregisteredAt: new Date(deregisteredAt) } : {}),
  };
}

function tagsOf(row: Row): Tag[] {
  return JSON.parse(str(row, 'tags')) as Tag[];
}

function unableToDescribe(ref: string): SlipwayError {
  return new SlipwayError('ClientException', `Unable to describe task definition: ${ref} matches no registered revision; expected family, family:revision or a task definition ARN`);
}

/** Resolves `family`, `family:revision` or an ARN; a bare family means its latest ACTIVE revision. */
export function findRow(ref: string, ctx: ServiceContext, requireRevision: boolean): Row | undefined {
  const bare = ref.replace(/^arn:aws[a-z-]*:ecs:[^:]*:[^:]*:task-definition\//, '');
  const m = /^([A-Za-z0-9_-]{1,255})(?::(\d+))?$/.exec(bare);
  if (m === null) {
    throw new SlipwayError('ClientException', `taskDefinition: found "${ref}", expected family, family:revision or a task definition ARN`);
  }
  const family = m[1] ?? '';
  if (m[2] === undefined) {
    if (requireRevision) throw new SlipwayError('ClientException', `taskDefinition: found "${ref}", expected family:revision or a task definition ARN (a revision is required)`);
    return ctx.store.get("SELECT * FROM ecs_task_definitions WHERE family = ? AND status = 'ACTIVE' ORDER BY revision DESC LIMIT 1", family);
  }
  return ctx.store.get('SELECT * FROM ecs_task_definitions WHERE family = ? AND revision = ?', family, Number(m[2]));
}

function callerArn(ctx: OperationContext): string {
  return arn(ctx.config, 'iam', 'root', '');
}

export function registerTaskDefinition(input: RegisterTaskDefinitionRequest, ctx: OperationContext): RegisterTaskDefinitionResponse {
  // One validator for files and the API: every problem at once, as a ClientException.
  assertTaskDefinition(input);
  const tags = input.tags ?? [];
  const family = input.family;
  assertPresent(family);
  return ctx.store.tx(() => {
    const last = ctx.store.get('SELECT max(revision) AS rev FROM ecs_task_definitions WHERE family = ?', family);
    const revision = (typeof last?.['rev'] === 'number' ? last['rev'] : 0) + 1;
    const { tags: _tags, ...body } = input;
    ctx.store.run(
      `INSERT INTO ecs_task_definitions (family, revision, status, body, tags, registered_at, registered_by) VALUES (?, ?, 'ACTIVE', ?, ?, ?, ?)`,
      family,
      revision,
      JSON.stringify(body),
      JSON.stringify(tags),
      ctx.clock.now(),
      callerArn(ctx),
    );
    const resource = taskDefinitionArn(ctx, family, revision);
    ctx.bus.publish({ type: 'ecs.task-definition.registered', resource, detail: { family, revision } });
    const row = ctx.store.get('SELECT * FROM ecs_task_definitions WHERE family = ? AND revision = ?', family, revision);
    assertPresent(row, 'inserted above');
    return { taskDefinition: toTaskDefinition(row, ctx), tags };
  });
}

export function describeTaskDefinition(input: DescribeTaskDefinitionRequest, ctx: OperationContext): DescribeTaskDefinitionResponse {
  const r = new InputReader(input);
  const ref = r.string('taskDefinition', { required: true, min: 1 });
  const include = r.stringList('include', { item: { oneOf: ['TAGS'] } }) ?? [];
  r.done();
  assertPresent(ref);
  const row = findRow(ref, ctx, false);
  if (row === undefined) throw unableToDescribe(ref);
  return { taskDefinition: toTaskDefinition(row, ctx), ...(include.includes('TAGS') ? { tags: tagsOf(row) } : {}) };
}

export function listTaskDefinitions(input: ListTaskDefinitionsRequest, ctx: OperationContext): ListTaskDefinitionsResponse {
  const r = new InputReader(input);
  // Despite its name, AWS matches familyPrefix against the whole family name here.
  const family = r.string('familyPrefix', { min: 1 });
  const status = r.string('status', { oneOf: STATUSES }) ?? 'ACTIVE';
  const sort = r.string('sort', { oneOf: ['ASC', 'DESC'] }) ?? 'ASC';
  const nextToken = r.string('nextToken');
  const maxResults = r.integer('maxResults', { min: 1, max: 100 });
  r.done();
  const order = sort === 'DESC' ? 'DESC' : 'ASC';
  const rows = ctx.store.all(
    `SELECT family, revision FROM ecs_task_definitions WHERE status = ? AND (? IS NULL OR family = ?) ORDER BY family ${order}, revision ${order}`,
    status,
    family ?? null,
    family ?? null,
  );
  const p = page(rows.map((row) => taskDefinitionArn(ctx, str(row, 'family'), num(row, 'revision'))), maxResults, nextToken);
  return { taskDefinitionArns: p.items, ...(p.nextToken === undefined ? {} : { nextToken: p.nextToken }) };
}

export function listTaskDefinitionFamilies(input: ListTaskDefinitionFamiliesRequest, ctx: OperationContext): ListTaskDefinitionFamiliesResponse {
  const r = new InputReader(input);
  const prefix = r.string('familyPrefix', { min: 1 }) ?? '';
  const status = r.string('status', { oneOf: ['ACTIVE', 'INACTIVE', 'ALL'] }) ?? 'ACTIVE';
  const nextToken = r.string('nextToken');
  const maxResults = r.integer('maxResults', { min: 1, max: 100 });
  r.done();
  // A family is ACTIVE while any revision is; INACTIVE once every revision is deregistered.
  const rows = ctx.store.all(
    `SELECT family, sum(status = 'ACTIVE') AS active FROM ecs_task_definitions WHERE substr(family, 1, ?) = ? GROUP BY family ORDER BY family`,
    prefix.length,
    prefix,
  );
  const families = rows
    .filter((row) => status === 'ALL' || (status === 'ACTIVE') === num(row, 'active') > 0)
    .map((row) => str(row, 'family'));
  const p = page(families, maxResults, nextToken);
  return { families: p.items, ...(p.nextToken === undefined ? {} : { nextToken: p.nextToken }) };
}

export function deregisterTaskDefinition(input: DeregisterTaskDefinitionRequest, ctx: OperationContext): DeregisterTaskDefinitionResponse {
  const r = new InputReader(input);
  const ref = r.string('taskDefinition', { required: true, min: 1 });
  r.done();
  assertPresent(ref);
  return ctx.store.tx(() => {
    const row = findRow(ref, ctx, true);
    if (row === undefined) throw unableToDescribe(ref);
    const family = str(row, 'family');
    const revision = num(row, 'revision');
    if (str(row, 'status') === 'ACTIVE') {
      ctx.store.run("UPDATE ecs_task_definitions SET status = 'INACTIVE', deregistered_at = ? WHERE family = ? AND revision = ?", ctx.clock.now(), family, revision);
      ctx.bus.publish({ type: 'ecs.task-definition.deregistered', resource: taskDefinitionArn(ctx, family, revision), detail: { family, revision } });
    }
    const updated = ctx.store.get('SELECT * FROM ecs_task_definitions WHERE family = ? AND revision = ?', family, revision);
    assertPresent(updated, 'read above');
    return { taskDefinition: toTaskDefinition(updated, ctx) };
  });
}
