// Resolves the secrets-manager references of buildspecs and ECS task definitions to values, for engines (not an AWS operation).
import { SlipwayError } from '../../core/errors.ts';
import type { ServiceContext } from '../types.ts';
import { parseJsonObject, readSecretVersion } from './secret-store.ts';

export interface SecretReference {
  readonly secretId: string;
  readonly jsonKey?: string;
  readonly versionStage?: string;
  readonly versionId?: string;
}

function invalid(ref: string, expected: string): SlipwayError {
  return new SlipwayError('InvalidSecretReference', `Secrets Manager reference "${ref}": ${expected}`);
}

/**
 * Splits `secret-id[:json-key[:version-stage[:version-id]]]`. Empty fields mean "not given". A secret-id that is an
 * ARN (`arn:aws:secretsmanager:region:account:secret:name-AbCdEf`) has colons of its own: its first seven fields
 * belong to it, and secret names cannot contain colons, so what follows is the reference's own fields.
 */
export function parseSecretReference(ref: string): SecretReference {
  const parts = ref.split(':');
  const idFields = parts[0] === 'arn' ? 7 : 1;
  if (parts[0] === 'arn' && (parts[2] !== 'secretsmanager' || parts[5] !== 'secret')) {
    throw invalid(ref, `expected a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>); found ${parts.slice(0, idFields).join(':')}`);
  }
  if (parts.length < idFields || parts.slice(0, idFields).some((p) => p === '')) {
    throw invalid(ref, 'expected secret-id, or an ARN arn:aws:secretsmanager:<region>:<account>:secret:<name>, before any :json-key:version-stage:version-id');
  }
  const rest = parts.slice(idFields);
  if (rest.length > 3) throw invalid(ref, `expected at most three fields after the secret id (json-key:version-stage:version-id); found ${rest.length}`);
  const [jsonKey = '', versionStage = '', versionId = ''] = rest;
  if (versionStage !== '' && versionId !== '') throw invalid(ref, 'version-stage and version-id are mutually exclusive; give one of them');
  return {
    secretId: parts.slice(0, idFields).join(':'),
    ...(jsonKey === '' ? {} : { jsonKey }),
    ...(versionStage === '' ? {} : { versionStage }),
    ...(versionId === '' ? {} : { versionId }),
  };
}

/**
 * The value a reference names: the whole SecretString (binary secrets as UTF-8 text, since an environment variable
 * holds text), or one key of a JSON SecretString. The value is added to the log masker before it is returned.
 */
export function resolveSecretReference(ctx: ServiceContext, ref: string): string {
  const parsed = parseSecretReference(ref);
  const version = readSecretVersion(ctx, parsed.secretId, parsed.versionId, parsed.versionStage);
  const text = version.string ?? Buffer.from(version.binary ?? new Uint8Array()).toString('utf8');
  let value = text;
  if (parsed.jsonKey !== undefined) {
    const object = version.string === undefined ? undefined : parseJsonObject(version.string);
    if (object === undefined) {
      throw new SlipwayError('InvalidSecretReference', `Secrets Manager reference "${ref}": json-key ${parsed.jsonKey} given, but secret ${version.name} (version ${version.versionId}) is not a JSON object`);
    }
    if (!Object.hasOwn(object, parsed.jsonKey)) {
      const keys = Object.keys(object);
      throw new SlipwayError(
        'SecretJsonKeyNotFound',
        `Secrets Manager reference "${ref}": secret ${version.name} (version ${version.versionId}) has no JSON key "${parsed.jsonKey}"; its keys are ${keys.length === 0 ? '(none)' : keys.join(', ')}`,
      );
    }
    const v = object[parsed.jsonKey];
    value = typeof v === 'string' ? v : JSON.stringify(v);
  }
  ctx.masker.add(value);
  return value;
}
