// CodePipeline's tables and row helpers, shared by the API (which records intent) and the pipeline runner (which acts).
import type { PipelineDeclaration } from '@aws-sdk/client-codepipeline';
import { SlipwayError } from '../../core/errors.ts';
import { arn } from '../../core/ids.ts';
import { num, str, type Migration, type Row } from '../../store/db.ts';
import type { ServiceContext } from '../types.ts';

export const codepipelineMigrations: readonly Migration[] = [
  {
    id: 'codepipeline/001-pipelines',
    sql: `CREATE TABLE codepipeline_pipelines (
      name TEXT PRIMARY KEY,
      version INTEGER NOT NULL,
      created INTEGER NOT NULL,
      updated INTEGER NOT NULL,
      tags TEXT NOT NULL
    );
    CREATE TABLE codepipeline_pipeline_versions (
      name TEXT NOT NULL,
      version INTEGER NOT NULL,
      declaration TEXT NOT NULL,
      PRIMARY KEY (name, version)
    );
    CREATE TABLE codepipeline_executions (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      pipeline TEXT NOT NULL,
      version INTEGER NOT NULL,
      mode TEXT NOT NULL,
      status TEXT NOT NULL,
      summary TEXT,
      phase TEXT NOT NULL,
      stage_index INTEGER NOT NULL,
      trigger TEXT NOT NULL,
      variables TEXT NOT NULL,
      source_revisions TEXT NOT NULL,
      stop_mode TEXT,
      stop_reason TEXT,
      client_token TEXT,
      started INTEGER NOT NULL,
      updated INTEGER NOT NULL
    );
    CREATE INDEX codepipeline_executions_pipeline ON codepipeline_executions(pipeline, status);
    CREATE TABLE codepipeline_stage_runs (
      execution_id TEXT NOT NULL,
      pipeline TEXT NOT NULL,
      stage_index INTEGER NOT NULL,
      stage_name TEXT NOT NULL,
      status TEXT NOT NULL,
      attempt INTEGER NOT NULL,
      retry_mode TEXT,
      started INTEGER NOT NULL,
      updated INTEGER NOT NULL,
      PRIMARY KEY (execution_id, stage_index)
    );
    CREATE INDEX codepipeline_stage_runs_stage ON codepipeline_stage_runs(pipeline, stage_name);
    CREATE TABLE codepipeline_action_runs (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      execution_id TEXT NOT NULL,
      pipeline TEXT NOT NULL,
      version INTEGER NOT NULL,
      stage_index INTEGER NOT NULL,
      stage_name TEXT NOT NULL,
      action_name TEXT NOT NULL,
      attempt INTEGER NOT NULL,
      status TEXT NOT NULL,
      input TEXT NOT NULL,
      output TEXT,
      external_state TEXT,
      token TEXT,
      summary TEXT,
      percent INTEGER,
      external_id TEXT,
      external_url TEXT,
      error_code TEXT,
      error_message TEXT,
      approval TEXT,
      deadline INTEGER NOT NULL,
      started INTEGER NOT NULL,
      updated INTEGER NOT NULL
    );
    CREATE INDEX codepipeline_action_runs_execution ON codepipeline_action_runs(execution_id, stage_index);
    CREATE INDEX codepipeline_action_runs_status ON codepipeline_action_runs(status);
    CREATE TABLE codepipeline_artifacts (
      execution_id TEXT NOT NULL,
      name TEXT NOT NULL,
      digest TEXT NOT NULL,
      size INTEGER NOT NULL,
      action_id TEXT NOT NULL,
      PRIMARY KEY (execution_id, name)
    );
    CREATE TABLE codepipeline_transitions (
      pipeline TEXT NOT NULL,
      stage TEXT NOT NULL,
      enabled INTEGER NOT NULL,
      reason TEXT,
      changed_by TEXT NOT NULL,
      changed_at INTEGER NOT NULL,
      PRIMARY KEY (pipeline, stage)
    );`,
  },
  {
    id: 'codepipeline/002-stage-retries',
    sql: `ALTER TABLE codepipeline_stage_runs ADD COLUMN auto_retries INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE codepipeline_stage_runs ADD COLUMN manual_retries INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE codepipeline_stage_runs ADD COLUMN retry_trigger TEXT;`,
  },
  {
    id: 'codepipeline/003-rollbacks',
    sql: `ALTER TABLE codepipeline_executions ADD COLUMN execution_type TEXT NOT NULL DEFAULT 'STANDARD';
    ALTER TABLE codepipeline_executions ADD COLUMN rollback_target TEXT;`,
  },
];

