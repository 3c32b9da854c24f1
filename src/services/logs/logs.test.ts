import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DeleteLogStreamCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  InvalidParameterException,
  paginateGetLogEvents,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  type InputLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import { typeFilter } from '../../core/events.ts';
import { awsCliAvailable, awsCliJson } from '../../../test/helpers/aws-cli.ts';
import { checkShape, loadModel } from '../../../test/helpers/aws-model.ts';
import { callJson, startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import { appendLogEvents } from './index.ts';

let t: TestDaemon;
let logs: CloudWatchLogsClient;
const model = loadModel('logs.2014-03-28');
// Recent enough for PutLogEvents' 14-day window and far enough back that nothing is "too new".
const BASE = Date.now() - 60 * 60 * 1000;

before(async () => {
  t = await startTestDaemon();
  logs = new CloudWatchLogsClient(t.sdk);
});
after(async () => {
  logs.destroy();
  await t.stop();
});

async function streamWith(group: string, stream: string, events: InputLogEvent[]): Promise<void> {
  await logs.send(new CreateLogGroupCommand({ logGroupName: group })).catch((e: unknown) => {
    if (!(e instanceof ResourceAlreadyExistsException)) throw e;
  });
  await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
  if (events.length > 0) await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: events }));
}

const numbered = (n: number, at = (i: number) => BASE + i): InputLogEvent[] => Array.from({ length: n }, (_, i) => ({ timestamp: at(i), message: `line ${i + 1}` }));

