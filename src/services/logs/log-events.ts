// CloudWatch Logs events: PutLogEvents, GetLogEvents (forward/backward tokens), FilterLogEvents, and the engines' append API.
import type {
  FilteredLogEvent,
  FilterLogEventsRequest,
  FilterLogEventsResponse,
  GetLogEventsRequest,
  GetLogEventsResponse,
  OutputLogEvent,
  PutLogEventsRequest,
  PutLogEventsResponse,
  RejectedLogEventsInfo,
} from '@aws-sdk/client-cloudwatch-logs';
import { Problems } from '../../core/errors.ts';
import { num, str, type Row } from '../../store/db.ts';
import type { OperationContext, ServiceContext } from '../types.ts';
import { assertPresent, InputReader } from '../validate.ts';
import { matchesFilter, parseFilterPattern } from './filter-pattern.ts';
import {
  ensureGroup,
  ensureStream,
  finish,
  GROUP_NAME,
  groupArn,
  invalidParameter,
  readGroupReference,
  requireGroup,
  requireStream,
  STREAM_NAME,
} from './log-groups.ts';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
/** AWS's PutLogEvents limits: the batch size counts UTF-8 message bytes plus 26 bytes per event. */
const MAX_BATCH_BYTES = 1_048_576;
const EVENT_OVERHEAD_BYTES = 26;
const TIMESTAMP = { min: 0 };

export interface LogEventInput {
  readonly timestamp: number;
  readonly message: string;
}

/** Stores events (already accepted) in the stream, updates its statistics and announces the batch on the bus. */
function insertBatch(ctx: ServiceContext, group: string, stream: string, events: readonly LogEventInput[]): number {
  const now = ctx.clock.now();
  let lastId = 0;
  let bytes = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const event of events) {
    lastId = ctx.store.run(
      'INSERT INTO logs_events (group_name, stream_name, timestamp, ingestion_time, message) VALUES (?, ?, ?, ?, ?)',
      group,
      stream,
      event.timestamp,
      now,
      event.message,
    ).lastInsertRowid;
    bytes += Buffer.byteLength(event.message);
    first = Math.min(first, event.timestamp);
    last = Math.max(last, event.timestamp);
  }
  if (events.length === 0) return lastId;
  ctx.store.run(
    `UPDATE logs_streams SET first_event = min(coalesce(first_event, ?1), ?1), last_event = max(coalesce(last_event, ?2), ?2), last_ingestion = ?3
     WHERE group_name = ?4 AND name = ?5`,
    first,
    last,
    now,
    group,
    stream,
  );
  ctx.store.run('UPDATE logs_groups SET stored_bytes = stored_bytes + ? WHERE name = ?', bytes, group);
  ctx.bus.publish({
    type: 'logs.events',
    resource: groupArn(ctx, group),
    detail: { logGroupName: group, logStreamName: stream, count: events.length, firstTimestamp: events[0]?.timestamp ?? first },
  });
  return lastId;
}

/**
 * The engines' way in (not an AWS operation): appends a batch to a stream, creating the group and stream as needed,
 * and publishes one `logs.events` event so a UI can tail. Engines stamp events with their own clock, so AWS's
 * too-old/too-new and ordering rules do not apply; events with equal timestamps keep the order given.
 */
export function appendLogEvents(ctx: ServiceContext, group: string, stream: string, events: readonly LogEventInput[]): void {
  const r = new InputReader({ logGroupName: group, logStreamName: stream });
  r.string('logGroupName', { ...GROUP_NAME, required: true });
  r.string('logStreamName', { ...STREAM_NAME, required: true });
  finish(r);
  ctx.store.tx(() => {
    ensureGroup(ctx, group);
    ensureStream(ctx, group, stream);
    insertBatch(ctx, group, stream, events);
  });
}

