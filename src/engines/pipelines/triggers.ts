// Event-based source detection: a push to a CodeCommit branch starts every pipeline whose source action watches it.
import type { PipelineDeclaration } from '@aws-sdk/client-codepipeline';
import { REFERENCE_UPDATED } from '../../services/codecommit/state.ts';
import { startExecution } from '../../services/codepipeline/start.ts';
import { str } from '../../store/db.ts';
import { typeFilter } from '../../core/events.ts';
import type { EngineContext } from '../types.ts';

/** Pipelines (current version) with a CodeCommit source on this repository and branch. */
function watchers(ctx: EngineContext, repository: string, branch: string): string[] {
  const rows = ctx.store.all('SELECT v.name, v.declaration FROM codepipeline_pipelines p JOIN codepipeline_pipeline_versions v ON v.name = p.name AND v.version = p.version');
  return rows
    .filter((row) => {
      const d = JSON.parse(str(row, 'declaration')) as PipelineDeclaration;
      return (d.stages?.[0]?.actions ?? []).some(
        (a) => a.actionTypeId?.provider === 'CodeCommit' && a.configuration?.['RepositoryName'] === repository && a.configuration['BranchName'] === branch,
      );
    })
    .map((row) => str(row, 'name'));
}

/** Returns the unsubscribe function. */
export function startSourceTriggers(ctx: EngineContext): () => void {
  return ctx.bus.subscribe(typeFilter(REFERENCE_UPDATED), (event) => {
    const d = event.detail;
    const text = (v: unknown): string => (typeof v === 'string' ? v : '');
    const ref = text(d['referenceName']);
    if (d['referenceType'] !== 'branch' || d['event'] === 'referenceDeleted') return;
    const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
    const repository = text(d['repositoryName']);
    for (const pipeline of watchers(ctx, repository, branch)) {
      try {
        // AWS starts these through an EventBridge rule on the repository's referenceUpdated event.
        startExecution(ctx, pipeline, { triggerType: 'CloudWatchEvent', triggerDetail: `${event.resource}:${ref}@${text(d['commitId'])}` }, [], []);
      } catch (error) {
        ctx.log.error({ pipeline, error: error instanceof Error ? error.message : String(error) }, 'could not start the pipeline on a push');
      }
    }
  });
}
