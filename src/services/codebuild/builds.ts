// CodeBuild builds: StartBuild/RetryBuild record a QUEUED build (the build runner engine runs it), plus reads and StopBuild.
import type {
  BatchGetBuildsInput,
  BatchGetBuildsOutput,
  Build,
  ListBuildsForProjectInput,
  ListBuildsForProjectOutput,
  ListBuildsInput,
  ListBuildsOutput,
  RetryBuildInput,
  RetryBuildOutput,
  StartBuildInput,
  StartBuildOutput,
  StopBuildInput,
  StopBuildOutput,
} from '@aws-sdk/client-codebuild';
import { Problems, SlipwayError } from '../../core/errors.ts';
import { arn, parseArn, uuid } from '../../core/ids.ts';
import { num, str } from '../../store/db.ts';
import type { OperationContext, ServiceContext } from '../types.ts';
import { InputReader } from '../validate.ts';
import { readStartBuild, type BuildSettings } from './build-input.ts';
import { buildArn, insertBuild, loadBuild, openBuilds, toBuild, updateBuild, type BuildRecord } from './build-state.ts';
import type { ProjectFields } from './project-input.ts';

const PAGE_SIZE = 100;

/** Who started a build when the API did: AWS reports the IAM user; Slipway's API callers are all the account root. */
const API_INITIATOR = 'root';

function invalid(problems: Problems): void {
  problems.throwIfAny('InvalidInputException', 'Invalid input');
}

function loadProject(ctx: ServiceContext, name: string): ProjectFields {
  const row = ctx.store.get('SELECT body FROM codebuild_projects WHERE name = ?', name);
  if (row === undefined) throw new SlipwayError('ResourceNotFoundException', `Project cannot be found: ${arn(ctx.config, 'codebuild', `project/${name}`)}`);
  return JSON.parse(str(row, 'body')) as ProjectFields;
}

/** A build id `project:uuid`, or a build ARN of this account and region. */
function buildIdOf(value: string): string {
  if (!value.startsWith('arn:')) return value;
  const parsed = parseArn(value);
  if (parsed?.service !== 'codebuild' || !parsed.resource.startsWith('build/')) return value;
  return parsed.resource.slice('build/'.length);
}

function projectNameOf(value: string): string {
  if (!value.startsWith('arn:')) return value;
  const parsed = parseArn(value);
  return parsed?.service === 'codebuild' && parsed.resource.startsWith('project/') ? parsed.resource.slice('project/'.length) : value;
}

/** Writes a QUEUED build and its event in one transaction, refusing it when the project's concurrent limit is reached. */
function queueBuild(ctx: ServiceContext, projectName: string, project: ProjectFields, settings: BuildSettings, initiator: string, retriedFrom?: string): BuildRecord {
  return ctx.store.tx(() => {
    const limit = project.concurrentBuildLimit;
    if (limit !== undefined && openBuilds(ctx, projectName).length >= limit) {
      throw new SlipwayError('AccountLimitExceededException', `Build cannot be started: project ${projectName} already has ${limit} running or queued builds, its concurrentBuildLimit`);
    }
    const last = ctx.store.get('SELECT max(build_number) AS n FROM codebuild_builds WHERE project = ?', projectName);
    const buildNumber = (last === undefined || Number.isNaN(num(last, 'n')) ? 0 : num(last, 'n')) + 1;
    const id = `${projectName}:${uuid()}`;
    const now = ctx.clock.now();
    const record: BuildRecord = {
      id,
      arn: buildArn(ctx, id),
      buildNumber,
      projectName,
      startTime: now,
      currentPhase: 'QUEUED',
      buildStatus: 'IN_PROGRESS',
      buildComplete: false,
      phases: [
        { phaseType: 'SUBMITTED', phaseStatus: 'SUCCEEDED', startTime: now, endTime: now },
        { phaseType: 'QUEUED', startTime: now },
      ],
      source: settings.source,
      secondarySources: settings.secondarySources,
      secondaryArtifactsDefinition: settings.secondaryArtifacts,
      secondaryArtifacts: [],
      environment: settings.environment,
      timeoutInMinutes: settings.timeoutInMinutes,
      queuedTimeoutInMinutes: settings.queuedTimeoutInMinutes,
      initiator,
      logsEnabled: settings.logsEnabled,
    };
    if (settings.sourceVersion !== undefined) record.sourceVersion = settings.sourceVersion;
    if (settings.artifacts !== undefined) record.artifactsDefinition = settings.artifacts;
    if (settings.cache !== undefined) record.cache = settings.cache;
    if (settings.serviceRole !== undefined) record.serviceRole = settings.serviceRole;
    if (settings.encryptionKey !== undefined) record.encryptionKey = settings.encryptionKey;
    if (retriedFrom !== undefined) record.retriedFrom = retriedFrom;
    insertBuild(ctx, record);
    ctx.bus.publish({ type: 'codebuild.build.queued', resource: record.arn, detail: { id, projectName, buildNumber, initiator } });
    return record;
  });
}

