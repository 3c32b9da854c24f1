// The pipeline runner engine: executions move through stages per AWS's execution modes, actions run through providers.
import type { Engine, EngineContext } from '../types.ts';
import { defaultProviders, ProviderRegistry } from './providers/registry.ts';
import { PipelineRunner } from './runner.ts';
import { startSourceTriggers } from './triggers.ts';
import type { ActionProvider } from './types.ts';

export interface PipelineRunnerOptions {
  /** Replaces the default providers (tests run pipelines on test providers). */
  readonly providers?: readonly ActionProvider[];
}

export function startPipelineRunner(ctx: EngineContext, options: PipelineRunnerOptions = {}): Engine & { readonly runner: PipelineRunner } {
  const runner = new PipelineRunner(ctx, new ProviderRegistry(options.providers ?? defaultProviders(ctx)));
  runner.start();
  const stopTriggers = startSourceTriggers(ctx);
  return {
    name: 'pipelines',
    runner,
    health() {
      const row = ctx.store.get("SELECT count(*) AS n FROM codepipeline_executions WHERE status IN ('InProgress', 'Stopping')");
      return Promise.resolve({ status: 'Healthy' as const, detail: `${Number(row?.['n'] ?? 0)} execution(s) in progress, ${runner.running} action(s) running` });
    },
    async stop() {
      stopTriggers();
      await runner.stop();
    },
  };
}
