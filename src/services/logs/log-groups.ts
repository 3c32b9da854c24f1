// CloudWatch Logs groups and streams: create, describe (prefix, ordering, paging) and delete, plus the shared lookups.
import type {
  CreateLogGroupRequest,
  CreateLogStreamRequest,
  DeleteLogGroupRequest,
  DeleteLogStreamRequest,
  DeleteRetentionPolicyRequest,
  DescribeLogGroupsRequest,
  DescribeLogGroupsResponse,
  DescribeLogStreamsRequest,
  DescribeLogStreamsResponse,
  LogGroup,
  LogStream,
  PutRetentionPolicyRequest,
} from '@aws-sdk/client-cloudwatch-logs';
import { SlipwayError } from '../../core/errors.ts';
import { arn, parseArn } from '../../core/ids.ts';
import { num, str, type Migration, type Row } from '../../store/db.ts';
import { offsetToken, resumeAt } from '../paging.ts';
import type { OperationContext, ServiceContext } from '../types.ts';
import { assertPresent, InputReader } from '../validate.ts';

export const logsMigrations: readonly Migration[] = [
  {
    id: 'logs/001-groups-streams-events',
    sql: `CREATE TABLE logs_groups (
      name TEXT PRIMARY KEY,
      creation_time INTEGER NOT NULL,
      stored_bytes INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE logs_streams (
      group_name TEXT NOT NULL,
      name TEXT NOT NULL,
      creation_time INTEGER NOT NULL,
      first_event INTEGER,
      last_event INTEGER,
      last_ingestion INTEGER,
      PRIMARY KEY (group_name, name)
    );
    CREATE TABLE logs_events (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      group_name TEXT NOT NULL,
      stream_name TEXT NOT NULL,
      timestamp INTEGER NOT NULL,
      ingestion_time INTEGER NOT NULL,
      message TEXT NOT NULL
    );
    -- The id breaks timestamp ties, so events with equal timestamps keep their ingestion order.
    CREATE INDEX logs_events_stream_time ON logs_events(group_name, stream_name, timestamp, id);
    CREATE INDEX logs_events_group_time ON logs_events(group_name, timestamp, id);`,
  },
  {
    id: 'logs/002-retention',
    sql: 'ALTER TABLE logs_groups ADD COLUMN retention_days INTEGER',
  },
];