export function putLogEvents(input: PutLogEventsRequest, ctx: OperationContext): PutLogEventsResponse {
  const problems = new Problems();
  const r = new InputReader(input, problems);
  const group = r.string('logGroupName', { ...GROUP_NAME, required: true });
  const stream = r.string('logStreamName', { ...STREAM_NAME, required: true });
  // Sequence tokens are ignored by AWS now; any value is accepted.
  r.string('sequenceToken');
  const events: LogEventInput[] = [];
  const raw: unknown = input.logEvents;
  if (!Array.isArray(raw) || raw.length < 1 || raw.length > 10_000) {
    problems.add({
      field: 'logEvents',
      found: Array.isArray(raw) ? `${raw.length} events` : raw === undefined ? 'nothing' : typeof raw,
      expected: 'a list of 1 to 10000 events',
    });
  } else {
    raw.forEach((item: unknown, i) => {
      const field = `logEvents[${i}]`;
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        problems.add({ field, found: typeof item, expected: 'an object with timestamp and message' });
        return;
      }
      const e = new InputReader(item, problems, `${field}.`);
      const timestamp = e.integer('timestamp', { ...TIMESTAMP, required: true });
      const message = e.string('message', { min: 1, required: true });
      if (timestamp !== undefined && message !== undefined) events.push({ timestamp, message });
    });
  }
  finish(r);
  assertPresent(group);
  assertPresent(stream);

  for (let i = 1; i < events.length; i++) {
    if ((events[i]?.timestamp ?? 0) < (events[i - 1]?.timestamp ?? 0)) {
      throw invalidParameter(`Log events in a single PutLogEvents request must be in chronological order; logEvents[${i}] is older than logEvents[${i - 1}]`);
    }
  }
  const size = events.reduce((sum, e) => sum + Buffer.byteLength(e.message) + EVENT_OVERHEAD_BYTES, 0);
  if (size > MAX_BATCH_BYTES) {
    throw invalidParameter(`Log event batch is ${size} bytes (messages in UTF-8 plus 26 bytes per event); expected at most ${MAX_BATCH_BYTES}`);
  }

  // Events outside 14 days back (or the group's retention) .. 2 hours ahead are rejected while the rest are
  // stored; the batch is sorted, so the rejected ones sit at its two ends.
  return ctx.store.tx(() => {
    requireStream(ctx, group, stream);
    const retention = ctx.store.get('SELECT retention_days FROM logs_groups WHERE name = ?', group)?.['retention_days'];
    const retentionDays = retention === null || retention === undefined ? undefined : Number(retention);
    const now = ctx.clock.now();
    let tooOldEnd = 0;
    while (tooOldEnd < events.length && (events[tooOldEnd]?.timestamp ?? 0) < now - 14 * DAY) tooOldEnd++;
    let expiredEnd = tooOldEnd;
    if (retentionDays !== undefined) {
      while (expiredEnd < events.length && (events[expiredEnd]?.timestamp ?? 0) < now - retentionDays * DAY) expiredEnd++;
    }
    let tooNewStart = events.length;
    while (tooNewStart > expiredEnd && (events[tooNewStart - 1]?.timestamp ?? 0) > now + 2 * HOUR) tooNewStart--;
    const accepted = events.slice(expiredEnd, tooNewStart);
    const span = accepted.length === 0 ? 0 : (accepted.at(-1)?.timestamp ?? 0) - (accepted[0]?.timestamp ?? 0);
    if (span > DAY) {
      throw invalidParameter('The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
    }
    const rejected: RejectedLogEventsInfo = {
      ...(tooOldEnd > 0 ? { tooOldLogEventEndIndex: tooOldEnd } : {}),
      ...(expiredEnd > tooOldEnd ? { expiredLogEventEndIndex: expiredEnd } : {}),
      ...(tooNewStart < events.length ? { tooNewLogEventStartIndex: tooNewStart } : {}),
    };
    const lastId = insertBatch(ctx, group, stream, accepted);
    return {
      nextSequenceToken: String(lastId).padStart(20, '0'),
      ...(Object.keys(rejected).length > 0 ? { rejectedLogEventsInfo: rejected } : {}),
    };
  });
}

/** A position between two events of a stream: `f` reads the events after (timestamp, id), `b` those before it. */
interface Cursor {
  readonly direction: 'f' | 'b';
  readonly timestamp: number;
  readonly id: number;
}

function encodeCursor(c: Cursor): string {
  return `${c.direction}/${c.timestamp}/${c.id}`;
}

function decodeCursor(token: string): Cursor {
  const match = /^([fb])\/(-?\d+)\/(\d+)$/.exec(token);
  if (match === null) {
    throw invalidParameter(`The specified nextToken is invalid: found ${JSON.stringify(token.slice(0, 60))}, expected a nextForwardToken or nextBackwardToken from a previous response`);
  }
  return { direction: match[1] === 'f' ? 'f' : 'b', timestamp: Number(match[2]), id: Number(match[3]) };
}

