// Executions: Start/Stop/Get/ListPipelineExecutions and RetryStageExecution; the runner (engines/pipelines) moves them along.
import type {
  GetPipelineExecutionInput,
  GetPipelineExecutionOutput,
  ListPipelineExecutionsInput,
  ListPipelineExecutionsOutput,
  PipelineExecutionSummary,
  RetryStageExecutionInput,
  RetryStageExecutionOutput,
  StartPipelineExecutionInput,
  StartPipelineExecutionOutput,
  StopPipelineExecutionInput,
  StopPipelineExecutionOutput,
} from '@aws-sdk/client-codepipeline';
import { SlipwayError } from '../../core/errors.ts';
import type { OperationContext } from '../types.ts';
import { InputReader } from '../validate.ts';
import { NAME } from './declaration.ts';
import { nextToken, readToken } from './pipelines.ts';
import { startExecution } from './start.ts';
import {
  actionRunsOf,
  declarationAt,
  getExecution,
  getPipelineRow,
  latestStageRun,
  publishExecution,
  STATE_CHANGE,
  findStageRun,
  pipelineArn,
  toExecution,
  type ExecutionRow,
} from './state.ts';

const EXECUTION_ID = { pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, patternText: 'an execution id (a lower-case UUID)' };

export function startPipelineExecution(input: StartPipelineExecutionInput, ctx: OperationContext): StartPipelineExecutionOutput {
  const r = new InputReader(input);
  const name = r.string('name', { ...NAME, required: true }) ?? '';
  const token = r.string('clientRequestToken', { min: 1, max: 128, pattern: /^[a-zA-Z0-9-]+$/, patternText: "letters, digits and '-'" });
  (input.variables ?? []).forEach((v, i) => {
    const vr = new InputReader(v, undefined, `variables[${i}].`);
    vr.string('name', { required: true, min: 1, max: 128, pattern: /^[A-Za-z0-9@\-_]+$/ });
    vr.string('value', { required: true, min: 1, max: 1000 });
    vr.done();
  });
  (input.sourceRevisions ?? []).forEach((s, i) => {
    const sr = new InputReader(s, undefined, `sourceRevisions[${i}].`);
    sr.string('actionName', { ...NAME, required: true });
    sr.string('revisionType', { required: true, oneOf: ['COMMIT_ID', 'IMAGE_DIGEST', 'S3_OBJECT_VERSION_ID', 'S3_OBJECT_KEY'] });
    sr.string('revisionValue', { required: true, min: 1, max: 1500 });
    sr.done();
  });
  r.done();
  const id = startExecution(
    ctx,
    name,
    { triggerType: 'StartPipelineExecution', triggerDetail: ctx.request.accessKeyId ?? 'anonymous' },
    (input.variables ?? []).map((v) => ({ name: v.name ?? '', value: v.value ?? '' })),
    (input.sourceRevisions ?? []).map((s) => ({ actionName: s.actionName ?? '', revisionType: s.revisionType ?? '', revisionValue: s.revisionValue ?? '' })),
    token,
  );
  return { pipelineExecutionId: id };
}

function readExecutionRef(input: { pipelineName?: string; pipelineExecutionId?: string }): { pipeline: string; id: string } {
  const r = new InputReader(input);
  const pipeline = r.string('pipelineName', { ...NAME, required: true }) ?? '';
  const id = r.string('pipelineExecutionId', { ...EXECUTION_ID, required: true }) ?? '';
  r.done();
  return { pipeline, id };
}

export function stopPipelineExecution(input: StopPipelineExecutionInput, ctx: OperationContext): StopPipelineExecutionOutput {
  const { pipeline, id } = readExecutionRef(input);
  new InputReader(input).string('reason', { max: 200 });
  return ctx.store.tx(() => {
    getPipelineRow(ctx, pipeline);
    const e = getExecution(ctx, pipeline, id);
    const abandon = input.abandon === true;
    if (e.status === 'Stopping' && !abandon) {
      throw new SlipwayError('DuplicatedStopRequestException', `Execution ${id} is already Stopping; only a stop with abandon can be asked for now`);
    }
    if (e.status !== 'InProgress' && e.status !== 'Stopping') {
      throw new SlipwayError('PipelineExecutionNotStoppableException', `Execution ${id} is ${e.status}; only an InProgress execution (or a Stopping one, with abandon) can be stopped`);
    }
    ctx.store.run(
      "UPDATE codepipeline_executions SET status = 'Stopping', stop_mode = ?, stop_reason = ?, updated = ? WHERE id = ?",
      abandon ? 'abandon' : 'wait',
      input.reason ?? null,
      ctx.clock.now(),
      id,
    );
    publishExecution(ctx, e, 'Stopping', { abandon, ...(input.reason === undefined ? {} : { reason: input.reason }) });
    return { pipelineExecutionId: id };
  });
}

