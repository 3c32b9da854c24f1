// Secrets Manager secrets: versions with staging labels, scheduled deletion and restore, values kept in SQLite.
import type {
  CreateSecretRequest,
  CreateSecretResponse,
  DeleteSecretRequest,
  DeleteSecretResponse,
  DescribeSecretRequest,
  DescribeSecretResponse,
  GetSecretValueRequest,
  GetSecretValueResponse,
  ListSecretsRequest,
  ListSecretsResponse,
  PutSecretValueRequest,
  PutSecretValueResponse,
  RestoreSecretRequest,
  RestoreSecretResponse,
  SecretListEntry,
  Tag,
} from '@aws-sdk/client-secrets-manager';
import { describeValue, Problems, SlipwayError } from '../../core/errors.ts';
import { arn, parseArn, shortId, uuid } from '../../core/ids.ts';
import { num, str, type Migration, type Row } from '../../store/db.ts';
import type { OperationContext, ServiceContext } from '../types.ts';
import { InputReader } from '../validate.ts';

export const secretsmanagerMigrations: readonly Migration[] = [
  {
    id: 'secretsmanager/001-secrets',
    sql: `CREATE TABLE secretsmanager_secrets (
      arn TEXT PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      description TEXT,
      kms_key_id TEXT,
      tags TEXT NOT NULL,
      created INTEGER NOT NULL,
      last_changed INTEGER NOT NULL,
      last_accessed INTEGER,
      deleted_date INTEGER,
      deletion_date INTEGER
    );
    CREATE TABLE secretsmanager_versions (
      secret_arn TEXT NOT NULL REFERENCES secretsmanager_secrets(arn) ON DELETE CASCADE,
      version_id TEXT NOT NULL,
      secret_string TEXT,
      secret_binary BLOB,
      created INTEGER NOT NULL,
      PRIMARY KEY (secret_arn, version_id)
    );
    CREATE TABLE secretsmanager_stages (
      secret_arn TEXT NOT NULL,
      stage TEXT NOT NULL,
      version_id TEXT NOT NULL,
      PRIMARY KEY (secret_arn, stage),
      FOREIGN KEY (secret_arn, version_id) REFERENCES secretsmanager_versions(secret_arn, version_id) ON DELETE CASCADE
    );`,
  },
];

const DAY = 24 * 60 * 60 * 1000;
const ARN_SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const NAME = { required: true, min: 1, max: 512, pattern: /^[a-zA-Z0-9/_+=.@-]+$/, patternText: "letters, digits and '/', '_', '+', '=', '.', '@', '-'" };
export const SECRET_ID = { required: true, min: 1, max: 2048 };
export const TOKEN = { min: 32, max: 64 };
export const STAGE = { min: 1, max: 256 };

export const CURRENT = 'AWSCURRENT';
export const PREVIOUS = 'AWSPREVIOUS';

export interface SecretValue {
  readonly string?: string;
  readonly binary?: Uint8Array;
}

export interface SecretVersion extends SecretValue {
  readonly arn: string;
  readonly name: string;
  readonly versionId: string;
  readonly stages: string[];
  readonly created: number;
}

function notFound(): SlipwayError {
  return new SlipwayError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
}

