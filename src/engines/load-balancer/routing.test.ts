import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { SlipwayError } from '../../core/errors.ts';
import { createListener, type Listener } from './listener.ts';
import { globToRegExp, type ForwardAction } from './routing.ts';
import { TargetGroup } from './target-group.ts';
import { call, cleanupAfterTests, keepAlive, startTarget } from './testing.ts';

const cleanups = cleanupAfterTests();

const clock = new ManualClock();
const agent = keepAlive();
cleanups.push(() => agent.destroy());

/** A healthy group of `n` targets named `${name}-${i}`. */
async function healthyGroup(name: string, n = 1): Promise<TargetGroup> {
  const g = new TargetGroup({ name, clock });
  cleanups.push(() => g.close());
  for (let i = 0; i < n; i++) {
    const t = await startTarget(`${name}-${i}`);
    cleanups.push(() => t.close());
    const checked = g.nextCheck(t.id);
    g.register([t]);
    assert.equal((await checked).state, 'healthy');
  }
  return g;
}

async function listen(defaultAction: ForwardAction): Promise<Listener> {
  const l = await createListener({ host: '127.0.0.1', port: 0, clock, defaultAction });
  cleanups.push(() => l.close());
  return l;
}

/** Sends `total` requests, `concurrency` at a time; counts answers by body. */
async function tally(port: number, total: number, concurrency = 16, path = '/'): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      next++;
      const r = await call(port, { agent, path });
      counts.set(r.body, (counts.get(r.body) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return counts;
}

test('weights 90/10 split 2000 requests within ±3%, round-robin inside each group', async () => {
  const blue = await healthyGroup('blue', 2);
  const green = await healthyGroup('green', 2);
  const l = await listen({ type: 'forward', targetGroups: [{ group: blue, weight: 90 }, { group: green, weight: 10 }] });
  const counts = await tally(l.port, 2000);
  const blueShare = ((counts.get('blue-0') ?? 0) + (counts.get('blue-1') ?? 0)) / 2000;
  const greenShare = ((counts.get('green-0') ?? 0) + (counts.get('green-1') ?? 0)) / 2000;
  assert.ok(Math.abs(blueShare - 0.9) <= 0.03, `blue ${blueShare}`);
  assert.ok(Math.abs(greenShare - 0.1) <= 0.03, `green ${greenShare}`);
  assert.equal(counts.get('blue-0'), counts.get('blue-1'));
  assert.equal(counts.get('green-0'), counts.get('green-1'));
  assert.equal(blue.metrics().RequestCount, Math.round(blueShare * 2000));
  assert.equal(blue.metrics().HTTPCode_Target_2XX_Count, Math.round(blueShare * 2000));
  assert.ok(blue.metrics().TargetResponseTime.every((s) => s >= 0 && s < 5));
  process.stdout.write(`# 90/10 over 2000: blue ${blueShare}, green ${greenShare}\n`);
});

test('weight 0 gets nothing (100/0), and a weight change applies to the next request', async () => {
  const blue = await healthyGroup('b100');
  const green = await healthyGroup('g0');
  const l = await listen({ type: 'forward', targetGroups: [{ group: blue, weight: 100 }, { group: green, weight: 0 }] });
  const counts = await tally(l.port, 500);
  assert.deepEqual([...counts], [['b100-0', 500]]);
  assert.equal(green.metrics().RequestCount, 0);
  l.setDefaultAction({ type: 'forward', targetGroups: [{ group: blue, weight: 0 }, { group: green, weight: 1 }] });
  assert.equal((await call(l.port, { agent })).body, 'g0-0');
  assert.deepEqual(l.routing().defaultAction?.targetGroups.map((t) => [t.group.name, t.weight]), [['b100', 0], ['g0', 1]]);
});

test('rules: lowest matching priority wins; path-pattern and host-header globs; default otherwise', async () => {
  const api = await healthyGroup('api');
  const img = await healthyGroup('img');
  const web = await healthyGroup('web');
  const l = await listen({ type: 'forward', targetGroups: [{ group: web, weight: 1 }] });
  const only = (group: TargetGroup): ForwardAction => ({ type: 'forward', targetGroups: [{ group, weight: 1 }] });
  l.setRules([
    { priority: 20, conditions: { pathPatterns: ['/api/*'] }, action: only(api) },
    { priority: 10, conditions: { pathPatterns: ['/api/v?/images*'] }, action: only(img) },
    { priority: 30, conditions: { hostHeaders: ['*.IMG.example.com'] }, action: only(img) },
  ]);
  const at = async (path: string, host = 'example.com'): Promise<string> => (await call(l.port, { agent, path, headers: { host } })).body;
  assert.equal(await at('/api/v1/images/7?x=1'), 'img-0');
  assert.equal(await at('/api/v12/images'), 'api-0'); // `?` is exactly one character
  assert.equal(await at('/api/users'), 'api-0');
  assert.equal(await at('/', 'cdn.img.example.com:8080'), 'img-0');
  assert.equal(await at('/'), 'web-0');
  assert.equal(globToRegExp('/a.b*').test('/aXb'), false); // regex characters are literal

  assert.throws(
    () =>
      l.setRules([
        { priority: 1, conditions: {}, action: only(api) },
        { priority: 1, conditions: { pathPatterns: ['/x'] }, action: { type: 'forward', targetGroups: [{ group: api, weight: 1000 }] } },
      ]),
    (err: unknown) => err instanceof SlipwayError && err.code === 'ValidationError' && err.problems.length === 3,
  );
  assert.equal(await at('/api/users'), 'api-0'); // a rejected change leaves the rules as they were
});

test('stickiness keeps a client on its group by cookie until the duration ends', async () => {
  const blue = await healthyGroup('sb');
  const green = await healthyGroup('sg');
  const l = await listen({ type: 'forward', targetGroups: [{ group: blue, weight: 1 }, { group: green, weight: 1 }], stickiness: { enabled: true, durationSeconds: 60 } });
  const first = await call(l.port, { agent });
  const cookie = String(first.headers['set-cookie']?.[0]).split(';')[0] ?? '';
  assert.match(cookie, /^AWSALBTG=/);
  for (let i = 0; i < 10; i++) assert.equal((await call(l.port, { agent, headers: { cookie } })).body, first.body);
  // Weights move everything away; the sticky client stays, a new client follows the weights.
  const other = first.body === 'sb-0' ? green : blue;
  const mine = first.body === 'sb-0' ? blue : green;
  l.setDefaultAction({ type: 'forward', targetGroups: [{ group: mine, weight: 0 }, { group: other, weight: 1 }], stickiness: { enabled: true, durationSeconds: 60 } });
  assert.equal((await call(l.port, { agent, headers: { cookie } })).body, first.body);
  assert.notEqual((await call(l.port, { agent })).body, first.body);
  await clock.advance(61_000);
  assert.notEqual((await call(l.port, { agent, headers: { cookie } })).body, first.body);
});

test('slow start: a newly healthy target’s share grows linearly over the duration', async () => {
  const slow = new ManualClock();
  // Long intervals: advancing the manual clock must not start probes whose timeouts would then fall due too.
  const g = new TargetGroup({ name: 'ss', clock: slow, slowStartSeconds: 100, healthCheck: { intervalSeconds: 300, timeoutSeconds: 120 } });
  cleanups.push(() => g.close());
  const [a, b] = [await startTarget('ss-a'), await startTarget('ss-b')];
  cleanups.push(() => a.close(), () => b.close());
  const first = g.nextCheck('ss-a');
  g.register([a]);
  await first;
  await slow.advance(100_000); // a is past its slow start
  const second = g.nextCheck('ss-b');
  g.register([b]);
  assert.equal((await second).state, 'healthy');
  const l = await createListener({ host: '127.0.0.1', port: 0, clock: slow, defaultAction: { type: 'forward', targetGroups: [{ group: g, weight: 1 }] } });
  cleanups.push(() => l.close());
  const early = await tally(l.port, 101, 1);
  assert.ok((early.get('ss-b') ?? 0) <= 2, `at 0 s b got ${early.get('ss-b')}`);
  await slow.advance(50_000); // halfway: b weighs 0.5 against a's 1
  const half = await tally(l.port, 300, 1);
  assert.ok(Math.abs((half.get('ss-b') ?? 0) - 100) <= 2, `at 50 s b got ${half.get('ss-b')}`);
  await slow.advance(50_000);
  const full = await tally(l.port, 300, 1);
  assert.ok(Math.abs((full.get('ss-b') ?? 0) - 150) <= 2, `at 100 s b got ${full.get('ss-b')}`);
  assert.throws(() => g.setSlowStart(10), /0 \(off\) or an integer from 30 to 900/);
});
