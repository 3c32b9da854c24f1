// The runner's state machine: moves a pipeline's executions through stages per execution mode, in one transaction per pass.
import type { ActionDeclaration, PipelineDeclaration } from '@aws-sdk/client-codepipeline';
import { uuid } from '../../core/ids.ts';
import {
  actionRunsOf,
  declarationAt,
  findStageRun,
  pipelineArn,
  publishExecution,
  STATE_CHANGE,
  toActionRun,
  toExecution,
  transitionOf,
  type ActionInput,
  type ActionRun,
  type ExecutionRow,
  type ExecutionStatus,
  type StageRun,
  type StageStatus,
} from '../../services/codepipeline/state.ts';
import type { ServiceContext } from '../../services/types.ts';
import { findActionType, keyOf } from '../../specs/pipeline/action-types.ts';
import type { ActionProvider } from './types.ts';
import { ActionFailure } from './types.ts';
import { retryFailedStage, rollBackFailedStage } from './failure-policy.ts';
import { resolveConfiguration } from './variables.ts';

export interface PassResult {
  /** Action runs created InProgress: the runner starts their providers. */
  readonly launches: string[];
  /** Action runs abandoned: the runner aborts their providers. */
  readonly aborts: string[];
}

const ACTIVE = "('InProgress', 'Stopping')";

export class Scheduler {
  readonly #ctx: ServiceContext;
  readonly #provider: (key: string) => ActionProvider | undefined;
  readonly #providers: () => string[];

  constructor(ctx: ServiceContext, provider: (key: string) => ActionProvider | undefined, providers: () => string[]) {
    this.#ctx = ctx;
    this.#provider = provider;
    this.#providers = providers;
  }