/** AWS pages hold at most 1 MB of events (counted like PutLogEvents batches); one event always fits. */
const MAX_PAGE_BYTES = 1_048_576;

function withinPageBytes<T>(items: readonly T[], message: (item: T) => string): T[] {
  let bytes = 0;
  const out: T[] = [];
  for (const item of items) {
    bytes += Buffer.byteLength(message(item)) + EVENT_OVERHEAD_BYTES;
    if (bytes > MAX_PAGE_BYTES && out.length > 0) break;
    out.push(item);
  }
  return out;
}

function toOutputEvent(row: Row): OutputLogEvent {
  return { timestamp: num(row, 'timestamp'), message: str(row, 'message'), ingestionTime: num(row, 'ingestion_time') };
}

export function getLogEvents(input: GetLogEventsRequest, ctx: OperationContext): GetLogEventsResponse {
  const r = new InputReader(input);
  const groupOf = readGroupReference(r, input);
  const stream = r.string('logStreamName', { ...STREAM_NAME, required: true });
  const startTime = r.integer('startTime', TIMESTAMP);
  const endTime = r.integer('endTime', TIMESTAMP);
  const token = r.string('nextToken', { min: 1 });
  const limit = r.integer('limit', { min: 1, max: 10_000 }) ?? 10_000;
  const startFromHead = r.boolean('startFromHead') ?? false;
  r.boolean('unmask');
  finish(r);
  const group = groupOf();
  assertPresent(stream);
  const cursor = token === undefined ? undefined : decodeCursor(token);
  requireStream(ctx, group, stream);

  // The token, when given, decides the direction; without one, startFromHead does (the default reads the tail).
  const forward = cursor === undefined ? startFromHead : cursor.direction === 'f';
  const where = ['group_name = ?', 'stream_name = ?'];
  const params: number[] = [];
  if (startTime !== undefined) {
    where.push('timestamp >= ?');
    params.push(startTime);
  }
  if (endTime !== undefined) {
    where.push('timestamp < ?');
    params.push(endTime);
  }
  if (cursor !== undefined) {
    where.push(forward ? '(timestamp > ? OR (timestamp = ? AND id > ?))' : '(timestamp < ? OR (timestamp = ? AND id < ?))');
    params.push(cursor.timestamp, cursor.timestamp, cursor.id);
  }
  const read = ctx.store.all(
    `SELECT * FROM logs_events WHERE ${where.join(' AND ')} ORDER BY timestamp ${forward ? 'ASC' : 'DESC'}, id ${forward ? 'ASC' : 'DESC'} LIMIT ?`,
    group,
    stream,
    ...params,
    limit,
  );
  // Rows are in reading order here, so the cap keeps the events nearest the starting point.
  const rows = withinPageBytes(read, (row) => str(row, 'message'));
  if (!forward) rows.reverse();

  const first = rows[0];
  const last = rows.at(-1);
  if (first !== undefined && last !== undefined) {
    return {
      events: rows.map(toOutputEvent),
      nextForwardToken: encodeCursor({ direction: 'f', timestamp: num(last, 'timestamp'), id: num(last, 'id') }),
      nextBackwardToken: encodeCursor({ direction: 'b', timestamp: num(first, 'timestamp'), id: num(first, 'id') }),
    };
  }
  // Nothing in this direction: the token passed in comes back unchanged, which is how clients detect the end.
  // The opposite token starts at the same place (ids are integers, so "after id-1" includes id and "before id+1" too).
  if (cursor !== undefined) {
    const opposite: Cursor =
      cursor.direction === 'f' ? { direction: 'b', timestamp: cursor.timestamp, id: cursor.id + 1 } : { direction: 'f', timestamp: cursor.timestamp, id: Math.max(cursor.id - 1, 0) };
    return {
      events: [],
      nextForwardToken: cursor.direction === 'f' ? (token ?? '') : encodeCursor(opposite),
      nextBackwardToken: cursor.direction === 'b' ? (token ?? '') : encodeCursor(opposite),
    };
  }
  // An empty first read: reading forward from the very beginning picks up whatever arrives later.
  return {
    events: [],
    nextForwardToken: encodeCursor({ direction: 'f', timestamp: -1, id: 0 }),
    nextBackwardToken: encodeCursor({ direction: 'b', timestamp: -1, id: 0 }),
  };
}

