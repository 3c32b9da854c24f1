// The build runner engine: runs QUEUED builds (up to a machine-wide limit at once), honours StopBuild, and settles builds a crash left open.
import { typeFilter } from '../../core/events.ts';
import { badgeMount } from '../../services/codebuild/badge.ts';
import { loadBuild, openBuilds } from '../../services/codebuild/build-state.ts';
import type { Engine, EngineContext } from '../types.ts';
import { CACHE_MIGRATIONS } from './outputs/index.ts';
import { BuildRun } from './run-build.ts';
import { finishInterrupted, removeLeftovers, timeOutQueued } from './settle.ts';

export { BUILD_LOG_EVENT } from './build-log.ts';
export { BuildRun } from './run-build.ts';

export interface BuildRunnerOptions {
  /** Builds running at once on this machine; later ones wait QUEUED. */
  readonly maxConcurrent?: number;
}

export function startBuildRunner(ctx: EngineContext, options: BuildRunnerOptions = {}): Engine {
  const max = options.maxConcurrent ?? 4;
  ctx.store.migrate(CACHE_MIGRATIONS);
  const running = new Map<string, { run: BuildRun; done: Promise<void> }>();
  let stopping = false;

  const schedule = (): void => {
    if (stopping) return;
    for (const record of openBuilds(ctx)) {
      if (running.size >= max) return;
      if (running.has(record.id) || record.currentPhase !== 'QUEUED') continue;
      const run = new BuildRun(ctx, record);
      const done = run
        .execute()
        .catch((err: unknown) => ctx.log.error({ build: record.id, err }, 'build runner failed'))
        .finally(() => {
          running.delete(record.id);
          schedule();
        });
      running.set(record.id, { run, done });
    }
  };

  // Start-up: builds a crash left running cannot be resumed; queued ones run.
  for (const record of openBuilds(ctx)) if (record.currentPhase !== 'QUEUED') finishInterrupted(ctx, record.id);
  void removeLeftovers(ctx, (arn) => [...running.values()].some((r) => r.run.record.arn === arn));

  // queuedTimeoutInMinutes: a build still QUEUED at its deadline ends TIMED_OUT without running.
  const watching = new AbortController();
  const watchQueue = (id: string): void => {
    const record = loadBuild(ctx, id);
    if (record === undefined || record.currentPhase !== 'QUEUED') return;
    const wait = record.startTime + record.queuedTimeoutInMinutes * 60_000 - ctx.clock.now();
    ctx.clock.sleep(Math.max(0, wait), watching.signal).then(
      () => {
        if (!running.has(id)) timeOutQueued(ctx, id);
      },
      () => undefined,
    );
  };
  for (const record of openBuilds(ctx)) watchQueue(record.id);

  const offQueued = ctx.bus.subscribe(typeFilter('codebuild.build.queued'), (event) => {
    watchQueue(String(event.detail['id']));
    schedule();
  });
  const offStop = ctx.bus.subscribe(typeFilter('codebuild.build.stop-requested'), (event) => {
    const id = String(event.detail['id']);
    running.get(id)?.run.interrupt('STOPPED');
  });
  setImmediate(schedule);

  return {
    name: 'build-runner',
    // Build badges are public GETs beside the API (AWS serves them at /badges on the CodeBuild endpoint).
    mounts: [badgeMount(ctx)],
    health() {
      return Promise.resolve({ status: 'Healthy', detail: `${running.size} build(s) running, at most ${max} at once` });
    },
    async stop() {
      stopping = true;
      watching.abort(new Error('build runner stopped'));
      offQueued();
      offStop();
      // A daemon stopping mid-build stops its builds: they are recorded as STOPPED, not left open.
      for (const { run } of running.values()) if (loadBuild(ctx, run.record.id)?.buildComplete === false) run.interrupt('STOPPED');
      await Promise.all([...running.values()].map((r) => r.done));
    },
  };
}
