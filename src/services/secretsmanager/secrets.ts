// Secrets Manager secrets: create, put and get values, scheduled deletion and restore (values kept in SQLite).
import type {
  CreateSecretRequest,
  CreateSecretResponse,
  DeleteSecretRequest,
  DeleteSecretResponse,
  GetSecretValueRequest,
  GetSecretValueResponse,
  PutSecretValueRequest,
  PutSecretValueResponse,
  RestoreSecretRequest,
  RestoreSecretResponse,
} from '@aws-sdk/client-secrets-manager';
import { Problems, SlipwayError } from '../../core/errors.ts';
import { arn, shortId, uuid } from '../../core/ids.ts';
import { str } from '../../store/db.ts';
import type { OperationContext } from '../types.ts';
import { assertPresent, InputReader } from '../validate.ts';
import { NAME, readTags, readValue, SECRET_ID, STAGE, TOKEN } from './input.ts';
import { addVersion, CURRENT, findSecret, insertVersion, readSecretVersion, requireSecret, sameValue, valueOf } from './secret-store.ts';

const DAY = 24 * 60 * 60 * 1000;
const ARN_SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function createSecret(input: CreateSecretRequest, ctx: OperationContext): CreateSecretResponse {
  const problems = new Problems();
  const raw = input as unknown as Record<string, unknown>;
  const r = new InputReader(input, problems);
  const name = r.string('Name', NAME);
  const token = r.string('ClientRequestToken', TOKEN);
  const description = r.string('Description', { max: 2048 });
  const kmsKeyId = r.string('KmsKeyId', { max: 2048 });
  const value = readValue(r, problems, raw);
  const tags = readTags(raw, problems);
  r.done();
  assertPresent(name);
  const hasValue = value.string !== undefined || value.binary !== undefined;
  return ctx.store.tx(() => {
    const existing = findSecret(ctx, name);
    if (existing !== undefined) {
      if (existing['deleted_date'] !== null) {
        throw new SlipwayError('InvalidRequestException', `You can't create this secret because a secret with the name ${name} is already scheduled for deletion.`);
      }
      // A retried request (same token, same value) succeeds again, as AWS's idempotency token promises.
      const retried =
        token === undefined ? undefined : ctx.store.get('SELECT * FROM secretsmanager_versions WHERE secret_arn = ? AND version_id = ?', str(existing, 'arn'), token);
      if (retried !== undefined && sameValue(valueOf(retried), value)) return { ARN: str(existing, 'arn'), Name: name, VersionId: token };
      throw new SlipwayError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
    }
    const secretArn = arn(ctx.config, 'secretsmanager', `secret:${name}-${shortId(6, ARN_SUFFIX_ALPHABET)}`);
    const now = ctx.clock.now();
    ctx.store.run(
      'INSERT INTO secretsmanager_secrets (arn, name, description, kms_key_id, tags, created, last_changed) VALUES (?, ?, ?, ?, ?, ?, ?)',
      secretArn,
      name,
      description ?? null,
      kmsKeyId ?? null,
      JSON.stringify(tags),
      now,
      now,
    );
    const versionId = hasValue ? (token ?? uuid()) : undefined;
    if (versionId !== undefined) insertVersion(ctx, secretArn, versionId, value, [CURRENT]);
    ctx.bus.publish({ type: 'secretsmanager.secret.created', resource: secretArn, detail: { name, ...(versionId === undefined ? {} : { versionId }) } });
    return { ARN: secretArn, Name: name, ...(versionId === undefined ? {} : { VersionId: versionId }) };
  });
}

export function putSecretValue(input: PutSecretValueRequest, ctx: OperationContext): PutSecretValueResponse {
  const problems = new Problems();
  const r = new InputReader(input, problems);
  const secretId = r.string('SecretId', SECRET_ID);
  const token = r.string('ClientRequestToken', TOKEN);
  const value = readValue(r, problems, input as unknown as Record<string, unknown>);
  const stages = r.stringList('VersionStages', { min: 1, max: 20, item: STAGE });
  r.string('RotationToken', { min: 36, max: 256 });
  r.done();
  assertPresent(secretId);
  if (value.string === undefined && value.binary === undefined) {
    throw new SlipwayError('InvalidRequestException', 'You must provide either SecretString or SecretBinary.');
  }
  return ctx.store.tx(() => {
    const secret = requireSecret(ctx, secretId);
    const added = addVersion(ctx, secret, token, value, stages ?? [CURRENT]);
    return { ARN: str(secret, 'arn'), Name: str(secret, 'name'), VersionId: added.versionId, VersionStages: added.stages };
  });
}