  /** One pass over a pipeline until nothing more changes; runs in one transaction with all its events. */
  reconcile(pipeline: string): PassResult {
    const result: PassResult = { launches: [], aborts: [] };
    this.#ctx.store.tx(() => {
      this.#abandonOrphans(pipeline, result);
      for (let pass = 0; pass < 1000; pass++) {
        if (!this.#step(pipeline, result)) return;
      }
      throw new Error(`pipeline ${pipeline}: the scheduler did not settle in 1000 passes`);
    });
    return result;
  }

  #now(): number {
    return this.#ctx.clock.now();
  }

  #active(pipeline: string): ExecutionRow[] {
    return this.#ctx.store.all(`SELECT * FROM codepipeline_executions WHERE pipeline = ? AND status IN ${ACTIVE} ORDER BY seq`, pipeline).map(toExecution);
  }

  /** Actions still InProgress whose execution ended (stopped with abandon, pipeline deleted) are abandoned. */
  #abandonOrphans(pipeline: string, result: PassResult): void {
    const rows = this.#ctx.store.all(
      `SELECT a.* FROM codepipeline_action_runs a JOIN codepipeline_executions e ON e.id = a.execution_id
       WHERE a.pipeline = ? AND a.status = 'InProgress' AND e.status NOT IN ${ACTIVE}`,
      pipeline,
    );
    for (const run of rows.map(toActionRun)) this.#finishAction(run, 'Abandoned', result);
  }

  #step(pipeline: string, result: PassResult): boolean {
    const execs = this.#active(pipeline);
    for (const e of execs) if (e.phase === 'running' && this.#stepRunning(e, result)) return true;
    for (const e of execs) if (e.phase === 'waiting' && this.#stepWaiting(e, execs)) return true;
    return false;
  }

  #declaration(e: ExecutionRow): PipelineDeclaration {
    const d = declarationAt(this.#ctx, e.pipeline, e.version);
    if (d === undefined) throw new Error(`unreachable: pipeline ${e.pipeline} version ${e.version} is gone`);
    return d;
  }

  #setExecution(e: ExecutionRow, status: ExecutionStatus, phase: ExecutionRow['phase'], stageIndex: number, summary?: string): void {
    this.#ctx.store.run(
      'UPDATE codepipeline_executions SET status = ?, phase = ?, stage_index = ?, summary = COALESCE(?, summary), updated = ? WHERE id = ?',
      status,
      phase,
      stageIndex,
      summary ?? null,
      this.#now(),
      e.id,
    );
    if (status !== e.status) publishExecution(this.#ctx, e, status, summary === undefined ? {} : { summary });
  }

  #setStage(e: ExecutionRow, stage: StageRun, status: StageStatus): void {
    if (stage.status === status) return;
    this.#ctx.store.run('UPDATE codepipeline_stage_runs SET status = ?, updated = ? WHERE execution_id = ? AND stage_index = ?', status, this.#now(), e.id, stage.stageIndex);
    this.#ctx.bus.publish({ type: STATE_CHANGE.stage, resource: pipelineArn(this.#ctx, e.pipeline), detail: { pipeline: e.pipeline, 'execution-id': e.id, stage: stage.stageName, state: status } });
  }

  #finishAction(run: ActionRun, status: 'Abandoned' | 'Failed', result: PassResult, error?: ActionFailure): void {
    this.#ctx.store.run(
      'UPDATE codepipeline_action_runs SET status = ?, error_code = COALESCE(?, error_code), error_message = COALESCE(?, error_message), updated = ? WHERE id = ?',
      status,
      error?.code ?? null,
      error?.message ?? null,
      this.#now(),
      run.id,
    );
    if (status === 'Abandoned') result.aborts.push(run.id);
    publishAction(this.#ctx, run, status);
  }

  /** The run that counts for an action in the stage's current attempt (FAILED_ACTIONS keeps earlier successes). */
  #effective(stage: StageRun, runs: readonly ActionRun[], action: string): ActionRun | undefined {
    const latest = runs.filter((r) => r.actionName === action).at(-1);
    if (latest === undefined) return undefined;
    if (latest.attempt === stage.attempt) return latest;
    if (stage.retryMode === 'FAILED_ACTIONS' && (latest.status === 'Succeeded' || latest.status === 'InProgress')) return latest;
    return undefined;
  }

  #stepRunning(e: ExecutionRow, result: PassResult): boolean {
    const declaration = this.#declaration(e);
    const stages = declaration.stages ?? [];
    const stageDecl = stages[e.stageIndex];
    const stage = findStageRun(this.#ctx, e.id, e.stageIndex);
    if (stageDecl === undefined || stage === undefined) throw new Error(`unreachable: execution ${e.id} runs stage ${e.stageIndex} that does not exist`);
    let runs = actionRunsOf(this.#ctx, e.id, e.stageIndex);
    if (e.stopMode === 'abandon' && runs.some((r) => r.status === 'InProgress')) {
      for (const r of runs) if (r.status === 'InProgress') this.#finishAction(r, 'Abandoned', result);
      runs = actionRunsOf(this.#ctx, e.id, e.stageIndex);
    }
    const actions = stageDecl.actions ?? [];
    const effective = new Map(actions.map((a) => [a.name ?? '', this.#effective(stage, runs, a.name ?? '')]));
    const states = [...effective.values()];
    const inProgress = states.some((r) => r?.status === 'InProgress');
    if (e.status === 'Stopping') {
      if (inProgress) {
        if (stage.status !== 'Stopping') {
          this.#setStage(e, stage, 'Stopping');
          return true;
        }
        return false;
      }
      this.#setStage(e, stage, 'Stopped');
      this.#setExecution(e, 'Stopped', 'done', e.stageIndex, e.stopReason === '' ? 'Stopped' : e.stopReason);
      return true;
    }
    const failed = states.find((r) => r?.status === 'Failed' || r?.status === 'Abandoned');
    if (failed !== undefined) {
      if (inProgress) return false;
      if (retryFailedStage(this.#ctx, e, stageDecl, stage)) return true;
      this.#setStage(e, stage, 'Failed');
      const summary = `Action ${failed.actionName} in stage ${stage.stageName} failed: ${failed.errorMessage}`;
      this.#setExecution(e, 'Failed', 'done', e.stageIndex, summary);
      const rollback = rollBackFailedStage(this.#ctx, e, stageDecl, stage);
      if (rollback !== undefined) this.#ctx.store.run('UPDATE codepipeline_executions SET summary = ? WHERE id = ?', summary + rollback, e.id);
      return true;
    }
    const orders = [...new Set(actions.map((a) => a.runOrder ?? 1))].sort((a, b) => a - b);
    for (const order of orders) {
      const group = actions.filter((a) => (a.runOrder ?? 1) === order);
      if (group.every((a) => effective.get(a.name ?? '')?.status === 'Succeeded')) continue;
      if (group.some((a) => effective.get(a.name ?? '')?.status === 'InProgress')) return false;
      for (const a of group) if (effective.get(a.name ?? '') === undefined) this.#startAction(e, declaration, stage, a, result);
      return true;
    }
    this.#setStage(e, stage, 'Succeeded');
    // A ROLLBACK execution runs its one stage only.
    if (e.stageIndex + 1 >= stages.length || e.executionType === 'ROLLBACK') this.#setExecution(e, 'Succeeded', 'done', e.stageIndex, 'Succeeded');
    else this.#setExecution(e, 'InProgress', 'waiting', e.stageIndex + 1);
    return true;
  }

  #stepWaiting(e: ExecutionRow, execs: readonly ExecutionRow[]): boolean {
    if (e.status === 'Stopping') {
      this.#setExecution(e, 'Stopped', 'done', e.stageIndex, e.stopReason === '' ? 'Stopped' : e.stopReason);
      return true;
    }
    const stages = this.#declaration(e).stages ?? [];
    const stageName = stages[e.stageIndex]?.name ?? '';
    const waitingHere = execs.filter((o) => o.id !== e.id && o.phase === 'waiting' && o.stageIndex === e.stageIndex && o.status === 'InProgress');
    if (e.mode === 'SUPERSEDED') {
      // Overtaking happens only between stages: a newer execution waiting for, or already past, this gate replaces this one.
      const newerEntered = this.#ctx.store.get(
        `SELECT 1 FROM codepipeline_stage_runs s JOIN codepipeline_executions o ON o.id = s.execution_id
         WHERE s.pipeline = ? AND s.stage_name = ? AND o.seq > ?`,
        e.pipeline,
        stageName,
        e.seq,
      );
      if (waitingHere.some((o) => o.seq > e.seq) || newerEntered !== undefined) {
        this.#setExecution(e, 'Superseded', 'done', e.stageIndex, 'Superseded by a newer execution');
        return true;
      }
    }
    if (e.stageIndex > 0 && transitionOf(this.#ctx, e.pipeline, stageName)?.enabled === false) return false;
    if (e.mode !== 'PARALLEL') {
      const locked = this.#ctx.store.get(
        `SELECT 1 FROM codepipeline_stage_runs WHERE pipeline = ? AND stage_name = ? AND status IN ('InProgress', 'Stopping') AND execution_id != ?`,
        e.pipeline,
        stageName,
        e.id,
      );
      if (locked !== undefined) return false;
      if (e.mode === 'QUEUED' && waitingHere.some((o) => o.seq < e.seq)) return false;
    }
    const now = this.#now();
    this.#ctx.store.run(
      `INSERT INTO codepipeline_stage_runs (execution_id, pipeline, stage_index, stage_name, status, attempt, retry_mode, started, updated)
       VALUES (?, ?, ?, ?, 'InProgress', 1, NULL, ?, ?)
       ON CONFLICT(execution_id, stage_index) DO UPDATE SET status = 'InProgress', attempt = 1, retry_mode = NULL, auto_retries = 0, manual_retries = 0, retry_trigger = NULL, started = excluded.started, updated = excluded.updated`,
      e.id,
      e.pipeline,
      e.stageIndex,
      stageName,
      now,
      now,
    );
    this.#ctx.store.run("UPDATE codepipeline_executions SET phase = 'running', updated = ? WHERE id = ?", now, e.id);
    this.#ctx.bus.publish({ type: STATE_CHANGE.stage, resource: pipelineArn(this.#ctx, e.pipeline), detail: { pipeline: e.pipeline, 'execution-id': e.id, stage: stageName, state: 'InProgress' } });
    return true;
  }

  #startAction(e: ExecutionRow, declaration: PipelineDeclaration, stage: StageRun, a: ActionDeclaration, result: PassResult): void {
    const type = { category: a.actionTypeId?.category ?? '', owner: a.actionTypeId?.owner ?? '', provider: a.actionTypeId?.provider ?? '', version: a.actionTypeId?.version ?? '1' };
    const key = keyOf(type);
    const provider = this.#provider(key);
    const configuration = a.configuration ?? {};
    let resolved: Record<string, string> = configuration;
    let failure: ActionFailure | undefined;
    try {
      resolved = resolveConfiguration(configuration, {
        executionId: e.id,
        pipelineVariables: new Map(e.variables.map((v) => [v.name, v.resolvedValue])),
        namespace: (ns) => this.#namespace(e, ns),
      });
    } catch (error) {
      if (!(error instanceof ActionFailure)) throw error;
      failure = error;
    }
    if (failure === undefined && provider === undefined) {
      failure = new ActionFailure(`Slipway has no provider for action type ${key} yet; it runs ${this.#providers().join(', ') || 'none'}`, 'JobFailed');
    }
    const timeoutMinutes = a.timeoutInMinutes ?? provider?.timeoutMinutes ?? findActionType(type)?.timeoutMinutes ?? 60;
    const now = this.#now();
    const input: ActionInput = {
      actionTypeId: type,
      configuration,
      resolvedConfiguration: resolved,
      inputArtifacts: (a.inputArtifacts ?? []).map((x) => ({ name: x.name ?? '' })),
      outputArtifacts: (a.outputArtifacts ?? []).map((x) => ({ name: x.name ?? '' })),
      ...(a.namespace === undefined ? {} : { namespace: a.namespace }),
      ...(a.roleArn === undefined ? {} : { roleArn: a.roleArn }),
      region: a.region ?? this.#ctx.config.region,
    };
    void declaration;
    const id = uuid();
    const status = failure === undefined ? 'InProgress' : 'Failed';
    this.#ctx.store.run(
      `INSERT INTO codepipeline_action_runs (id, execution_id, pipeline, version, stage_index, stage_name, action_name, attempt, status, input, token, error_code, error_message, deadline, started, updated)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      id,
      e.id,
      e.pipeline,
      e.version,
      stage.stageIndex,
      stage.stageName,
      a.name ?? '',
      stage.attempt,
      status,
      JSON.stringify(input),
      type.category === 'Approval' && failure === undefined ? uuid() : null,
      failure?.code ?? null,
      failure?.message ?? null,
      now + timeoutMinutes * 60_000,
      now,
      now,
    );
    const row = this.#ctx.store.get('SELECT * FROM codepipeline_action_runs WHERE id = ?', id);
    if (row === undefined) throw new Error('unreachable: inserted above');
    publishAction(this.#ctx, toActionRun(row), status);
    if (failure === undefined) result.launches.push(id);
  }

  /** A ROLLBACK execution sees its own actions' variables first, then those of the execution it rolls back to. */
  #namespace(e: ExecutionRow, ns: string): Record<string, string> | undefined {
    const rows = this.#ctx.store.all("SELECT * FROM codepipeline_action_runs WHERE execution_id IN (?, ?) AND status = 'Succeeded' ORDER BY seq DESC", e.id, e.rollbackTarget).map(toActionRun);
    return rows.find((r) => r.input.namespace === ns)?.output?.outputVariables;
  }
}

export function publishAction(ctx: Pick<ServiceContext, 'bus' | 'config'>, run: ActionRun, state: string, extra: Record<string, unknown> = {}): void {
  ctx.bus.publish({
    type: STATE_CHANGE.action,
    resource: pipelineArn(ctx, run.pipeline),
    detail: {
      pipeline: run.pipeline,
      'execution-id': run.executionId,
      stage: run.stageName,
      action: run.actionName,
      'action-execution-id': run.id,
      type: run.input.actionTypeId,
      state,
      ...extra,
    },
  });
}