test('CreateLogGroup, DescribeLogGroups by case-sensitive prefix in name order, paging, and a duplicate create', async () => {
  for (const name of ['/aws/codebuild/web', '/aws/codebuild/api', '/aws/codebuild/API', '/ecs/api']) {
    await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
  }
  const all = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/codebuild/' }));
  assert.deepEqual(all.logGroups?.map((g) => g.logGroupName), ['/aws/codebuild/API', '/aws/codebuild/api', '/aws/codebuild/web']);
  assert.equal(all.nextToken, undefined);
  const group = all.logGroups?.[1];
  assert.equal(group?.arn, 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/codebuild/api:*');
  assert.equal(group?.logGroupArn, 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/codebuild/api');
  assert.equal(typeof group?.creationTime, 'number');
  assert.equal(group?.storedBytes, 0);

  const lower = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/codebuild/a' }));
  assert.deepEqual(lower.logGroups?.map((g) => g.logGroupName), ['/aws/codebuild/api']);

  const page1 = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/codebuild/', limit: 2 }));
  assert.equal(page1.logGroups?.length, 2);
  assert.ok(page1.nextToken);
  const page2 = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/codebuild/', limit: 2, nextToken: page1.nextToken }));
  assert.deepEqual(page2.logGroups?.map((g) => g.logGroupName), ['/aws/codebuild/web']);
  assert.equal(page2.nextToken, undefined);

  await assert.rejects(logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/api' })), (e: unknown) => {
    assert.ok(e instanceof ResourceAlreadyExistsException);
    assert.equal(e.message, 'The specified log group already exists');
    return true;
  });
});

test('DeleteLogGroup removes the group with its streams and events; a missing group is ResourceNotFoundException', async () => {
  await streamWith('/delete/me', 's', numbered(3));
  await logs.send(new DeleteLogGroupCommand({ logGroupName: '/delete/me' }));
  const left = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/delete/' }));
  assert.deepEqual(left.logGroups, []);
  await assert.rejects(logs.send(new DeleteLogGroupCommand({ logGroupName: '/delete/me' })), (e: unknown) => {
    assert.ok(e instanceof ResourceNotFoundException);
    assert.equal(e.message, 'The specified log group does not exist.');
    return true;
  });
  // Re-created, it starts empty.
  await streamWith('/delete/me', 's', []);
  const events = await logs.send(new GetLogEventsCommand({ logGroupName: '/delete/me', logStreamName: 's' }));
  assert.deepEqual(events.events, []);
});

test('CreateLogStream needs an existing group and a new name', async () => {
  await assert.rejects(logs.send(new CreateLogStreamCommand({ logGroupName: '/no/such', logStreamName: 'x' })), (e: unknown) => {
    assert.ok(e instanceof ResourceNotFoundException);
    assert.equal(e.message, 'The specified log group does not exist.');
    return true;
  });
  await streamWith('/streams/dup', 'one', []);
  await assert.rejects(logs.send(new CreateLogStreamCommand({ logGroupName: '/streams/dup', logStreamName: 'one' })), ResourceAlreadyExistsException);
});

test('DescribeLogStreams: name order, descending, prefix, paging, LastEventTime order and event times', async () => {
  const group = '/ecs/web';
  await streamWith(group, 'ecs/web/b', [{ timestamp: BASE + 500, message: 'b' }]);
  await streamWith(group, 'ecs/web/a', [
    { timestamp: BASE + 100, message: 'a1' },
    { timestamp: BASE + 900, message: 'a2' },
  ]);
  await streamWith(group, 'ecs/web/c', []);
  await streamWith(group, 'other', [{ timestamp: BASE + 50, message: 'o' }]);

  const byName = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group }));
  assert.deepEqual(byName.logStreams?.map((s) => s.logStreamName), ['ecs/web/a', 'ecs/web/b', 'ecs/web/c', 'other']);
  const a = byName.logStreams?.[0];
  assert.equal(a?.firstEventTimestamp, BASE + 100);
  assert.equal(a?.lastEventTimestamp, BASE + 900);
  assert.equal(typeof a?.lastIngestionTime, 'number');
  assert.equal(a?.arn, 'arn:aws:logs:us-east-1:000000000000:log-group:/ecs/web:log-stream:ecs/web/a');
  const c = byName.logStreams?.[2];
  assert.equal(c?.firstEventTimestamp, undefined);
  assert.equal(c?.lastEventTimestamp, undefined);

  const desc = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group, descending: true, logStreamNamePrefix: 'ecs/web/' }));
  assert.deepEqual(desc.logStreams?.map((s) => s.logStreamName), ['ecs/web/c', 'ecs/web/b', 'ecs/web/a']);

  const p1 = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group, limit: 3 }));
  assert.equal(p1.logStreams?.length, 3);
  const p2 = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group, limit: 3, nextToken: p1.nextToken }));
  assert.deepEqual(p2.logStreams?.map((s) => s.logStreamName), ['other']);
  assert.equal(p2.nextToken, undefined);

  const latest = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group, orderBy: 'LastEventTime', descending: true, limit: 2 }));
  assert.deepEqual(latest.logStreams?.map((s) => s.logStreamName), ['ecs/web/a', 'ecs/web/b']);
  const oldest = await logs.send(new DescribeLogStreamsCommand({ logGroupIdentifier: `arn:aws:logs:us-east-1:000000000000:log-group:${group}`, orderBy: 'LastEventTime' }));
  assert.deepEqual(oldest.logStreams?.map((s) => s.logStreamName), ['ecs/web/c', 'other', 'ecs/web/b', 'ecs/web/a']);

  await assert.rejects(
    logs.send(new DescribeLogStreamsCommand({ logGroupName: group, orderBy: 'LastEventTime', logStreamNamePrefix: 'ecs' })),
    InvalidParameterException,
  );
  await assert.rejects(logs.send(new DescribeLogStreamsCommand({ logGroupName: '/no/such' })), ResourceNotFoundException);
});

