// Reads CreateProject/UpdateProject input into project members, collecting every problem as AWS's InvalidInputException.
import type {
  CloudWatchLogsConfig,
  EnvironmentVariable,
  LogsConfig,
  ProjectArtifacts,
  ProjectCache,
  ProjectEnvironment,
  ProjectSource,
  ProjectSourceVersion,
  S3LogsConfig,
  Tag,
} from '@aws-sdk/client-codebuild';
import { describeValue, type Problems } from '../../core/errors.ts';
import { InputReader } from '../validate.ts';

export const PROJECT_NAME = {
  min: 2,
  max: 150,
  pattern: /^[A-Za-z0-9][A-Za-z0-9\-_]{1,149}$/,
  patternText: "a letter or digit followed by letters, digits, '-' and '_'",
};

const SOURCE_TYPES = ['CODECOMMIT', 'CODEPIPELINE', 'GITHUB', 'GITLAB', 'GITLAB_SELF_MANAGED', 'S3', 'BITBUCKET', 'GITHUB_ENTERPRISE', 'NO_SOURCE'] as const;
/** The source types Slipway can fetch; the others are valid AWS values that would need a service Slipway does not run. */
const SUPPORTED_SOURCE_TYPES = ['CODECOMMIT', 'CODEPIPELINE', 'NO_SOURCE'] as const;
const ARTIFACT_TYPES = ['CODEPIPELINE', 'S3', 'NO_ARTIFACTS'] as const;
const CACHE_TYPES = ['NO_CACHE', 'S3', 'LOCAL'] as const;
const CACHE_MODES = ['LOCAL_DOCKER_LAYER_CACHE', 'LOCAL_SOURCE_CACHE', 'LOCAL_CUSTOM_CACHE'] as const;
const ENVIRONMENT_TYPES = [
  'WINDOWS_CONTAINER',
  'LINUX_CONTAINER',
  'LINUX_GPU_CONTAINER',
  'ARM_CONTAINER',
  'WINDOWS_SERVER_2019_CONTAINER',
  'WINDOWS_SERVER_2022_CONTAINER',
  'LINUX_LAMBDA_CONTAINER',
  'ARM_LAMBDA_CONTAINER',
  'LINUX_EC2',
  'ARM_EC2',
  'WINDOWS_EC2',
  'MAC_ARM',
] as const;
const COMPUTE_TYPES = [
  'BUILD_GENERAL1_SMALL',
  'BUILD_GENERAL1_MEDIUM',
  'BUILD_GENERAL1_LARGE',
  'BUILD_GENERAL1_XLARGE',
  'BUILD_GENERAL1_2XLARGE',
  'BUILD_LAMBDA_1GB',
  'BUILD_LAMBDA_2GB',
  'BUILD_LAMBDA_4GB',
  'BUILD_LAMBDA_8GB',
  'BUILD_LAMBDA_10GB',
  'ATTRIBUTE_BASED_COMPUTE',
  'CUSTOM_INSTANCE_TYPE',
] as const;
const VARIABLE_TYPES = ['PLAINTEXT', 'PARAMETER_STORE', 'SECRETS_MANAGER'] as const;
const LOG_STATUS = ['ENABLED', 'DISABLED'] as const;
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=@+-]*$/u;
const TAG_TEXT_WORDS = "letters, digits, spaces and '_', '.', ':', '/', '=', '@', '+', '-'";
const IDENTIFIER = { required: true, min: 1, max: 127, pattern: /^[A-Za-z0-9_]+$/, patternText: 'letters, digits and underscores' };

/** The members a request gave; absent members stay absent so UpdateProject can keep the stored ones. */
export interface ProjectFields {
  description?: string;
  source?: ProjectSource;
  secondarySources?: ProjectSource[];
  sourceVersion?: string;
  secondarySourceVersions?: ProjectSourceVersion[];
  artifacts?: ProjectArtifacts;
  secondaryArtifacts?: ProjectArtifacts[];
  cache?: ProjectCache;
  environment?: ProjectEnvironment;
  serviceRole?: string;
  timeoutInMinutes?: number;
  queuedTimeoutInMinutes?: number;
  encryptionKey?: string;
  tags?: Tag[];
  badgeEnabled?: boolean;
  logsConfig?: LogsConfig;
  concurrentBuildLimit?: number;
  autoRetryLimit?: number;
}

