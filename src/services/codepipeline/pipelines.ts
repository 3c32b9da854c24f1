// Pipelines: Create/Update/Get/List/DeletePipeline and tags; every stored version kept so executions run the one they started on.
import type {
  CreatePipelineInput,
  CreatePipelineOutput,
  DeletePipelineInput,
  GetPipelineInput,
  GetPipelineOutput,
  ListPipelinesInput,
  ListPipelinesOutput,
  ListTagsForResourceInput,
  ListTagsForResourceOutput,
  PipelineDeclaration,
  TagResourceInput,
  UntagResourceInput,
  UpdatePipelineInput,
  UpdatePipelineOutput,
} from '@aws-sdk/client-codepipeline';
import { Problems, SlipwayError } from '../../core/errors.ts';
import { parseArn } from '../../core/ids.ts';
import { num, str } from '../../store/db.ts';
import type { OperationContext } from '../types.ts';
import { InputReader } from '../validate.ts';
import { NAME } from './declaration.ts';
import { startExecution } from './start.ts';
import { checkPipeline } from './rules.ts';
import { declarationAt, findPipeline, getPipelineRow, PIPELINE_CHANGED, pipelineArn, type PipelineRow } from './state.ts';

const MAX_TAGS = 50;
/** Pipelines per Region per account (CP-limits). */
const MAX_PIPELINES = 1000;

function readTags(raw: unknown, field: string, problems: Problems): Array<{ key: string; value: string }> {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    problems.add({ field, found: typeof raw, expected: 'a list of {key, value}' });
    return [];
  }
  const out: Array<{ key: string; value: string }> = [];
  raw.forEach((item: unknown, i) => {
    const r = new InputReader(typeof item === 'object' && item !== null ? item : {}, problems, `${field}[${i}].`);
    const key = r.string('key', { required: true, min: 1, max: 128 });
    const value = r.string('value', { required: true, max: 256 });
    if (key !== undefined && value !== undefined) out.push({ key, value });
  });
  return out;
}

function tooManyTags(count: number): SlipwayError {
  return new SlipwayError('TooManyTagsException', `A pipeline can have at most ${MAX_TAGS} tags; the request would give it ${count}`);
}

function metadata(ctx: OperationContext, p: PipelineRow): GetPipelineOutput['metadata'] {
  return { pipelineArn: pipelineArn(ctx, p.name), created: new Date(p.created), updated: new Date(p.updated) };
}

function storeVersion(ctx: OperationContext, declaration: PipelineDeclaration): void {
  ctx.store.run('INSERT INTO codepipeline_pipeline_versions (name, version, declaration) VALUES (?, ?, ?)', declaration.name ?? '', declaration.version ?? 1, JSON.stringify(declaration));
}

export function createPipeline(input: CreatePipelineInput, ctx: OperationContext): CreatePipelineOutput {
  const tagProblems = new Problems();
  const tags = readTags(input.tags, 'tags', tagProblems);
  tagProblems.throwIfAny('InvalidTagsException', 'Invalid tags');
  if (tags.length > MAX_TAGS) throw tooManyTags(tags.length);
  const declaration: PipelineDeclaration = { ...checkPipeline(input.pipeline), version: 1 };
  const name = declaration.name ?? '';
  return ctx.store.tx(() => {
    if (findPipeline(ctx, name) !== undefined) {
      throw new SlipwayError('PipelineNameInUseException', `A pipeline with the name ${name} already exists in account ${ctx.config.accountId}`);
    }
    const count = num(ctx.store.get('SELECT count(*) AS n FROM codepipeline_pipelines') ?? {}, 'n');
    if (count >= MAX_PIPELINES) throw new SlipwayError('LimitExceededException', `The account already has ${count} pipelines; CodePipeline allows at most ${MAX_PIPELINES} per Region`);
    const now = ctx.clock.now();
    ctx.store.run('INSERT INTO codepipeline_pipelines (name, version, created, updated, tags) VALUES (?, 1, ?, ?, ?)', name, now, now, JSON.stringify(tags));
    storeVersion(ctx, declaration);
    ctx.bus.publish({ type: PIPELINE_CHANGED, resource: pipelineArn(ctx, name), detail: { pipeline: name, change: 'created', version: 1 } });
    // AWS runs a new pipeline once as soon as it exists.
    startExecution(ctx, name, { triggerType: 'CreatePipeline', triggerDetail: ctx.request.accessKeyId ?? 'slipway' }, [], []);
    return { pipeline: declaration, ...(tags.length > 0 ? { tags } : {}) };
  });
}

export function updatePipeline(input: UpdatePipelineInput, ctx: OperationContext): UpdatePipelineOutput {
  const checked = checkPipeline(input.pipeline);
  const name = checked.name ?? '';
  return ctx.store.tx(() => {
    const current = getPipelineRow(ctx, name);
    const version = current.version + 1;
    const declaration: PipelineDeclaration = { ...checked, version };
    ctx.store.run('UPDATE codepipeline_pipelines SET version = ?, updated = ? WHERE name = ?', version, ctx.clock.now(), name);
    storeVersion(ctx, declaration);
    ctx.bus.publish({ type: PIPELINE_CHANGED, resource: pipelineArn(ctx, name), detail: { pipeline: name, change: 'updated', version } });
    return { pipeline: declaration };
  });
}

export function getPipeline(input: GetPipelineInput, ctx: OperationContext): GetPipelineOutput {
  const r = new InputReader(input);
  const name = r.string('name', { ...NAME, required: true }) ?? '';
  const version = r.integer('version', { min: 1 });
  r.done();
  const p = getPipelineRow(ctx, name);
  const declaration = declarationAt(ctx, name, version ?? p.version);
  if (declaration === undefined) {
    throw new SlipwayError('PipelineVersionNotFoundException', `Pipeline ${name} has no version ${version}; its versions are 1 to ${p.version}`);
  }
  return { pipeline: declaration, metadata: metadata(ctx, p) };
}