test('PutLogEvents: any sequence token, chronological order required, too old and too new events rejected by index', async () => {
  await streamWith('/put/rules', 's', []);
  const put = await logs.send(
    new PutLogEventsCommand({ logGroupName: '/put/rules', logStreamName: 's', sequenceToken: 'whatever', logEvents: numbered(2) }),
  );
  assert.ok(put.nextSequenceToken);
  assert.equal(put.rejectedLogEventsInfo, undefined);

  await assert.rejects(
    logs.send(
      new PutLogEventsCommand({
        logGroupName: '/put/rules',
        logStreamName: 's',
        logEvents: [
          { timestamp: BASE + 10, message: 'later' },
          { timestamp: BASE + 5, message: 'earlier' },
        ],
      }),
    ),
    (e: unknown) => {
      assert.ok(e instanceof InvalidParameterException);
      assert.match(e.message, /chronological order/);
      return true;
    },
  );

  const now = Date.now();
  const mixed = await logs.send(
    new PutLogEventsCommand({
      logGroupName: '/put/rules',
      logStreamName: 's',
      logEvents: [
        { timestamp: now - 20 * 24 * 3600_000, message: 'ancient 1' },
        { timestamp: now - 15 * 24 * 3600_000, message: 'ancient 2' },
        { timestamp: now, message: 'kept' },
        { timestamp: now + 3 * 3600_000, message: 'future' },
      ],
    }),
  );
  assert.deepEqual(mixed.rejectedLogEventsInfo, { tooOldLogEventEndIndex: 2, tooNewLogEventStartIndex: 3 });
  const got = await logs.send(new GetLogEventsCommand({ logGroupName: '/put/rules', logStreamName: 's', startFromHead: true }));
  assert.deepEqual(got.events?.map((e) => e.message), ['line 1', 'line 2', 'kept']);

  await assert.rejects(logs.send(new PutLogEventsCommand({ logGroupName: '/put/rules', logStreamName: 'nope', logEvents: numbered(1) })), (e: unknown) => {
    assert.ok(e instanceof ResourceNotFoundException);
    assert.equal(e.message, 'The specified log stream does not exist.');
    return true;
  });
});

test('PutRetentionPolicy is reported by DescribeLogGroups and rejects older events as expired; DeleteRetentionPolicy lifts it', async () => {
  await streamWith('/retention/group', 's', []);
  await logs.send(new PutRetentionPolicyCommand({ logGroupName: '/retention/group', retentionInDays: 1 }));
  const described = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/retention/' }));
  assert.equal(described.logGroups?.[0]?.retentionInDays, 1);
  const now = Date.now();
  const twoDaysAgo = { timestamp: now - 2 * 24 * 3600_000, message: 'two days old' };
  const put = await logs.send(
    new PutLogEventsCommand({
      logGroupName: '/retention/group',
      logStreamName: 's',
      logEvents: [{ timestamp: now - 20 * 24 * 3600_000, message: 'ancient' }, twoDaysAgo, { timestamp: now, message: 'fresh' }],
    }),
  );
  assert.deepEqual(put.rejectedLogEventsInfo, { tooOldLogEventEndIndex: 1, expiredLogEventEndIndex: 2 });
  await logs.send(new DeleteRetentionPolicyCommand({ logGroupName: '/retention/group' }));
  const lifted = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/retention/' }));
  assert.equal(lifted.logGroups?.[0]?.retentionInDays, undefined);
  await logs.send(new CreateLogStreamCommand({ logGroupName: '/retention/group', logStreamName: 'old' }));
  const accepted = await logs.send(new PutLogEventsCommand({ logGroupName: '/retention/group', logStreamName: 'old', logEvents: [twoDaysAgo] }));
  assert.equal(accepted.rejectedLogEventsInfo, undefined);
  await assert.rejects(logs.send(new PutRetentionPolicyCommand({ logGroupName: '/retention/group', retentionInDays: 2 })), InvalidParameterException);
  await assert.rejects(logs.send(new PutRetentionPolicyCommand({ logGroupName: '/no/such', retentionInDays: 7 })), ResourceNotFoundException);
});

test('DeleteLogStream removes the stream and its events only', async () => {
  await streamWith('/streams/delete', 'keep', numbered(1));
  await streamWith('/streams/delete', 'drop', numbered(2));
  await logs.send(new DeleteLogStreamCommand({ logGroupName: '/streams/delete', logStreamName: 'drop' }));
  const left = await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/streams/delete' }));
  assert.deepEqual(left.logStreams?.map((s) => s.logStreamName), ['keep']);
  const events = await logs.send(new FilterLogEventsCommand({ logGroupName: '/streams/delete' }));
  assert.deepEqual(events.events?.map((e) => e.logStreamName), ['keep']);
  const group = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/streams/delete' }));
  assert.equal(group.logGroups?.[0]?.storedBytes, Buffer.byteLength('line 1'));
  await assert.rejects(logs.send(new DeleteLogStreamCommand({ logGroupName: '/streams/delete', logStreamName: 'drop' })), (e: unknown) => {
    assert.ok(e instanceof ResourceNotFoundException);
    assert.equal(e.message, 'The specified log stream does not exist.');
    return true;
  });
});