function encodeFilterToken(timestamp: number, id: number): string {
  return Buffer.from(`after:${timestamp}:${id}`).toString('base64url');
}

function decodeFilterToken(token: string): { timestamp: number; id: number } {
  const match = /^after:(-?\d+):(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (match === null) throw invalidParameter(`The specified nextToken is invalid: found ${JSON.stringify(token.slice(0, 60))}, expected a nextToken from a previous response`);
  return { timestamp: Number(match[1]), id: Number(match[2]) };
}

export function filterLogEvents(input: FilterLogEventsRequest, ctx: OperationContext): FilterLogEventsResponse {
  const r = new InputReader(input);
  const groupOf = readGroupReference(r, input);
  const streamNames = r.stringList('logStreamNames', { min: 1, max: 100, item: STREAM_NAME });
  const streamPrefix = r.string('logStreamNamePrefix', STREAM_NAME);
  const startTime = r.integer('startTime', TIMESTAMP);
  const endTime = r.integer('endTime', TIMESTAMP);
  const patternText = r.string('filterPattern', { max: 1024 });
  const token = r.string('nextToken', { min: 1 });
  const limit = r.integer('limit', { min: 1, max: 10_000 }) ?? 10_000;
  // Always interleaved since 2019, and nothing is masked in Slipway.
  r.boolean('interleaved');
  r.boolean('unmask');
  finish(r);
  const group = groupOf();
  if (streamNames !== undefined && streamPrefix !== undefined) {
    throw invalidParameter('logStreamNames and logStreamNamePrefix are mutually exclusive parameters; found both, expected one');
  }
  const pattern = parseFilterPattern(patternText ?? '');
  const after = token === undefined ? undefined : decodeFilterToken(token);
  requireGroup(ctx, group);

  const where = ['group_name = ?'];
  const params: Array<string | number> = [group];
  if (streamNames !== undefined) {
    where.push(`stream_name IN (${streamNames.map(() => '?').join(', ')})`);
    params.push(...streamNames);
  }
  if (streamPrefix !== undefined) {
    where.push('substr(stream_name, 1, ?) = ?');
    params.push(streamPrefix.length, streamPrefix);
  }
  if (startTime !== undefined) {
    where.push('timestamp >= ?');
    params.push(startTime);
  }
  if (endTime !== undefined) {
    // Unlike GetLogEvents, FilterLogEvents' endTime is inclusive ("later than this time are not returned").
    where.push('timestamp <= ?');
    params.push(endTime);
  }
  if (after !== undefined) {
    where.push('(timestamp > ? OR (timestamp = ? AND id > ?))');
    params.push(after.timestamp, after.timestamp, after.id);
  }
  const statement = ctx.store.db.prepare(`SELECT * FROM logs_events WHERE ${where.join(' AND ')} ORDER BY timestamp, id`);
  const events: FilteredLogEvent[] = [];
  let more = false;
  let lastRow: Row | undefined;
  let bytes = 0;
  // The pattern is matched here rather than in SQL, so reading stops one match past the page to learn if more exist.
  for (const row of statement.iterate(...params)) {
    const message = str(row, 'message');
    if (!matchesFilter(pattern, message)) continue;
    bytes += Buffer.byteLength(message) + EVENT_OVERHEAD_BYTES;
    if (events.length === limit || (bytes > MAX_PAGE_BYTES && events.length > 0)) {
      more = true;
      break;
    }
    lastRow = row;
    events.push({
      logStreamName: str(row, 'stream_name'),
      timestamp: num(row, 'timestamp'),
      message,
      ingestionTime: num(row, 'ingestion_time'),
      eventId: String(num(row, 'id')),
    });
  }
  return {
    events,
    // AWS stopped reporting searched streams in 2020 and returns an empty list.
    searchedLogStreams: [],
    ...(more && lastRow !== undefined ? { nextToken: encodeFilterToken(num(lastRow, 'timestamp'), num(lastRow, 'id')) } : {}),
  };
}
