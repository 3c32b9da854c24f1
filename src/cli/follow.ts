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

/** Lines for an event worth showing (none for the rest). Exported for the CLI's watch commands and for tests. */
export function renderEvent(event: SlipwayEvent): string[] {
  const d = event.detail;
  if (event.type === 'codepipeline.execution.state-change') return [`pipeline  ${text(d['pipeline'])} ${text(d['execution-id']).slice(0, 8)}: ${text(d['state'])}`];
  if (event.type === 'codepipeline.stage.state-change') return [`  stage   ${text(d['stage'])}: ${text(d['state'])}`];
  if (event.type === 'codepipeline.action.state-change') {
    const summary = text(d['summary']);
    return [`    action ${text(d['stage'])}/${text(d['action'])}: ${text(d['state'])}${summary === '' ? '' : ` (${summary})`}`];
  }
  if (event.type === 'codebuild.build.log') {
    const lines = Array.isArray(d['lines']) ? (d['lines'] as unknown[]) : [];
    return lines.map((l) => `      | ${text(l).trimEnd()}`);
  }
  if (event.type === 'codedeploy.lifecycle-event.completed') return [`    deploy ${text(d['lifecycleEventName'])}: ${text(d['lifecycleEventStatus'])}`];
  if (event.type === 'codedeploy.deployment.traffic-shifted' && typeof d['greenPercent'] === 'number') {
    return [`    deploy production traffic: ${100 - d['greenPercent']}% blue / ${d['greenPercent']}% green`];
  }
  if (/^codedeploy\.deployment\.(started|succeeded|failed|stopped|ready)$/.test(event.type)) {
    const message = text(d['message']);
    return [`    deploy ${text(d['deploymentId'])}: ${text(d['status'])}${message === '' ? '' : ` — ${message}`}`];
  }
  return [];
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
          if (d['pipeline'] !== options.pipeline) return;
          const id = text(d['execution-id']);
          if (executionId === undefined && id !== '') executionId = id;
          if (id !== '' && id !== executionId) return;
        }
        for (const line of renderEvent(event)) out(line);
        const state = text(d['state']);
        if (event.type === 'codepipeline.execution.state-change' && TERMINAL.has(state)) {
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