function markedForDeletion(): SlipwayError {
  return new SlipwayError('InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.");
}

/** A secret past its recovery window is gone for good; purged lazily so the injected clock decides when. */
function purgeExpired(ctx: ServiceContext): void {
  const now = ctx.clock.now();
  const expired = ctx.store.all('SELECT arn, name FROM secretsmanager_secrets WHERE deletion_date IS NOT NULL AND deletion_date <= ?', now);
  if (expired.length === 0) return;
  ctx.store.tx(() => {
    for (const row of expired) {
      ctx.store.run('DELETE FROM secretsmanager_secrets WHERE arn = ?', str(row, 'arn'));
      ctx.bus.publish({ type: 'secretsmanager.secret.purged', resource: str(row, 'arn'), detail: { name: str(row, 'name') } });
    }
  });
}

/** Finds a secret by name, full ARN or partial ARN (the ARN without AWS's random 6-character suffix). */
export function findSecret(ctx: ServiceContext, secretId: string): Row | undefined {
  purgeExpired(ctx);
  if (!secretId.startsWith('arn:')) return ctx.store.get('SELECT * FROM secretsmanager_secrets WHERE name = ?', secretId);
  const exact = ctx.store.get('SELECT * FROM secretsmanager_secrets WHERE arn = ?', secretId);
  if (exact !== undefined) return exact;
  const parsed = parseArn(secretId);
  if (parsed === undefined || parsed.service !== 'secretsmanager' || parsed.region !== ctx.config.region || parsed.accountId !== ctx.config.accountId) return undefined;
  if (!parsed.resource.startsWith('secret:')) return undefined;
  return ctx.store.get('SELECT * FROM secretsmanager_secrets WHERE name = ?', parsed.resource.slice('secret:'.length));
}

export function requireSecret(ctx: ServiceContext, secretId: string, options: { allowDeleted?: boolean } = {}): Row {
  const row = findSecret(ctx, secretId);
  if (row === undefined) throw notFound();
  if (options.allowDeleted !== true && row['deleted_date'] !== null) throw markedForDeletion();
  return row;
}

export function stagesOf(ctx: ServiceContext, secretArn: string, versionId: string): string[] {
  return ctx.store.all('SELECT stage FROM secretsmanager_stages WHERE secret_arn = ? AND version_id = ? ORDER BY stage', secretArn, versionId).map((r) => str(r, 'stage'));
}

/** Versions that carry at least one staging label; unlabelled ones are deprecated and AWS leaves them out. */
function versionsToStages(ctx: ServiceContext, secretArn: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const row of ctx.store.all('SELECT version_id, stage FROM secretsmanager_stages WHERE secret_arn = ? ORDER BY version_id, stage', secretArn)) {
    (out[str(row, 'version_id')] ??= []).push(str(row, 'stage'));
  }
  return out;
}

function valueOf(row: Row): SecretValue {
  const s = row['secret_string'];
  const b = row['secret_binary'];
  return {
    ...(typeof s === 'string' ? { string: s } : {}),
    ...(b instanceof Uint8Array ? { binary: b } : {}),
  };
}

function sameValue(a: SecretValue, b: SecretValue): boolean {
  if (a.string !== b.string) return false;
  if (a.binary === undefined || b.binary === undefined) return a.binary === b.binary;
  return Buffer.from(a.binary).equals(Buffer.from(b.binary));
}

/** Secret values are masked in every log line from the moment they pass through Slipway; JSON secrets per key too. */
export function maskValue(ctx: ServiceContext, value: SecretValue): void {
  if (value.binary !== undefined) ctx.masker.add(Buffer.from(value.binary).toString('base64'));
  if (value.string === undefined) return;
  ctx.masker.add(value.string);
  const parsed = parseJsonObject(value.string);
  if (parsed === undefined) return;
  for (const v of Object.values(parsed)) if (typeof v === 'string') ctx.masker.add(v);
}

export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads one version of a secret for GetSecretValue and the engines' reference resolver. With neither id nor stage it
 * is the AWSCURRENT version; with both, AWS requires them to name the same version.
 */
