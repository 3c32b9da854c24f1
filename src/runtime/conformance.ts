// The one conformance suite every ContainerRuntime backend passes: run it from each backend's test file.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { isSlipwayError } from '../core/errors.ts';
import { LABELS, type BuildImageOptions, type ContainerRuntime, type ContainerSpec, type LogChunk } from './types.ts';

/** What a container runs: command, entrypoint and environment. */
export type Program = Pick<ContainerSpec, 'command' | 'entrypoint' | 'env'>;

/** The programs the suite needs, written in each backend's terms (shell commands, or FAKE_* env). */
export interface ConformancePrograms {
  /** Build context (with a Dockerfile) of the image every suite container runs. */
  readonly imageFiles: BuildImageOptions['files'];
  /** Serves HTTP 200 on container port 8080 until stopped; answers `execProbe`. */
  readonly server: Program;
  /** Writes `tick` lines to stdout and `tock` lines to stderr while it runs. */
  readonly ticker: Program;
  /** Ignores SIGTERM; writes a `ready` line once it does. */
  readonly ignoresSigterm: Program;
  /** Exits promptly on SIGTERM; writes a `ready` line once it would. */
  readonly cooperative: Program;
  /** Writes `out` to stdout and `err` to stderr, then exits with code 3. */
  readonly exitsWith3: Program;
  /** A command exec'd in the server container, and what it must give back. */
  readonly execProbe: { readonly command: readonly string[]; readonly exitCode: number; readonly stdout: string; readonly stderr: string };
  /** A command exec'd in the server container that runs for at least 5 s. */
  readonly slowExec: readonly string[];
}

export interface RuntimeConformanceOptions {
  readonly programs: ConformancePrograms;
  /** Time an engine may take beyond the ideal in the stop-timing checks (default 1500 ms). */
  readonly slackMs?: number;
  /** When set, the whole suite is skipped with this reason. */
  readonly skip?: string;
}

const errorCode = (code: string) => (err: unknown) => isSlipwayError(err) && err.code === code;

