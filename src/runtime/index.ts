// The runtime layer's public surface: connect to an engine, or make a fake; base images; the shared conformance suite lives in conformance.ts.
export type * from './types.ts';
export { LABELS } from './types.ts';
export { connectRuntime, type ConnectRuntimeOptions } from './engine.ts';
export { DockerApiRuntime, type DockerApiRuntimeOptions } from './docker-api/runtime.ts';
export { FakeRuntime, type FakeRuntimeOptions } from './fake/runtime.ts';
export type { FakeExecAnswer } from './fake/behaviour.ts';
export {
  ensureBusyboxImage,
  ensureCodeBuildImage,
  CODEBUILD_MANAGED_IMAGES,
  ensureNodeImage,
  nodeBinaryPath,
  sharedLibraries,
  PUBLIC_NODE_IMAGE,
  type EnsureImageOptions,
  type EnsuredImage,
} from './base-images.ts';
export { runToCompletion, type RunResult } from './run.ts';
