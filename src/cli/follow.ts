// Live progress of a pipeline execution from the event bus: stage and action states, build log lines, deployment steps.
import type { EventBus, SlipwayEvent } from '../core/events.ts';

const TERMINAL = new Set(['Succeeded', 'Failed', 'Stopped', 'Superseded', 'Cancelled', 'Abandoned']);

export interface FollowOptions {
  readonly pipeline: string;
  readonly out: (line: string) => void;
  readonly signal?: AbortSignal;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

/** One line for an event worth showing, or undefined. Exported for the CLI's watch commands and for tests. */
export function renderEvent(event: SlipwayEvent): string | undefined {
  const d = event.detail;
  if (event.type.startsWith('codepipeline.')) {
    const where = [text(d['stageName']), text(d['actionName'])].filter((s) => s !== '').join(' / ');
    const state = text(d['state'] ?? d['status']);
    if (state === '') return undefined;
    return `  pipeline  ${where === '' ? 'execution' : where}: ${state}${text(d['summary']) === '' ? '' : ` — ${text(d['summary'])}`}`;
  }
  if (event.type === 'codebuild.build.log') return `  build     ${text(d['message']).trimEnd()}`;
  if (event.type.startsWith('codebuild.build.')) {
    const phase = text(d['phase'] ?? d['currentPhase']);
    const status = text(d['status'] ?? d['buildStatus'] ?? d['phaseStatus']);
    return status === '' ? undefined : `  build     ${phase === '' ? 'build' : phase}: ${status}`;
  }
  if (event.type.startsWith('codedeploy.')) {
    const step = text(d['lifecycleEvent'] ?? d['step']);
    const status = text(d['status']);
    const traffic = d['trafficPercent'] ?? d['greenPercent'];
    const split = typeof traffic === 'number' ? `  traffic ${100 - traffic}% blue / ${traffic}% green` : '';
    return status === '' && split === '' ? undefined : `  deploy    ${step === '' ? 'deployment' : step}: ${status}${split}`;
  }
  return undefined;
}

/** Prints the pipeline's progress until its next execution ends; resolves with that execution's final status. */
export function followPipeline(bus: EventBus, options: FollowOptions): Promise<string> {
  const { out } = options;
  return new Promise((resolve, reject) => {
    let executionId: string | undefined;
    const off = bus.subscribe(
      (e) => e.type.startsWith('codepipeline.') || e.type.startsWith('codebuild.') || e.type.startsWith('codedeploy.'),
      (event) => {
        const d = event.detail;
        if (event.type.startsWith('codepipeline.')) {
          if (d['pipelineName'] !== options.pipeline) return;
          const id = text(d['pipelineExecutionId'] ?? d['executionId']);
          if (executionId === undefined && id !== '') executionId = id;
          if (id !== '' && id !== executionId) return;
        }
        const line = renderEvent(event);
        if (line !== undefined) out(line);
        const state = text(d['state'] ?? d['status']);
        if (event.type.startsWith('codepipeline.') && d['stageName'] === undefined && TERMINAL.has(state)) {
          stop();
          resolve(state);
        }
      },
    );
    const onAbort = (): void => {
      stop();
      reject(options.signal?.reason instanceof Error ? options.signal.reason : new Error('stopped following'));
    };
    const stop = (): void => {
      off();
      options.signal?.removeEventListener('abort', onAbort);
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