/** The event every pipeline, stage and action state change publishes (detail.level says which). */
export const STATE_CHANGE = {
  execution: 'codepipeline.execution.state-change',
  stage: 'codepipeline.stage.state-change',
  action: 'codepipeline.action.state-change',
} as const;
export const PIPELINE_CHANGED = 'codepipeline.pipeline.changed';
export const APPROVAL_RESULT = 'codepipeline.approval.result';
export const TRANSITION_CHANGED = 'codepipeline.transition.changed';

export type ExecutionStatus = 'Cancelled' | 'InProgress' | 'Stopped' | 'Stopping' | 'Succeeded' | 'Superseded' | 'Failed';
export type StageStatus = 'Cancelled' | 'InProgress' | 'Failed' | 'Stopped' | 'Stopping' | 'Succeeded' | 'Skipped';
export type ActionStatus = 'InProgress' | 'Abandoned' | 'Succeeded' | 'Failed';

type Ctx = Pick<ServiceContext, 'config' | 'store'>;

export function pipelineArn(ctx: Pick<ServiceContext, 'config'>, name: string): string {
  return arn(ctx.config, 'codepipeline', name);
}

export interface PipelineRow {
  readonly name: string;
  readonly version: number;
  readonly created: number;
  readonly updated: number;
  readonly tags: Array<{ key: string; value: string }>;
}

export function pipelineNotFound(name: string): SlipwayError {
  return new SlipwayError('PipelineNotFoundException', `The pipeline named ${name} does not exist`);
}

export function findPipeline(ctx: Ctx, name: string): PipelineRow | undefined {
  const row = ctx.store.get('SELECT * FROM codepipeline_pipelines WHERE name = ?', name);
  if (row === undefined) return undefined;
  return { name, version: num(row, 'version'), created: num(row, 'created'), updated: num(row, 'updated'), tags: JSON.parse(str(row, 'tags')) as PipelineRow['tags'] };
}

export function getPipelineRow(ctx: Ctx, name: string): PipelineRow {
  const p = findPipeline(ctx, name);
  if (p === undefined) throw pipelineNotFound(name);
  return p;
}

export function declarationAt(ctx: Ctx, name: string, version: number): PipelineDeclaration | undefined {
  const row = ctx.store.get('SELECT declaration FROM codepipeline_pipeline_versions WHERE name = ? AND version = ?', name, version);
  return row === undefined ? undefined : (JSON.parse(str(row, 'declaration')) as PipelineDeclaration);
}

export interface ExecutionRow {
  readonly seq: number;
  readonly id: string;
  readonly pipeline: string;
  readonly version: number;
  readonly mode: string;
  readonly status: ExecutionStatus;
  readonly summary: string;
  /** `waiting` to enter stage_index, `running` in it, or `done`. */
  readonly phase: 'waiting' | 'running' | 'done';
  readonly stageIndex: number;
  readonly trigger: { triggerType: string; triggerDetail: string };
  readonly variables: Array<{ name: string; resolvedValue: string }>;
  readonly sourceRevisions: Array<{ actionName: string; revisionType: string; revisionValue: string }>;
  readonly stopMode: '' | 'wait' | 'abandon';
  readonly stopReason: string;
  /** ROLLBACK for an execution that re-runs one stage with an earlier execution's artifacts and variables. */
  readonly executionType: 'STANDARD' | 'ROLLBACK';
  /** The execution a ROLLBACK execution takes its source revisions, artifacts and variables from ('' otherwise). */
  readonly rollbackTarget: string;
  readonly started: number;
  readonly updated: number;
}

