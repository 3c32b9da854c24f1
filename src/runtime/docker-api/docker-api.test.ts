// The docker-api backend passes the shared conformance suite against a real engine (Docker or Podman).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runRuntimeConformance } from '../conformance.ts';
import { connectRuntime } from '../engine.ts';
import { runToCompletion } from '../run.ts';
import { LABELS } from '../types.ts';

// The engine tests fail, not skip, when no engine can be had; skipping must be asked for explicitly.
const skip = process.env['SLIPWAY_SKIP_ENGINE'] === '1' ? 'SLIPWAY_SKIP_ENGINE=1' : undefined;

/** sh as PID 1 ignores SIGTERM unless it traps it; `sleep & wait` lets the trap run at once. */
const sh = (script: string): { command: string[] } => ({ command: ['/bin/sh', '-c', script] });

runRuntimeConformance('docker-api', () => connectRuntime(), {
  ...(skip !== undefined ? { skip } : {}),
  slackMs: 2000,
  programs: {
    imageFiles: {
      Dockerfile: Buffer.from(
        [
          'FROM scratch',
          'COPY busybox /bin/busybox',
          'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
          'COPY index.html /www/index.html',
          '',
        ].join('\n'),
      ),
      busybox: { hostPath: '/bin/busybox', mode: 0o755 },
      'index.html': Buffer.from('ok\n'),
    },
    server: sh('trap "exit 0" TERM; httpd -f -p 8080 -h /www & wait $!'),
    ticker: sh('trap "exit 0" TERM; while true; do echo tick; echo tock >&2; sleep 0.2 & wait $!; done'),
    ignoresSigterm: sh('trap "" TERM; echo ready; while true; do sleep 0.1; done'),
    cooperative: sh('trap "exit 0" TERM; echo ready; while true; do sleep 0.1 & wait $!; done'),
    exitsWith3: sh('echo out; echo err >&2; exit 3'),
    execProbe: {
      command: ['sh', '-c', 'echo probe-out; echo probe-err >&2; exit 7'],
      exitCode: 7,
      stdout: 'probe-out\n',
      stderr: 'probe-err\n',
    },
    slowExec: ['sleep', '5'],
  },
});

test('create honours env, entrypoint, working dir, user, bind mounts and memory limit', { ...(skip !== undefined ? { skip } : {}) }, async () => {
  const runtime = await connectRuntime();
  const runId = randomUUID().slice(0, 8);
  const labels = { [LABELS.owner]: `slipway-test-${runId}`, [LABELS.role]: 'test' };
  const image = `localhost/slipway-test/spec:${runId}`;
  const dir = await mkdtemp(join(tmpdir(), 'slipway-test-'));
  try {
    await writeFile(join(dir, 'input.txt'), 'from the host\n', { mode: 0o644 });
    await chmod(dir, 0o755); // the container's user 1234 must be able to read it
    await runtime.buildImage({ tag: image, labels, files: { Dockerfile: Buffer.from('FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n'), busybox: { hostPath: '/bin/busybox', mode: 0o755 } } });
    const result = await runToCompletion(runtime, {
      image,
      labels,
      entrypoint: ['/bin/sh', '-c'],
      command: ['echo "$GREETING"; pwd; id -u; cat /data/input.txt; cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes'],
      env: { GREETING: 'hello world' },
      workingDir: '/tmp',
      user: '1234',
      mounts: [{ source: dir, target: '/data', readOnly: true }],
      memoryBytes: 64 * 1024 * 1024,
      cpuShares: 512,
    });
    assert.equal(result.stderr, '');
    assert.equal(result.stdout, `hello world\n/tmp\n1234\nfrom the host\n${64 * 1024 * 1024}\n`);
    assert.deepEqual(await runtime.list(labels), []);
  } finally {
    await runtime.removeImage(image);
    await rm(dir, { recursive: true, force: true });
    await runtime.close();
  }
});
