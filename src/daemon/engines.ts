// The engines the daemon runs and the mounts they serve on the edge's port; one explicit list.
import type { Mount } from '../core/mount.ts';
import { startGitServer } from '../engines/git-server/index.ts';
import { startRegistry } from '../engines/registry/index.ts';
import type { ServiceContext } from '../services/types.ts';
import type { BlobStore } from '../store/blobs.ts';

export interface EngineContext extends ServiceContext {
  readonly blobs: BlobStore;
  /** The URL clients use to reach the edge (for clone URLs, repository URIs, registry realms). */
  endpoint(): string;
}

/** A running engine: what it serves on the edge and how it stops. */
export interface Engine {
  readonly name: string;
  readonly mounts?: readonly Mount[];
  /** How the engine is; without it, a started engine reports Healthy with its mount points. */
  health?(): Promise<{ status: 'Healthy' | 'Unhealthy' | 'Starting'; detail: string }>;
  stop?(): Promise<void>;
}

/** Engines in start order; each later issue adds its engine here. */
export function startEngines(ctx: EngineContext): Engine[] {
  return [startGitServer(ctx), startRegistry(ctx)];
}
