import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { createListener, type Listener } from './listener.ts';
import type { ForwardAction } from './routing.ts';
import { TargetGroup } from './target-group.ts';
import { call, cleanupAfterTests, type Handler, keepAlive, startTarget, type TestTarget } from './testing.ts';

const cleanups = cleanupAfterTests();

const agent = keepAlive();
cleanups.push(() => agent.destroy());

async function target(id: string, handler?: Handler): Promise<TestTarget> {
  const t = await startTarget(id, handler);
  cleanups.push(() => t.close());
  return t;
}

async function healthyGroup(clock: ManualClock, name: string, targets: TestTarget[]): Promise<TargetGroup> {
  // Long intervals: a big manual-clock advance must not start probes whose timeouts then fall due in the same advance.
  const g = new TargetGroup({ name, clock, healthCheck: { intervalSeconds: 300, timeoutSeconds: 120 } });
  cleanups.push(() => g.close());
  const checks = targets.map((t) => g.nextCheck(t.id));
  g.register(targets);
  for (const h of await Promise.all(checks)) assert.equal(h.state, 'healthy');
  return g;
}

async function listen(clock: ManualClock, defaultAction: ForwardAction): Promise<Listener> {
  const l = await createListener({ host: '127.0.0.1', port: 0, clock, defaultAction });
  cleanups.push(() => l.close());
  return l;
}

test('draining: the in-flight slow request finishes, new requests go elsewhere, unused after the delay', async () => {
  const clock = new ManualClock();
  let arrived!: () => void;
  const slowArrived = new Promise<void>((r) => (arrived = r));
  let finish!: () => void;
  const released = new Promise<void>((r) => (finish = r));
  const slow = await target('slow', (req, res, t) => {
    if (req.url !== '/slow') {
      res.end(t.id);
      return;
    }
    arrived();
    void released.then(() => res.end('slow done'));
  });
  const fast = await target('fast');
  const g = await healthyGroup(clock, 'g', [slow, fast]);
  const l = await listen(clock, { type: 'forward', targetGroups: [{ group: g, weight: 1 }] });

  const inFlight = call(l.port, { agent, path: '/slow' }); // round-robin starts at the first target: `slow`
  await slowArrived;
  g.deregister(['slow']);
  const draining = g.describeTargetHealth(['slow'])[0];
  assert.deepEqual([draining?.state, draining?.reason, draining?.inFlight], ['draining', 'Target.DeregistrationInProgress', 1]);

  for (let i = 0; i < 20; i++) assert.equal((await call(l.port, { agent })).body, 'fast');
  finish();
  assert.deepEqual(await inFlight.then((r) => [r.status, r.body]), [200, 'slow done']);
  assert.equal(g.describeTargetHealth(['slow'])[0]?.state, 'draining'); // done, but draining until the delay ends

  await clock.advance(299_000);
  assert.equal(g.describeTargetHealth(['slow'])[0]?.state, 'draining');
  await clock.advance(1_000);
  assert.deepEqual(g.describeTargetHealth(['slow'])[0], { target: { id: 'slow', host: '', port: 0 }, state: 'unused', reason: 'Target.NotRegistered', description: 'Target is not registered to the target group', inFlight: 0 });
  assert.deepEqual(g.describeTargetHealth().map((h) => [h.target.id, h.state]), [['fast', 'healthy']]);
});

test('deregistration delay is validated (0–3600)', () => {
  const clock = new ManualClock();
  assert.throws(() => new TargetGroup({ name: 'x', clock, deregistrationDelaySeconds: 3601 }), /an integer from 0 to 3600/);
});

test('switching weights, then draining and stopping the old targets, under constant concurrent load drops 0 requests', async () => {
  const clock = new ManualClock();
  const blueTargets = [await target('blue-1'), await target('blue-2')];
  const blue = await healthyGroup(clock, 'blue', blueTargets);
  const green = await healthyGroup(clock, 'green', [await target('green-1'), await target('green-2')]);
  const weights = (b: number, gr: number): ForwardAction => ({ type: 'forward', targetGroups: [{ group: blue, weight: b }, { group: green, weight: gr }] });
  const l = await listen(clock, weights(100, 0));

  let ok = 0;
  const failures: string[] = [];
  let stop = false;
  const waiters: Array<{ at: number; resolve: () => void }> = [];
  const worker = async (): Promise<void> => {
    while (!stop) {
      try {
        const r = await call(l.port, { agent, method: ok % 2 === 0 ? 'GET' : 'POST', body: ok % 2 === 0 ? undefined : 'payload' });
        if (r.status === 200) ok++;
        else failures.push(`${r.status} ${r.body}`);
      } catch (err) {
        failures.push(String(err));
      }
      for (const w of waiters.filter((x) => ok >= x.at)) w.resolve();
    }
  };
  /** Resolves once `n` more requests have succeeded: steps are paced by traffic, not by sleeps. */
  const served = (n: number): Promise<void> => new Promise((resolve) => waiters.push({ at: ok + n, resolve }));

  const workers = Array.from({ length: 24 }, worker);
  const steps: Array<[number, number]> = [[90, 10], [75, 25], [50, 50], [10, 90], [0, 100], [100, 0], [1, 999], [999, 1], [0, 1]];
  for (const [b, gr] of steps) {
    await served(300);
    l.setDefaultAction(weights(b, gr));
  }
  await served(300);
  // The end of a blue/green deployment: deregister blue, wait out the delay, stop its tasks.
  blue.deregister(['blue-1', 'blue-2']);
  await served(300);
  await clock.advance(300_000);
  assert.deepEqual(blue.describeTargetHealth(), []);
  assert.deepEqual(green.describeTargetHealth().map((h) => h.state), ['healthy', 'healthy']);
  await Promise.all(blueTargets.map((t) => t.close()));
  await served(300);
  stop = true;
  await Promise.all(workers);
  assert.deepEqual(failures, []);
  assert.ok(ok >= 3600);
  assert.equal(blue.metrics().HTTPCode_ELB_5XX_Count + green.metrics().HTTPCode_ELB_5XX_Count, 0);
  process.stdout.write(`# weight switches under load: ${ok} requests, ${failures.length} failed, ${steps.length} switches\n`);
});

test('a stopped target that refuses connections costs no request: tried once on another target', async () => {
  const clock = new ManualClock();
  const a = await target('a');
  const b = await target('b');
  const g = await healthyGroup(clock, 'g2', [a, b]);
  const l = await listen(clock, { type: 'forward', targetGroups: [{ group: g, weight: 1 }] });
  for (let i = 0; i < 4; i++) assert.equal((await call(l.port, { agent })).status, 200);
  await a.close(); // the task stopped before the health checker noticed: still `healthy`
  assert.equal(g.describeTargetHealth(['a'])[0]?.state, 'healthy');
  const bodies: string[] = [];
  for (let i = 0; i < 40; i++) {
    const r = await call(l.port, { agent, method: i % 2 ? 'POST' : 'GET', body: i % 2 ? 'x' : undefined });
    bodies.push(`${r.status} ${r.body}`);
  }
  assert.deepEqual(new Set(bodies), new Set(['200 b']));
  assert.equal(g.metrics().HTTPCode_ELB_5XX_Count, 0);
});
