// Read views of runs: GetPipelineState (stages, transitions, latest action executions) and ListActionExecutions.
import type {
  ActionExecution,
  ActionExecutionDetail,
  GetPipelineStateInput,
  GetPipelineStateOutput,
  ListActionExecutionsInput,
  ListActionExecutionsOutput,
  PipelineDeclaration,
  StageState,
} from '@aws-sdk/client-codepipeline';
import { str } from '../../store/db.ts';
import type { OperationContext } from '../types.ts';
import { InputReader } from '../validate.ts';
import { NAME } from './declaration.ts';
import { nextToken, readToken } from './pipelines.ts';
import {
  declarationAt,
  getExecution,
  getPipelineRow,
  latestStageRun,
  toActionRun,
  toExecution,
  transitionOf,
  type ActionRun,
} from './state.ts';

function latestExecutionOf(run: ActionRun): ActionExecution {
  return {
    actionExecutionId: run.id,
    status: run.status,
    ...(run.summary === '' ? {} : { summary: run.summary }),
    lastStatusChange: new Date(run.updated),
    ...(run.token === '' ? {} : { token: run.token }),
    ...(run.externalId === '' ? {} : { externalExecutionId: run.externalId }),
    ...(run.externalUrl === '' ? {} : { externalExecutionUrl: run.externalUrl }),
    ...(run.percent === undefined ? {} : { percentComplete: run.percent }),
    ...(run.errorCode === '' ? {} : { errorDetails: { code: run.errorCode, message: run.errorMessage } }),
  };
}

export function getPipelineState(input: GetPipelineStateInput, ctx: OperationContext): GetPipelineStateOutput {
  const r = new InputReader(input);
  const name = r.string('name', { ...NAME, required: true }) ?? '';
  r.done();
  const p = getPipelineRow(ctx, name);
  const declaration = declarationAt(ctx, name, p.version) ?? ({} as PipelineDeclaration);
  const waiting = ctx.store.all("SELECT * FROM codepipeline_executions WHERE pipeline = ? AND phase = 'waiting' AND status IN ('InProgress', 'Stopping') ORDER BY seq", name).map(toExecution);
  const typeOfExecution = (id: string): 'STANDARD' | 'ROLLBACK' => (ctx.store.get('SELECT execution_type FROM codepipeline_executions WHERE id = ?', id)?.['execution_type'] === 'ROLLBACK' ? 'ROLLBACK' : 'STANDARD');
  const stageStates: StageState[] = (declaration.stages ?? []).map((stage, index) => {
    const stageName = stage.name ?? '';
    const latest = latestStageRun(ctx, name, stageName);
    const inbound = waiting.filter((e) => e.stageIndex === index).map((e) => ({ pipelineExecutionId: e.id, status: 'InProgress' as const, type: e.executionType }));
    const transition = transitionOf(ctx, name, stageName);
    const actionStates = (stage.actions ?? []).map((action) => {
      const row = ctx.store.get('SELECT * FROM codepipeline_action_runs WHERE pipeline = ? AND stage_name = ? AND action_name = ? ORDER BY seq DESC LIMIT 1', name, stageName, action.name ?? '');
      const run = row === undefined ? undefined : toActionRun(row);
      return {
        actionName: action.name ?? '',
        ...(run === undefined ? {} : { latestExecution: latestExecutionOf(run) }),
        ...(run?.output?.revision?.revisionId === undefined
          ? {}
          : { currentRevision: { revisionId: run.output.revision.revisionId, revisionChangeId: run.output.revision.revisionId, created: new Date(run.output.revision.created ?? run.updated) } }),
      };
    });
    return {
      stageName,
      ...(inbound.length > 0 ? { inboundExecution: inbound[inbound.length - 1], inboundExecutions: inbound } : {}),
      ...(index === 0
        ? {}
        : {
            inboundTransitionState: {
              enabled: transition?.enabled ?? true,
              ...(transition === undefined ? {} : { lastChangedBy: transition.changedBy, lastChangedAt: new Date(transition.changedAt) }),
              ...(transition !== undefined && !transition.enabled ? { disabledReason: transition.reason } : {}),
            },
          }),
      actionStates,
      ...(latest === undefined ? {} : { latestExecution: { pipelineExecutionId: latest.executionId, status: latest.status, type: typeOfExecution(latest.executionId) } }),
      ...(latest === undefined || latest.retryTrigger === ''
        ? {}
        : {
            retryStageMetadata: {
              ...(latest.autoRetries > 0 ? { autoStageRetryAttempt: latest.autoRetries } : {}),
              ...(latest.manualRetries > 0 ? { manualStageRetryAttempt: latest.manualRetries } : {}),
              latestRetryTrigger: latest.retryTrigger,
            },
          }),
    };
  });
  return { pipelineName: name, pipelineVersion: p.version, stageStates, created: new Date(p.created), updated: new Date(p.updated) };
}

