// Runs the whole test suite on Node 24 with node's own test runner; files run in parallel processes.
// One container engine serves the whole run: an existing Docker/Podman socket, or a podman service started here.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const major = Number(process.versions.node.split('.')[0]);
if (major !== 24) {
  process.stderr.write(`The tests run on Node.js 24 (this is ${process.version}); use \`npm test\`, which runs the project's own Node 24.\n`);
  process.exit(1);
}

const { findPodman, pingSocket, socketCandidates, startPodmanService } = await import('../src/runtime/podman-service.ts');

/** Finds or starts the run's engine; returns the env for the test processes and a cleanup. */
async function shareEngine() {
  const none = { env: {}, stop: async () => {} };
  if (process.env['SLIPWAY_SKIP_ENGINE'] === '1') return none;
  let candidates;
  try {
    candidates = socketCandidates(process.env);
  } catch (err) {
    process.stderr.write(`run-tests: ${err.message}\n`);
    return none;
  }
  for (const c of candidates) {
    if (await pingSocket(c.socketPath)) return { env: { DOCKER_HOST: `unix://${c.socketPath}` }, stop: async () => {} };
  }
  if (process.env['DOCKER_HOST']) {
    process.stderr.write(`run-tests: nothing answers at DOCKER_HOST=${process.env['DOCKER_HOST']}; the engine tests will fail\n`);
    return none;
  }
  const podman = await findPodman(process.env);
  if (podman === undefined) {
    process.stderr.write('run-tests: no Docker/Podman socket and no podman on PATH; the engine tests will fail (set SLIPWAY_SKIP_ENGINE=1 to skip them)\n');
    return none;
  }
  const dir = await mkdtemp(join(tmpdir(), 'slipway-test-engine-'));
  const socketPath = join(dir, 'podman.sock');
  const started = Date.now();
  try {
    const service = await startPodmanService({ podmanPath: podman, socketPath });
    process.stderr.write(`run-tests: started podman service at unix://${socketPath} in ${Date.now() - started} ms\n`);
    return {
      env: { DOCKER_HOST: `unix://${socketPath}` },
      stop: async () => {
        await service.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    process.stderr.write(`run-tests: could not start podman (${err.message}); the engine tests will fail\n`);
    return none;
  }
}

const engine = await shareEngine();
let stopping;
const stopEngine = () => (stopping ??= engine.stop().catch((err) => process.stderr.write(`run-tests: stopping the engine failed: ${err.message}\n`)));

const patterns = process.argv.slice(2);
const files = patterns.length > 0 ? patterns : ['src/**/*.test.ts', 'test/**/*.test.ts', 'examples/*/app/test/**/*.test.ts', 'examples/*/setup/*.test.ts'];
const args = ['--test', '--test-reporter=spec', `--test-concurrency=${process.env['SLIPWAY_TEST_CONCURRENCY'] ?? '3'}`, '--test-timeout=600000', ...files];
const child = spawn(process.execPath, args, { stdio: 'inherit', env: { ...process.env, ...engine.env, NODE_NO_WARNINGS: '1' } });

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    // The test runner gets the signal too (same process group on a terminal); forward it in case it did not.
    child.kill(signal);
  });
}
child.on('exit', (code, signal) => {
  void stopEngine().then(() => process.exit(code ?? (signal ? 1 : 0)));
});
child.on('error', (err) => {
  process.stderr.write(`run-tests: could not run the tests: ${err.message}\n`);
  void stopEngine().then(() => process.exit(1));
});
