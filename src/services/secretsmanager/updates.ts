// Changes to existing secrets: UpdateSecret, staging labels moved by hand (rotation's last step), version listing, tags.
import type {
  ListSecretVersionIdsRequest,
  ListSecretVersionIdsResponse,
  SecretVersionsListEntry,
  Tag,
  TagResourceRequest,
  UntagResourceRequest,
  UpdateSecretRequest,
  UpdateSecretResponse,
  UpdateSecretVersionStageRequest,
  UpdateSecretVersionStageResponse,
} from '@aws-sdk/client-secrets-manager';
import { Problems, SlipwayError } from '../../core/errors.ts';
import { num, str } from '../../store/db.ts';
import { pageAt, resumeAt } from '../paging.ts';
import type { OperationContext } from '../types.ts';
import { assertPresent, InputReader } from '../validate.ts';
import { readTags, readValue, SECRET_ID, STAGE, TOKEN } from './input.ts';
import { addVersion, CURRENT, moveCurrent, moveStage, requireSecret, stagesOf } from './secret-store.ts';

export function updateSecret(input: UpdateSecretRequest, ctx: OperationContext): UpdateSecretResponse {
  const problems = new Problems();
  const r = new InputReader(input, problems);
  const secretId = r.string('SecretId', SECRET_ID);
  const token = r.string('ClientRequestToken', TOKEN);
  const description = r.string('Description', { max: 2048 });
  const kmsKeyId = r.string('KmsKeyId', { max: 2048 });
  const value = readValue(r, problems, input as unknown as Record<string, unknown>);
  r.done();
  assertPresent(secretId);
  return ctx.store.tx(() => {
    const secret = requireSecret(ctx, secretId);
    const secretArn = str(secret, 'arn');
    if (description !== undefined || kmsKeyId !== undefined) {
      ctx.store.run(
        'UPDATE secretsmanager_secrets SET description = coalesce(?, description), kms_key_id = coalesce(?, kms_key_id), last_changed = ? WHERE arn = ?',
        description ?? null,
        kmsKeyId ?? null,
        ctx.clock.now(),
        secretArn,
      );
      ctx.bus.publish({ type: 'secretsmanager.secret.updated', resource: secretArn, detail: { name: str(secret, 'name') } });
    }
    const hasValue = value.string !== undefined || value.binary !== undefined;
    const versionId = hasValue ? addVersion(ctx, secret, token, value, [CURRENT]).versionId : undefined;
    return { ARN: secretArn, Name: str(secret, 'name'), ...(versionId === undefined ? {} : { VersionId: versionId }) };
  });
}

/**
 * Moves or removes one staging label. AWS makes the caller name the version a label leaves (RemoveFromVersionId)
 * so that two rotations racing cannot silently take a label from each other.
 */