/** GET / on 127.0.0.1:port; resolves with the status, or rejects when nothing answers. */
function httpGet(host: string, port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', timeout: 2000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Retries until the port answers: the engine publishes the port before the server in it listens. */
async function httpGetWhenUp(host: string, port: number, deadlineMs: number): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + deadlineMs;
  let delay = 20;
  for (;;) {
    try {
      const res = await httpGet(host, port);
      // Podman's port forwarder can accept before the server listens and then answer nothing.
      if (res.status > 0) return res;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) throw new Error(`nothing answered on ${host}:${port} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 200);
  }
}

/** Follows the logs until `predicate` holds on what arrived; returns the chunks seen. */
async function logsUntil(runtime: ContainerRuntime, id: string, predicate: (chunks: LogChunk[]) => boolean): Promise<LogChunk[]> {
  const controller = new AbortController();
  const seen: LogChunk[] = [];
  for await (const chunk of runtime.logs(id, { follow: true, signal: controller.signal })) {
    seen.push(chunk);
    if (predicate(seen)) {
      controller.abort();
      break;
    }
  }
  return seen;
}

const text = (chunks: LogChunk[], stream: 'stdout' | 'stderr'): string =>
  Buffer.concat(chunks.filter((c) => c.stream === stream).map((c) => c.data)).toString('utf8');

export function runRuntimeConformance(name: string, create: () => Promise<ContainerRuntime>, options: RuntimeConformanceOptions): void {
  const { programs } = options;
  const slack = options.slackMs ?? 1500;
  const runId = randomUUID().slice(0, 8);
  // A per-run owner keeps parallel test processes from seeing each other's containers.
  const labels = { [LABELS.owner]: `slipway-test-${runId}`, [LABELS.role]: 'test' };
  const image = `localhost/slipway-test/conformance:${runId}`;
  const network = `slipway-test-${runId}`;
  let runtime: ContainerRuntime;

  const run = async (program: Program, extra: Partial<ContainerSpec> = {}): Promise<string> => {
    const id = await runtime.create({ image, labels, ...program, ...extra });
    await runtime.start(id);
    return id;
  };

  describe(`ContainerRuntime conformance: ${name}`, { ...(options.skip !== undefined ? { skip: options.skip } : {}) }, () => {
    before(async () => {
      runtime = await create();
      await runtime.ping();
    });

    after(async () => {
      // Safety net when a test failed half-way; the last test asserts the same cleanup.
      if (runtime === undefined) return;
      for (const c of await runtime.list(labels)) await runtime.remove(c.id, { force: true });
      await runtime.removeNetwork(network);
      await runtime.removeImage(image);
      await runtime.close();
    });

    test('builds an image from a local context and finds it by tag', async () => {
      const { id } = await runtime.buildImage({ tag: image, files: programs.imageFiles, labels });
      assert.ok(id.length > 0, 'the build returns an image id');
      assert.equal(await runtime.imageExists(image), true);
      assert.equal(await runtime.imageExists(`localhost/slipway-test/absent:${runId}`), false);
      await assert.rejects(runtime.create({ image: `localhost/slipway-test/absent:${runId}`, labels }), errorCode('ImageNotFound'));
      assert.match(await runtime.describe(), /\S/);
    });

    test('a container starts and its published port answers HTTP on 127.0.0.1', async () => {
      const id = await run(programs.server, { ports: [{ containerPort: 8080, hostPort: 0 }] });
      const info = await runtime.inspect(id);
      assert.equal(info.running, true);
      assert.equal(info.status, 'running');
      assert.equal(info.image, image);
      assert.deepEqual(info.labels[LABELS.owner], labels[LABELS.owner]);
      const port = info.ports.find((p) => p.containerPort === 8080);
      assert.ok(port, `port 8080 is published (found ${JSON.stringify(info.ports)})`);
      assert.equal(port.hostIp, '127.0.0.1');
      assert.ok(port.hostPort > 0, 'the engine assigned a host port');
      const res = await httpGetWhenUp('127.0.0.1', port.hostPort, 10_000);
      assert.equal(res.status, 200);
      await runtime.stop(id, { timeoutSeconds: 2 });
      await assert.rejects(httpGet('127.0.0.1', port.hostPort), 'a stopped container no longer answers');
    });

    test('exec returns the exit code and the output, stdout and stderr apart; a timeout ends its wait', async () => {
      const id = await run(programs.server);
      const probe = programs.execProbe;
      const result = await runtime.exec(id, { command: probe.command });
      assert.deepEqual(result, { exitCode: probe.exitCode, stdout: probe.stdout, stderr: probe.stderr, timedOut: false });
      const started = Date.now();
      const slow = await runtime.exec(id, { command: programs.slowExec, timeoutMs: 300 });
      const elapsed = Date.now() - started;
      assert.equal(slow.timedOut, true);
      assert.ok(elapsed >= 250 && elapsed < 300 + slack, `the exec's wait ended at its timeout (took ${elapsed} ms)`);
      await assert.rejects(runtime.exec(`absent-${runId}`, { command: probe.command }), errorCode('ContainerNotFound'));
      await runtime.stop(id, { timeoutSeconds: 2 });
      await assert.rejects(runtime.exec(id, { command: probe.command }), errorCode('ContainerNotRunning'));
    });

    test('logs stream while the container runs (follow), stdout and stderr apart', async () => {
      const id = await run(programs.ticker);
      const seen = await logsUntil(runtime, id, (c) => text(c, 'stdout').includes('tick') && text(c, 'stderr').includes('tock'));
      assert.equal((await runtime.inspect(id)).running, true, 'the lines arrived while it still runs');
      assert.doesNotMatch(text(seen, 'stdout'), /tock/);
      assert.doesNotMatch(text(seen, 'stderr'), /tick/);
      // An abort ends a follow that would otherwise never end.
      const controller = new AbortController();
      const pending = (async () => {
        let n = 0;
        for await (const _ of runtime.logs(id, { follow: true, signal: controller.signal })) n++;
        return n;
      })();
      controller.abort();
      assert.ok((await pending) >= 0);
      await runtime.stop(id, { timeoutSeconds: 2 });
    });

    test('wait returns the exit code; inspect and logs tell how it ended', async () => {
      const id = await run(programs.exitsWith3);
      assert.deepEqual(await runtime.wait(id), { exitCode: 3 });
      const info = await runtime.inspect(id);
      assert.equal(info.running, false);
      assert.equal(info.status, 'exited');
      assert.equal(info.exitCode, 3);
      const chunks: LogChunk[] = [];
      for await (const c of runtime.logs(id)) chunks.push(c);
      assert.equal(text(chunks, 'stdout'), 'out\n');
      assert.equal(text(chunks, 'stderr'), 'err\n');
      await runtime.stop(id); // stopping a stopped container is not an error
    });

    test('an aborted wait ends without touching the container', async () => {
      const id = await run(programs.cooperative);
      const controller = new AbortController();
      const waiting = runtime.wait(id, { signal: controller.signal });
      controller.abort();
      await assert.rejects(waiting);
      assert.equal((await runtime.inspect(id)).running, true);
      await runtime.stop(id, { timeoutSeconds: 2 });
      assert.equal((await runtime.wait(id)).exitCode, (await runtime.inspect(id)).exitCode);
    });

    test('stop kills a process that ignores SIGTERM after the timeout', async () => {
      const id = await run(programs.ignoresSigterm);
      await logsUntil(runtime, id, (c) => text(c, 'stdout').includes('ready'));
      const started = Date.now();
      await runtime.stop(id, { timeoutSeconds: 1 });
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 900, `stop waited the 1 s timeout before killing (took ${elapsed} ms)`);
      assert.ok(elapsed < 1000 + slack, `stop killed soon after the timeout (took ${elapsed} ms)`);
      const info = await runtime.inspect(id);
      assert.equal(info.running, false);
      assert.equal(info.exitCode, 137, 'killed by SIGKILL');
    });

    test('stop of a process that honours SIGTERM is prompt, and ends a follow of its logs', async () => {
      const id = await run(programs.cooperative);
      await logsUntil(runtime, id, (c) => text(c, 'stdout').includes('ready'));
      const following = (async () => {
        const seen: LogChunk[] = [];
        for await (const c of runtime.logs(id, { follow: true })) seen.push(c);
        return seen;
      })();
      const started = Date.now();
      await runtime.stop(id, { timeoutSeconds: 3 });
      const elapsed = Date.now() - started;
      assert.ok(elapsed < Math.min(3000, slack), `stopped well before the 3 s timeout (took ${elapsed} ms)`);
      assert.equal((await runtime.inspect(id)).running, false);
      let timer: NodeJS.Timeout | undefined;
      const seen = await Promise.race([
        following,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('a follow of the logs did not end within 5 s of the container stopping')), 5000);
        }),
      ]).finally(() => clearTimeout(timer));
      assert.match(text(seen, 'stdout'), /ready/);
    });

    test('a missing container: inspect and wait throw ContainerNotFound, remove is a no-op', async () => {
      const missing = `slipway-test-absent-${runId}`;
      await assert.rejects(runtime.inspect(missing), errorCode('ContainerNotFound'));
      await assert.rejects(runtime.wait(missing), errorCode('ContainerNotFound'));
      await runtime.remove(missing);
      await runtime.remove(missing, { force: true });
    });

    test('a network: containers join it with aliases; create and remove are idempotent', async () => {
      await runtime.createNetwork(network, labels);
      await runtime.createNetwork(network, labels);
      const id = await run(programs.cooperative, { network, networkAliases: ['conformance-alias'] });
      const info = await runtime.inspect(id);
      assert.ok(info.networks[network], `joined ${network} (found ${JSON.stringify(info.networks)})`);
      assert.match(info.networks[network].ipAddress, /^\d+\.\d+\.\d+\.\d+$/);
      await runtime.remove(id, { force: true });
      await runtime.removeNetwork(network);
      await runtime.removeNetwork(network);
    });

    test('list by labels finds this run\'s containers and no others', async () => {
      const id = await runtime.create({ image, labels: { ...labels, [LABELS.resource]: `list-${runId}` }, ...programs.cooperative });
      const mine = await runtime.list({ [LABELS.owner]: labels[LABELS.owner] });
      assert.ok(mine.some((c) => c.id === id));
      assert.ok(mine.every((c) => c.labels[LABELS.owner] === labels[LABELS.owner]));
      const narrowed = await runtime.list({ ...labels, [LABELS.resource]: `list-${runId}` });
      assert.deepEqual(narrowed.map((c) => c.id), [id]);
      assert.deepEqual(await runtime.list({ [LABELS.owner]: `slipway-test-other-${runId}` }), []);
    });

    test('after cleanup nothing labelled by this run is left', async () => {
      for (const c of await runtime.list(labels)) await runtime.remove(c.id, { force: true });
      assert.deepEqual(await runtime.list(labels), []);
      await runtime.removeImage(image);
      assert.equal(await runtime.imageExists(image), false);
      await runtime.removeImage(image); // missing is not an error
    });
  });
}