export function getSecretValue(input: GetSecretValueRequest, ctx: OperationContext): GetSecretValueResponse {
  const r = new InputReader(input);
  const secretId = r.string('SecretId', SECRET_ID);
  const versionId = r.string('VersionId', TOKEN);
  const versionStage = r.string('VersionStage', STAGE);
  r.done();
  assertPresent(secretId);
  const v = readSecretVersion(ctx, secretId, versionId, versionStage);
  // AWS records the access date rounded down to the day.
  ctx.store.run('UPDATE secretsmanager_secrets SET last_accessed = ? WHERE arn = ?', Math.floor(ctx.clock.now() / DAY) * DAY, v.arn);
  return {
    ARN: v.arn,
    Name: v.name,
    VersionId: v.versionId,
    ...(v.string === undefined ? {} : { SecretString: v.string }),
    ...(v.binary === undefined ? {} : { SecretBinary: v.binary }),
    VersionStages: v.stages,
    CreatedDate: new Date(v.created),
  };
}

export function deleteSecret(input: DeleteSecretRequest, ctx: OperationContext): DeleteSecretResponse {
  const r = new InputReader(input);
  const secretId = r.string('SecretId', SECRET_ID);
  const windowDays = r.integer('RecoveryWindowInDays');
  const force = r.boolean('ForceDeleteWithoutRecovery') ?? false;
  r.done();
  assertPresent(secretId);
  if (force && windowDays !== undefined) {
    throw new SlipwayError('InvalidParameterException', "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
  }
  if (windowDays !== undefined && (windowDays < 7 || windowDays > 30)) {
    throw new SlipwayError('InvalidParameterException', `The RecoveryWindowInDays value must be between 7 and 30 days (inclusive); found ${windowDays}.`);
  }
  return ctx.store.tx(() => {
    const row = requireSecret(ctx, secretId, { allowDeleted: force });
    const secretArn = str(row, 'arn');
    const name = str(row, 'name');
    const now = ctx.clock.now();
    if (force) {
      ctx.store.run('DELETE FROM secretsmanager_secrets WHERE arn = ?', secretArn);
      ctx.bus.publish({ type: 'secretsmanager.secret.purged', resource: secretArn, detail: { name, force: true } });
      return { ARN: secretArn, Name: name, DeletionDate: new Date(now) };
    }
    const deletionDate = now + (windowDays ?? 30) * DAY;
    ctx.store.run('UPDATE secretsmanager_secrets SET deleted_date = ?, deletion_date = ? WHERE arn = ?', now, deletionDate, secretArn);
    ctx.bus.publish({ type: 'secretsmanager.secret.deleted', resource: secretArn, detail: { name, deletionDate: new Date(deletionDate).toISOString() } });
    return { ARN: secretArn, Name: name, DeletionDate: new Date(deletionDate) };
  });
}

export function restoreSecret(input: RestoreSecretRequest, ctx: OperationContext): RestoreSecretResponse {
  const r = new InputReader(input);
  const secretId = r.string('SecretId', SECRET_ID);
  r.done();
  assertPresent(secretId);
  return ctx.store.tx(() => {
    const row = requireSecret(ctx, secretId, { allowDeleted: true });
    const secretArn = str(row, 'arn');
    const name = str(row, 'name');
    if (row['deleted_date'] !== null) {
      ctx.store.run('UPDATE secretsmanager_secrets SET deleted_date = NULL, deletion_date = NULL WHERE arn = ?', secretArn);
      ctx.bus.publish({ type: 'secretsmanager.secret.restored', resource: secretArn, detail: { name } });
    }
    return { ARN: secretArn, Name: name };
  });
}
