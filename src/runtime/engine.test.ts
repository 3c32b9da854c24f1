// Engine discovery: explicit socket, DOCKER_HOST, well-known sockets, a podman service of its own, and clear failures.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isSlipwayError } from '../core/errors.ts';
import { connectRuntime } from './engine.ts';
import { findPodman, socketCandidates } from './podman-service.ts';

const skip = process.env['SLIPWAY_SKIP_ENGINE'] === '1' ? 'SLIPWAY_SKIP_ENGINE=1' : undefined;

test('discovery order: DOCKER_HOST, Docker, rootless Podman, rootful Podman', () => {
  const found = socketCandidates({ DOCKER_HOST: 'unix:///x/d.sock', XDG_RUNTIME_DIR: '/run/user/1000' }).map((c) => c.socketPath);
  assert.deepEqual(found, ['/x/d.sock', '/var/run/docker.sock', '/run/user/1000/podman/podman.sock', '/run/podman/podman.sock']);
  assert.throws(() => socketCandidates({ DOCKER_HOST: 'tcp://1.2.3.4:2375' }), (err) => isSlipwayError(err) && err.code === 'EngineUnavailable' && /unix:\/\//.test(err.message));
});

test('nothing to connect to: EngineUnavailable says what was tried and how to fix it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-test-'));
  try {
    await assert.rejects(
      connectRuntime({ env: { PATH: dir }, candidates: [{ socketPath: join(dir, 'none.sock'), source: 'test socket' }] }),
      (err) =>
        isSlipwayError(err) &&
        err.code === 'EngineUnavailable' &&
        err.message.includes(join(dir, 'none.sock')) &&
        /install podman/.test(err.message) &&
        /docker/.test(err.message),
    );
    await assert.rejects(connectRuntime({ socketPath: join(dir, 'none.sock') }), (err) => isSlipwayError(err) && err.code === 'EngineUnavailable');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('with no socket but podman on PATH, it starts a podman service and stops it on close', { ...(skip !== undefined ? { skip } : {}) }, async (t) => {
  if ((await findPodman()) === undefined) {
    t.skip('podman is not installed (docker hosts reach the engine through its socket instead)');
    return;
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-test-'));
  try {
    const started = Date.now();
    const runtime = await connectRuntime({ dataDir, candidates: [] });
    const startMs = Date.now() - started;
    assert.match(await runtime.describe(), new RegExp(`^podman \\S+ at unix://${dataDir}/podman.sock$`));
    await runtime.ping();
    await runtime.close();
    assert.equal(existsSync(join(dataDir, 'podman.sock')), false, 'the service and its socket are gone');
    await assert.rejects(runtime.ping(), (err) => isSlipwayError(err) && err.code === 'EngineUnavailable');
    t.diagnostic(`podman service answered after ${startMs} ms`);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