test('GetLogEvents reads forward from the head until the same token comes back', async () => {
  await streamWith('/get/forward', 's', numbered(5));
  const seen: string[] = [];
  let token: string | undefined;
  let calls = 0;
  for (;;) {
    const page = await logs.send(new GetLogEventsCommand({ logGroupName: '/get/forward', logStreamName: 's', startFromHead: true, limit: 2, nextToken: token }));
    calls++;
    seen.push(...(page.events ?? []).map((e) => e.message ?? ''));
    assert.ok(page.nextForwardToken && page.nextBackwardToken, 'tokens are never null');
    if (page.nextForwardToken === token) {
      assert.deepEqual(page.events, []);
      break;
    }
    token = page.nextForwardToken;
    assert.ok(calls < 10, 'paging did not end');
  }
  assert.deepEqual(seen, ['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
  assert.equal(calls, 4);

  // New events after the end are picked up from the last forward token.
  await logs.send(new PutLogEventsCommand({ logGroupName: '/get/forward', logStreamName: 's', logEvents: [{ timestamp: BASE + 10, message: 'line 6' }] }));
  const more = await logs.send(new GetLogEventsCommand({ logGroupName: '/get/forward', logStreamName: 's', nextToken: token }));
  assert.deepEqual(more.events?.map((e) => e.message), ['line 6']);

  // The SDK paginator ends on the repeated token when told to.
  const paged: string[] = [];
  for await (const page of paginateGetLogEvents({ client: logs, pageSize: 4, stopOnSameToken: true }, { logGroupName: '/get/forward', logStreamName: 's', startFromHead: true })) {
    paged.push(...(page.events ?? []).map((e) => e.message ?? ''));
  }
  assert.deepEqual(paged, ['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6']);
});

test('GetLogEvents without startFromHead reads the tail, then backward until the same token comes back', async () => {
  await streamWith('/get/backward', 's', numbered(5));
  const first = await logs.send(new GetLogEventsCommand({ logGroupName: '/get/backward', logStreamName: 's', limit: 2 }));
  assert.deepEqual(first.events?.map((e) => e.message), ['line 4', 'line 5']);
  const pages = [(first.events ?? []).map((e) => e.message)];
  let token = first.nextBackwardToken;
  for (let i = 0; i < 10; i++) {
    const page = await logs.send(new GetLogEventsCommand({ logGroupName: '/get/backward', logStreamName: 's', limit: 2, nextToken: token }));
    if (page.nextBackwardToken === token) {
      assert.deepEqual(page.events, []);
      // Forward from the head of the stream again.
      const forward = await logs.send(new GetLogEventsCommand({ logGroupName: '/get/backward', logStreamName: 's', limit: 1, nextToken: page.nextForwardToken }));
      assert.deepEqual(forward.events?.map((e) => e.message), ['line 1']);
      break;
    }
    pages.push((page.events ?? []).map((e) => e.message));
    token = page.nextBackwardToken;
  }
  assert.deepEqual(pages, [['line 4', 'line 5'], ['line 2', 'line 3'], ['line 1']]);
});

test('GetLogEvents: equal timestamps keep ingestion order; startTime inclusive, endTime exclusive; missing stream', async () => {
  await streamWith('/get/range', 's', [
    { timestamp: BASE + 1, message: 'a' },
    { timestamp: BASE + 2, message: 'b' },
    { timestamp: BASE + 2, message: 'c' },
    { timestamp: BASE + 3, message: 'd' },
  ]);
  // A later batch with older and equal timestamps interleaves by time and stays after earlier equals.
  await logs.send(
    new PutLogEventsCommand({
      logGroupName: '/get/range',
      logStreamName: 's',
      logEvents: [
        { timestamp: BASE, message: 'zero' },
        { timestamp: BASE + 2, message: 'c2' },
      ],
    }),
  );
  const all = await logs.send(new GetLogEventsCommand({ logGroupName: '/get/range', logStreamName: 's', startFromHead: true }));
  assert.deepEqual(all.events?.map((e) => e.message), ['zero', 'a', 'b', 'c', 'c2', 'd']);
  const ranged = await logs.send(new GetLogEventsCommand({ logGroupName: '/get/range', logStreamName: 's', startTime: BASE + 1, endTime: BASE + 3, startFromHead: true }));
  assert.deepEqual(ranged.events?.map((e) => e.message), ['a', 'b', 'c', 'c2']);
  const event = all.events?.[0];
  assert.equal(event?.timestamp, BASE);
  assert.equal(typeof event?.ingestionTime, 'number');

  // Paging one at a time through equal timestamps neither skips nor repeats.
  const one: string[] = [];
  let token: string | undefined;
  for (let i = 0; i < 10; i++) {
    const page = await logs.send(new GetLogEventsCommand({ logGroupName: '/get/range', logStreamName: 's', startFromHead: true, limit: 1, nextToken: token }));
    if (page.nextForwardToken === token) break;
    one.push(...(page.events ?? []).map((e) => e.message ?? ''));
    token = page.nextForwardToken;
  }
  assert.deepEqual(one, ['zero', 'a', 'b', 'c', 'c2', 'd']);

  await assert.rejects(logs.send(new GetLogEventsCommand({ logGroupName: '/get/range', logStreamName: 'missing' })), (e: unknown) => {
    assert.ok(e instanceof ResourceNotFoundException);
    assert.equal(e.message, 'The specified log stream does not exist.');
    return true;
  });
  await assert.rejects(logs.send(new GetLogEventsCommand({ logGroupName: '/get/range', logStreamName: 's', nextToken: 'garbage' })), InvalidParameterException);
});

test('FilterLogEvents: patterns, stream selection, time range and paging across streams in time order', async () => {
  const group = '/aws/codebuild/filter';
  await streamWith(group, 'build/1', [
    { timestamp: BASE + 1, message: '[Container] Running command npm test' },
    { timestamp: BASE + 4, message: 'ERROR test failed: exit status 1' },
    { timestamp: BASE + 6, message: 'WARN deprecated package' },
  ]);
  await streamWith(group, 'build/2', [
    { timestamp: BASE + 2, message: 'ERROR Retrying download' },
    { timestamp: BASE + 5, message: 'ERROR disk full' },
  ]);
  await streamWith(group, 'deploy/1', [{ timestamp: BASE + 3, message: 'ERROR deploy failed' }]);

  const filter = async (input: Omit<ConstructorParameters<typeof FilterLogEventsCommand>[0], 'logGroupName'>): Promise<string[]> => {
    const out = await logs.send(new FilterLogEventsCommand({ logGroupName: group, ...input }));
    assert.deepEqual(out.searchedLogStreams, []);
    return (out.events ?? []).map((e) => e.message ?? '');
  };
  assert.deepEqual(await filter({ filterPattern: 'ERROR' }), ['ERROR Retrying download', 'ERROR deploy failed', 'ERROR test failed: exit status 1', 'ERROR disk full']);
  assert.deepEqual(await filter({ filterPattern: 'ERROR failed' }), ['ERROR deploy failed', 'ERROR test failed: exit status 1']);
  assert.deepEqual(await filter({ filterPattern: '"exit status 1"' }), ['ERROR test failed: exit status 1']);
  assert.deepEqual(await filter({ filterPattern: '?WARN ?"disk full"' }), ['ERROR disk full', 'WARN deprecated package']);
  assert.deepEqual(await filter({ filterPattern: 'ERROR -Retrying', logStreamNamePrefix: 'build/' }), ['ERROR test failed: exit status 1', 'ERROR disk full']);
  assert.deepEqual(await filter({ logStreamNames: ['deploy/1', 'build/2'], startTime: BASE + 3, endTime: BASE + 5 }), ['ERROR deploy failed', 'ERROR disk full']);

  const first = await logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: 'ERROR', limit: 3 }));
  assert.equal(first.events?.length, 3);
  assert.ok(first.nextToken);
  assert.equal(first.events?.[0]?.logStreamName, 'build/2');
  assert.ok(first.events?.[0]?.eventId);
  const second = await logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: 'ERROR', limit: 3, nextToken: first.nextToken }));
  assert.deepEqual(second.events?.map((e) => e.message), ['ERROR disk full']);
  assert.equal(second.nextToken, undefined);

  await assert.rejects(logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: '{ $.level = "error" }' })), InvalidParameterException);
  await assert.rejects(logs.send(new FilterLogEventsCommand({ logGroupName: group, logStreamNames: ['a'], logStreamNamePrefix: 'b' })), InvalidParameterException);
  await assert.rejects(logs.send(new FilterLogEventsCommand({ logGroupName: '/no/such/group' })), ResourceNotFoundException);
});

