// A build's environment variables: built-ins, buildspec, project and start-build values in AWS's precedence, secrets resolved and masked.
import { SlipwayError } from '../../core/errors.ts';
import type { BuildRecord } from '../../services/codebuild/build-state.ts';
import { logStreamName } from '../../services/codebuild/build-state.ts';
import { resolveSecretReference } from '../../services/secretsmanager/index.ts';
import { getParameter } from '../../services/ssm/parameters.ts';
import type { ServiceContext } from '../../services/types.ts';
import type { Buildspec } from '../../specs/buildspec/read.ts';

export interface BuiltInInputs {
  readonly srcDir: string;
  readonly resolvedSourceVersion?: string;
  readonly region: string;
  readonly accountId: string;
  readonly projectArn: string;
}

/** CB-ENV's built-in variables (AWS-SEMANTICS §1.5) for this build. */
export function builtInVariables(record: BuildRecord, inputs: BuiltInInputs): Record<string, string> {
  const env: Record<string, string> = {
    AWS_DEFAULT_REGION: inputs.region,
    AWS_REGION: inputs.region,
    CODEBUILD_BUILD_ARN: record.arn,
    CODEBUILD_BUILD_ID: record.id,
    CODEBUILD_BUILD_IMAGE: record.environment.image ?? '',
    CODEBUILD_BUILD_NUMBER: String(record.buildNumber),
    CODEBUILD_BUILD_SUCCEEDING: '1',
    CODEBUILD_INITIATOR: record.initiator,
    CODEBUILD_LOG_PATH: logStreamName(record.id),
    CODEBUILD_PROJECT_ARN: inputs.projectArn,
    CODEBUILD_SRC_DIR: inputs.srcDir,
    CODEBUILD_START_TIME: String(record.startTime),
    HOME: '/root',
  };
  if (record.encryptionKey !== undefined) env['CODEBUILD_KMS_KEY_ID'] = record.encryptionKey;
  if (inputs.resolvedSourceVersion !== undefined) env['CODEBUILD_RESOLVED_SOURCE_VERSION'] = inputs.resolvedSourceVersion;
  if (record.sourceVersion !== undefined) env['CODEBUILD_SOURCE_VERSION'] = record.sourceVersion;
  if (record.source.location !== undefined && record.source.type === 'CODECOMMIT') env['CODEBUILD_SOURCE_REPO_URL'] = record.source.location;
  return env;
}

function parameterValue(ctx: ServiceContext, name: string, variable: string): string {
  try {
    const out = getParameter({ Name: name, WithDecryption: true }, { ...ctx, request: { requestId: 'codebuild-build' } });
    return out.Parameter?.Value ?? '';
  } catch (err) {
    throw new SlipwayError('ParameterNotFound', `env variable ${variable}: SSM parameter ${name} could not be read: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

function secretValue(ctx: ServiceContext, reference: string, variable: string): string {
  try {
    return resolveSecretReference(ctx, reference);
  } catch (err) {
    throw new SlipwayError('SecretNotFound', `env variable ${variable}: secrets-manager reference ${reference} could not be resolved: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/**
 * The variables the commands see. Precedence, highest first: start-build override > project > buildspec (the
 * override list is already merged over the project's in the record); values are taken literally. Every
 * parameter-store and secrets-manager value is registered with the masker before it is returned.
 */
export function buildVariables(ctx: ServiceContext, record: BuildRecord, buildspec: Buildspec | undefined, builtIns: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = { ...builtIns };
  const secret = (value: string): string => {
    ctx.masker.add(value);
    return value;
  };
  if (buildspec !== undefined) {
    Object.assign(env, buildspec.env.variables);
    for (const [name, parameter] of Object.entries(buildspec.env.parameterStore)) env[name] = secret(parameterValue(ctx, parameter, name));
    for (const [name, ref] of Object.entries(buildspec.env.secretsManager)) env[name] = secret(secretValue(ctx, ref.raw, name));
  }
  for (const v of record.environment.environmentVariables) {
    const name = v.name ?? '';
    const value = v.value ?? '';
    if (v.type === 'PARAMETER_STORE') env[name] = secret(parameterValue(ctx, value, name));
    else if (v.type === 'SECRETS_MANAGER') env[name] = secret(secretValue(ctx, value, name));
    else env[name] = value;
  }
  // CODEBUILD_ names are reserved: the build's own values win.
  for (const [name, value] of Object.entries(builtIns)) if (name.startsWith('CODEBUILD_')) env[name] = value;
  return env;
}

/** Names a buildspec may export: AWS refuses AWS_ names and the project's own secret variables. */
export function exportableNames(record: BuildRecord, buildspec: Buildspec): string[] {
  const projectSecrets = new Set(record.environment.environmentVariables.filter((v) => v.type !== 'PLAINTEXT').map((v) => v.name));
  return buildspec.env.exportedVariables.filter((n) => !n.startsWith('AWS_') && !projectSecrets.has(n) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(n));
}
