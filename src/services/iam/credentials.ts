// Service-specific credentials (CodeCommit's HTTPS git username/password): generated, stored as scrypt hashes, verified by the git server.
import type {
  CreateServiceSpecificCredentialRequest,
  CreateServiceSpecificCredentialResponse,
  DeleteServiceSpecificCredentialRequest,
  ListServiceSpecificCredentialsRequest,
  ListServiceSpecificCredentialsResponse,
  ResetServiceSpecificCredentialRequest,
  ResetServiceSpecificCredentialResponse,
  ServiceSpecificCredential,
  ServiceSpecificCredentialMetadata,
} from '@aws-sdk/client-iam';
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { arn, shortId } from '../../core/ids.ts';
import { num, str, type Row, type Store } from '../../store/db.ts';
import type { OperationContext } from '../types.ts';
import { assertPresent, InputReader } from '../validate.ts';
import { findUser, iamError, noSuchUser, USER_NAME } from './users.ts';

export const CODECOMMIT_SERVICE = 'codecommit.amazonaws.com';
/** AWS allows two credentials per user and service, so one can be rotated while the other works. */
const MAX_PER_SERVICE = 2;
const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;

function scryptAsync(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p }, (error, key) => (error === null ? resolve(key) : reject(error)));
  });
}

/** `scrypt$N$r$p$salt$hash`, base64 parts: the parameters travel with the hash so they can change later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await new Promise<Buffer>((resolve, reject) => {
    scrypt(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p) }, (error, k) =>
      error === null ? resolve(k) : reject(error),
    );
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A password in the style of AWS's: 44 characters of base64 without padding surprises. */
function newPassword(): string {
  return randomBytes(33).toString('base64');
}

function serviceUserName(userName: string, accountId: string, index: number): string {
  // AWS names a user's second credential `jane+1-at-123456789012`.
  return index === 0 ? `${userName}-at-${accountId}` : `${userName}+${index}-at-${accountId}`;
}

function toMetadata(row: Row): ServiceSpecificCredentialMetadata {
  return {
    UserName: str(row, 'user_name'),
    Status: str(row, 'status') as ServiceSpecificCredentialMetadata['Status'],
    ServiceUserName: str(row, 'service_user_name'),
    CreateDate: new Date(num(row, 'created')),
    ServiceSpecificCredentialId: str(row, 'id'),
    ServiceName: str(row, 'service_name'),
  };
}

function withPassword(row: Row, password: string): ServiceSpecificCredential {
  const m = toMetadata(row);
  return {
    CreateDate: m.CreateDate,
    ServiceName: m.ServiceName,
    ServiceUserName: m.ServiceUserName,
    ServicePassword: password,
    ServiceSpecificCredentialId: m.ServiceSpecificCredentialId,
    UserName: m.UserName,
    Status: m.Status,
  };
}

function userArn(ctx: OperationContext, name: string): string {
  return arn(ctx.config, 'iam', `user/${name}`, '');
}

export async function createServiceSpecificCredential(
  input: CreateServiceSpecificCredentialRequest,
  ctx: OperationContext,
): Promise<CreateServiceSpecificCredentialResponse> {
  const r = new InputReader(input);
  const userName = r.string('UserName', { ...USER_NAME, required: true });
  const serviceName = r.string('ServiceName', { required: true });
  r.done();
  assertPresent(userName);
  assertPresent(serviceName);
  if (serviceName !== CODECOMMIT_SERVICE) {
    throw iamError('NotSupportedService', 404, `Service ${serviceName} is not supported by Slipway for service-specific credentials; expected ${CODECOMMIT_SERVICE}.`);
  }
  const user = findUser(ctx, userName);
  if (user === undefined) throw noSuchUser(userName);
  const password = newPassword();
  // Hashing is slow on purpose; it runs before the transaction so the store is not held meanwhile.
  const hash = await hashPassword(password);
  return ctx.store.tx(() => {
    const existing = ctx.store.all('SELECT service_user_name FROM iam_service_credentials WHERE user_name = ? AND service_name = ?', user.UserName ?? userName, serviceName);
    if (existing.length >= MAX_PER_SERVICE) {
      throw iamError('LimitExceeded', 409, `Cannot exceed quota for CredentialsPerUserPerService: ${MAX_PER_SERVICE} (user ${userName} already has ${existing.length} for ${serviceName}).`);
    }
    const taken = new Set(existing.map((row) => str(row, 'service_user_name')));
    let index = 0;
    while (taken.has(serviceUserName(user.UserName ?? userName, ctx.config.accountId, index))) index++;
    const id = `ACCA${shortId(17, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`;
    ctx.store.run(
      'INSERT INTO iam_service_credentials (id, user_name, service_name, service_user_name, password_hash, status, created) VALUES (?, ?, ?, ?, ?, ?, ?)',
      id,
      user.UserName ?? userName,
      serviceName,
      serviceUserName(user.UserName ?? userName, ctx.config.accountId, index),
      hash,
      'Active',
      ctx.clock.now(),
    );
    ctx.bus.publish({ type: 'iam.serviceSpecificCredential.created', resource: userArn(ctx, userName), detail: { userName, serviceName, credentialId: id } });
    const row = ctx.store.get('SELECT * FROM iam_service_credentials WHERE id = ?', id);
    assertPresent(row, 'inserted above');
    return { ServiceSpecificCredential: withPassword(row, password) };
  });
}

