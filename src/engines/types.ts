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
  /**
   * Stops the engine. What it started to outlive the daemon (task containers, the load balancer's data plane) keeps
   * running for the next start to adopt, unless `final`: then the engine ends what it can of it.
   */
  stop?(options?: EngineStopOptions): Promise<void>;
}

export interface EngineStopOptions {
  /** The daemon stops for good (`slipway down --all`, a test's clean-up): end what would otherwise outlive it. */
  readonly final?: boolean;
}
