// Event-based source detection: a CodeCommit push or an ECR image push starts every pipeline whose source action watches it.
import type { ActionDeclaration, PipelineDeclaration } from '@aws-sdk/client-codepipeline';
import { typeFilter } from '../../core/events.ts';
import { REFERENCE_UPDATED } from '../../services/codecommit/state.ts';
import { startExecution } from '../../services/codepipeline/start.ts';
import { str } from '../../store/db.ts';
import type { EngineContext } from '../types.ts';
import { pushMatches, type Push } from './git-filters.ts';

const ECR_PUSH = 'ecr.image.push';

/** Pipelines (current version) with a source action the predicate accepts. */
function watchers(ctx: EngineContext, watches: (action: ActionDeclaration) => boolean): string[] {
  const rows = ctx.store.all('SELECT v.name, v.declaration FROM codepipeline_pipelines p JOIN codepipeline_pipeline_versions v ON v.name = p.name AND v.version = p.version');
  return rows.filter((row) => ((JSON.parse(str(row, 'declaration')) as PipelineDeclaration).stages?.[0]?.actions ?? []).some(watches)).map((row) => str(row, 'name'));
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function start(ctx: EngineContext, pipelines: readonly string[], triggerDetail: string): void {
  for (const pipeline of pipelines) {
    try {
      // AWS starts these through an EventBridge rule on the source's event.
      startExecution(ctx, pipeline, { triggerType: 'CloudWatchEvent', triggerDetail: triggerDetail.slice(0, 1024) }, [], []);
    } catch (error) {
      ctx.log.error({ pipeline, error: error instanceof Error ? error.message : String(error) }, 'could not start the pipeline on a source event');
    }
  }
}

/** Returns the unsubscribe function. */
export function startSourceTriggers(ctx: EngineContext): () => void {
  return ctx.bus.subscribe(typeFilter(REFERENCE_UPDATED, ECR_PUSH), (event) => {
    const d = event.detail;
    if (event.type === ECR_PUSH) {
      const repository = text(d['repositoryName']);
      const tag = text(d['imageTag']);
      if (tag === '') return;
      const pipelines = watchers(ctx, (a) => a.actionTypeId?.provider === 'ECR' && a.configuration?.['RepositoryName'] === repository && (a.configuration['ImageTag'] ?? 'latest') === tag);
      start(ctx, pipelines, `${event.resource}:${tag}@${text(d['imageDigest'])}`);
      return;
    }
    const ref = text(d['referenceName']);
    if (d['event'] === 'referenceDeleted') return;
    const referenceType = d['referenceType'] === 'tag' ? 'tag' : 'branch';
    const push: Push = {
      referenceType,
      name: ref.replace(/^refs\/(heads|tags)\//, ''),
      changedFiles: Array.isArray(d['changedFiles']) ? d['changedFiles'].filter((f): f is string => typeof f === 'string') : [],
    };
    onCodeCommitPush(ctx, text(d['repositoryName']), push, text(d['commitId']), `${event.resource}:${ref}@${text(d['commitId'])}`);
  });
}

/**
 * A CodeCommit source without a V2 trigger starts on pushes to its BranchName. With a trigger naming it
 * (a Slipway extension: AWS applies git triggers to CodeStarSourceConnection sources only), the trigger's
 * push filters decide, and the execution takes the pushed commit.
 */
function onCodeCommitPush(ctx: EngineContext, repository: string, push: Push, commitId: string, detail: string): void {
  const rows = ctx.store.all('SELECT v.name, v.declaration FROM codepipeline_pipelines p JOIN codepipeline_pipeline_versions v ON v.name = p.name AND v.version = p.version');
  for (const row of rows) {
    const d = JSON.parse(str(row, 'declaration')) as PipelineDeclaration;
    const sources = (d.stages?.[0]?.actions ?? []).filter((a) => a.actionTypeId?.provider === 'CodeCommit' && a.configuration?.['RepositoryName'] === repository);
    const pinned: Array<{ actionName: string; revisionType: string; revisionValue: string }> = [];
    let starts = false;
    for (const a of sources) {
      const trigger = d.pipelineType === 'V2' ? (d.triggers ?? []).find((t) => t.gitConfiguration?.sourceActionName === a.name)?.gitConfiguration : undefined;
      if (trigger === undefined) {
        starts ||= push.referenceType === 'branch' && a.configuration?.['BranchName'] === push.name;
      } else if (pushMatches(trigger, push)) {
        starts = true;
        pinned.push({ actionName: a.name ?? '', revisionType: 'COMMIT_ID', revisionValue: commitId });
      }
    }
    if (!starts) continue;
    try {
      startExecution(ctx, str(row, 'name'), { triggerType: pinned.length > 0 ? 'WebhookV2' : 'CloudWatchEvent', triggerDetail: detail.slice(0, 1024) }, [], pinned);
    } catch (error) {
      ctx.log.error({ pipeline: str(row, 'name'), error: error instanceof Error ? error.message : String(error) }, 'could not start the pipeline on a push');
    }
  }
}
