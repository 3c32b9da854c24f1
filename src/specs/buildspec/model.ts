// The typed, normalised shape of a CodeBuild buildspec, as readBuildspec returns it.

export const SUPPORTED_VERSIONS = ['0.1', '0.2'] as const;
export type BuildspecVersion = (typeof SUPPORTED_VERSIONS)[number];

export const PHASE_NAMES = ['install', 'pre_build', 'build', 'post_build'] as const;
export type PhaseName = (typeof PHASE_NAMES)[number];

export const LINUX_SHELLS = ['bash', '/bin/sh', 'sh'] as const;
export type BuildspecShell = (typeof LINUX_SHELLS)[number];

export const REPORT_FILE_FORMATS = [
  'JUNITXML',
  'CUCUMBERJSON',
  'NUNITXML',
  'NUNIT3XML',
  'TESTNGXML',
  'VISUALSTUDIOTRX',
  'CLOVERXML',
  'COBERTURAXML',
  'JACOCOXML',
  'SIMPLECOV',
] as const;
export type ReportFileFormat = (typeof REPORT_FILE_FORMATS)[number];

export const MAX_REPORT_GROUPS = 5;

/** A `secrets-manager` reference `secret-id:json-key:version-stage:version-id`, split into its parts. */
export interface SecretReference {
  readonly raw: string;
  readonly secretId: string;
  /** Absent: the whole secret string. */
  readonly jsonKey?: string;
  /** Absent together with versionId: AWSCURRENT. */
  readonly versionStage?: string;
  readonly versionId?: string;
}

export interface BuildspecEnv {
  readonly shell?: BuildspecShell;
  /** Values are literal strings: `$PATH:/x` is not expanded. */
  readonly variables: Readonly<Record<string, string>>;
  /** Env-var name → SSM parameter name. */
  readonly parameterStore: Readonly<Record<string, string>>;
  readonly secretsManager: Readonly<Record<string, SecretReference>>;
  readonly exportedVariables: readonly string[];
  readonly gitCredentialHelper: boolean;
}

export type OnFailure =
  | { readonly mode: 'ABORT' }
  | { readonly mode: 'CONTINUE' }
  /** `RETRY` (count 3), `RETRY-<n>`, `RETRY-<regex>`, `RETRY-<n>-<regex>`; pattern absent retries on any error. */
  | { readonly mode: 'RETRY'; readonly count: number; readonly pattern?: string };

export interface Phase {
  readonly runAs?: string;
  readonly onFailure?: OnFailure;
  /** Install phase only. */
  readonly runtimeVersions?: Readonly<Record<string, string>>;
  readonly commands: readonly string[];
  readonly finally: readonly string[];
}

export interface ReportGroup {
  readonly files: readonly string[];
  readonly baseDirectory?: string;
  readonly discardPaths: boolean;
  /** Defaults to JUNITXML. */
  readonly fileFormat: ReportFileFormat;
}

export interface ArtifactSet {
  readonly files: readonly string[];
  readonly name?: string;
  readonly discardPaths: boolean;
  readonly baseDirectory?: string;
  readonly excludePaths: readonly string[];
  readonly enableSymlinks: boolean;
  readonly s3Prefix?: string;
}

export interface Artifacts extends ArtifactSet {
  /** artifactIdentifier → artifact. */
  readonly secondaryArtifacts: Readonly<Record<string, ArtifactSet>>;
}

export interface Cache {
  readonly paths: readonly string[];
  readonly key?: string;
  readonly fallbackKeys: readonly string[];
  /** Absent: restore at start and save at end. */
  readonly action?: 'restore' | 'save';
}

export interface BatchBuildEnv {
  readonly computeType?: string;
  readonly image?: string;
  readonly privilegedMode?: boolean;
  readonly type?: string;
  readonly variables: Readonly<Record<string, string>>;
}

export interface BatchTask {
  readonly identifier: string;
  readonly buildspec?: string;
  readonly env?: BatchBuildEnv;
  readonly ignoreFailure: boolean;
  readonly debugSession: boolean;
  /** build-graph only. */
  readonly dependOn: readonly string[];
}

export interface BatchMatrix {
  readonly static: { readonly ignoreFailure: boolean; readonly env?: BatchBuildEnv };
  readonly dynamic: {
    readonly buildspec: readonly string[];
    readonly env: {
      readonly computeType: readonly string[];
      readonly image: readonly string[];
      readonly variables: Readonly<Record<string, readonly string[]>>;
    };
  };
}

export type BuildspecBatch = { readonly fastFail: boolean } & (
  | { readonly kind: 'build-list'; readonly tasks: readonly BatchTask[] }
  | { readonly kind: 'build-graph'; readonly tasks: readonly BatchTask[] }
  | { readonly kind: 'build-matrix'; readonly matrix: BatchMatrix }
  | { readonly kind: 'none' }
);

export interface Buildspec {
  readonly file: string;
  readonly version: BuildspecVersion;
  /** Version 0.1 runs each command in its own shell; 0.2 runs all commands in one shell instance. */
  readonly shellPerCommand: boolean;
  readonly runAs?: string;
  readonly env: BuildspecEnv;
  readonly proxy: { readonly uploadArtifacts: boolean; readonly logs: boolean };
  readonly batch?: BuildspecBatch;
  readonly phases: Readonly<Partial<Record<PhaseName, Phase>>>;
  readonly reports: Readonly<Record<string, ReportGroup>>;
  readonly artifacts?: Artifacts;
  readonly cache?: Cache;
}