/** Where each source artifact came from, as the source action reported it. */
function sourceRevisions(ctx: OperationContext, e: ExecutionRow): Array<{ actionName: string; artifactName: string; revisionId?: string; revisionSummary?: string; revisionUrl?: string; created?: number }> {
  const out = [];
  for (const run of actionRunsOf(ctx, e.rollbackTarget === '' ? e.id : e.rollbackTarget, 0)) {
    if (run.status !== 'Succeeded' || run.output?.revision === undefined) continue;
    const rev = run.output.revision;
    out.push({ actionName: run.actionName, artifactName: run.input.outputArtifacts[0]?.name ?? '', ...rev });
  }
  return out;
}

/** executionType, and for a ROLLBACK execution the execution it rolled back to. */
function typeOf(e: ExecutionRow): Pick<PipelineExecutionSummary, 'executionType' | 'rollbackMetadata'> {
  return { executionType: e.executionType, ...(e.rollbackTarget === '' ? {} : { rollbackMetadata: { rollbackTargetPipelineExecutionId: e.rollbackTarget } }) };
}

export function getPipelineExecution(input: GetPipelineExecutionInput, ctx: OperationContext): GetPipelineExecutionOutput {
  const { pipeline, id } = readExecutionRef(input);
  getPipelineRow(ctx, pipeline);
  const e = getExecution(ctx, pipeline, id);
  return {
    pipelineExecution: {
      pipelineName: pipeline,
      pipelineVersion: e.version,
      pipelineExecutionId: id,
      status: e.status,
      ...(e.summary === '' ? {} : { statusSummary: e.summary }),
      artifactRevisions: sourceRevisions(ctx, e).map((s) => ({
        name: s.artifactName,
        ...(s.revisionId === undefined ? {} : { revisionId: s.revisionId }),
        ...(s.revisionSummary === undefined ? {} : { revisionSummary: s.revisionSummary }),
        ...(s.revisionUrl === undefined ? {} : { revisionUrl: s.revisionUrl }),
        ...(s.created === undefined ? {} : { created: new Date(s.created) }),
      })),
      ...(e.variables.length > 0 ? { variables: e.variables } : {}),
      trigger: e.trigger as PipelineExecutionSummary['trigger'],
      executionMode: e.mode as 'SUPERSEDED',
      ...typeOf(e),
    },
  };
}

export function summaryOf(ctx: OperationContext, e: ExecutionRow): PipelineExecutionSummary {
  return {
    pipelineExecutionId: e.id,
    status: e.status,
    ...(e.summary === '' ? {} : { statusSummary: e.summary }),
    startTime: new Date(e.started),
    lastUpdateTime: new Date(e.updated),
    sourceRevisions: sourceRevisions(ctx, e).map((s) => ({
      actionName: s.actionName,
      ...(s.revisionId === undefined ? {} : { revisionId: s.revisionId }),
      ...(s.revisionSummary === undefined ? {} : { revisionSummary: s.revisionSummary }),
      ...(s.revisionUrl === undefined ? {} : { revisionUrl: s.revisionUrl }),
    })),
    trigger: e.trigger as PipelineExecutionSummary['trigger'],
    ...(e.stopMode === '' ? {} : { stopTrigger: { reason: e.stopReason } }),
    executionMode: e.mode as 'SUPERSEDED',
    ...typeOf(e),
  };
}

