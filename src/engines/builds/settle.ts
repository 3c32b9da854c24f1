// Builds that end without running to completion: left IN_PROGRESS by a crash, or QUEUED past their queued timeout.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LABELS } from '../../runtime/types.ts';
import { loadBuild, openBuilds, updateBuild } from '../../services/codebuild/build-state.ts';
import type { EngineContext } from '../types.ts';

const EMPTY_CONTEXT = { statusCode: '', message: '' };

/** A build left IN_PROGRESS by a crash: its open phase and the build end as FAULT with the reason, nothing reruns. */
export function finishInterrupted(ctx: EngineContext, id: string): void {
  const record = loadBuild(ctx, id);
  if (record === undefined || record.buildComplete) return;
  updateBuild(ctx, id, 'completed', (r) => {
    const now = ctx.clock.now();
    const open = r.phases.at(-1);
    const context = { statusCode: 'BUILD_INTERRUPTED', message: 'Slipway stopped while this build was running; a build cannot be resumed after a restart' };
    if (open !== undefined && open.endTime === undefined) Object.assign(open, { phaseStatus: 'FAULT', endTime: now, contexts: [context] });
    r.phases.push({ phaseType: 'FINALIZING', phaseStatus: 'SUCCEEDED', startTime: now, endTime: now, contexts: [EMPTY_CONTEXT] });
    r.phases.push({ phaseType: 'COMPLETED', startTime: now });
    Object.assign(r, { currentPhase: 'COMPLETED', buildStatus: 'FAULT', buildComplete: true, endTime: now });
  });
}

/** A build still QUEUED at its queuedTimeoutInMinutes: TIMED_OUT without running. */
export function timeOutQueued(ctx: EngineContext, id: string): void {
  const current = loadBuild(ctx, id);
  if (current === undefined || current.currentPhase !== 'QUEUED' || current.buildComplete) return;
  updateBuild(ctx, id, 'completed', (r) => {
    if (r.currentPhase !== 'QUEUED' || r.buildComplete) return;
    const now = ctx.clock.now();
    const queued = r.phases.find((p) => p.phaseType === 'QUEUED' && p.endTime === undefined);
    const context = { statusCode: 'BUILD_TIMED_OUT', message: `Build was queued for more than ${r.queuedTimeoutInMinutes} minutes (queuedTimeoutInMinutes)` };
    if (queued !== undefined) Object.assign(queued, { phaseStatus: 'TIMED_OUT', endTime: now, contexts: [context] });
    r.phases.push({ phaseType: 'COMPLETED', startTime: now });
    Object.assign(r, { currentPhase: 'COMPLETED', buildStatus: 'TIMED_OUT', buildComplete: true, endTime: now });
  });
}

/** The owner label value of this data dir's containers (the daemon's instance id). */
export function ownerOf(ctx: EngineContext): string {
  return ctx.store.getKv<string>('instance-id') ?? ctx.config.dataDir;
}

/** Containers and workspaces of builds a crash interrupted: removed once the runtime answers (best effort). */
export async function removeLeftovers(ctx: EngineContext, isRunning: (arn: string) => boolean): Promise<void> {
  const open = new Set(openBuilds(ctx).map((b) => b.id.slice(b.id.indexOf(':') + 1)));
  const root = join(ctx.config.dataDir, 'builds');
  for (const name of await readdir(root).catch(() => [] as string[])) {
    if (!open.has(name)) await rm(join(root, name), { recursive: true, force: true }).catch(() => undefined);
  }
  try {
    const runtime = await ctx.runtime();
    for (const c of await runtime.list({ [LABELS.role]: 'build', [LABELS.owner]: ownerOf(ctx) })) {
      const arn = c.labels[LABELS.resource] ?? '';
      const id = arn.slice(arn.indexOf('build/') + 'build/'.length);
      if (!isRunning(arn) && loadBuild(ctx, id)?.buildComplete !== false) await runtime.remove(c.id, { force: true });
    }
  } catch {
    // No runtime: nothing of ours can be running in it.
  }
}