export function toExecution(row: Row): ExecutionRow {
  return {
    seq: num(row, 'seq'),
    id: str(row, 'id'),
    pipeline: str(row, 'pipeline'),
    version: num(row, 'version'),
    mode: str(row, 'mode'),
    status: str(row, 'status') as ExecutionStatus,
    summary: str(row, 'summary'),
    phase: str(row, 'phase') as ExecutionRow['phase'],
    stageIndex: num(row, 'stage_index'),
    trigger: JSON.parse(str(row, 'trigger')) as ExecutionRow['trigger'],
    variables: JSON.parse(str(row, 'variables')) as ExecutionRow['variables'],
    sourceRevisions: JSON.parse(str(row, 'source_revisions')) as ExecutionRow['sourceRevisions'],
    stopMode: str(row, 'stop_mode') as ExecutionRow['stopMode'],
    stopReason: str(row, 'stop_reason'),
    executionType: str(row, 'execution_type') === 'ROLLBACK' ? 'ROLLBACK' : 'STANDARD',
    rollbackTarget: str(row, 'rollback_target'),
    started: num(row, 'started'),
    updated: num(row, 'updated'),
  };
}

export function findExecution(ctx: Ctx, pipeline: string, id: string): ExecutionRow | undefined {
  const row = ctx.store.get('SELECT * FROM codepipeline_executions WHERE pipeline = ? AND id = ?', pipeline, id);
  return row === undefined ? undefined : toExecution(row);
}

export function getExecution(ctx: Ctx, pipeline: string, id: string): ExecutionRow {
  const e = findExecution(ctx, pipeline, id);
  if (e === undefined) throw new SlipwayError('PipelineExecutionNotFoundException', `Pipeline execution ${id} does not exist in pipeline ${pipeline}`);
  return e;
}

export interface StageRun {
  readonly executionId: string;
  readonly stageIndex: number;
  readonly stageName: string;
  readonly status: StageStatus;
  readonly attempt: number;
  readonly retryMode: '' | 'FAILED_ACTIONS' | 'ALL_ACTIONS';
  readonly autoRetries: number;
  readonly manualRetries: number;
  readonly retryTrigger: '' | 'AutomatedStageRetry' | 'ManualStageRetry';
  readonly started: number;
  readonly updated: number;
}

export function toStageRun(row: Row): StageRun {
  return {
    executionId: str(row, 'execution_id'),
    stageIndex: num(row, 'stage_index'),
    stageName: str(row, 'stage_name'),
    status: str(row, 'status') as StageStatus,
    attempt: num(row, 'attempt'),
    retryMode: str(row, 'retry_mode') as StageRun['retryMode'],
    autoRetries: num(row, 'auto_retries'),
    manualRetries: num(row, 'manual_retries'),
    retryTrigger: str(row, 'retry_trigger') as StageRun['retryTrigger'],
    started: num(row, 'started'),
    updated: num(row, 'updated'),
  };
}

export function findStageRun(ctx: Ctx, executionId: string, stageIndex: number): StageRun | undefined {
  const row = ctx.store.get('SELECT * FROM codepipeline_stage_runs WHERE execution_id = ? AND stage_index = ?', executionId, stageIndex);
  return row === undefined ? undefined : toStageRun(row);
}

/** The execution that entered a stage most recently (its latest stage run). */
export function latestStageRun(ctx: Ctx, pipeline: string, stageName: string): StageRun | undefined {
  const row = ctx.store.get(
    `SELECT s.* FROM codepipeline_stage_runs s JOIN codepipeline_executions e ON e.id = s.execution_id
     WHERE s.pipeline = ? AND s.stage_name = ? ORDER BY s.started DESC, e.seq DESC LIMIT 1`,
    pipeline,
    stageName,
  );
  return row === undefined ? undefined : toStageRun(row);
}

export interface ActionInput {
  readonly actionTypeId: { category: string; owner: string; provider: string; version: string };
  readonly configuration: Record<string, string>;
  readonly resolvedConfiguration: Record<string, string>;
  readonly inputArtifacts: Array<{ name: string }>;
  readonly outputArtifacts: Array<{ name: string }>;
  readonly namespace?: string;
  readonly roleArn?: string;
  readonly region: string;
}

