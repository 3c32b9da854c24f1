// CodeBuild build records: the stored shape of a build, its wire form, and the one way to change it (with an event).
import type { Build, BuildPhase, EnvironmentVariable, ProjectArtifacts, ProjectCache, ProjectEnvironment, ProjectSource } from '@aws-sdk/client-codebuild';
import { arn } from '../../core/ids.ts';
import { str, type Migration } from '../../store/db.ts';
import type { ServiceContext } from '../types.ts';

export const codebuildBuildMigrations: readonly Migration[] = [
  {
    id: 'codebuild/002-builds',
    sql: `CREATE TABLE codebuild_builds (
      id TEXT PRIMARY KEY,
      project TEXT NOT NULL,
      build_number INTEGER NOT NULL,
      status TEXT NOT NULL,
      complete INTEGER NOT NULL,
      start_time INTEGER NOT NULL,
      body TEXT NOT NULL
    );
    CREATE INDEX codebuild_builds_project ON codebuild_builds(project, start_time);
    CREATE INDEX codebuild_builds_open ON codebuild_builds(complete);`,
  },
];

export const PHASE_TYPES = ['SUBMITTED', 'QUEUED', 'PROVISIONING', 'DOWNLOAD_SOURCE', 'INSTALL', 'PRE_BUILD', 'BUILD', 'POST_BUILD', 'UPLOAD_ARTIFACTS', 'FINALIZING', 'COMPLETED'] as const;
export type PhaseType = (typeof PHASE_TYPES)[number];
export type BuildStatus = 'SUCCEEDED' | 'FAILED' | 'FAULT' | 'TIMED_OUT' | 'IN_PROGRESS' | 'STOPPED';

/** The image name that asks for Slipway's host mode: commands run on this machine, not isolated (see README). */
export const HOST_IMAGE = 'slipway:host';

export interface PhaseRecord {
  phaseType: PhaseType;
  phaseStatus?: BuildStatus;
  startTime: number;
  endTime?: number;
  contexts?: { statusCode: string; message: string }[];
}

export interface ArtifactRecord {
  location?: string;
  sha256sum?: string;
  md5sum?: string;
  overrideArtifactName?: boolean;
  encryptionDisabled?: boolean;
  artifactIdentifier?: string;
}

/** What is stored per build: AWS's Build members (times in ms) plus what the build runner needs to run it. */
export interface BuildRecord {
  id: string;
  arn: string;
  buildNumber: number;
  projectName: string;
  startTime: number;
  endTime?: number;
  currentPhase: PhaseType;
  buildStatus: BuildStatus;
  buildComplete: boolean;
  sourceVersion?: string;
  resolvedSourceVersion?: string;
  phases: PhaseRecord[];
  /** The effective source: project source with the StartBuild overrides applied (buildspec included). */
  source: ProjectSource;
  secondarySources: ProjectSource[];
  /** The project artifacts definition with overrides applied. */
  artifactsDefinition?: ProjectArtifacts;
  secondaryArtifactsDefinition: ProjectArtifacts[];
  artifacts?: ArtifactRecord;
  secondaryArtifacts: ArtifactRecord[];
  cache?: ProjectCache;
  /** Project environment with overrides applied; environmentVariables holds project and override values merged. */
  environment: ProjectEnvironment & { environmentVariables: EnvironmentVariable[] };
  serviceRole?: string;
  timeoutInMinutes: number;
  queuedTimeoutInMinutes: number;
  initiator: string;
  encryptionKey?: string;
  exportedEnvironmentVariables?: { name: string; value: string }[];
  reportArns?: string[];
  logsEnabled: boolean;
  /** Set by StopBuild; the runner stops the build and records STOPPED. */
  stopRequested?: boolean;
  /** The build this one retries (RetryBuild). */
  retriedFrom?: string;
}

export function buildArn(ctx: Pick<ServiceContext, 'config'>, id: string): string {
  return arn(ctx.config, 'codebuild', `build/${id}`);
}

export function logGroupName(project: string): string {
  return `/aws/codebuild/${project}`;
}

/** The stream name is the build id's uuid half, as in AWS. */
export function logStreamName(id: string): string {
  return id.slice(id.indexOf(':') + 1);
}

export function loadBuild(ctx: Pick<ServiceContext, 'store'>, id: string): BuildRecord | undefined {
  const row = ctx.store.get('SELECT body FROM codebuild_builds WHERE id = ?', id);
  return row === undefined ? undefined : (JSON.parse(str(row, 'body')) as BuildRecord);
}

