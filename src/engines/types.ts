// What an engine is and what it can reach: the service context plus blobs and the edge's public endpoint.
import type { Mount } from '../core/mount.ts';
import type { ContainerRuntime } from '../runtime/types.ts';
import type { ServiceContext } from '../services/types.ts';
import type { BlobStore } from '../store/blobs.ts';

export interface EngineContext extends ServiceContext {
  readonly blobs: BlobStore;
  /** The URL clients use to reach the edge (for clone URLs, repository URIs, registry realms). */
  endpoint(): string;
  /**
   * The container runtime once connected. Rejects when the daemon runs without one (code `RuntimeDisabled`) or could
   * not connect, with a message saying so: engines record that on the resource (a FAILED build, a STOPPED task).
   */
  runtime(): Promise<ContainerRuntime>;
}

/** A running engine: what it serves on the edge, how it is, and how it stops. */
export interface Engine {
  readonly name: string;
  readonly mounts?: readonly Mount[];
  /** How the engine is; without it, a started engine reports Healthy with its mount points. */
  health?(): Promise<{ status: 'Healthy' | 'Unhealthy' | 'Starting' | 'Stopped'; detail: string }>;
  stop?(): Promise<void>;
}