test('appendLogEvents creates the group and stream, stores the batch and publishes one logs.events event', async () => {
  const published = t.daemon.bus.next(typeFilter('logs.events'));
  appendLogEvents(t.daemon, '/aws/codebuild/engine', 'run-1', [
    { timestamp: BASE + 7, message: 'phase BUILD' },
    { timestamp: BASE + 7, message: 'same millisecond, later line' },
  ]);
  const event = await published;
  assert.deepEqual(event.detail, { logGroupName: '/aws/codebuild/engine', logStreamName: 'run-1', count: 2, firstTimestamp: BASE + 7 });
  assert.equal(event.resource, 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/codebuild/engine');
  appendLogEvents(t.daemon, '/aws/codebuild/engine', 'run-1', [{ timestamp: BASE + 8, message: 'done' }]);
  const got = await logs.send(new GetLogEventsCommand({ logGroupName: '/aws/codebuild/engine', logStreamName: 'run-1', startFromHead: true }));
  assert.deepEqual(got.events?.map((e) => e.message), ['phase BUILD', 'same millisecond, later line', 'done']);
  const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/codebuild/engine' }));
  assert.equal(groups.logGroups?.[0]?.storedBytes, Buffer.byteLength('phase BUILDsame millisecond, later linedone'));
  assert.throws(() => appendLogEvents(t.daemon, 'bad name!', 's', []), /InvalidParameter|validation error/);
});

test('pages stop at 1 MB of events in GetLogEvents and FilterLogEvents; paging still reaches every event', async () => {
  const big = (c: string): string => c.repeat(400 * 1024);
  appendLogEvents(t.daemon, '/big/pages', 's', [
    { timestamp: BASE, message: big('a') },
    { timestamp: BASE + 1, message: big('b') },
    { timestamp: BASE + 2, message: big('c') },
  ]);
  const head = await logs.send(new GetLogEventsCommand({ logGroupName: '/big/pages', logStreamName: 's', startFromHead: true }));
  assert.deepEqual(head.events?.map((e) => e.message?.[0]), ['a', 'b']);
  const rest = await logs.send(new GetLogEventsCommand({ logGroupName: '/big/pages', logStreamName: 's', nextToken: head.nextForwardToken }));
  assert.deepEqual(rest.events?.map((e) => e.message?.[0]), ['c']);
  const tail = await logs.send(new GetLogEventsCommand({ logGroupName: '/big/pages', logStreamName: 's' }));
  assert.deepEqual(tail.events?.map((e) => e.message?.[0]), ['b', 'c']);
  const filtered = await logs.send(new FilterLogEventsCommand({ logGroupName: '/big/pages' }));
  assert.deepEqual(filtered.events?.map((e) => e.message?.[0]), ['a', 'b']);
  const more = await logs.send(new FilterLogEventsCommand({ logGroupName: '/big/pages', nextToken: filtered.nextToken }));
  assert.deepEqual(more.events?.map((e) => e.message?.[0]), ['c']);
  assert.equal(more.nextToken, undefined);
});

test('invalid names are InvalidParameterException listing every problem', async () => {
  const res = await callJson(t.endpoint, 'Logs_20140328.CreateLogStream', { logGroupName: 'bad name!', logStreamName: 'a:b' });
  assert.equal(res.status, 400);
  assert.equal(res.body['__type'], 'InvalidParameterException');
  const message = String(res.body['message']);
  assert.match(message, /2 validation errors detected/);
  assert.match(message, /logGroupName: found "bad name!"/);
  assert.match(message, /logStreamName: found "a:b"/);
  const reserved = await callJson(t.endpoint, 'Logs_20140328.CreateLogGroup', { logGroupName: 'aws/mine' });
  assert.equal(reserved.body['__type'], 'InvalidParameterException');
  const neither = await callJson(t.endpoint, 'Logs_20140328.DescribeLogStreams', {});
  assert.equal(neither.body['__type'], 'InvalidParameterException');
});

test('responses on the wire match the AWS model shapes', async () => {
  const target = (op: string): string => `Logs_20140328.${op}`;
  const group = '/wire/group';
  const create = await callJson(t.endpoint, target('CreateLogGroup'), { logGroupName: group });
  assert.equal(create.status, 200);
  assert.deepEqual(create.body, {});
  await callJson(t.endpoint, target('CreateLogStream'), { logGroupName: group, logStreamName: 'w' });
  const put = await callJson(t.endpoint, target('PutLogEvents'), { logGroupName: group, logStreamName: 'w', logEvents: [{ timestamp: Date.now() + 5 * 3600_000, message: 'x' }] });
  assert.deepEqual(checkShape(model, 'PutLogEventsResponse', put.body), []);
  assert.deepEqual(put.body['rejectedLogEventsInfo'], { tooNewLogEventStartIndex: 0 });
  await callJson(t.endpoint, target('PutLogEvents'), { logGroupName: group, logStreamName: 'w', logEvents: [{ timestamp: BASE, message: 'hello wire' }] });
  const retention = await callJson(t.endpoint, target('PutRetentionPolicy'), { logGroupName: group, retentionInDays: 30 });
  assert.deepEqual(retention.body, {});
  const groups = await callJson(t.endpoint, target('DescribeLogGroups'), { logGroupNamePrefix: '/wire/' });
  assert.deepEqual(checkShape(model, 'DescribeLogGroupsResponse', groups.body), []);
  const streams = await callJson(t.endpoint, target('DescribeLogStreams'), { logGroupName: group });
  assert.deepEqual(checkShape(model, 'DescribeLogStreamsResponse', streams.body), []);
  const get = await callJson(t.endpoint, target('GetLogEvents'), { logGroupName: group, logStreamName: 'w' });
  assert.deepEqual(checkShape(model, 'GetLogEventsResponse', get.body), []);
  assert.equal((get.body['events'] as unknown[]).length, 1);
  const filtered = await callJson(t.endpoint, target('FilterLogEvents'), { logGroupName: group, filterPattern: 'wire' });
  assert.deepEqual(checkShape(model, 'FilterLogEventsResponse', filtered.body), []);
  const del = await callJson(t.endpoint, target('DeleteLogGroup'), { logGroupName: group });
  assert.deepEqual(del.body, {});
  const missing = await callJson(t.endpoint, target('DeleteLogGroup'), { logGroupName: group });
  assert.equal(missing.status, 400);
  assert.equal(missing.body['__type'], 'ResourceNotFoundException');
  assert.equal(missing.body['message'], 'The specified log group does not exist.');
  for (const [op, error] of [
    ['DeleteLogGroup', 'ResourceNotFoundException'],
    ['CreateLogGroup', 'ResourceAlreadyExistsException'],
    ['GetLogEvents', 'InvalidParameterException'],
  ] as const) {
    assert.ok(model.operations[op]?.errors?.some((e) => e.shape === error), `${op} may raise ${error}`);
  }
});

test('the AWS CLI reads log events through --endpoint-url', async (ctx) => {
  if (!(await awsCliAvailable())) {
    ctx.skip('aws CLI not installed');
    return;
  }
  appendLogEvents(t.daemon, '/aws/codebuild/cli', 'build-1', [
    { timestamp: BASE, message: 'first' },
    { timestamp: BASE + 1, message: 'second' },
  ]);
  const parsed = (await awsCliJson(t.endpoint, ['logs', 'get-log-events', '--log-group-name', '/aws/codebuild/cli', '--log-stream-name', 'build-1', '--start-from-head'])) as unknown as { events: Array<{ message: string; timestamp: number }>; nextForwardToken: string };
  assert.deepEqual(parsed.events.map((e) => e.message), ['first', 'second']);
  assert.equal(parsed.events[0]?.timestamp, BASE);
  assert.ok(parsed.nextForwardToken.startsWith('f/'));
});