/**
 * StartBuild for Slipway's own callers (the pipeline runner passes `codepipeline/<pipeline>` as initiator and its
 * variables as environmentVariablesOverride, as AWS's CodeBuild action does).
 */
export function startBuildAs(ctx: ServiceContext, input: StartBuildInput, initiator: string): Build {
  const problems = new Problems();
  const r = new InputReader(input, problems);
  const given = r.string('projectName', { required: true, min: 1 });
  invalid(problems);
  if (given === undefined) throw new Error('unreachable: validated above');
  const projectName = projectNameOf(given);
  const project = loadProject(ctx, projectName);
  const settings = readStartBuild(input, project, problems);
  invalid(problems);
  if (settings === undefined) throw new Error('unreachable: validated above');
  return toBuild(queueBuild(ctx, projectName, project, settings, initiator), ctx);
}

export function startBuild(input: StartBuildInput, ctx: OperationContext): StartBuildOutput {
  return { build: startBuildAs(ctx, input, API_INITIATOR) };
}

export function batchGetBuilds(input: BatchGetBuildsInput, ctx: OperationContext): BatchGetBuildsOutput {
  const problems = new Problems();
  const r = new InputReader(input, problems);
  const ids = r.stringList('ids', { required: true, min: 1, max: 100, item: { min: 1 } });
  invalid(problems);
  const builds: Build[] = [];
  const buildsNotFound: string[] = [];
  for (const given of new Set(ids ?? [])) {
    const record = loadBuild(ctx, buildIdOf(given));
    if (record === undefined) buildsNotFound.push(given);
    else builds.push(toBuild(record, ctx));
  }
  return { builds, buildsNotFound };
}