/** Open builds (QUEUED or IN_PROGRESS), oldest first. */
export function openBuilds(ctx: Pick<ServiceContext, 'store'>, project?: string): BuildRecord[] {
  const rows =
    project === undefined
      ? ctx.store.all('SELECT body FROM codebuild_builds WHERE complete = 0 ORDER BY start_time, build_number')
      : ctx.store.all('SELECT body FROM codebuild_builds WHERE complete = 0 AND project = ? ORDER BY start_time, build_number', project);
  return rows.map((row) => JSON.parse(str(row, 'body')) as BuildRecord);
}

export function insertBuild(ctx: Pick<ServiceContext, 'store'>, record: BuildRecord): void {
  ctx.store.run(
    'INSERT INTO codebuild_builds (id, project, build_number, status, complete, start_time, body) VALUES (?, ?, ?, ?, ?, ?, ?)',
    record.id,
    record.projectName,
    record.buildNumber,
    record.buildStatus,
    record.buildComplete ? 1 : 0,
    record.startTime,
    JSON.stringify(record),
  );
}

/**
 * Applies `change` to the stored build and publishes `codebuild.build.<event>` in the same transaction. Returns the
 * updated record, or undefined when the build no longer exists.
 */
export function updateBuild(ctx: Pick<ServiceContext, 'store' | 'bus'>, id: string, event: string, change: (record: BuildRecord) => void, detail: Record<string, unknown> = {}): BuildRecord | undefined {
  return ctx.store.tx(() => {
    const record = loadBuild(ctx, id);
    if (record === undefined) return undefined;
    change(record);
    ctx.store.run('UPDATE codebuild_builds SET status = ?, complete = ?, body = ? WHERE id = ?', record.buildStatus, record.buildComplete ? 1 : 0, JSON.stringify(record), id);
    ctx.bus.publish({
      type: `codebuild.build.${event}`,
      resource: record.arn,
      detail: { id, projectName: record.projectName, buildStatus: record.buildStatus, currentPhase: record.currentPhase, ...detail },
    });
    return record;
  });
}

function phaseOut(p: PhaseRecord): BuildPhase {
  const out: BuildPhase = { phaseType: p.phaseType, startTime: new Date(p.startTime) };
  if (p.phaseStatus !== undefined) out.phaseStatus = p.phaseStatus;
  if (p.endTime !== undefined) {
    out.endTime = new Date(p.endTime);
    out.durationInSeconds = Math.round((p.endTime - p.startTime) / 1000);
  }
  if (p.contexts !== undefined) out.contexts = p.contexts;
  return out;
}

/** The wire shape of BatchGetBuilds' `builds[]` items. */
export function toBuild(record: BuildRecord, ctx: Pick<ServiceContext, 'config'>): Build {
  const group = logGroupName(record.projectName);
  const stream = logStreamName(record.id);
  const region = ctx.config.region;
  const logs = record.logsEnabled
    ? {
        groupName: group,
        streamName: stream,
        deepLink: `https://console.aws.amazon.com/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${encodeURIComponent(group)}/log-events/${stream}`,
        cloudWatchLogsArn: arn(ctx.config, 'logs', `log-group:${group}:log-stream:${stream}`),
        cloudWatchLogs: { status: 'ENABLED' as const },
        s3Logs: { status: 'DISABLED' as const, encryptionDisabled: false },
      }
    : { cloudWatchLogs: { status: 'DISABLED' as const }, s3Logs: { status: 'DISABLED' as const, encryptionDisabled: false } };
  const build: Build = {
    id: record.id,
    arn: record.arn,
    buildNumber: record.buildNumber,
    startTime: new Date(record.startTime),
    currentPhase: record.currentPhase,
    buildStatus: record.buildStatus,
    projectName: record.projectName,
    phases: record.phases.map(phaseOut),
    source: record.source,
    secondarySources: record.secondarySources,
    secondarySourceVersions: [],
    artifacts: record.artifacts ?? { location: '' },
    secondaryArtifacts: record.secondaryArtifacts,
    cache: record.cache ?? { type: 'NO_CACHE' },
    environment: record.environment,
    logs,
    timeoutInMinutes: record.timeoutInMinutes,
    queuedTimeoutInMinutes: record.queuedTimeoutInMinutes,
    buildComplete: record.buildComplete,
    initiator: record.initiator,
    reportArns: record.reportArns ?? [],
  };
  if (record.endTime !== undefined) build.endTime = new Date(record.endTime);
  if (record.sourceVersion !== undefined) build.sourceVersion = record.sourceVersion;
  if (record.resolvedSourceVersion !== undefined) build.resolvedSourceVersion = record.resolvedSourceVersion;
  if (record.serviceRole !== undefined) build.serviceRole = record.serviceRole;
  if (record.encryptionKey !== undefined) build.encryptionKey = record.encryptionKey;
  if (record.exportedEnvironmentVariables !== undefined) build.exportedEnvironmentVariables = record.exportedEnvironmentVariables;
  return build;
}
