// Secrets Manager's stored secrets: lookup by name or ARN, lazy purge, versions and their staging labels, masking of values.
import { SlipwayError } from '../../core/errors.ts';
import { parseArn, uuid } from '../../core/ids.ts';
import { num, str, type Row } from '../../store/db.ts';
import type { OperationContext, ServiceContext } from '../types.ts';

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
export function purgeExpired(ctx: ServiceContext): void {
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
export function versionsToStages(ctx: ServiceContext, secretArn: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const row of ctx.store.all('SELECT version_id, stage FROM secretsmanager_stages WHERE secret_arn = ? ORDER BY version_id, stage', secretArn)) {
    (out[str(row, 'version_id')] ??= []).push(str(row, 'stage'));
  }
  return out;
}

export function valueOf(row: Row): SecretValue {
  const s = row['secret_string'];
  const b = row['secret_binary'];
  return {
    ...(typeof s === 'string' ? { string: s } : {}),
    ...(b instanceof Uint8Array ? { binary: b } : {}),
  };
}

export function sameValue(a: SecretValue, b: SecretValue): boolean {
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

export function insertVersion(ctx: OperationContext, secretArn: string, versionId: string, value: SecretValue, stages: readonly string[]): void {
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

