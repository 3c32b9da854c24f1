// The docker-api backend passes the shared conformance suite against a real engine (Docker or Podman).
import { runRuntimeConformance } from '../conformance.ts';
import { connectRuntime } from '../engine.ts';

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
