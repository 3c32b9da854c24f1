// `slipway pipeline list | watch NAME`: pipelines with their latest execution, and a live view of one pipeline.
import type { GetPipelineStateOutput, ListPipelineExecutionsOutput, ListPipelinesOutput } from '@aws-sdk/client-codepipeline';
import { callApi, TARGETS } from './api.ts';
import { callDaemon } from './client.ts';
import { readEventStream } from './events.ts';
import { renderEvent } from './follow.ts';

export async function pipelineList(endpoint: string, out: (line: string) => void): Promise<number> {
  const { pipelines = [] } = await callApi<ListPipelinesOutput>(endpoint, `${TARGETS.codepipeline}.ListPipelines`, {});
  if (pipelines.length === 0) {
    out('No pipelines.');
    return 0;
  }
  const width = Math.max(...pipelines.map((p) => (p.name ?? '').length));
  for (const p of pipelines) {
    const { pipelineExecutionSummaries: runs = [] } = await callApi<ListPipelineExecutionsOutput>(endpoint, `${TARGETS.codepipeline}.ListPipelineExecutions`, {
      pipelineName: p.name,
      maxResults: 1,
    });
    const last = runs[0];
    // The wire carries epoch seconds; the SDK's type says Date.
    const started = last?.startTime === undefined ? '' : new Date(Number(last.startTime) * 1000).toISOString();
    const latest = last === undefined ? 'no executions yet' : `${last.status ?? ''} ${last.pipelineExecutionId ?? ''} (${started})`;
    out(`${(p.name ?? '').padEnd(width)}  v${p.version ?? 1}  ${p.pipelineType ?? 'V1'}  ${p.executionMode ?? 'SUPERSEDED'}  ${latest}`);
  }
  return 0;
}

/** Prints the pipeline's stages as GetPipelineState has them, then follows its events until interrupted. */
export async function pipelineWatch(endpoint: string, name: string, out: (line: string) => void, signal?: AbortSignal): Promise<number> {
  // The stream opens first, so nothing that happens while the current state is read can be missed.
  const query = new URLSearchParams({ since: 'now', follow: 'true' });
  for (const t of ['codepipeline.*', 'codebuild.build.log', 'codedeploy.*']) query.append('type', t);
  const res = await callDaemon(endpoint, `/_slipway/events?${query.toString()}`, signal === undefined ? {} : { signal });
  const state = await callApi<GetPipelineStateOutput>(endpoint, `${TARGETS.codepipeline}.GetPipelineState`, { name });
  out(`pipeline  ${name} (version ${state.pipelineVersion ?? 1})`);
  for (const stage of state.stageStates ?? []) {
    const latest = stage.latestExecution;
    out(`  stage   ${stage.stageName ?? ''}: ${latest?.status ?? 'not run yet'}${stage.inboundTransitionState?.enabled === false ? ' (inbound transition disabled)' : ''}`);
    for (const action of stage.actionStates ?? []) {
      const e = action.latestExecution;
      out(`    action ${stage.stageName ?? ''}/${action.actionName ?? ''}: ${e?.status ?? '-'}${e?.summary === undefined ? '' : ` (${e.summary})`}`);
    }
  }
  if (res.body === null) return 1;
  try {
    for await (const e of readEventStream(res.body)) {
      if (e.type.startsWith('codepipeline.') && e.detail['pipeline'] !== name) continue;
      for (const line of renderEvent(e)) out(line);
    }
  } catch (error) {
    if (signal?.aborted === true) return 0;
    throw error;
  }
  return 0;
}