function artifactDetails(ctx: OperationContext, run: ActionRun, names: ReadonlyArray<{ name: string }>, bucket: string): Array<{ name: string; s3location: { bucket: string; key: string } }> {
  return names.map(({ name }) => {
    const row = ctx.store.get('SELECT digest FROM codepipeline_artifacts WHERE execution_id = ? AND name = ?', run.executionId, name);
    const digest = row === undefined ? '' : str(row, 'digest').slice('sha256:'.length, 'sha256:'.length + 7);
    return { name, s3location: { bucket, key: `${run.pipeline.slice(0, 20)}/${name.slice(0, 20)}/${digest}` } };
  });
}

export function listActionExecutions(input: ListActionExecutionsInput, ctx: OperationContext): ListActionExecutionsOutput {
  const r = new InputReader(input);
  const pipeline = r.string('pipelineName', { ...NAME, required: true }) ?? '';
  const max = r.integer('maxResults', { min: 1, max: 100 }) ?? 100;
  const filter = r.struct('filter');
  const executionId = filter?.string('pipelineExecutionId') ?? input.filter?.latestInPipelineExecution?.pipelineExecutionId;
  r.done();
  getPipelineRow(ctx, pipeline);
  if (executionId !== undefined) getExecution(ctx, pipeline, executionId);
  const start = readToken(input.nextToken);
  const rows = (
    executionId === undefined
      ? ctx.store.all('SELECT * FROM codepipeline_action_runs WHERE pipeline = ? ORDER BY seq DESC', pipeline)
      : ctx.store.all('SELECT * FROM codepipeline_action_runs WHERE pipeline = ? AND execution_id = ? ORDER BY seq DESC', pipeline, executionId)
  ).map(toActionRun);
  const details: ActionExecutionDetail[] = rows.slice(start, start + max).map((run) => {
    const bucket = declarationAt(ctx, pipeline, run.version)?.artifactStore?.location ?? 'slipway-artifacts';
    return {
      pipelineExecutionId: run.executionId,
      actionExecutionId: run.id,
      pipelineVersion: run.version,
      stageName: run.stageName,
      actionName: run.actionName,
      startTime: new Date(run.started),
      lastUpdateTime: new Date(run.updated),
      status: run.status,
      input: {
        actionTypeId: run.input.actionTypeId as NonNullable<ActionExecutionDetail['input']>['actionTypeId'],
        configuration: run.input.configuration,
        resolvedConfiguration: run.input.resolvedConfiguration,
        ...(run.input.roleArn === undefined ? {} : { roleArn: run.input.roleArn }),
        region: run.input.region,
        inputArtifacts: artifactDetails(ctx, run, run.input.inputArtifacts, bucket),
        ...(run.input.namespace === undefined ? {} : { namespace: run.input.namespace }),
      },
      output: {
        outputArtifacts: run.status === 'Succeeded' ? artifactDetails(ctx, run, run.output?.outputArtifacts ?? [], bucket) : [],
        executionResult: {
          ...(run.externalId === '' ? {} : { externalExecutionId: run.externalId }),
          ...(run.summary === '' ? {} : { externalExecutionSummary: run.summary }),
          ...(run.externalUrl === '' ? {} : { externalExecutionUrl: run.externalUrl }),
          ...(run.errorCode === '' ? {} : { errorDetails: { code: run.errorCode, message: run.errorMessage } }),
        },
        outputVariables: run.output?.outputVariables ?? {},
      },
    };
  });
  return { actionExecutionDetails: details, ...nextToken(start + max, rows.length) };
}