export interface ActionOutput {
  readonly outputArtifacts: Array<{ name: string }>;
  readonly outputVariables: Record<string, string>;
  readonly summary?: string;
  /** What a source action fetched (GetPipelineExecution's artifactRevisions). */
  readonly revision?: { revisionId?: string; revisionSummary?: string; revisionUrl?: string; created?: number };
}

export interface ActionRun {
  readonly seq: number;
  readonly id: string;
  readonly executionId: string;
  readonly pipeline: string;
  readonly version: number;
  readonly stageIndex: number;
  readonly stageName: string;
  readonly actionName: string;
  readonly attempt: number;
  readonly status: ActionStatus;
  readonly input: ActionInput;
  readonly output: ActionOutput | undefined;
  readonly externalState: Record<string, unknown> | undefined;
  readonly token: string;
  readonly summary: string;
  readonly percent: number | undefined;
  readonly externalId: string;
  readonly externalUrl: string;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly approval: { status: string; summary: string; at: number; by: string } | undefined;
  readonly deadline: number;
  readonly started: number;
  readonly updated: number;
}

function json<T>(row: Row, key: string): T | undefined {
  const v = str(row, key);
  return v === '' ? undefined : (JSON.parse(v) as T);
}

export function toActionRun(row: Row): ActionRun {
  const percent = num(row, 'percent');
  return {
    seq: num(row, 'seq'),
    id: str(row, 'id'),
    executionId: str(row, 'execution_id'),
    pipeline: str(row, 'pipeline'),
    version: num(row, 'version'),
    stageIndex: num(row, 'stage_index'),
    stageName: str(row, 'stage_name'),
    actionName: str(row, 'action_name'),
    attempt: num(row, 'attempt'),
    status: str(row, 'status') as ActionStatus,
    input: JSON.parse(str(row, 'input')) as ActionInput,
    output: json<ActionOutput>(row, 'output'),
    externalState: json<Record<string, unknown>>(row, 'external_state'),
    token: str(row, 'token'),
    summary: str(row, 'summary'),
    percent: Number.isNaN(percent) ? undefined : percent,
    externalId: str(row, 'external_id'),
    externalUrl: str(row, 'external_url'),
    errorCode: str(row, 'error_code'),
    errorMessage: str(row, 'error_message'),
    approval: json<ActionRun['approval']>(row, 'approval'),
    deadline: num(row, 'deadline'),
    started: num(row, 'started'),
    updated: num(row, 'updated'),
  };
}

export function findActionRun(ctx: Ctx, id: string): ActionRun | undefined {
  const row = ctx.store.get('SELECT * FROM codepipeline_action_runs WHERE id = ?', id);
  return row === undefined ? undefined : toActionRun(row);
}

/** Every run of one execution's stage, oldest first. */
export function actionRunsOf(ctx: Ctx, executionId: string, stageIndex: number): ActionRun[] {
  return ctx.store.all('SELECT * FROM codepipeline_action_runs WHERE execution_id = ? AND stage_index = ? ORDER BY seq', executionId, stageIndex).map(toActionRun);
}

export interface Transition {
  readonly enabled: boolean;
  readonly reason: string;
  readonly changedBy: string;
  readonly changedAt: number;
}

export function transitionOf(ctx: Ctx, pipeline: string, stage: string): Transition | undefined {
  const row = ctx.store.get('SELECT * FROM codepipeline_transitions WHERE pipeline = ? AND stage = ?', pipeline, stage);
  if (row === undefined) return undefined;
  return { enabled: num(row, 'enabled') === 1, reason: str(row, 'reason'), changedBy: str(row, 'changed_by'), changedAt: num(row, 'changed_at') };
}

/** Publishes a state change of an execution (in the caller's transaction). */
export function publishExecution(ctx: Pick<ServiceContext, 'bus' | 'config'>, e: Pick<ExecutionRow, 'pipeline' | 'id' | 'version'>, state: ExecutionStatus, extra: Record<string, unknown> = {}): void {
  ctx.bus.publish({
    type: STATE_CHANGE.execution,
    resource: pipelineArn(ctx, e.pipeline),
    detail: { pipeline: e.pipeline, 'execution-id': e.id, version: e.version, state, ...extra },
  });
}