export function readSecretVersion(ctx: ServiceContext, secretId: string, versionId?: string, versionStage?: string): SecretVersion {
  const secret = requireSecret(ctx, secretId);
  const secretArn = str(secret, 'arn');
  const stage = versionStage ?? (versionId === undefined ? CURRENT : undefined);
  let id = versionId;
  if (stage !== undefined) {
    const staged = ctx.store.get('SELECT version_id FROM secretsmanager_stages WHERE secret_arn = ? AND stage = ?', secretArn, stage);
    if (staged === undefined || (id !== undefined && str(staged, 'version_id') !== id)) {
      throw new SlipwayError(
        'ResourceNotFoundException',
        `Secrets Manager can't find the specified secret value for ${id === undefined ? '' : `VersionId: ${id} and `}staging label: ${stage}`,
      );
    }
    id = str(staged, 'version_id');
  }
  const row = ctx.store.get('SELECT * FROM secretsmanager_versions WHERE secret_arn = ? AND version_id = ?', secretArn, id ?? '');
  if (row === undefined) throw new SlipwayError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${id ?? ''}`);
  const value = valueOf(row);
  maskValue(ctx, value);
  return { arn: secretArn, name: str(secret, 'name'), versionId: str(row, 'version_id'), stages: stagesOf(ctx, secretArn, str(row, 'version_id')), created: num(row, 'created'), ...value };
}

/** SecretString and SecretBinary (base64 on the wire): at most one, and `required` says whether one must be there. */
export function readValue(r: InputReader, problems: Problems, input: Record<string, unknown>): SecretValue {
  const s = r.string('SecretString', { min: 1, max: 65536 });
  const b64 = r.string('SecretBinary', { min: 1 });
  let binary: Uint8Array | undefined;
  if (b64 !== undefined) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) {
      problems.add({ field: 'SecretBinary', found: 'text that is not base64', expected: 'base64-encoded bytes' });
    } else {
      binary = Buffer.from(b64, 'base64');
      if (binary.length > 65536) problems.add({ field: 'SecretBinary', found: `${binary.length} bytes`, expected: 'at most 65536' });
    }
  }
  if (input['SecretString'] !== undefined && input['SecretBinary'] !== undefined && input['SecretString'] !== null && input['SecretBinary'] !== null) {
    problems.add({ field: 'SecretString', found: 'both SecretString and SecretBinary', expected: 'one of them' });
  }
  return { ...(s === undefined ? {} : { string: s }), ...(binary === undefined ? {} : { binary }) };
}

export function readTags(input: Record<string, unknown>, problems: Problems): Tag[] {
  const value = input['Tags'];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.add({ field: 'Tags', found: describeValue(value), expected: 'a list of {Key, Value}' });
    return [];
  }
  const tags: Tag[] = [];
  value.forEach((item: unknown, i) => {
    const t = new InputReader({ [`Tags[${i}]`]: item }, problems).struct(`Tags[${i}]`, { required: true });
    const key = t?.string('Key', { required: true, min: 1, max: 128 });
    const tagValue = t?.string('Value', { max: 256 });
    if (key !== undefined) tags.push({ Key: key, Value: tagValue ?? '' });
  });
  return tags;
}

/** Attaches a staging label to a version, taking it from whichever version held it (a label is on one version at most). */
export function moveStage(ctx: ServiceContext, secretArn: string, stage: string, to: string): void {
  ctx.store.run(
    'INSERT INTO secretsmanager_stages (secret_arn, stage, version_id) VALUES (?, ?, ?) ON CONFLICT(secret_arn, stage) DO UPDATE SET version_id = excluded.version_id',
    secretArn,
    stage,
    to,
  );
}

/** Moving AWSCURRENT leaves AWSPREVIOUS on the version that held it, so a bad value can be rolled back. */
export function moveCurrent(ctx: ServiceContext, secretArn: string, to: string): void {
  const current = ctx.store.get('SELECT version_id FROM secretsmanager_stages WHERE secret_arn = ? AND stage = ?', secretArn, CURRENT);
  moveStage(ctx, secretArn, CURRENT, to);
  if (current !== undefined && str(current, 'version_id') !== to) moveStage(ctx, secretArn, PREVIOUS, str(current, 'version_id'));
}

function insertVersion(ctx: OperationContext, secretArn: string, versionId: string, value: SecretValue, stages: readonly string[]): void {
  const now = ctx.clock.now();
  ctx.store.run(
    'INSERT INTO secretsmanager_versions (secret_arn, version_id, secret_string, secret_binary, created) VALUES (?, ?, ?, ?, ?)',
    secretArn,
    versionId,
    value.string ?? null,
    value.binary ?? null,
    now,
  );
  for (const stage of stages) {
    if (stage === CURRENT) moveCurrent(ctx, secretArn, versionId);
    else moveStage(ctx, secretArn, stage, versionId);
  }
  ctx.store.run('UPDATE secretsmanager_secrets SET last_changed = ? WHERE arn = ?', now, secretArn);
  maskValue(ctx, value);
}

/**
 * Adds a version to a secret (inside the caller's transaction). The token is the version id; a retry with the same
 * token and value returns the existing version unchanged, a different value under the same token is refused.
 */
export function addVersion(ctx: OperationContext, secret: Row, token: string | undefined, value: SecretValue, stages: readonly string[]): { versionId: string; stages: string[] } {
  const secretArn = str(secret, 'arn');
  const versionId = token ?? uuid();
  const existing = ctx.store.get('SELECT * FROM secretsmanager_versions WHERE secret_arn = ? AND version_id = ?', secretArn, versionId);
  if (existing !== undefined) {
    if (!sameValue(valueOf(existing), value)) {
      throw new SlipwayError(
        'ResourceExistsException',
        `You can't modify an existing version ${versionId} of secret ${str(secret, 'name')}; create a new version with a new ClientRequestToken.`,
      );
    }
    return { versionId, stages: stagesOf(ctx, secretArn, versionId) };
  }
  insertVersion(ctx, secretArn, versionId, value, stages);
  const labels = stagesOf(ctx, secretArn, versionId);
  ctx.bus.publish({ type: 'secretsmanager.secret.version.put', resource: secretArn, detail: { name: str(secret, 'name'), versionId, stages: labels } });
  return { versionId, stages: labels };
}

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
  if (name === undefined) throw new Error('unreachable: validated above');
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
  if (secretId === undefined) throw new Error('unreachable: validated above');
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
  if (secretId === undefined) throw new Error('unreachable: validated above');
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

