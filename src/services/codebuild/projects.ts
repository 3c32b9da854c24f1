// CodeBuild projects: the definitions builds run from (Create/BatchGet/List/Update/Delete); no build runs here.
import type {
  BatchGetProjectsInput,
  BatchGetProjectsOutput,
  CreateProjectInput,
  CreateProjectOutput,
  DeleteProjectInput,
  DeleteProjectOutput,
  ListProjectsInput,
  ListProjectsOutput,
  Project,
  UpdateProjectInput,
  UpdateProjectOutput,
} from '@aws-sdk/client-codebuild';
import { Problems, SlipwayError } from '../../core/errors.ts';
import { arn, parseArn } from '../../core/ids.ts';
import { num, str, type Migration, type Row } from '../../store/db.ts';
import type { OperationContext } from '../types.ts';
import { InputReader } from '../validate.ts';
import { badgeRequestUrl } from './badge.ts';
import { checkProjectConsistency, PROJECT_NAME, readProjectFields, type ProjectFields } from './project-input.ts';

export const codebuildMigrations: readonly Migration[] = [
  {
    id: 'codebuild/001-projects',
    sql: `CREATE TABLE codebuild_projects (
      name TEXT PRIMARY KEY,
      body TEXT NOT NULL,
      created INTEGER NOT NULL,
      last_modified INTEGER NOT NULL
    )`,
  },
];

const PAGE_SIZE = 100;

function projectArn(ctx: OperationContext, name: string): string {
  return arn(ctx.config, 'codebuild', `project/${name}`);
}

function invalid(problems: Problems): void {
  problems.throwIfAny('InvalidInputException', 'Invalid input');
}

function toProject(row: Row, ctx: OperationContext): Project {
  const name = str(row, 'name');
  const body = JSON.parse(str(row, 'body')) as ProjectFields;
  const { badgeEnabled, ...rest } = body;
  return {
    name,
    arn: projectArn(ctx, name),
    ...rest,
    created: new Date(num(row, 'created')),
    lastModified: new Date(num(row, 'last_modified')),
    badge: badgeEnabled === true ? { badgeEnabled: true, badgeRequestUrl: badgeRequestUrl(ctx, name, body) } : { badgeEnabled: false },
    projectVisibility: 'PRIVATE',
  };
}

/** A name or a project ARN of this account and region, as BatchGetProjects accepts both. */
function nameOf(value: string, ctx: OperationContext): string | undefined {
  if (!value.startsWith('arn:')) return value;
  const parsed = parseArn(value);
  if (parsed?.service !== 'codebuild' || parsed.region !== ctx.config.region || parsed.accountId !== ctx.config.accountId) return undefined;
  return parsed.resource.startsWith('project/') ? parsed.resource.slice('project/'.length) : undefined;
}

export function createProject(input: CreateProjectInput, ctx: OperationContext): CreateProjectOutput {
  const problems = new Problems();
  const r = new InputReader(input, problems);
  const name = r.string('name', { ...PROJECT_NAME, required: true });
  const fields = readProjectFields(input, problems, 'create');
  checkProjectConsistency(fields, problems);
  invalid(problems);
  if (name === undefined) throw new Error('unreachable: validated above');
  const body: ProjectFields = {
    secondarySources: [],
    secondarySourceVersions: [],
    secondaryArtifacts: [],
    cache: { type: 'NO_CACHE' },
    timeoutInMinutes: 60,
    queuedTimeoutInMinutes: 480,
    // AWS encrypts artifacts with the account's S3 managed key unless told otherwise.
    encryptionKey: arn(ctx.config, 'kms', 'alias/aws/s3'),
    tags: [],
    badgeEnabled: false,
    logsConfig: { cloudWatchLogs: { status: 'ENABLED' }, s3Logs: { status: 'DISABLED', encryptionDisabled: false } },
    ...fields,
  };
  return ctx.store.tx(() => {
    if (ctx.store.get('SELECT name FROM codebuild_projects WHERE name = ?', name) !== undefined) {
      throw new SlipwayError('ResourceAlreadyExistsException', `Project already exists: ${projectArn(ctx, name)}`);
    }
    const now = ctx.clock.now();
    ctx.store.run('INSERT INTO codebuild_projects (name, body, created, last_modified) VALUES (?, ?, ?, ?)', name, JSON.stringify(body), now, now);
    ctx.bus.publish({ type: 'codebuild.project.created', resource: projectArn(ctx, name), detail: { name } });
    const row = ctx.store.get('SELECT * FROM codebuild_projects WHERE name = ?', name);
    if (row === undefined) throw new Error('unreachable: inserted above');
    return { project: toProject(row, ctx) };
  });
}

