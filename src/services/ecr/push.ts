// A push as both doors perform it: store the manifest (emitting ecr.image.push), then apply the lifecycle policy.
import { applyLifecyclePolicy } from './lifecycle.ts';
import { putManifest, type EcrContext, type PutManifestInput, type PutManifestResult } from './state.ts';

export interface PushResult extends PutManifestResult {
  /** Digests the lifecycle policy expired right after this push. */
  readonly expired: readonly string[];
}

export function pushImage(ctx: EcrContext, input: PutManifestInput): PushResult {
  const result = putManifest(ctx, input);
  const expired = result.changed ? applyLifecyclePolicy(ctx, input.repo) : [];
  return { ...result, expired };
}