function optionalDate(row: Row, key: string): Date | undefined {
  const v = row[key];
  return v === null || v === undefined ? undefined : new Date(num(row, key));
}

function describe(row: Row): DescribeSecretResponse & SecretListEntry {
  const secretArn = str(row, 'arn');
  const tags = JSON.parse(str(row, 'tags')) as Tag[];
  return {
    ARN: secretArn,
    Name: str(row, 'name'),
    ...(row['description'] === null ? {} : { Description: str(row, 'description') }),
    ...(row['kms_key_id'] === null ? {} : { KmsKeyId: str(row, 'kms_key_id') }),
    LastChangedDate: new Date(num(row, 'last_changed')),
    LastAccessedDate: optionalDate(row, 'last_accessed'),
    DeletedDate: optionalDate(row, 'deleted_date'),
    ...(tags.length === 0 ? {} : { Tags: tags }),
    CreatedDate: new Date(num(row, 'created')),
  };
}

export function describeSecret(input: DescribeSecretRequest, ctx: OperationContext): DescribeSecretResponse {
  const r = new InputReader(input);
  const secretId = r.string('SecretId', SECRET_ID);
  r.done();
  if (secretId === undefined) throw new Error('unreachable: validated above');
  const row = requireSecret(ctx, secretId, { allowDeleted: true });
  return { ...describe(row), VersionIdsToStages: versionsToStages(ctx, str(row, 'arn')) };
}

const FILTER_KEYS = ['description', 'name', 'tag-key', 'tag-value', 'primary-region', 'owning-service', 'all'] as const;
const SORT_COLUMNS: Readonly<Record<string, string>> = {
  'created-date': 'created',
  'last-accessed-date': 'last_accessed',
  'last-changed-date': 'last_changed',
  name: 'name',
};

interface Filter {
  readonly key: string;
  readonly values: readonly string[];
}