export function updateSecretVersionStage(input: UpdateSecretVersionStageRequest, ctx: OperationContext): UpdateSecretVersionStageResponse {
  const r = new InputReader(input);
  const secretId = r.string('SecretId', SECRET_ID);
  const stage = r.string('VersionStage', { ...STAGE, required: true });
  const removeFrom = r.string('RemoveFromVersionId', TOKEN);
  const moveTo = r.string('MoveToVersionId', TOKEN);
  r.done();
  assertPresent(secretId);
  assertPresent(stage);
  if (removeFrom === undefined && moveTo === undefined) {
    throw new SlipwayError('InvalidParameterException', `UpdateSecretVersionStage for ${stage}: expected MoveToVersionId, RemoveFromVersionId or both; found neither`);
  }
  return ctx.store.tx(() => {
    const secret = requireSecret(ctx, secretId);
    const secretArn = str(secret, 'arn');
    const name = str(secret, 'name');
    const holder = ctx.store.get('SELECT version_id FROM secretsmanager_stages WHERE secret_arn = ? AND stage = ?', secretArn, stage);
    const heldBy = holder === undefined ? undefined : str(holder, 'version_id');
    if (removeFrom !== undefined && heldBy !== removeFrom) {
      throw new SlipwayError(
        'InvalidParameterException',
        `The staging label ${stage} is ${heldBy === undefined ? 'not attached to any version' : `attached to version ${heldBy}`}, not to RemoveFromVersionId ${removeFrom}.`,
      );
    }
    if (moveTo === undefined) {
      if (stage === CURRENT) throw new SlipwayError('InvalidParameterException', `You can't remove the staging label ${CURRENT} from a version; move it to another version with MoveToVersionId.`);
      ctx.store.run('DELETE FROM secretsmanager_stages WHERE secret_arn = ? AND stage = ?', secretArn, stage);
    } else {
      if (ctx.store.get('SELECT 1 AS x FROM secretsmanager_versions WHERE secret_arn = ? AND version_id = ?', secretArn, moveTo) === undefined) {
        throw new SlipwayError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${moveTo}`);
      }
      if (heldBy !== undefined && heldBy !== moveTo && removeFrom === undefined) {
        throw new SlipwayError(
          'InvalidParameterException',
          `The staging label ${stage} is currently attached to version ${heldBy}, so you must explicitly reference that version in RemoveFromVersionId.`,
        );
      }
      if (stage === CURRENT) moveCurrent(ctx, secretArn, moveTo);
      else moveStage(ctx, secretArn, stage, moveTo);
    }
    ctx.store.run('UPDATE secretsmanager_secrets SET last_changed = ? WHERE arn = ?', ctx.clock.now(), secretArn);
    ctx.bus.publish({ type: 'secretsmanager.secret.stage.moved', resource: secretArn, detail: { name, stage, from: heldBy ?? null, to: moveTo ?? null } });
    return { ARN: secretArn, Name: name };
  });
}

export function listSecretVersionIds(input: ListSecretVersionIdsRequest, ctx: OperationContext): ListSecretVersionIdsResponse {
  const r = new InputReader(input);
  const secretId = r.string('SecretId', SECRET_ID);
  const max = r.integer('MaxResults', { min: 1, max: 100 }) ?? 100;
  const token = r.string('NextToken', { min: 1, max: 4096 });
  const includeDeprecated = r.boolean('IncludeDeprecated') ?? false;
  r.done();
  assertPresent(secretId);
  const offset = resumeAt(
    token,
    (t) => new SlipwayError('InvalidNextTokenException', `NextToken ${t} was not returned by ListSecretVersionIds; expected a token from an earlier page`),
  );
  const secret = requireSecret(ctx, secretId, { allowDeleted: true });
  const secretArn = str(secret, 'arn');
  const versions: SecretVersionsListEntry[] = ctx.store
    .all('SELECT version_id, created FROM secretsmanager_versions WHERE secret_arn = ? ORDER BY created DESC, version_id', secretArn)
    .map((row) => ({ VersionId: str(row, 'version_id'), VersionStages: stagesOf(ctx, secretArn, str(row, 'version_id')), CreatedDate: new Date(num(row, 'created')) }))
    // Versions without a label are deprecated: AWS lists them only when asked.
    .filter((v) => includeDeprecated || (v.VersionStages?.length ?? 0) > 0);
  const page = pageAt(versions, offset, max);
  return {
    ARN: secretArn,
    Name: str(secret, 'name'),
    Versions: page.items,
    ...(page.nextToken === undefined ? {} : { NextToken: page.nextToken }),
  };
}

export function tagResource(input: TagResourceRequest, ctx: OperationContext): Record<string, never> {
  const problems = new Problems();
  const r = new InputReader(input, problems);
  const secretId = r.string('SecretId', SECRET_ID);
  const raw = input as unknown as Record<string, unknown>;
  if (raw['Tags'] === undefined || raw['Tags'] === null) problems.add({ field: 'Tags', found: 'nothing', expected: 'a value (the member is required)' });
  const tags = readTags(raw, problems);
  r.done();
  assertPresent(secretId);
  ctx.store.tx(() => {
    const secret = requireSecret(ctx, secretId);
    const byKey = new Map((JSON.parse(str(secret, 'tags')) as Tag[]).map((t) => [t.Key ?? '', t]));
    for (const t of tags) byKey.set(t.Key ?? '', t);
    ctx.store.run('UPDATE secretsmanager_secrets SET tags = ? WHERE arn = ?', JSON.stringify([...byKey.values()]), str(secret, 'arn'));
    ctx.bus.publish({ type: 'secretsmanager.secret.tagged', resource: str(secret, 'arn'), detail: { name: str(secret, 'name'), keys: tags.map((t) => t.Key) } });
  });
  return {};
}

export function untagResource(input: UntagResourceRequest, ctx: OperationContext): Record<string, never> {
  const r = new InputReader(input);
  const secretId = r.string('SecretId', SECRET_ID);
  const keys = r.stringList('TagKeys', { required: true, item: { min: 1, max: 128 } });
  r.done();
  assertPresent(secretId);
  assertPresent(keys);
  ctx.store.tx(() => {
    const secret = requireSecret(ctx, secretId);
    const tags = (JSON.parse(str(secret, 'tags')) as Tag[]).filter((t) => !keys.includes(t.Key ?? ''));
    ctx.store.run('UPDATE secretsmanager_secrets SET tags = ? WHERE arn = ?', JSON.stringify(tags), str(secret, 'arn'));
    ctx.bus.publish({ type: 'secretsmanager.secret.untagged', resource: str(secret, 'arn'), detail: { name: str(secret, 'name'), keys } });
  });
  return {};
}