function page(ids: string[], nextToken: string | undefined, problems: Problems): { ids: string[]; nextToken?: string } {
  let start = 0;
  if (nextToken !== undefined) {
    const decoded = Number(Buffer.from(nextToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded <= 0) problems.add({ field: 'nextToken', found: JSON.stringify(nextToken), expected: 'a token from a previous response' });
    else start = decoded;
  }
  invalid(problems);
  const slice = ids.slice(start, start + PAGE_SIZE);
  const end = start + slice.length;
  return end < ids.length ? { ids: slice, nextToken: Buffer.from(String(end)).toString('base64url') } : { ids: slice };
}

/** Newest first unless ASCENDING is asked for (AWS's default order is DESCENDING). */
function orderOf(r: InputReader): 'ASC' | 'DESC' {
  return r.string('sortOrder', { oneOf: ['ASCENDING', 'DESCENDING'] }) === 'ASCENDING' ? 'ASC' : 'DESC';
}

export function listBuilds(input: ListBuildsInput, ctx: OperationContext): ListBuildsOutput {
  const problems = new Problems();
  const r = new InputReader(input, problems);
  const order = orderOf(r);
  const nextToken = r.string('nextToken', { min: 1 });
  const rows = ctx.store.all(`SELECT id FROM codebuild_builds ORDER BY start_time ${order}, build_number ${order}, id ${order}`);
  return page(rows.map((row) => str(row, 'id')), nextToken, problems);
}

export function listBuildsForProject(input: ListBuildsForProjectInput, ctx: OperationContext): ListBuildsForProjectOutput {
  const problems = new Problems();
  const r = new InputReader(input, problems);
  const given = r.string('projectName', { required: true, min: 1 });
  const order = orderOf(r);
  const nextToken = r.string('nextToken', { min: 1 });
  invalid(problems);
  if (given === undefined) throw new Error('unreachable: validated above');
  const projectName = projectNameOf(given);
  loadProject(ctx, projectName);
  const rows = ctx.store.all(`SELECT id FROM codebuild_builds WHERE project = ? ORDER BY build_number ${order}`, projectName);
  return page(rows.map((row) => str(row, 'id')), nextToken, problems);
}

function requireBuild(ctx: ServiceContext, given: string): BuildRecord {
  const record = loadBuild(ctx, buildIdOf(given));
  if (record === undefined) throw new SlipwayError('ResourceNotFoundException', `Build ${given} does not exist`);
  return record;
}

/**
 * A queued build stops at once; a running one is marked and the build runner stops its container, recording
 * STOPPED on the current phase. A completed build is returned as it is.
 */
export function stopBuild(input: StopBuildInput, ctx: OperationContext): StopBuildOutput {
  const problems = new Problems();
  const r = new InputReader(input, problems);
  const given = r.string('id', { required: true, min: 1 });
  invalid(problems);
  if (given === undefined) throw new Error('unreachable: validated above');
  const found = requireBuild(ctx, given);
  if (found.buildComplete) return { build: toBuild(found, ctx) };
  const updated = updateBuild(ctx, found.id, 'stop-requested', (record) => {
    record.stopRequested = true;
    if (record.currentPhase !== 'QUEUED') return;
    // Nothing runs yet: the build ends here, as AWS ends a build stopped while queued.
    const now = ctx.clock.now();
    const queued = record.phases.find((p) => p.phaseType === 'QUEUED' && p.endTime === undefined);
    if (queued !== undefined) Object.assign(queued, { phaseStatus: 'STOPPED', endTime: now });
    record.phases.push({ phaseType: 'COMPLETED', startTime: now });
    Object.assign(record, { currentPhase: 'COMPLETED', buildStatus: 'STOPPED', buildComplete: true, endTime: now });
  });
  return { build: toBuild(updated ?? found, ctx) };
}

export function retryBuild(input: RetryBuildInput, ctx: OperationContext): RetryBuildOutput {
  const problems = new Problems();
  const r = new InputReader(input, problems);
  const given = r.string('id', { required: true, min: 1 });
  r.string('idempotencyToken');
  invalid(problems);
  if (given === undefined) throw new Error('unreachable: validated above');
  const previous = requireBuild(ctx, given);
  if (!previous.buildComplete) throw new SlipwayError('InvalidInputException', `Build ${previous.id} is still ${previous.buildStatus}; only a completed build can be retried`);
  const project = loadProject(ctx, previous.projectName);
  const settings: BuildSettings = {
    source: previous.source,
    secondarySources: previous.secondarySources,
    secondaryArtifacts: previous.secondaryArtifactsDefinition,
    environment: previous.environment,
    timeoutInMinutes: previous.timeoutInMinutes,
    queuedTimeoutInMinutes: previous.queuedTimeoutInMinutes,
    logsEnabled: previous.logsEnabled,
  };
  if (previous.sourceVersion !== undefined) settings.sourceVersion = previous.sourceVersion;
  if (previous.artifactsDefinition !== undefined) settings.artifacts = previous.artifactsDefinition;
  if (previous.cache !== undefined) settings.cache = previous.cache;
  if (previous.serviceRole !== undefined) settings.serviceRole = previous.serviceRole;
  if (previous.encryptionKey !== undefined) settings.encryptionKey = previous.encryptionKey;
  return { build: toBuild(queueBuild(ctx, previous.projectName, project, settings, previous.initiator, previous.id), ctx) };
}