/** AWS's filters: prefix matches (description case-insensitive), a leading '!' negates; values of one filter OR, filters AND. */
function matches(row: Row, filter: Filter): boolean {
  const tags = JSON.parse(str(row, 'tags')) as Tag[];
  const fields: Readonly<Record<string, readonly string[]>> = {
    name: [str(row, 'name')],
    description: [str(row, 'description')],
    'tag-key': tags.map((t) => t.Key ?? ''),
    'tag-value': tags.map((t) => t.Value ?? ''),
  };
  const keys = filter.key === 'all' ? Object.keys(fields) : [filter.key];
  return filter.values.some((raw) => {
    const negate = raw.startsWith('!');
    const value = negate ? raw.slice(1) : raw;
    const hit = keys.some((key) =>
      (fields[key] ?? []).some((c) => (key === 'description' ? c.toLowerCase().startsWith(value.toLowerCase()) : c.startsWith(value))),
    );
    return negate ? !hit : hit;
  });
}

export function listSecrets(input: ListSecretsRequest, ctx: OperationContext): ListSecretsResponse {
  const problems = new Problems();
  const r = new InputReader(input, problems);
  const includeDeleted = r.boolean('IncludePlannedDeletion') ?? false;
  const max = r.integer('MaxResults', { min: 1, max: 100 }) ?? 100;
  const token = r.string('NextToken', { min: 1, max: 4096 });
  const sortOrder = r.string('SortOrder', { oneOf: ['asc', 'desc'] }) ?? 'asc';
  const sortBy = r.string('SortBy', { oneOf: Object.keys(SORT_COLUMNS) }) ?? 'created-date';
  const filters: Filter[] = [];
  const rawFilters = (input as unknown as Record<string, unknown>)['Filters'];
  if (rawFilters !== undefined && rawFilters !== null) {
    if (!Array.isArray(rawFilters) || rawFilters.length > 10) {
      problems.add({ field: 'Filters', found: describeValue(rawFilters), expected: 'a list of at most 10 {Key, Values}' });
    } else {
      rawFilters.forEach((item: unknown, i) => {
        const f = new InputReader({ [`Filters[${i}]`]: item }, problems).struct(`Filters[${i}]`, { required: true });
        const key = f?.string('Key', { required: true, oneOf: FILTER_KEYS });
        const values = f?.stringList('Values', { required: true, min: 1, max: 10, item: { max: 512 } });
        if (key !== undefined && values !== undefined) filters.push({ key, values });
      });
    }
  }
  r.done();
  let offset = 0;
  if (token !== undefined) {
    offset = Number(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Number.isInteger(offset) || offset < 0) throw new SlipwayError('InvalidNextTokenException', `NextToken ${token} was not returned by ListSecrets; expected a token from an earlier page`);
  }
  purgeExpired(ctx);
  const column = SORT_COLUMNS[sortBy] ?? 'created';
  const direction = sortOrder === 'desc' ? 'DESC' : 'ASC';
  const rows = ctx.store
    .all(`SELECT * FROM secretsmanager_secrets ${includeDeleted ? '' : 'WHERE deleted_date IS NULL'} ORDER BY ${column} ${direction}, name ${direction}`)
    .filter((row) => filters.every((f) => matches(row, f)));
  const page = rows.slice(offset, offset + max);
  return {
    SecretList: page.map((row) => ({ ...describe(row), SecretVersionsToStages: versionsToStages(ctx, str(row, 'arn')) })),
    ...(offset + max < rows.length ? { NextToken: Buffer.from(String(offset + max)).toString('base64url') } : {}),
  };
}

export function deleteSecret(input: DeleteSecretRequest, ctx: OperationContext): DeleteSecretResponse {
  const r = new InputReader(input);
  const secretId = r.string('SecretId', SECRET_ID);
  const windowDays = r.integer('RecoveryWindowInDays');
  const force = r.boolean('ForceDeleteWithoutRecovery') ?? false;
  r.done();
  if (secretId === undefined) throw new Error('unreachable: validated above');
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
  if (secretId === undefined) throw new Error('unreachable: validated above');
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