/** Page tokens are the offset, base64-encoded; a token that does not decode is AWS's InvalidNextTokenException. */
export function readToken(token: string | undefined): number {
  if (token === undefined) return 0;
  const n = Number(Buffer.from(token, 'base64').toString('utf8'));
  if (!Number.isInteger(n) || n < 0) throw new SlipwayError('InvalidNextTokenException', `The next token ${JSON.stringify(token)} was not returned by this operation`);
  return n;
}

export function nextToken(offset: number, total: number): { nextToken?: string } {
  return offset < total ? { nextToken: Buffer.from(String(offset)).toString('base64') } : {};
}

export function listPipelines(input: ListPipelinesInput, ctx: OperationContext): ListPipelinesOutput {
  const r = new InputReader(input);
  const max = r.integer('maxResults', { min: 1, max: 1000 }) ?? 1000;
  r.string('nextToken', { min: 1, max: 2048 });
  r.done();
  const start = readToken(input.nextToken);
  const rows = ctx.store.all('SELECT p.name, p.version, p.created, p.updated, v.declaration FROM codepipeline_pipelines p JOIN codepipeline_pipeline_versions v ON v.name = p.name AND v.version = p.version ORDER BY p.name');
  const page = rows.slice(start, start + max).map((row) => {
    const d = JSON.parse(str(row, 'declaration')) as PipelineDeclaration;
    return {
      name: str(row, 'name'),
      version: num(row, 'version'),
      pipelineType: d.pipelineType ?? 'V1',
      executionMode: d.executionMode ?? 'SUPERSEDED',
      created: new Date(num(row, 'created')),
      updated: new Date(num(row, 'updated')),
    };
  });
  return { pipelines: page, ...nextToken(start + max, rows.length) };
}

export function deletePipeline(input: DeletePipelineInput, ctx: OperationContext): Record<string, never> {
  const r = new InputReader(input);
  const name = r.string('name', { ...NAME, required: true }) ?? '';
  r.done();
  ctx.store.tx(() => {
    if (findPipeline(ctx, name) === undefined) return;
    for (const table of ['codepipeline_pipeline_versions', 'codepipeline_transitions']) {
      ctx.store.run(`DELETE FROM ${table} WHERE ${table === 'codepipeline_transitions' ? 'pipeline' : 'name'} = ?`, name);
    }
    ctx.store.run('DELETE FROM codepipeline_pipelines WHERE name = ?', name);
    // The history goes with the pipeline; the runner aborts the providers of runs that no longer exist and deletes the artifact blobs.
    const artifacts = ctx.store.all('SELECT DISTINCT digest FROM codepipeline_artifacts WHERE execution_id IN (SELECT id FROM codepipeline_executions WHERE pipeline = ?)', name).map((r) => str(r, 'digest'));
    ctx.store.run('DELETE FROM codepipeline_artifacts WHERE execution_id IN (SELECT id FROM codepipeline_executions WHERE pipeline = ?)', name);
    for (const table of ['codepipeline_action_runs', 'codepipeline_stage_runs', 'codepipeline_executions']) ctx.store.run(`DELETE FROM ${table} WHERE pipeline = ?`, name);
    ctx.bus.publish({ type: PIPELINE_CHANGED, resource: pipelineArn(ctx, name), detail: { pipeline: name, change: 'deleted', artifacts } });
  });
  return {};
}

function pipelineOfArn(ctx: OperationContext, resourceArn: string | undefined): string {
  const parsed = parseArn(resourceArn ?? '');
  if (parsed?.service !== 'codepipeline') throw new SlipwayError('InvalidArnException', `The ARN ${JSON.stringify(resourceArn)} is not a CodePipeline ARN (arn:aws:codepipeline:<region>:<account>:<pipeline>)`);
  if (findPipeline(ctx, parsed.resource) === undefined || parsed.region !== ctx.config.region || parsed.accountId !== ctx.config.accountId) {
    throw new SlipwayError('ResourceNotFoundException', `The resource ${resourceArn} does not exist`);
  }
  return parsed.resource;
}

export function tagResource(input: TagResourceInput, ctx: OperationContext): Record<string, never> {
  const problems = new Problems();
  const tags = readTags(input.tags, 'tags', problems);
  problems.throwIfAny('InvalidTagsException', 'Invalid tags');
  ctx.store.tx(() => {
    const name = pipelineOfArn(ctx, input.resourceArn);
    const merged = new Map(getPipelineRow(ctx, name).tags.map((t) => [t.key, t.value]));
    for (const t of tags) merged.set(t.key, t.value);
    if (merged.size > MAX_TAGS) throw tooManyTags(merged.size);
    ctx.store.run('UPDATE codepipeline_pipelines SET tags = ? WHERE name = ?', JSON.stringify([...merged].map(([key, value]) => ({ key, value }))), name);
  });
  return {};
}

export function untagResource(input: UntagResourceInput, ctx: OperationContext): Record<string, never> {
  const keys = new Set(input.tagKeys ?? []);
  ctx.store.tx(() => {
    const name = pipelineOfArn(ctx, input.resourceArn);
    const kept = getPipelineRow(ctx, name).tags.filter((t) => !keys.has(t.key));
    ctx.store.run('UPDATE codepipeline_pipelines SET tags = ? WHERE name = ?', JSON.stringify(kept), name);
  });
  return {};
}

export function listTagsForResource(input: ListTagsForResourceInput, ctx: OperationContext): ListTagsForResourceOutput {
  const name = pipelineOfArn(ctx, input.resourceArn);
  return { tags: getPipelineRow(ctx, name).tags };
}
