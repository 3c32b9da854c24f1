// Stage onFailure: what happens when a stage fails — RETRY it once by itself, ROLLBACK it to the last execution that
// succeeded in it (a new ROLLBACK execution), or FAIL (also what SKIP does: AWS documents SKIP for entry conditions only).
import type { StageDeclaration } from '@aws-sdk/client-codepipeline';
import { lastSucceededIn, startRollback } from '../../services/codepipeline/rollback.ts';
import { pipelineArn, STATE_CHANGE, type ExecutionRow, type StageRun } from '../../services/codepipeline/state.ts';
import type { ServiceContext } from '../../services/types.ts';

/** AWS allows one automatic retry per stage execution (RetryStageMetadata.autoStageRetryAttempt). */
export const MAX_AUTO_RETRIES = 1;

/** onFailure RETRY: starts the stage's next attempt and returns true, or returns false when the stage should fail. */
export function retryFailedStage(ctx: ServiceContext, e: ExecutionRow, declaration: StageDeclaration, stage: StageRun): boolean {
  if (declaration.onFailure?.result !== 'RETRY' || stage.autoRetries >= MAX_AUTO_RETRIES) return false;
  const mode = declaration.onFailure.retryConfiguration?.retryMode ?? 'FAILED_ACTIONS';
  ctx.store.run(
    "UPDATE codepipeline_stage_runs SET attempt = attempt + 1, retry_mode = ?, auto_retries = auto_retries + 1, retry_trigger = 'AutomatedStageRetry', updated = ? WHERE execution_id = ? AND stage_index = ?",
    mode,
    ctx.clock.now(),
    e.id,
    e.stageIndex,
  );
  ctx.bus.publish({
    type: STATE_CHANGE.stage,
    resource: pipelineArn(ctx, e.pipeline),
    detail: { pipeline: e.pipeline, 'execution-id': e.id, stage: stage.stageName, state: 'InProgress', retryMode: mode, trigger: 'AutomatedStageRetry' },
  });
  return true;
}

/**
 * onFailure ROLLBACK, after the stage and its execution were marked Failed: starts a ROLLBACK execution of the stage to the
 * newest STANDARD execution of the same pipeline version that succeeded in it. Returns a note for the failed execution's
 * summary, or undefined when there is nothing to do (no such execution yet: AWS rolls back only after one success).
 */
export function rollBackFailedStage(ctx: ServiceContext, e: ExecutionRow, declaration: StageDeclaration, stage: StageRun): string | undefined {
  if (declaration.onFailure?.result !== 'ROLLBACK' || e.executionType === 'ROLLBACK' || e.mode === 'PARALLEL') return undefined;
  if (stage.stageIndex === 0) return '; a source stage cannot be rolled back';
  const target = lastSucceededIn(ctx, e.pipeline, stage.stageName, e.version, e.id);
  if (target === undefined) return `; no earlier execution of this pipeline version succeeded in stage ${stage.stageName}, so it was not rolled back`;
  const id = startRollback(ctx, target, stage.stageIndex, { triggerType: 'AutomatedRollback', triggerDetail: e.id });
  return `; stage ${stage.stageName} is rolling back to execution ${target.id} in execution ${id}`;
}