export function listPipelineExecutions(input: ListPipelineExecutionsInput, ctx: OperationContext): ListPipelineExecutionsOutput {
  const r = new InputReader(input);
  const pipeline = r.string('pipelineName', { ...NAME, required: true }) ?? '';
  const max = r.integer('maxResults', { min: 1, max: 100 }) ?? 100;
  const succeededIn = r.struct('filter')?.struct('succeededInStage')?.string('stageName', NAME);
  r.done();
  getPipelineRow(ctx, pipeline);
  const start = readToken(input.nextToken);
  let rows = ctx.store.all('SELECT * FROM codepipeline_executions WHERE pipeline = ? ORDER BY seq DESC', pipeline).map(toExecution);
  if (succeededIn !== undefined) {
    rows = rows.filter((e) => ctx.store.get("SELECT 1 FROM codepipeline_stage_runs WHERE execution_id = ? AND stage_name = ? AND status = 'Succeeded'", e.id, succeededIn) !== undefined);
  }
  return { pipelineExecutionSummaries: rows.slice(start, start + max).map((e) => summaryOf(ctx, e)), ...nextToken(start + max, rows.length) };
}

export function retryStageExecution(input: RetryStageExecutionInput, ctx: OperationContext): RetryStageExecutionOutput {
  const r = new InputReader(input);
  const pipeline = r.string('pipelineName', { ...NAME, required: true }) ?? '';
  const stageName = r.string('stageName', { ...NAME, required: true }) ?? '';
  const id = r.string('pipelineExecutionId', { ...EXECUTION_ID, required: true }) ?? '';
  const mode = r.string('retryMode', { required: true, oneOf: ['FAILED_ACTIONS', 'ALL_ACTIONS'] }) ?? '';
  r.done();
  return ctx.store.tx(() => {
    getPipelineRow(ctx, pipeline);
    const e = getExecution(ctx, pipeline, id);
    const declaration = declarationAt(ctx, pipeline, e.version);
    const stageIndex = (declaration?.stages ?? []).findIndex((s) => s.name === stageName);
    if (stageIndex < 0) throw new SlipwayError('StageNotFoundException', `Stage ${stageName} does not exist in version ${e.version} of pipeline ${pipeline}`);
    const stage = findStageRun(ctx, id, stageIndex);
    if (stage === undefined || (stage.status !== 'Failed' && stage.status !== 'Stopped') || (e.status !== 'Failed' && e.status !== 'Stopped')) {
      throw new SlipwayError(
        'StageNotRetryableException',
        `Stage ${stageName} of execution ${id} is ${stage?.status ?? 'not run'} (execution ${e.status}); only a Failed or Stopped stage of a Failed or Stopped execution can be retried`,
      );
    }
    if (getPipelineRow(ctx, pipeline).version !== e.version) {
      throw new SlipwayError('StageNotRetryableException', `Pipeline ${pipeline} was updated after execution ${id} started (version ${e.version}); a changed structure cannot be retried`);
    }
    const latest = latestStageRun(ctx, pipeline, stageName);
    if (latest !== undefined && latest.executionId !== id) {
      throw new SlipwayError('NotLatestPipelineExecutionException', `Execution ${latest.executionId} entered stage ${stageName} after ${id}; only the latest execution of a stage can be retried`);
    }
    const runs = actionRunsOf(ctx, id, stageIndex);
    if (mode === 'ALL_ACTIONS' && runs.some((a) => a.status === 'InProgress')) {
      throw new SlipwayError('ConflictException', `Stage ${stageName} of execution ${id} still has actions in progress; ALL_ACTIONS needs every action finished (FAILED_ACTIONS lets them run on)`);
    }
    const now = ctx.clock.now();
    ctx.store.run(
      "UPDATE codepipeline_stage_runs SET status = 'InProgress', attempt = attempt + 1, retry_mode = ?, manual_retries = manual_retries + 1, retry_trigger = 'ManualStageRetry', updated = ? WHERE execution_id = ? AND stage_index = ?",
      mode,
      now,
      id,
      stageIndex,
    );
    ctx.store.run(
      "UPDATE codepipeline_executions SET status = 'InProgress', phase = 'running', stage_index = ?, stop_mode = NULL, stop_reason = NULL, summary = NULL, updated = ? WHERE id = ?",
      stageIndex,
      now,
      id,
    );
    ctx.bus.publish({ type: STATE_CHANGE.stage, resource: pipelineArn(ctx, pipeline), detail: { pipeline, 'execution-id': id, stage: stageName, state: 'InProgress', retryMode: mode } });
    publishExecution(ctx, e, 'InProgress', { retry: stageName });
    return { pipelineExecutionId: id };
  });
}
