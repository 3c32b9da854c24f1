// Base images build locally from host binaries, run sh and Node 24, serve as FROM bases offline, and are cached.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ensureBusyboxImage, ensureCodeBuildImage, ensureNodeImage, sharedLibraries, nodeBinaryPath } from './base-images.ts';
import { connectRuntime } from './engine.ts';
import { runToCompletion } from './run.ts';
import { LABELS, type BuildImageOptions, type ContainerRuntime } from './types.ts';

const skip = process.env['SLIPWAY_SKIP_ENGINE'] === '1' ? 'SLIPWAY_SKIP_ENGINE=1' : undefined;

test('sharedLibraries lists the loader and libc for Node, nothing for static busybox', async () => {
  const libs = await sharedLibraries(nodeBinaryPath());
  assert.ok(libs.some((l) => /ld-linux/.test(l)), `the dynamic loader is among ${libs.join(', ')}`);
  assert.ok(libs.some((l) => /libc\.so/.test(l)));
  assert.deepEqual(await sharedLibraries('/bin/busybox'), []);
});

describe('base images on the real engine', { ...(skip !== undefined ? { skip } : {}) }, () => {
  const runId = randomUUID().slice(0, 8);
  const labels = { [LABELS.owner]: `slipway-test-${runId}`, [LABELS.role]: 'test' };
  // Test-only names, so removing them at the end never touches the shared cache other tests use.
  const busyboxRepo = `localhost/slipway-test-${runId}/busybox`;
  const nodeRepo = `localhost/slipway-test-${runId}/node`;
  const nodeAlias = `localhost/slipway-test-${runId}/library-node:24-slim`;
  const derived = `localhost/slipway-test-${runId}/derived:1`;
  const refs: string[] = [nodeAlias, derived];
  let runtime: ContainerRuntime;
  let builds = 0;

  before(async () => {
    const real = await connectRuntime();
    // Counts builds, so "cached" is asserted, not inferred from timing.
    runtime = new Proxy(real, {
      get(target, key, receiver) {
        if (key === 'buildImage') {
          return (options: BuildImageOptions) => {
            builds++;
            return target.buildImage(options);
          };
        }
        const value: unknown = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  });

  after(async () => {
    if (runtime === undefined) return;
    for (const c of await runtime.list(labels)) await runtime.remove(c.id, { force: true });
    for (const ref of refs.reverse()) await runtime.removeImage(ref);
    await runtime.close();
  });

  test('busybox: builds FROM scratch, sh -c works, a second ensure does not rebuild', async () => {
    let started = Date.now();
    const first = await ensureBusyboxImage(runtime, { repository: busyboxRepo, labels });
    refs.push(first.ref);
    const firstMs = Date.now() - started;
    assert.match(first.ref, new RegExp(`^${busyboxRepo}:[0-9a-f]{16}$`));
    assert.equal(first.built, true);
    const result = await runToCompletion(runtime, { image: first.ref, labels, command: ['sh', '-c', 'echo "$((6*7))" && ls /bin/wget >/dev/null && exit 4'] });
    assert.deepEqual([result.exitCode, result.stdout], [4, '42\n']);
    const buildsBefore = builds;
    started = Date.now();
    const second = await ensureBusyboxImage(runtime, { repository: busyboxRepo, labels });
    const secondMs = Date.now() - started;
    assert.deepEqual(second, { ...first, built: false });
    assert.equal(builds, buildsBefore, 'no build on the second ensure');
    process.stdout.write(`# busybox image: first ensure ${firstMs} ms, cached ensure ${secondMs} ms\n`);
  });

  test('node: runs Node 24, sh -c works, serves as an offline FROM base under its alias, and is cached', async () => {
    let started = Date.now();
    const first = await ensureNodeImage(runtime, { repository: nodeRepo, labels, aliases: [nodeAlias] });
    refs.push(first.ref);
    const firstMs = Date.now() - started;
    assert.match(first.ref, new RegExp(`^${nodeRepo}:24-[0-9a-f]{16}$`));
    const version = await runToCompletion(runtime, { image: first.ref, labels, command: ['node', '-e', 'console.log(process.versions.node)'] });
    assert.equal(version.exitCode, 0, version.stderr);
    assert.match(version.stdout, /^24\.\d+\.\d+\n$/);
    const shell = await runToCompletion(runtime, { image: nodeAlias, labels, command: ['sh', '-c', 'node -p "1+1" && echo "$HOME"'] });
    assert.deepEqual([shell.exitCode, shell.stdout], [0, '2\n/root\n'], shell.stderr);
    // A user Dockerfile naming the alias builds without any registry.
    await runtime.buildImage({
      tag: derived,
      labels,
      files: {
        Dockerfile: Buffer.from(`FROM ${nodeAlias}\nWORKDIR /app\nCOPY main.js ./\nRUN node main.js > built.txt\nCMD ["node", "main.js"]\n`),
        'main.js': Buffer.from('console.log("hello from " + process.version)\n'),
      },
    });
    const app = await runToCompletion(runtime, { image: derived, labels, command: ['sh', '-c', 'cat built.txt && node main.js'] });
    assert.equal(app.exitCode, 0, app.stderr);
    assert.match(app.stdout, /^hello from v24\.\d+\.\d+\nhello from v24/);
    const buildsBefore = builds;
    started = Date.now();
    const second = await ensureNodeImage(runtime, { repository: nodeRepo, labels, aliases: [nodeAlias] });
    const secondMs = Date.now() - started;
    assert.deepEqual(second, { ...first, built: false });
    assert.equal(builds, buildsBefore, 'no build on the second ensure');
    process.stdout.write(`# node image: first ensure ${firstMs} ms, cached ensure ${secondMs} ms\n`);
  });

  test('codebuild: bash and Node in one image, answering under the managed image names it is given', async () => {
    const alias = `localhost/slipway-test-${runId}/codebuild-standard:7.0`;
    refs.push(alias);
    const image = await ensureCodeBuildImage(runtime, { repository: `localhost/slipway-test-${runId}/codebuild`, labels, aliases: [alias] });
    refs.push(image.ref);
    const result = await runToCompletion(runtime, {
      image: alias,
      labels,
      command: ['bash', '-c', 'f() { echo "bash ${BASH_VERSINFO[0]}"; }; f; node -p "process.versions.node.split(\'.\')[0]"; sh -c "echo sh"'],
    });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /^bash \d+\n24\nsh\n$/);
  });

  test('cleanup: the test images are gone', async () => {
    for (const ref of [...refs].reverse()) await runtime.removeImage(ref);
    for (const ref of refs) assert.equal(await runtime.imageExists(ref), false, `${ref} removed`);
    assert.deepEqual(await runtime.list(labels), []);
  });
});
