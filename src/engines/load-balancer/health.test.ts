import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { Problems, SlipwayError } from '../../core/errors.ts';
import { HEALTH_CHECK_DEFAULTS, healthCheckSettings, parseMatcher } from './health-check.ts';
import { createListener } from './listener.ts';
import { TargetGroup } from './target-group.ts';
import { call, cleanupAfterTests, keepAlive, startTarget, type TestTarget } from './testing.ts';

const cleanups = cleanupAfterTests();

async function target(id: string): Promise<TestTarget> {
  const t = await startTarget(id);
  cleanups.push(() => t.close());
  return t;
}

function group(clock: ManualClock, name = 'tg'): TargetGroup {
  const g = new TargetGroup({ name, clock, healthCheck: { path: '/health' } });
  cleanups.push(() => g.close());
  return g;
}

/** Advances one interval and waits for the target's check that it starts. */
async function nextRound(g: TargetGroup, clock: ManualClock, id: string, ms = 30_000): Promise<string> {
  const checked = g.nextCheck(id);
  await clock.advance(ms);
  const h = await checked;
  return `${h.state}${h.reason ? ` ${h.reason}` : ''}`;
}

test('health check defaults are AWS’s, and out-of-range settings are all reported at once', () => {
  assert.deepEqual(HEALTH_CHECK_DEFAULTS, { path: '/', port: 'traffic-port', intervalSeconds: 30, timeoutSeconds: 5, healthyThreshold: 5, unhealthyThreshold: 2, matcher: '200' });
  assert.throws(
    () => healthCheckSettings({ intervalSeconds: 4, healthyThreshold: 11, unhealthyThreshold: 1, path: 'health', matcher: '600' }),
    (err: unknown) => err instanceof SlipwayError && err.code === 'ValidationError' && err.problems.length === 6,
  );
  assert.throws(() => healthCheckSettings({ intervalSeconds: 10, timeoutSeconds: 10 }), /less than the interval/);
});

test('matcher takes values, lists and ranges within 200–499', () => {
  const p = new Problems();
  const list = parseMatcher('200,202', p);
  const range = parseMatcher('200-299', p);
  assert.equal(p.size, 0);
  assert.deepEqual([200, 201, 202].map(list), [true, false, true]);
  assert.deepEqual([199, 200, 250, 299, 300].map(range), [false, true, true, true, false]);
  for (const bad of ['199', '500', '300-200', 'abc', '200,']) {
    const q = new Problems();
    parseMatcher(bad, q);
    assert.equal(q.size, 1, bad);
  }
});

test('a new target is healthy after one passing check; thresholds then count consecutive results', async () => {
  const clock = new ManualClock();
  const t = await target('a');
  const changes: string[] = [];
  const g = new TargetGroup({ name: 'tg', clock, healthCheck: { path: '/health' }, onHealthChange: (name, h) => changes.push(`${name} ${h.state} ${h.reason ?? '-'}`) });
  cleanups.push(() => g.close());
  const first = g.nextCheck('a');
  g.register([t]);
  assert.equal(g.describeTargetHealth()[0]?.reason, 'Elb.RegistrationInProgress');
  assert.equal((await first).state, 'healthy');

  t.healthStatus = 500;
  assert.equal(await nextRound(g, clock, 'a'), 'healthy'); // 1 failure < unhealthy threshold 2
  assert.equal(await nextRound(g, clock, 'a'), 'unhealthy Target.ResponseCodeMismatch');
  assert.match(g.describeTargetHealth()[0]?.description ?? '', /\[500\]/);

  t.healthStatus = 200;
  for (let i = 1; i < 5; i++) assert.equal(await nextRound(g, clock, 'a'), 'unhealthy Target.ResponseCodeMismatch', `success ${i}`);
  assert.equal(await nextRound(g, clock, 'a'), 'healthy'); // the 5th consecutive success

  // A failure between successes resets the count.
  t.healthStatus = 500;
  assert.equal(await nextRound(g, clock, 'a'), 'healthy');
  t.healthStatus = 200;
  assert.equal(await nextRound(g, clock, 'a'), 'healthy');
  t.healthStatus = 500;
  assert.equal(await nextRound(g, clock, 'a'), 'healthy');
  assert.deepEqual(changes, [
    'tg initial Elb.RegistrationInProgress',
    'tg initial Elb.InitialHealthChecking',
    'tg healthy -',
    'tg unhealthy Target.ResponseCodeMismatch',
    'tg healthy -',
  ]);
  assert.throws(() => g.register([{ id: '', host: 'x', port: 0 }]), /2 problems/);
});

test('a hung target times out on the injected clock; a closed port fails the check', async () => {
  const clock = new ManualClock();
  const t = await target('b');
  const g = group(clock);
  const first = g.nextCheck('b');
  g.register([t]);
  await first;
  t.healthHang = true;
  for (let i = 0; i < 2; i++) {
    const checked = g.nextCheck('b');
    await clock.advance(30_000); // the probe starts and hangs
    await clock.advance(5_000); // the 5 s timeout falls due
    const h = await checked;
    assert.equal(h.state, i === 0 ? 'healthy' : 'unhealthy');
  }
  assert.equal(g.describeTargetHealth()[0]?.reason, 'Target.Timeout');

  t.healthHang = false;
  await t.close();
  assert.equal(await nextRound(g, clock, 'b', 30_000), 'unhealthy Target.FailedHealthChecks');
});

test('a new target that keeps failing stays initial until the unhealthy threshold', async () => {
  const clock = new ManualClock();
  const t = await target('c');
  t.healthStatus = 404;
  const g = group(clock);
  const first = g.nextCheck('c');
  g.register([t]);
  assert.equal((await first).reason, 'Elb.InitialHealthChecking');
  assert.equal(await nextRound(g, clock, 'c'), 'unhealthy Target.ResponseCodeMismatch');
  assert.deepEqual(g.describeTargetHealth(['nope']), [
    { target: { id: 'nope', host: '', port: 0 }, state: 'unused', reason: 'Target.NotRegistered', description: 'Target is not registered to the target group', inFlight: 0 },
  ]);
});

test('only healthy targets get traffic; with none healthy the group fails open to all', async () => {
  const clock = new ManualClock();
  const [a, b] = [await target('a'), await target('b')];
  b.healthStatus = 500;
  const g = group(clock);
  const checks = [g.nextCheck('a'), g.nextCheck('b')];
  g.register([a, b]);
  await Promise.all(checks);
  await nextRound(g, clock, 'b'); // b: second failure → unhealthy
  assert.deepEqual(g.describeTargetHealth().map((h) => h.state), ['healthy', 'unhealthy']);
  const listener = await createListener({ host: '127.0.0.1', port: 0, clock, defaultAction: { type: 'forward', targetGroups: [{ group: g, weight: 1 }] } });
  cleanups.push(() => listener.close());
  const agent = keepAlive();
  cleanups.push(() => agent.destroy());
  for (let i = 0; i < 20; i++) assert.equal((await call(listener.port, { agent })).body, 'a');
  assert.equal(b.hits, 0);

  a.healthStatus = 500;
  await nextRound(g, clock, 'a');
  await nextRound(g, clock, 'a');
  assert.deepEqual(g.describeTargetHealth().map((h) => h.state), ['unhealthy', 'unhealthy']);
  const seen = new Set<string>();
  for (let i = 0; i < 20; i++) seen.add((await call(listener.port, { agent })).body);
  assert.deepEqual([...seen].sort(), ['a', 'b']);
});
