// Stage rollback: a new ROLLBACK execution re-runs one stage with the artifacts and variables of an earlier execution that
// succeeded in it (RollbackStage, and the runner's onFailure ROLLBACK).
import type { RollbackStageInput, RollbackStageOutput } from '@aws-sdk/client-codepipeline';
import { SlipwayError } from '../../core/errors.ts';
import { uuid } from '../../core/ids.ts';
import type { OperationContext, ServiceContext } from '../types.ts';
import { InputReader } from '../validate.ts';
import { NAME } from './declaration.ts';
import { declarationAt, findExecution, getPipelineRow, publishExecution, toExecution, type ExecutionRow } from './state.ts';

const EXECUTION_ID = { pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, patternText: 'an execution id (a lower-case UUID)' };

/** The newest STANDARD execution of this pipeline version that succeeded in the stage (AWS's automatic rollback target). */
export function lastSucceededIn(ctx: ServiceContext, pipeline: string, stageName: string, version: number, except = ''): ExecutionRow | undefined {
  const row = ctx.store.get(
    `SELECT e.* FROM codepipeline_executions e JOIN codepipeline_stage_runs s ON s.execution_id = e.id
     WHERE e.pipeline = ? AND e.version = ? AND e.execution_type = 'STANDARD' AND e.id != ? AND s.stage_name = ? AND s.status = 'Succeeded'
     ORDER BY e.seq DESC LIMIT 1`,
    pipeline,
    version,
    except,
    stageName,
  );
  return row === undefined ? undefined : toExecution(row);
}

/**
 * Records a ROLLBACK execution waiting in front of the stage, carrying the target's variables and artifacts (in the caller's
 * transaction). It runs that stage only and ends with it.
 */
export function startRollback(ctx: ServiceContext, target: ExecutionRow, stageIndex: number, trigger: { triggerType: 'AutomatedRollback' | 'ManualRollback'; triggerDetail: string }): string {
  return ctx.store.tx(() => {
    const id = uuid();
    const now = ctx.clock.now();
    ctx.store.run(
      `INSERT INTO codepipeline_executions (id, pipeline, version, mode, status, phase, stage_index, trigger, variables, source_revisions, execution_type, rollback_target, started, updated)
       VALUES (?, ?, ?, ?, 'InProgress', 'waiting', ?, ?, ?, '[]', 'ROLLBACK', ?, ?, ?)`,
      id,
      target.pipeline,
      target.version,
      target.mode,
      stageIndex,
      JSON.stringify(trigger),
      JSON.stringify(target.variables),
      target.id,
      now,
      now,
    );
    // The stage reads the target's artifacts; the blobs are shared (DeletePipeline deletes each digest once).
    ctx.store.run(
      'INSERT INTO codepipeline_artifacts (execution_id, name, digest, size, action_id) SELECT ?, name, digest, size, action_id FROM codepipeline_artifacts WHERE execution_id = ?',
      id,
      target.id,
    );
    publishExecution(ctx, { pipeline: target.pipeline, id, version: target.version }, 'InProgress', { trigger: trigger.triggerType, 'execution-type': 'ROLLBACK', 'rollback-target': target.id });
    return id;
  });
}

export function rollbackStage(input: RollbackStageInput, ctx: OperationContext): RollbackStageOutput {
  const r = new InputReader(input);
  const pipeline = r.string('pipelineName', { ...NAME, required: true }) ?? '';
  const stageName = r.string('stageName', { ...NAME, required: true }) ?? '';
  const targetId = r.string('targetPipelineExecutionId', { ...EXECUTION_ID, required: true }) ?? '';
  r.done();
  return ctx.store.tx(() => {
    const p = getPipelineRow(ctx, pipeline);
    const declaration = declarationAt(ctx, pipeline, p.version);
    const stages = (declaration?.stages ?? []).map((s) => s.name ?? '');
    const stageIndex = stages.indexOf(stageName);
    if (stageIndex < 0) throw new SlipwayError('StageNotFoundException', `Stage ${stageName} does not exist in pipeline ${pipeline} (stages: ${stages.join(', ')})`);
    const unable = (why: string): SlipwayError => new SlipwayError('UnableToRollbackStageException', `Unable to roll back stage ${stageName} of pipeline ${pipeline}: ${why}`);
    if (stageIndex === 0) throw unable('a source stage cannot be rolled back');
    if (declaration?.executionMode === 'PARALLEL') throw unable('PARALLEL pipelines cannot roll back stages');
    const target = findExecution(ctx, pipeline, targetId);
    if (target === undefined) throw new SlipwayError('PipelineExecutionNotFoundException', `Pipeline execution ${targetId} does not exist in pipeline ${pipeline}`);
    if (target.executionType === 'ROLLBACK') throw unable(`execution ${targetId} is itself a ROLLBACK execution; choose a STANDARD execution as the target`);
    if (target.version !== p.version) {
      throw new SlipwayError('PipelineExecutionOutdatedException', `Execution ${targetId} ran version ${target.version} of pipeline ${pipeline}, which is now at version ${p.version}; only an execution of the current structure can be a rollback target`);
    }
    const ran = ctx.store.get('SELECT status FROM codepipeline_stage_runs WHERE execution_id = ? AND stage_index = ?', targetId, stageIndex);
    if (ran?.['status'] !== 'Succeeded') throw unable(`execution ${targetId} did not succeed in stage ${stageName} (${typeof ran?.['status'] === 'string' ? ran['status'] : 'it never entered it'})`);
    const busy = ctx.store.get("SELECT execution_id FROM codepipeline_stage_runs WHERE pipeline = ? AND stage_name = ? AND status IN ('InProgress', 'Stopping')", pipeline, stageName);
    if (busy !== undefined) throw unable(`execution ${String(busy['execution_id'])} is running in it; stop it or wait for it to end`);
    const id = startRollback(ctx, target, stageIndex, { triggerType: 'ManualRollback', triggerDetail: ctx.request.accessKeyId ?? 'anonymous' });
    return { pipelineExecutionId: id };
  });
}
