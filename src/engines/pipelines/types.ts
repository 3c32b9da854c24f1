// What an action provider is: the runner hands it one action execution and gets artifacts and variables back.
import type { Clock } from '../../core/clock.ts';
import type { ActionTypeKey } from '../../specs/pipeline/action-types.ts';
import type { EngineContext } from '../types.ts';

export interface InputArtifact {
  readonly name: string;
  /** The source revision (e.g. the commit id) when a source action of this execution produced the artifact. */
  readonly revisionId?: string;
  /** The artifact's zip, decrypted. */
  read(): Promise<Buffer>;
}

export interface ActionProgress {
  readonly summary?: string;
  readonly percentComplete?: number;
  readonly externalExecutionId?: string;
  readonly externalExecutionUrl?: string;
}

export interface ActionJob {
  readonly actionExecutionId: string;
  readonly pipelineName: string;
  readonly pipelineExecutionId: string;
  readonly stageName: string;
  readonly actionName: string;
  readonly actionTypeId: ActionTypeKey & { readonly version: string };
  /** Configuration with every `#{…}` reference resolved. */
  readonly configuration: Readonly<Record<string, string>>;
  readonly inputArtifacts: readonly InputArtifact[];
  /** The names the action must return artifacts under. */
  readonly outputArtifactNames: readonly string[];
  /** StartPipelineExecution's sourceRevisions override for this action, if any. */
  readonly sourceRevision?: { readonly revisionType: string; readonly revisionValue: string };
  /** The approval token (Approval actions). */
  readonly token?: string;
  /** What the provider persisted before a restart of Slipway; undefined on a first run. */
  readonly resumeState?: Readonly<Record<string, unknown>>;
  /** Aborts when the action is abandoned, times out, or Slipway stops (then the run is resumed on the next start). */
  readonly signal: AbortSignal;
  readonly clock: Clock;
  /** Reports progress (persisted, and published as an action state-change event). */
  progress(p: ActionProgress): void;
  /** Persists what a restarted Slipway needs to resume this action (e.g., the external execution id). */
  persist(state: Record<string, unknown>): void;
}

export interface ActionResult {
  /** One zip per declared output artifact name. */
  readonly outputArtifacts?: Readonly<Record<string, Uint8Array>>;
  readonly outputVariables?: Readonly<Record<string, string>>;
  readonly summary?: string;
  readonly externalExecutionId?: string;
  readonly externalExecutionUrl?: string;
  /** What a source action fetched. */
  readonly revision?: { revisionId?: string; revisionSummary?: string; revisionUrl?: string; created?: number };
}

/** A failure the provider reports on purpose: code and message become the action's errorDetails. */
export class ActionFailure extends Error {
  readonly code: string;
  constructor(message: string, code = 'JobFailed') {
    super(message);
    this.name = 'ActionFailure';
    this.code = code;
  }
}

export interface ActionProvider extends ActionTypeKey {
  /** True when run() can pick up a job from its resumeState after a restart; otherwise such a job fails, saying so. */
  readonly resumable: boolean;
  /** Overrides AWS's default timeout for the type (e.g., a configured approval timeout). */
  readonly timeoutMinutes?: number;
  run(job: ActionJob): Promise<ActionResult>;
}

export type ProviderFactory = (ctx: EngineContext) => ActionProvider;
