// IAM users, the minimum CodeCommit's HTTPS credentials hang off: CreateUser, GetUser, ListUsers, DeleteUser.
import type { CreateUserRequest, CreateUserResponse, DeleteUserRequest, GetUserRequest, GetUserResponse, ListUsersRequest, ListUsersResponse, User } from '@aws-sdk/client-iam';
import { SlipwayError } from '../../core/errors.ts';
import { arn, shortId } from '../../core/ids.ts';
import { num, str, type Migration, type Row } from '../../store/db.ts';
import type { OperationContext, ServiceContext } from '../types.ts';
import { assertPresent, InputReader } from '../validate.ts';

export const iamMigrations: readonly Migration[] = [
  {
    id: 'iam/001-users-credentials',
    sql: `CREATE TABLE iam_users (
      name TEXT PRIMARY KEY COLLATE NOCASE,
      id TEXT NOT NULL UNIQUE,
      path TEXT NOT NULL,
      created INTEGER NOT NULL
    );
    CREATE TABLE iam_service_credentials (
      id TEXT PRIMARY KEY,
      user_name TEXT NOT NULL REFERENCES iam_users(name),
      service_name TEXT NOT NULL,
      service_user_name TEXT NOT NULL UNIQUE,
      password_hash TEXT NOT NULL,
      status TEXT NOT NULL,
      created INTEGER NOT NULL
    );
    CREATE INDEX iam_service_credentials_user ON iam_service_credentials(user_name);`,
  },
];

export const USER_NAME = { min: 1, max: 64, pattern: /^[\w+=,.@-]+$/, patternText: "letters, digits and '+', '=', ',', '.', '@', '_', '-'" };
const PATH = { min: 1, max: 512, pattern: /^(\/|\/[\u0021-\u007E]+\/)$/, patternText: "'/' or a path that begins and ends with '/'" };

/** IAM's errors carry their own codes and statuses (NoSuchEntity is 404, EntityAlreadyExists 409). */
export function iamError(code: string, status: number, message: string): SlipwayError {
  return new SlipwayError(code, message, { extra: { httpStatus: status } });
}

export function noSuchUser(name: string): SlipwayError {
  return iamError('NoSuchEntity', 404, `The user with name ${name} cannot be found.`);
}

function toUser(row: Row, ctx: Pick<ServiceContext, 'config'>): User {
  const path = str(row, 'path');
  const name = str(row, 'name');
  return { Path: path, UserName: name, UserId: str(row, 'id'), Arn: arn(ctx.config, 'iam', `user${path}${name}`, ''), CreateDate: new Date(num(row, 'created')) };
}

export function findUser(ctx: Pick<ServiceContext, 'config' | 'store'>, name: string): User | undefined {
  const row = ctx.store.get('SELECT * FROM iam_users WHERE name = ?', name);
  return row === undefined ? undefined : toUser(row, ctx);
}

export function createUser(input: CreateUserRequest, ctx: OperationContext): CreateUserResponse {
  const r = new InputReader(input);
  const name = r.string('UserName', { ...USER_NAME, required: true });
  const path = r.string('Path', PATH) ?? '/';
  r.done();
  assertPresent(name);
  return ctx.store.tx(() => {
    if (findUser(ctx, name) !== undefined) throw iamError('EntityAlreadyExists', 409, `User with name ${name} already exists.`);
    // IAM user ids start with AIDA followed by 17 upper-case letters and digits.
    const id = `AIDA${shortId(17, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`;
    ctx.store.run('INSERT INTO iam_users (name, id, path, created) VALUES (?, ?, ?, ?)', name, id, path, ctx.clock.now());
    const user = findUser(ctx, name);
    assertPresent(user, 'inserted above');
    ctx.bus.publish({ type: 'iam.user.created', resource: user.Arn ?? name, detail: { userName: name } });
    return { User: user };
  });
}

export function getUser(input: GetUserRequest, ctx: OperationContext): GetUserResponse {
  const r = new InputReader(input);
  const name = r.string('UserName', { ...USER_NAME, max: 128 });
  r.done();
  if (name === undefined) {
    // Without a name IAM answers for the caller; Slipway's callers are not IAM users, so it says so.
    throw iamError('NoSuchEntity', 404, 'GetUser without UserName describes the calling user; Slipway signs no requests as an IAM user, so pass UserName.');
  }
  const user = findUser(ctx, name);
  if (user === undefined) throw noSuchUser(name);
  return { User: user };
}

export function listUsers(input: ListUsersRequest, ctx: OperationContext): ListUsersResponse {
  const r = new InputReader(input);
  const prefix = r.string('PathPrefix', { min: 1, max: 512 }) ?? '/';
  const marker = r.string('Marker', { min: 1 });
  const maxItems = Number(input.MaxItems ?? 100);
  r.done();
  if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > 1000) {
    throw iamError('ValidationError', 400, `MaxItems: found ${String(input.MaxItems)}, expected an integer from 1 to 1000`);
  }
  const rows = ctx.store.all('SELECT * FROM iam_users WHERE name > ? ORDER BY name LIMIT ?', marker ?? '', maxItems + 1);
  const users = rows.map((row) => toUser(row, ctx)).filter((u) => (u.Path ?? '/').startsWith(prefix));
  const page = users.slice(0, maxItems);
  const truncated = rows.length > maxItems;
  return { Users: page, IsTruncated: truncated, ...(truncated ? { Marker: page.at(-1)?.UserName } : {}) };
}

export function deleteUser(input: DeleteUserRequest, ctx: OperationContext): Record<string, never> {
  const r = new InputReader(input);
  const name = r.string('UserName', { ...USER_NAME, max: 128, required: true });
  r.done();
  assertPresent(name);
  ctx.store.tx(() => {
    const user = findUser(ctx, name);
    if (user === undefined) throw noSuchUser(name);
    const creds = ctx.store.get('SELECT count(*) AS n FROM iam_service_credentials WHERE user_name = ?', name);
    if (creds !== undefined && num(creds, 'n') > 0) {
      throw iamError('DeleteConflict', 409, `Cannot delete entity, must delete service-specific credentials first (user ${name} has ${num(creds, 'n')}).`);
    }
    ctx.store.run('DELETE FROM iam_users WHERE name = ?', name);
    ctx.bus.publish({ type: 'iam.user.deleted', resource: user.Arn ?? name, detail: { userName: name } });
  });
  return {};
}