export const GROUP_NAME = { min: 1, max: 512, pattern: /^[.\-_/#A-Za-z0-9]+$/, patternText: "letters, digits and '.', '-', '_', '/', '#' (1 to 512 characters)" };
export const STREAM_NAME = { min: 1, max: 512, pattern: /^[^:*]*$/, patternText: "any characters but ':' and '*' (1 to 512 characters)" };
const GROUP_IDENTIFIER = { min: 1, max: 2048, pattern: /^[\w#+=/:,.@-]*$/, patternText: 'a log group name or ARN' };

/**
 * CloudWatch Logs reports input problems as InvalidParameterException (the model lists ValidationException for one
 * operation only), so the reader's ValidationException is re-coded with its message and problems kept.
 */
export function finish(r: InputReader): void {
  try {
    r.done();
  } catch (error) {
    if (error instanceof SlipwayError && error.code === 'ValidationException') {
      throw new SlipwayError('InvalidParameterException', error.message, { problems: error.problems, cause: error });
    }
    throw error;
  }
}

export function invalidParameter(message: string): SlipwayError {
  return new SlipwayError('InvalidParameterException', message);
}

export function groupNotFound(): SlipwayError {
  return new SlipwayError('ResourceNotFoundException', 'The specified log group does not exist.');
}

export function streamNotFound(): SlipwayError {
  return new SlipwayError('ResourceNotFoundException', 'The specified log stream does not exist.');
}

export function groupArn(ctx: ServiceContext, group: string): string {
  return arn(ctx.config, 'logs', `log-group:${group}`);
}

/** Reads logGroupName or logGroupIdentifier (a name or ARN): exactly one must be given, as AWS requires. */
export function readGroupReference(r: InputReader, input: { logGroupName?: unknown; logGroupIdentifier?: unknown }): () => string {
  const name = r.string('logGroupName', GROUP_NAME);
  const identifier = r.string('logGroupIdentifier', GROUP_IDENTIFIER);
  return () => {
    if (input.logGroupName != null && input.logGroupIdentifier != null) {
      throw invalidParameter('LogGroup name and LogGroup ARN are mutually exclusive parameters; found both logGroupName and logGroupIdentifier, expected one');
    }
    if (name !== undefined) return name;
    if (identifier === undefined) throw invalidParameter('Should provide either name or ARN of the log group; found neither logGroupName nor logGroupIdentifier');
    const parsed = parseArn(identifier);
    if (parsed === undefined) return identifier;
    // ARNs come as `log-group:<name>` or `log-group:<name>:*`.
    return parsed.resource.replace(/^log-group:/, '').replace(/:\*$/, '');
  };
}

export function requireGroup(ctx: ServiceContext, group: string): Row {
  const row = ctx.store.get('SELECT * FROM logs_groups WHERE name = ?', group);
  if (row === undefined) throw groupNotFound();
  return row;
}

export function requireStream(ctx: ServiceContext, group: string, stream: string): Row {
  requireGroup(ctx, group);
  const row = ctx.store.get('SELECT * FROM logs_streams WHERE group_name = ? AND name = ?', group, stream);
  if (row === undefined) throw streamNotFound();
  return row;
}

/** Creates the group unless it exists; returns whether it was created. Publishes `logs.group.created`. */
export function ensureGroup(ctx: ServiceContext, group: string): boolean {
  const created = ctx.store.run('INSERT INTO logs_groups (name, creation_time) VALUES (?, ?) ON CONFLICT(name) DO NOTHING', group, ctx.clock.now()).changes > 0;
  if (created) ctx.bus.publish({ type: 'logs.group.created', resource: groupArn(ctx, group), detail: { logGroupName: group } });
  return created;
}

/** Creates the stream unless it exists; returns whether it was created. Publishes `logs.stream.created`. */
export function ensureStream(ctx: ServiceContext, group: string, stream: string): boolean {
  const created =
    ctx.store.run('INSERT INTO logs_streams (group_name, name, creation_time) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', group, stream, ctx.clock.now()).changes > 0;
  if (created) ctx.bus.publish({ type: 'logs.stream.created', resource: groupArn(ctx, group), detail: { logGroupName: group, logStreamName: stream } });
  return created;
}

/** Where a Describe listing resumes, with CloudWatch Logs' wording for a token it did not issue. */
function decodeOffset(token: string | undefined): number {
  return resumeAt(token, (t) => invalidParameter(`The specified nextToken is invalid: found ${JSON.stringify(t.slice(0, 40))}, expected a nextToken from a previous response`));
}

function toLogGroup(row: Row, ctx: ServiceContext): LogGroup {
  const name = str(row, 'name');
  const groupArnText = groupArn(ctx, name);
  return {
    logGroupName: name,
    creationTime: num(row, 'creation_time'),
    ...(row['retention_days'] === null ? {} : { retentionInDays: num(row, 'retention_days') }),
    metricFilterCount: 0,
    arn: `${groupArnText}:*`,
    logGroupArn: groupArnText,
    storedBytes: num(row, 'stored_bytes'),
    logGroupClass: 'STANDARD',
  };
}

function toLogStream(row: Row, ctx: ServiceContext): LogStream {
  const group = str(row, 'group_name');
  const name = str(row, 'name');
  const optional = (column: string, member: string): Record<string, number> => (row[column] === null ? {} : { [member]: num(row, column) });
  return {
    logStreamName: name,
    creationTime: num(row, 'creation_time'),
    ...optional('first_event', 'firstEventTimestamp'),
    ...optional('last_event', 'lastEventTimestamp'),
    ...optional('last_ingestion', 'lastIngestionTime'),
    arn: arn(ctx.config, 'logs', `log-group:${group}:log-stream:${name}`),
    // AWS has reported zero for streams since 2019; only groups carry stored bytes.
    storedBytes: 0,
  };
}


export function createLogGroup(input: CreateLogGroupRequest, ctx: OperationContext): Record<string, never> {
  const r = new InputReader(input);
  const name = r.string('logGroupName', { ...GROUP_NAME, required: true });
  r.string('kmsKeyId', { max: 256 });
  r.string('logGroupClass', { oneOf: ['STANDARD', 'INFREQUENT_ACCESS', 'DELIVERY'] });
  r.boolean('deletionProtectionEnabled');
  finish(r);
  assertPresent(name);
  // `aws/` is reserved for AWS's own groups; CodeBuild's `/aws/codebuild/...` starts with a slash and is allowed.
  if (name.startsWith('aws/')) throw invalidParameter(`Log group names cannot start with 'aws/'; found ${JSON.stringify(name)}`);
  ctx.store.tx(() => {
    if (!ensureGroup(ctx, name)) throw new SlipwayError('ResourceAlreadyExistsException', 'The specified log group already exists');
  });
  return {};
}

export function describeLogGroups(input: DescribeLogGroupsRequest, ctx: OperationContext): DescribeLogGroupsResponse {
  const r = new InputReader(input);
  const prefix = r.string('logGroupNamePrefix', GROUP_NAME);
  const pattern = r.string('logGroupNamePattern', { max: 512, pattern: /^[.\-_/#A-Za-z0-9]*$/, patternText: "letters, digits and '.', '-', '_', '/', '#'" });
  const token = r.string('nextToken', { min: 1 });
  const limit = r.integer('limit', { min: 1, max: 50 }) ?? 50;
  const identifiers = r.stringList('logGroupIdentifiers', { min: 1, max: 50, item: GROUP_IDENTIFIER });
  r.string('logGroupClass', { oneOf: ['STANDARD', 'INFREQUENT_ACCESS', 'DELIVERY'] });
  finish(r);
  if (prefix !== undefined && pattern !== undefined) {
    throw invalidParameter('LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters; found both, expected one');
  }
  const offset = decodeOffset(token);
  const where: string[] = [];
  const params: Array<string | number> = [];
  if (prefix !== undefined) {
    // substr, not LIKE: SQLite's LIKE ignores ASCII case and AWS prefixes do not.
    where.push('substr(name, 1, ?) = ?');
    params.push(prefix.length, prefix);
  }
  if (pattern !== undefined && pattern !== '') {
    // AWS matches the pattern as a case-insensitive substring of the name.
    where.push("instr(lower(name), lower(?)) > 0");
    params.push(pattern);
  }
  if (identifiers !== undefined) {
    const names = identifiers.map((id) => parseArn(id)?.resource.replace(/^log-group:/, '').replace(/:\*$/, '') ?? id);
    where.push(`name IN (${names.map(() => '?').join(', ')})`);
    params.push(...names);
  }
  // Results are ASCII-sorted by name, as AWS documents; BINARY collation is byte order.
  const rows = ctx.store.all(
    `SELECT * FROM logs_groups ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY name COLLATE BINARY LIMIT ? OFFSET ?`,
    ...params,
    limit + 1,
    offset,
  );
  const more = rows.length > limit;
  return {
    logGroups: rows.slice(0, limit).map((row) => toLogGroup(row, ctx)),
    ...(more ? { nextToken: offsetToken(offset + limit) } : {}),
  };
}

/** The logGroupName of an operation that takes nothing else (DeleteLogGroup, DeleteRetentionPolicy). */
function readGroupName(input: object): string {
  const r = new InputReader(input);
  const name = r.string('logGroupName', { ...GROUP_NAME, required: true });
  finish(r);
  assertPresent(name);
  return name;
}

export function deleteLogGroup(input: DeleteLogGroupRequest, ctx: OperationContext): Record<string, never> {
  const name = readGroupName(input);
  ctx.store.tx(() => {
    requireGroup(ctx, name);
    ctx.store.run('DELETE FROM logs_events WHERE group_name = ?', name);
    ctx.store.run('DELETE FROM logs_streams WHERE group_name = ?', name);
    ctx.store.run('DELETE FROM logs_groups WHERE name = ?', name);
    ctx.bus.publish({ type: 'logs.group.deleted', resource: groupArn(ctx, name), detail: { logGroupName: name } });
  });
  return {};
}

/** logGroupName and logStreamName, both required, for the operations that take exactly one stream. */
function readStreamName(input: object): { group: string; stream: string } {
  const r = new InputReader(input);
  const group = r.string('logGroupName', { ...GROUP_NAME, required: true });
  const stream = r.string('logStreamName', { ...STREAM_NAME, required: true });
  finish(r);
  assertPresent(group);
  assertPresent(stream);
  return { group, stream };
}

export function createLogStream(input: CreateLogStreamRequest, ctx: OperationContext): Record<string, never> {
  const { group, stream } = readStreamName(input);
  ctx.store.tx(() => {
    requireGroup(ctx, group);
    if (!ensureStream(ctx, group, stream)) throw new SlipwayError('ResourceAlreadyExistsException', 'The specified log stream already exists');
  });
  return {};
}

export function describeLogStreams(input: DescribeLogStreamsRequest, ctx: OperationContext): DescribeLogStreamsResponse {
  const r = new InputReader(input);
  const groupOf = readGroupReference(r, input);
  const prefix = r.string('logStreamNamePrefix', STREAM_NAME);
  const orderBy = r.string('orderBy', { oneOf: ['LogStreamName', 'LastEventTime'] }) ?? 'LogStreamName';
  const descending = r.boolean('descending') ?? false;
  const token = r.string('nextToken', { min: 1 });
  const limit = r.integer('limit', { min: 1, max: 50 }) ?? 50;
  finish(r);
  const group = groupOf();
  if (orderBy === 'LastEventTime' && prefix !== undefined) {
    throw invalidParameter('Cannot order by LastEventTime with a logStreamNamePrefix.');
  }
  const offset = decodeOffset(token);
  requireGroup(ctx, group);
  const direction = descending ? 'DESC' : 'ASC';
  // Streams without events sort as the oldest; the name breaks ties so pages never overlap.
  const order = orderBy === 'LastEventTime' ? `coalesce(last_event, -1) ${direction}, name COLLATE BINARY ${direction}` : `name COLLATE BINARY ${direction}`;
  const rows = ctx.store.all(
    `SELECT * FROM logs_streams WHERE group_name = ? ${prefix === undefined ? '' : 'AND substr(name, 1, ?) = ?'} ORDER BY ${order} LIMIT ? OFFSET ?`,
    group,
    ...(prefix === undefined ? [] : [prefix.length, prefix]),
    limit + 1,
    offset,
  );
  const more = rows.length > limit;
  return {
    logStreams: rows.slice(0, limit).map((row) => toLogStream(row, ctx)),
    ...(more ? { nextToken: offsetToken(offset + limit) } : {}),
  };
}

const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/**
 * Retention is recorded, reported and applied to incoming events (PutLogEvents rejects older ones as expired);
 * events already stored are not purged as they age.
 */
export function putRetentionPolicy(input: PutRetentionPolicyRequest, ctx: OperationContext): Record<string, never> {
  const r = new InputReader(input);
  const name = r.string('logGroupName', { ...GROUP_NAME, required: true });
  const days = r.integer('retentionInDays', { required: true });
  finish(r);
  assertPresent(name);
  assertPresent(days);
  if (!(RETENTION_DAYS as readonly number[]).includes(days)) {
    throw invalidParameter(`1 validation error detected: retentionInDays: found ${days}, expected one of ${RETENTION_DAYS.join(', ')}`);
  }
  ctx.store.tx(() => {
    requireGroup(ctx, name);
    ctx.store.run('UPDATE logs_groups SET retention_days = ? WHERE name = ?', days, name);
    ctx.bus.publish({ type: 'logs.group.retention', resource: groupArn(ctx, name), detail: { logGroupName: name, retentionInDays: days } });
  });
  return {};
}

export function deleteRetentionPolicy(input: DeleteRetentionPolicyRequest, ctx: OperationContext): Record<string, never> {
  const name = readGroupName(input);
  ctx.store.tx(() => {
    requireGroup(ctx, name);
    ctx.store.run('UPDATE logs_groups SET retention_days = NULL WHERE name = ?', name);
    ctx.bus.publish({ type: 'logs.group.retention', resource: groupArn(ctx, name), detail: { logGroupName: name, retentionInDays: null } });
  });
  return {};
}

export function deleteLogStream(input: DeleteLogStreamRequest, ctx: OperationContext): Record<string, never> {
  const { group, stream } = readStreamName(input);
  ctx.store.tx(() => {
    requireStream(ctx, group, stream);
    const bytes = ctx.store.get(
      'SELECT coalesce(sum(length(CAST(message AS BLOB))), 0) AS bytes FROM logs_events WHERE group_name = ? AND stream_name = ?',
      group,
      stream,
    );
    ctx.store.run('UPDATE logs_groups SET stored_bytes = max(0, stored_bytes - ?) WHERE name = ?', bytes === undefined ? 0 : num(bytes, 'bytes'), group);
    ctx.store.run('DELETE FROM logs_events WHERE group_name = ? AND stream_name = ?', group, stream);
    ctx.store.run('DELETE FROM logs_streams WHERE group_name = ? AND name = ?', group, stream);
    ctx.bus.publish({ type: 'logs.stream.deleted', resource: groupArn(ctx, group), detail: { logGroupName: group, logStreamName: stream } });
  });
  return {};
}
