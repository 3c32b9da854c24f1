// StartBuild's overrides: validated all at once and applied to the project to give the build's effective settings.
import type { EnvironmentVariable, ProjectArtifacts, ProjectCache, ProjectEnvironment, ProjectSource, StartBuildInput } from '@aws-sdk/client-codebuild';
import { describeValue, Problems } from '../../core/errors.ts';
import { InputReader } from '../validate.ts';
import { readProjectFields, type ProjectFields } from './project-input.ts';

const VARIABLE_TYPES = ['PLAINTEXT', 'PARAMETER_STORE', 'SECRETS_MANAGER'];
const SOURCE_TYPES = ['CODECOMMIT', 'CODEPIPELINE', 'NO_SOURCE'];

export interface BuildSettings {
  source: ProjectSource;
  secondarySources: ProjectSource[];
  sourceVersion?: string;
  artifacts?: ProjectArtifacts;
  secondaryArtifacts: ProjectArtifacts[];
  cache?: ProjectCache;
  environment: ProjectEnvironment & { environmentVariables: EnvironmentVariable[] };
  serviceRole?: string;
  timeoutInMinutes: number;
  queuedTimeoutInMinutes: number;
  encryptionKey?: string;
  logsEnabled: boolean;
}

function readVariables(input: Record<string, unknown>, problems: Problems): EnvironmentVariable[] | undefined {
  const value = input['environmentVariablesOverride'];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    problems.add({ field: 'environmentVariablesOverride', found: describeValue(value), expected: 'a list of {name, value, type}' });
    return undefined;
  }
  const out: EnvironmentVariable[] = [];
  value.forEach((item: unknown, i) => {
    const field = `environmentVariablesOverride[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problems.add({ field, found: describeValue(item), expected: 'an object {name, value, type}' });
      return;
    }
    const r = new InputReader(item, problems, `${field}.`);
    const name = r.string('name', { required: true, min: 1 });
    const v = r.string('value', { required: true });
    const type = r.string('type', { oneOf: VARIABLE_TYPES }) ?? 'PLAINTEXT';
    if (name !== undefined && v !== undefined) out.push({ name, value: v, type: type as EnvironmentVariable['type'] });
  });
  return out;
}

/** Override variables replace project variables of the same name (start-build > project), keeping project order. */
export function mergeVariables(project: readonly EnvironmentVariable[], override: readonly EnvironmentVariable[]): EnvironmentVariable[] {
  const byName = new Map<string, EnvironmentVariable>();
  for (const v of project) byName.set(v.name ?? '', v);
  for (const v of override) byName.set(v.name ?? '', v);
  return [...byName.values()];
}

/** Validates StartBuild's members (all problems at once) and returns the build's settings from `project`. */
export function readStartBuild(input: StartBuildInput, project: ProjectFields, problems: Problems): BuildSettings | undefined {
  const raw = input as unknown as Record<string, unknown>;
  const r = new InputReader(raw, problems);
  const sourceVersion = r.string('sourceVersion', { min: 1 });
  const buildspecOverride = r.string('buildspecOverride');
  const sourceTypeOverride = r.string('sourceTypeOverride', { oneOf: SOURCE_TYPES });
  const sourceLocationOverride = r.string('sourceLocationOverride');
  const gitCloneDepthOverride = r.integer('gitCloneDepthOverride', { min: 0 });
  const imageOverride = r.string('imageOverride', { min: 1 });
  const environmentTypeOverride = r.string('environmentTypeOverride', { oneOf: ['LINUX_CONTAINER'] });
  const computeTypeOverride = r.string('computeTypeOverride', { min: 1 });
  const privilegedModeOverride = r.boolean('privilegedModeOverride');
  const timeoutInMinutesOverride = r.integer('timeoutInMinutesOverride', { min: 5, max: 2160 });
  const queuedTimeoutInMinutesOverride = r.integer('queuedTimeoutInMinutesOverride', { min: 5, max: 480 });
  const serviceRoleOverride = r.string('serviceRoleOverride', { min: 1 });
  const encryptionKeyOverride = r.string('encryptionKeyOverride', { min: 1 });
  r.string('idempotencyToken');
  const variables = readVariables(raw, problems);
  // The structured overrides have the project members' shapes: read them with the project reader.
  const structured: Record<string, unknown> = {};
  for (const [from, to] of [
    ['artifactsOverride', 'artifacts'],
    ['secondaryArtifactsOverride', 'secondaryArtifacts'],
    ['secondarySourcesOverride', 'secondarySources'],
    ['cacheOverride', 'cache'],
    ['logsConfigOverride', 'logsConfig'],
  ] as const) {
    if (raw[from] !== undefined && raw[from] !== null) structured[to] = raw[from];
  }
  const overrides = new Problems();
  const fields = readProjectFields(structured, overrides, 'update');
  const names: Record<string, string> = { artifacts: 'artifactsOverride', secondaryArtifacts: 'secondaryArtifactsOverride', secondarySources: 'secondarySourcesOverride', cache: 'cacheOverride', logsConfig: 'logsConfigOverride' };
  for (const p of overrides.items) {
    const head = p.field.split(/[.[]/)[0] ?? '';
    problems.add({ ...p, field: names[head] === undefined ? p.field : names[head] + p.field.slice(head.length) });
  }
  if (problems.size > 0) return undefined;

  const baseSource = project.source ?? { type: 'NO_SOURCE' };
  const source: ProjectSource = { ...baseSource };
  if (sourceTypeOverride !== undefined) source.type = sourceTypeOverride as ProjectSource['type'];
  if (sourceLocationOverride !== undefined) source.location = sourceLocationOverride;
  if (buildspecOverride !== undefined) source.buildspec = buildspecOverride;
  if (gitCloneDepthOverride !== undefined) source.gitCloneDepth = gitCloneDepthOverride;
  if (source.type === 'CODECOMMIT' && (source.location === undefined || source.location === '')) {
    problems.add({ field: 'sourceLocationOverride', found: 'nothing', expected: 'a clone URL for a CODECOMMIT source' });
  }
  if (source.type === 'NO_SOURCE' && (source.location === undefined || source.location === '') && (source.buildspec === undefined || source.buildspec.trim() === '')) {
    problems.add({ field: 'buildspecOverride', found: 'nothing', expected: 'an inline buildspec (a NO_SOURCE build has no source to read buildspec.yml from)' });
  }
  const baseEnv = project.environment ?? { type: 'LINUX_CONTAINER', image: '', computeType: 'BUILD_GENERAL1_SMALL' };
  const environment = {
    ...baseEnv,
    environmentVariables: mergeVariables(baseEnv.environmentVariables ?? [], variables ?? []),
  };
  if (imageOverride !== undefined) environment.image = imageOverride;
  if (environmentTypeOverride !== undefined) environment.type = environmentTypeOverride as ProjectEnvironment['type'];
  if (computeTypeOverride !== undefined) environment.computeType = computeTypeOverride as ProjectEnvironment['computeType'];
  if (privilegedModeOverride !== undefined) environment.privilegedMode = privilegedModeOverride;
  if (problems.size > 0) return undefined;
  const logsConfig = fields.logsConfig ?? project.logsConfig;
  const settings: BuildSettings = {
    source,
    secondarySources: fields.secondarySources ?? project.secondarySources ?? [],
    secondaryArtifacts: fields.secondaryArtifacts ?? project.secondaryArtifacts ?? [],
    environment,
    timeoutInMinutes: timeoutInMinutesOverride ?? project.timeoutInMinutes ?? 60,
    queuedTimeoutInMinutes: queuedTimeoutInMinutesOverride ?? project.queuedTimeoutInMinutes ?? 480,
    logsEnabled: logsConfig?.cloudWatchLogs?.status !== 'DISABLED',
  };
  const version = sourceVersion ?? project.sourceVersion;
  if (version !== undefined) settings.sourceVersion = version;
  const artifacts = fields.artifacts ?? project.artifacts;
  if (artifacts !== undefined) settings.artifacts = artifacts;
  const cache = fields.cache ?? project.cache;
  if (cache !== undefined) settings.cache = cache;
  const role = serviceRoleOverride ?? project.serviceRole;
  if (role !== undefined) settings.serviceRole = role;
  const key = encryptionKeyOverride ?? project.encryptionKey;
  if (key !== undefined) settings.encryptionKey = key;
  return settings;
}