export function listServiceSpecificCredentials(input: ListServiceSpecificCredentialsRequest, ctx: OperationContext): ListServiceSpecificCredentialsResponse {
  const r = new InputReader(input);
  const userName = r.string('UserName', USER_NAME);
  const serviceName = r.string('ServiceName');
  const allUsers = String(input.AllUsers ?? 'false') === 'true';
  r.done();
  if (userName === undefined && !allUsers) {
    throw iamError('NoSuchEntity', 404, 'ListServiceSpecificCredentials without UserName describes the calling user; Slipway signs no requests as an IAM user, so pass UserName or AllUsers.');
  }
  if (userName !== undefined && findUser(ctx, userName) === undefined) throw noSuchUser(userName);
  const rows = ctx.store.all(
    `SELECT * FROM iam_service_credentials WHERE (? IS NULL OR user_name = ?) AND (? IS NULL OR service_name = ?) ORDER BY created, id`,
    userName ?? null,
    userName ?? null,
    serviceName ?? null,
    serviceName ?? null,
  );
  return { ServiceSpecificCredentials: rows.map(toMetadata), IsTruncated: false };
}

function findCredential(ctx: OperationContext, id: string, userName: string | undefined): Row {
  const row = ctx.store.get('SELECT * FROM iam_service_credentials WHERE id = ?', id);
  if (row === undefined || (userName !== undefined && str(row, 'user_name').toLowerCase() !== userName.toLowerCase())) {
    throw iamError('NoSuchEntity', 404, `No such service-specific credential: ${id}${userName === undefined ? '' : ` for user ${userName}`}.`);
  }
  return row;
}

const CREDENTIAL_ID = { required: true, min: 20, max: 128, pattern: /^\w+$/, patternText: 'letters and digits' };

export function deleteServiceSpecificCredential(input: DeleteServiceSpecificCredentialRequest, ctx: OperationContext): Record<string, never> {
  const r = new InputReader(input);
  const userName = r.string('UserName', USER_NAME);
  const id = r.string('ServiceSpecificCredentialId', CREDENTIAL_ID);
  r.done();
  assertPresent(id);
  ctx.store.tx(() => {
    const row = findCredential(ctx, id, userName);
    ctx.store.run('DELETE FROM iam_service_credentials WHERE id = ?', id);
    ctx.bus.publish({ type: 'iam.serviceSpecificCredential.deleted', resource: userArn(ctx, str(row, 'user_name')), detail: { credentialId: id } });
  });
  return {};
}

export async function resetServiceSpecificCredential(input: ResetServiceSpecificCredentialRequest, ctx: OperationContext): Promise<ResetServiceSpecificCredentialResponse> {
  const r = new InputReader(input);
  const userName = r.string('UserName', USER_NAME);
  const id = r.string('ServiceSpecificCredentialId', CREDENTIAL_ID);
  r.done();
  assertPresent(id);
  findCredential(ctx, id, userName);
  const password = newPassword();
  const hash = await hashPassword(password);
  return ctx.store.tx(() => {
    const row = findCredential(ctx, id, userName);
    ctx.store.run('UPDATE iam_service_credentials SET password_hash = ? WHERE id = ?', hash, id);
    ctx.bus.publish({ type: 'iam.serviceSpecificCredential.reset', resource: userArn(ctx, str(row, 'user_name')), detail: { credentialId: id } });
    return { ServiceSpecificCredential: withPassword(row, password) };
  });
}

/**
 * Checks a git HTTPS username/password. Successful checks are remembered by (stored hash, password digest), so the
 * several requests of one clone do not each pay for scrypt; a reset or delete changes or removes the stored hash.
 */
const verified = new Set<string>();

export async function verifyServiceCredential(store: Store, serviceName: string, username: string, password: string): Promise<string | undefined> {
  const row = store.get("SELECT * FROM iam_service_credentials WHERE service_user_name = ? AND service_name = ? AND status = 'Active'", username, serviceName);
  if (row === undefined) return undefined;
  const stored = str(row, 'password_hash');
  const key = `${stored}|${createHash('sha256').update(password).digest('base64')}`;
  if (!verified.has(key)) {
    if (!(await verifyPassword(password, stored))) return undefined;
    if (verified.size > 10_000) verified.clear();
    verified.add(key);
  }
  return str(row, 'user_name');
}
