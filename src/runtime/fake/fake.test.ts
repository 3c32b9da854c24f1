// The fake runtime passes the shared conformance suite, plus checks of its FAKE_* behaviours on a manual clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { isSlipwayError } from '../../core/errors.ts';
import { runRuntimeConformance } from '../conformance.ts';
import type { LogChunk } from '../types.ts';
import { FakeRuntime } from './runtime.ts';

const probe = { command: ['sh', '-c', 'echo probe-out; echo probe-err >&2; exit 7'], exitCode: 7, stdout: 'probe-out\n', stderr: 'probe-err\n' };

runRuntimeConformance('fake', async () => new FakeRuntime({ images: 'built' }), {
  slackMs: 300,
  programs: {
    imageFiles: { Dockerfile: Buffer.from('FROM scratch\n') },
    server: { env: { FAKE_EXEC: JSON.stringify([probe, { command: ['sleep', '5'], ms: 5000 }]) } },
    ticker: { env: { FAKE_LOGS: 'tick\nstderr:tock' } },
    ignoresSigterm: { env: { FAKE_IGNORE_SIGTERM: '1', FAKE_LOGS: 'ready' } },
    cooperative: { env: { FAKE_LOGS: 'ready' } },
    exitsWith3: { env: { FAKE_LOGS: 'out\nstderr:err', FAKE_EXIT_CODE: '3', FAKE_RUN_MS: '0' } },
    execProbe: probe,
    slowExec: ['sleep', '5'],
  },
});

test('fake: stop waits the timeout on the injected clock before killing a SIGTERM-ignoring container', async () => {
  const clock = new ManualClock();
  const rt = new FakeRuntime({ clock });
  const id = await rt.create({ image: 'any', env: { FAKE_IGNORE_SIGTERM: 'true' } });
  await rt.start(id);
  let stopped = false;
  const stopping = rt.stop(id, { timeoutSeconds: 5 }).then(() => (stopped = true));
  await clock.whenSleepers(1);
  await clock.advance(4999);
  assert.equal(stopped, false);
  assert.equal((await rt.inspect(id)).running, true);
  await clock.advance(1);
  await stopping;
  assert.equal((await rt.inspect(id)).exitCode, 137);
  await rt.close();
});

test('fake: FAKE_RUN_MS and FAKE_EXIT_CODE end the container by itself; FAKE_OOM reports an OOM kill', async () => {
  const clock = new ManualClock();
  const rt = new FakeRuntime({ clock });
  const id = await rt.create({ image: 'any', env: { FAKE_RUN_MS: '1000', FAKE_EXIT_CODE: '2' } });
  await rt.start(id);
  const waited = rt.wait(id);
  await clock.advance(1000);
  assert.deepEqual(await waited, { exitCode: 2 });
  const oom = await rt.create({ image: 'any', env: { FAKE_RUN_MS: '0', FAKE_OOM: '1' } });
  await rt.start(oom);
  assert.deepEqual(await rt.wait(oom), { exitCode: 137 });
  assert.equal((await rt.inspect(oom)).oomKilled, true);
  await rt.close();
});

test('fake: FAKE_START_ERROR makes start fail with ContainerStartFailed', async () => {
  const rt = new FakeRuntime();
  const id = await rt.create({ image: 'any', env: { FAKE_START_ERROR: 'exec: "app": not found' } });
  await assert.rejects(rt.start(id), (err) => isSlipwayError(err) && err.code === 'ContainerStartFailed' && /not found/.test(err.message));
  assert.equal((await rt.inspect(id)).running, false);
});

test('fake: FAKE_HEALTHY sets health and what published ports answer; setHealthy flips it', async () => {
  const rt = new FakeRuntime();
  const id = await rt.create({ image: 'any', env: { FAKE_HEALTHY: 'false' }, ports: [{ containerPort: 80 }] });
  await rt.start(id);
  const info = await rt.inspect(id);
  assert.equal(info.health, 'unhealthy');
  const port = info.ports[0]?.hostPort;
  assert.ok(port !== undefined && port > 0);
  let res = await fetch(`http://127.0.0.1:${port}/`);
  assert.equal(res.status, 503);
  await res.text();
  rt.setHealthy(id, true);
  res = await fetch(`http://127.0.0.1:${port}/`);
  assert.equal(res.status, 200);
  assert.equal((await res.text()).trim(), id);
  await rt.close();
});

test('fake: FAKE_LOG_INTERVAL_MS paces log lines on the clock; follow sees each as it is written', async () => {
  const clock = new ManualClock();
  const rt = new FakeRuntime({ clock });
  const id = await rt.create({ image: 'any', env: { FAKE_LOGS: 'one\ntwo\nthree', FAKE_LOG_INTERVAL_MS: '100' } });
  await rt.start(id);
  const controller = new AbortController();
  const seen: LogChunk[] = [];
  const reading = (async () => {
    for await (const c of rt.logs(id, { follow: true, signal: controller.signal })) seen.push(c);
  })();
  await clock.whenSleepers(1);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen.map((c) => c.data.toString()), ['one\n']);
  await clock.advance(200);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen.map((c) => c.data.toString()), ['one\n', 'two\n', 'three\n']);
  controller.abort();
  await reading;
  await rt.close();
});

test('fake: exec answers echo, FAKE_EXEC durations time out on the clock, onExec overrides', async () => {
  const clock = new ManualClock();
  const rt = new FakeRuntime({
    clock,
    onExec: (_c, o) => (o.command[0] === 'health' ? { exitCode: 0, stdout: 'ok', stderr: '', timedOut: false } : undefined),
  });
  const slow = [{ command: ['slow'], ms: 5000, exitCode: 0 }];
  const id = await rt.create({ image: 'any', env: { FAKE_EXEC: JSON.stringify(slow) } });
  await rt.start(id);
  assert.deepEqual(await rt.exec(id, { command: ['echo', 'a', 'b'] }), { exitCode: 0, stdout: 'a b\n', stderr: '', timedOut: false });
  assert.equal((await rt.exec(id, { command: ['health'] })).stdout, 'ok');
  assert.equal((await rt.exec(id, { command: ['nope'] })).exitCode, 127);
  const timing = rt.exec(id, { command: ['slow'], timeoutMs: 1000 });
  await clock.whenSleepers(1);
  await clock.advance(1000);
  assert.equal((await timing).timedOut, true);
  await rt.close();
});

test('fake: bad FAKE_* values are rejected at create with the variable named', async () => {
  const rt = new FakeRuntime();
  await assert.rejects(rt.create({ image: 'any', env: { FAKE_EXIT_CODE: 'x' } }), (err) => isSlipwayError(err) && err.code === 'InvalidFakeBehaviour' && err.message.includes('FAKE_EXIT_CODE'));
});