type Mode = 'create' | 'update';

/** Removes undefined members so stored JSON and wire output carry only what is set. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** A list of structures: each item read by `read` with its own reader whose problems join the others. */
function structList<T>(raw: Record<string, unknown>, name: string, prefix: string, problems: Problems, max: number, read: (r: InputReader, field: string) => T | undefined): T[] | undefined {
  const value = raw[name];
  if (value === undefined || value === null) return undefined;
  const field = `${prefix}${name}`;
  if (!Array.isArray(value)) {
    problems.add({ field, found: describeValue(value), expected: 'a list' });
    return undefined;
  }
  if (value.length > max) {
    problems.add({ field, found: `${value.length} items`, expected: `at most ${max} items` });
    return undefined;
  }
  const out: T[] = [];
  value.forEach((item: unknown, i) => {
    const itemField = `${field}[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problems.add({ field: itemField, found: describeValue(item), expected: 'an object' });
      return;
    }
    const read1 = read(new InputReader(item, problems, `${itemField}.`), itemField);
    if (read1 !== undefined) out.push(read1);
  });
  return out;
}

function raw(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function isAbsoluteDirectory(location: string): boolean {
  return location.startsWith('/') || location.startsWith('file:///');
}

function isUrl(location: string): boolean {
  try {
    const url = new URL(location);
    return url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'file:';
  } catch {
    return false;
  }
}

function readSource(r: InputReader, field: string, problems: Problems, secondary: boolean): ProjectSource | undefined {
  const type = r.string('type', { required: true, oneOf: SOURCE_TYPES });
  const location = r.string('location');
  const gitCloneDepth = r.integer('gitCloneDepth', { min: 0 });
  const buildspec = r.string('buildspec');
  const reportBuildStatus = r.boolean('reportBuildStatus');
  const insecureSsl = r.boolean('insecureSsl');
  const sourceIdentifier = r.string('sourceIdentifier', secondary ? IDENTIFIER : { ...IDENTIFIER, required: false });
  const submodules = r.struct('gitSubmodulesConfig');
  const fetchSubmodules = submodules?.boolean('fetchSubmodules', { required: true });
  if (type === undefined) return undefined;
  if (!(SUPPORTED_SOURCE_TYPES as readonly string[]).includes(type)) {
    problems.add({ field: `${field}.type`, found: describeValue(type), expected: `one of ${SUPPORTED_SOURCE_TYPES.join(', ')} (Slipway fetches sources only from its own CodeCommit, a pipeline or a local directory)` });
  }
  if (type === 'CODECOMMIT') {
    if (location === undefined || location === '') problems.add({ field: `${field}.location`, found: 'nothing', expected: 'the repository clone URL for a CODECOMMIT source' });
    else if (!isUrl(location)) problems.add({ field: `${field}.location`, found: describeValue(location), expected: 'an http(s) clone URL, e.g. <endpoint>/v1/repos/<repository>' });
  }
  if (type === 'NO_SOURCE') {
    // Slipway's local-directory source: NO_SOURCE with an absolute directory as location (see README.md).
    if (location !== undefined && location !== '' && !isAbsoluteDirectory(location)) {
      problems.add({ field: `${field}.location`, found: describeValue(location), expected: 'nothing, or an absolute local directory (/path or file:///path) for a local-directory source' });
    }
    if ((location === undefined || location === '') && (buildspec === undefined || buildspec.trim() === '')) {
      problems.add({ field: `${field}.buildspec`, found: 'nothing', expected: 'an inline buildspec (a NO_SOURCE project has no source to read buildspec.yml from)' });
    }
  }
  if (reportBuildStatus === true && !['GITHUB', 'GITHUB_ENTERPRISE', 'GITLAB', 'GITLAB_SELF_MANAGED', 'BITBUCKET'].includes(type)) {
    problems.add({ field: `${field}.reportBuildStatus`, found: 'true', expected: `false for a ${type} source (build status is reported only to GitHub, GitLab and Bitbucket)` });
  }
  return defined<ProjectSource>({
    type: type as ProjectSource['type'],
    location: type === 'CODEPIPELINE' ? undefined : location,
    gitCloneDepth,
    gitSubmodulesConfig: fetchSubmodules === undefined ? undefined : { fetchSubmodules },
    buildspec,
    reportBuildStatus,
    insecureSsl,
    sourceIdentifier,
  });
}

function readArtifacts(r: InputReader, field: string, problems: Problems, secondary: boolean): ProjectArtifacts | undefined {
  const type = r.string('type', { required: true, oneOf: ARTIFACT_TYPES });
  const location = r.string('location');
  const path = r.string('path');
  const namespaceType = r.string('namespaceType', { oneOf: ['NONE', 'BUILD_ID'] });
  const name = r.string('name');
  const packaging = r.string('packaging', { oneOf: ['NONE', 'ZIP'] });
  const overrideArtifactName = r.boolean('overrideArtifactName');
  const encryptionDisabled = r.boolean('encryptionDisabled');
  const artifactIdentifier = r.string('artifactIdentifier', secondary ? IDENTIFIER : { ...IDENTIFIER, required: false });
  if (type === undefined) return undefined;
  if (type === 'S3' && (location === undefined || location === '')) problems.add({ field: `${field}.location`, found: 'nothing', expected: 'a bucket name for S3 artifacts' });
  return defined<ProjectArtifacts>({
    type: type as ProjectArtifacts['type'],
    location,
    path,
    namespaceType: namespaceType as ProjectArtifacts['namespaceType'],
    name,
    packaging: packaging as ProjectArtifacts['packaging'],
    overrideArtifactName,
    encryptionDisabled,
    artifactIdentifier,
  });
}

function readEnvironment(r: InputReader, input: Record<string, unknown>, field: string, problems: Problems): ProjectEnvironment | undefined {
  const type = r.string('type', { required: true, oneOf: ENVIRONMENT_TYPES });
  const image = r.string('image', { required: true, min: 1 });
  const computeType = r.string('computeType', { required: true, oneOf: COMPUTE_TYPES });
  const privilegedMode = r.boolean('privilegedMode');
  const certificate = r.string('certificate');
  const imagePullCredentialsType = r.string('imagePullCredentialsType', { oneOf: ['CODEBUILD', 'SERVICE_ROLE'] });
  const environmentVariables = structList(input, 'environmentVariables', `${field}.`, problems, Number.POSITIVE_INFINITY, (v): EnvironmentVariable | undefined => {
    const name = v.string('name', { required: true, min: 1 });
    const value = v.string('value', { required: true });
    const varType = v.string('type', { oneOf: VARIABLE_TYPES }) ?? 'PLAINTEXT';
    if (name === undefined || value === undefined) return undefined;
    return { name, value, type: varType as EnvironmentVariable['type'] };
  });
  if (type !== undefined && type !== 'LINUX_CONTAINER') {
    problems.add({ field: `${field}.type`, found: describeValue(type), expected: 'LINUX_CONTAINER (Slipway runs builds in Linux containers only)' });
  }
  if (environmentVariables !== undefined) {
    const seen = new Set<string>();
    environmentVariables.forEach((v, i) => {
      if (seen.has(v.name ?? '')) problems.add({ field: `${field}.environmentVariables[${i}].name`, found: describeValue(v.name), expected: 'a name not already used by an earlier variable' });
      seen.add(v.name ?? '');
    });
  }
  if (type === undefined || image === undefined || computeType === undefined) return undefined;
  return defined<ProjectEnvironment>({
    type: type as ProjectEnvironment['type'],
    image,
    computeType: computeType as ProjectEnvironment['computeType'],
    environmentVariables: environmentVariables ?? [],
    privilegedMode: privilegedMode ?? false,
    certificate,
    imagePullCredentialsType: (imagePullCredentialsType ?? 'CODEBUILD') as ProjectEnvironment['imagePullCredentialsType'],
  });
}

function readCache(r: InputReader, field: string, problems: Problems): ProjectCache | undefined {
  const type = r.string('type', { required: true, oneOf: CACHE_TYPES });
  const location = r.string('location');
  const modes = r.stringList('modes', { item: { oneOf: CACHE_MODES } });
  const cacheNamespace = r.string('cacheNamespace');
  if (type === undefined) return undefined;
  if (type === 'S3' && (location === undefined || location === '')) problems.add({ field: `${field}.location`, found: 'nothing', expected: 'a bucket (and optional prefix) for an S3 cache' });
  if (type === 'LOCAL' && (modes === undefined || modes.length === 0)) problems.add({ field: `${field}.modes`, found: 'nothing', expected: `at least one of ${CACHE_MODES.join(', ')} for a LOCAL cache` });
  return defined<ProjectCache>({ type: type as ProjectCache['type'], location, modes: modes as ProjectCache['modes'], cacheNamespace });
}

function readLogsConfig(r: InputReader, field: string, problems: Problems): LogsConfig {
  const cw = r.struct('cloudWatchLogs');
  const s3 = r.struct('s3Logs');
  let cloudWatchLogs: CloudWatchLogsConfig | undefined;
  let s3Logs: S3LogsConfig | undefined;
  if (cw !== undefined) {
    const status = cw.string('status', { required: true, oneOf: LOG_STATUS });
    const groupName = cw.string('groupName', { min: 1, max: 512 });
    const streamName = cw.string('streamName', { min: 1, max: 512 });
    if (status !== undefined) cloudWatchLogs = defined<CloudWatchLogsConfig>({ status: status as CloudWatchLogsConfig['status'], groupName, streamName });
  }
  if (s3 !== undefined) {
    const status = s3.string('status', { required: true, oneOf: LOG_STATUS });
    const location = s3.string('location');
    const encryptionDisabled = s3.boolean('encryptionDisabled');
    if (status === 'ENABLED' && (location === undefined || location === '')) problems.add({ field: `${field}.s3Logs.location`, found: 'nothing', expected: 'a bucket/prefix when S3 logs are ENABLED' });
    if (status !== undefined) s3Logs = defined<S3LogsConfig>({ status: status as S3LogsConfig['status'], location, encryptionDisabled });
  }
  return defined<LogsConfig>({ cloudWatchLogs, s3Logs });
}

/**
 * Reads every project member the input gives. Create requires what AWS requires; update requires only the name
 * (read by the caller) and replaces each given member whole, as AWS does.
 */
export function readProjectFields(given: object, problems: Problems, mode: Mode): ProjectFields {
  const input = given as Record<string, unknown>;
  const r = new InputReader(input, problems);
  const required = mode === 'create';
  const fields: ProjectFields = {};
  fields.description = r.string('description', { max: 255 });

  const sourceReader = r.struct('source', { required });
  if (sourceReader !== undefined) fields.source = readSource(sourceReader, 'source', problems, false);
  fields.secondarySources = structList(input, 'secondarySources', '', problems, 12, (s, field) => readSource(s, field, problems, true));
  fields.sourceVersion = r.string('sourceVersion');
  fields.secondarySourceVersions = structList(input, 'secondarySourceVersions', '', problems, 12, (v): ProjectSourceVersion | undefined => {
    const sourceIdentifier = v.string('sourceIdentifier', { required: true, min: 1 });
    const sourceVersion = v.string('sourceVersion', { required: true, min: 1 });
    return sourceIdentifier === undefined || sourceVersion === undefined ? undefined : { sourceIdentifier, sourceVersion };
  });

  const artifactsReader = r.struct('artifacts', { required });
  if (artifactsReader !== undefined) fields.artifacts = readArtifacts(artifactsReader, 'artifacts', problems, false);
  fields.secondaryArtifacts = structList(input, 'secondaryArtifacts', '', problems, 12, (a, field) => readArtifacts(a, field, problems, true));

  const cacheReader = r.struct('cache');
  if (cacheReader !== undefined) fields.cache = readCache(cacheReader, 'cache', problems);
  const environmentReader = r.struct('environment', { required });
  if (environmentReader !== undefined) fields.environment = readEnvironment(environmentReader, raw(input['environment']), 'environment', problems);
  fields.serviceRole = r.string('serviceRole', { required, min: 1 });
  fields.timeoutInMinutes = r.integer('timeoutInMinutes', { min: 5, max: 2160 });
  fields.queuedTimeoutInMinutes = r.integer('queuedTimeoutInMinutes', { min: 5, max: 480 });
  fields.encryptionKey = r.string('encryptionKey', { min: 1 });
  fields.tags = structList(input, 'tags', '', problems, 50, (t): Tag | undefined => {
    const key = t.string('key', { required: true, min: 1, max: 127, pattern: TAG_TEXT, patternText: TAG_TEXT_WORDS });
    const value = t.string('value', { max: 255, pattern: TAG_TEXT, patternText: TAG_TEXT_WORDS }) ?? '';
    return key === undefined ? undefined : { key, value };
  });
  fields.badgeEnabled = r.boolean('badgeEnabled');
  const logsReader = r.struct('logsConfig');
  if (logsReader !== undefined) fields.logsConfig = readLogsConfig(logsReader, 'logsConfig', problems);
  // UpdateProject takes -1 to remove the limit; CreateProject needs a positive limit or none.
  fields.concurrentBuildLimit = r.integer('concurrentBuildLimit', { min: mode === 'update' ? -1 : 1 });
  if (mode === 'update' && fields.concurrentBuildLimit === 0) {
    problems.add({ field: 'concurrentBuildLimit', found: '0', expected: 'a positive integer, or -1 to remove the limit' });
  }
  fields.autoRetryLimit = r.integer('autoRetryLimit', { min: 0, max: 10 });
  return defined(fields);
}

/** Rules across members, checked on the merged project so UpdateProject cannot leave an inconsistent one. */
export function checkProjectConsistency(project: ProjectFields, problems: Problems): void {
  const sourceType = project.source?.type;
  const artifactsType = project.artifacts?.type;
  if (sourceType !== undefined && artifactsType !== undefined && (sourceType === 'CODEPIPELINE') !== (artifactsType === 'CODEPIPELINE')) {
    problems.add({ field: 'artifacts.type', found: describeValue(artifactsType), expected: `CODEPIPELINE artifacts exactly when the source type is CODEPIPELINE (source type is ${sourceType})` });
  }
  // AWS: "Build badges are not supported for CodePipeline source" (its status comes from the pipeline, not a branch).
  if (project.badgeEnabled === true && sourceType === 'CODEPIPELINE') {
    problems.add({ field: 'badgeEnabled', found: 'true', expected: 'false for a CODEPIPELINE source: build badges are not supported for CodePipeline source' });
  }
  const identifiers = new Set((project.secondarySources ?? []).map((s) => s.sourceIdentifier));
  (project.secondarySourceVersions ?? []).forEach((v, i) => {
    if (!identifiers.has(v.sourceIdentifier)) {
      problems.add({ field: `secondarySourceVersions[${i}].sourceIdentifier`, found: describeValue(v.sourceIdentifier), expected: 'the sourceIdentifier of one of the secondarySources' });
    }
  });
  const seenSources = new Set<string>();
  (project.secondarySources ?? []).forEach((s, i) => {
    if (s.sourceIdentifier !== undefined && seenSources.has(s.sourceIdentifier)) problems.add({ field: `secondarySources[${i}].sourceIdentifier`, found: describeValue(s.sourceIdentifier), expected: 'an identifier not used by another secondary source' });
    if (s.sourceIdentifier !== undefined) seenSources.add(s.sourceIdentifier);
  });
  const seenArtifacts = new Set<string>();
  (project.secondaryArtifacts ?? []).forEach((a, i) => {
    if (a.artifactIdentifier !== undefined && seenArtifacts.has(a.artifactIdentifier)) problems.add({ field: `secondaryArtifacts[${i}].artifactIdentifier`, found: describeValue(a.artifactIdentifier), expected: 'an identifier not used by another secondary artifact' });
    if (a.artifactIdentifier !== undefined) seenArtifacts.add(a.artifactIdentifier);
  });
}