export function batchGetProjects(input: BatchGetProjectsInput, ctx: OperationContext): BatchGetProjectsOutput {
  const problems = new Problems();
  const r = new InputReader(input, problems);
  const names = r.stringList('names', { required: true, min: 1, max: 100, item: { min: 1 } });
  invalid(problems);
  const projects: Project[] = [];
  const projectsNotFound: string[] = [];
  for (const given of new Set(names ?? [])) {
    const name = nameOf(given, ctx);
    const row = name === undefined ? undefined : ctx.store.get('SELECT * FROM codebuild_projects WHERE name = ?', name);
    if (row === undefined) projectsNotFound.push(given);
    else projects.push(toProject(row, ctx));
  }
  return { projects, projectsNotFound };
}

const SORT_COLUMNS = { NAME: 'name', CREATED_TIME: 'created', LAST_MODIFIED_TIME: 'last_modified' } as const;

export function listProjects(input: ListProjectsInput, ctx: OperationContext): ListProjectsOutput {
  const problems = new Problems();
  const r = new InputReader(input, problems);
  const sortBy = (r.string('sortBy', { oneOf: Object.keys(SORT_COLUMNS) }) ?? 'NAME') as keyof typeof SORT_COLUMNS;
  const sortOrder = r.string('sortOrder', { oneOf: ['ASCENDING', 'DESCENDING'] }) ?? 'ASCENDING';
  const nextToken = r.string('nextToken', { min: 1 });
  let start = 0;
  if (nextToken !== undefined) {
    const decoded = Number(Buffer.from(nextToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded <= 0) problems.add({ field: 'nextToken', found: JSON.stringify(nextToken), expected: 'a token from a previous ListProjects response' });
    else start = decoded;
  }
  invalid(problems);
  const direction = sortOrder === 'DESCENDING' ? 'DESC' : 'ASC';
  // The name breaks ties so pages stay stable when timestamps are equal.
  const rows = ctx.store.all(`SELECT name FROM codebuild_projects ORDER BY ${SORT_COLUMNS[sortBy]} ${direction}, name ${direction}`);
  const names = rows.map((row) => str(row, 'name'));
  const slice = names.slice(start, start + PAGE_SIZE);
  const end = start + slice.length;
  return end < names.length ? { projects: slice, nextToken: Buffer.from(String(end)).toString('base64url') } : { projects: slice };
}

export function updateProject(input: UpdateProjectInput, ctx: OperationContext): UpdateProjectOutput {
  const problems = new Problems();
  const r = new InputReader(input, problems);
  const name = r.string('name', { required: true, min: 1 });
  const given = readProjectFields(input, problems, 'update');
  invalid(problems);
  if (name === undefined) throw new Error('unreachable: validated above');
  return ctx.store.tx(() => {
    const row = ctx.store.get('SELECT * FROM codebuild_projects WHERE name = ?', name);
    if (row === undefined) throw new SlipwayError('ResourceNotFoundException', `Failed to call UpdateProject, reason: project ${name} does not exist: ${projectArn(ctx, name)}`);
    // Each given member replaces the stored one whole, as in AWS; -1 removes the concurrent build limit.
    const merged: ProjectFields = { ...(JSON.parse(str(row, 'body')) as ProjectFields), ...given };
    if (merged.concurrentBuildLimit === -1) delete merged.concurrentBuildLimit;
    const consistency = new Problems();
    checkProjectConsistency(merged, consistency);
    invalid(consistency);
    ctx.store.run('UPDATE codebuild_projects SET body = ?, last_modified = ? WHERE name = ?', JSON.stringify(merged), ctx.clock.now(), name);
    ctx.bus.publish({ type: 'codebuild.project.updated', resource: projectArn(ctx, name), detail: { name, members: Object.keys(given) } });
    const updated = ctx.store.get('SELECT * FROM codebuild_projects WHERE name = ?', name);
    if (updated === undefined) throw new Error('unreachable: updated above');
    return { project: toProject(updated, ctx) };
  });
}

/** Deleting a project that does not exist succeeds, as in AWS (the model lists no not-found error for it). */
export function deleteProject(input: DeleteProjectInput, ctx: OperationContext): DeleteProjectOutput {
  const problems = new Problems();
  const r = new InputReader(input, problems);
  const name = r.string('name', { required: true, min: 1 });
  invalid(problems);
  if (name === undefined) throw new Error('unreachable: validated above');
  ctx.store.tx(() => {
    if (ctx.store.run('DELETE FROM codebuild_projects WHERE name = ?', name).changes > 0) {
      ctx.bus.publish({ type: 'codebuild.project.deleted', resource: projectArn(ctx, name), detail: { name } });
    }
  });
  return {};
}
