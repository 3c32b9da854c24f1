// Reads a fake container's behaviour from its environment, in the spirit of Woodpecker's dummy backend.
import { SlipwayError } from '../../core/errors.ts';
import type { ExecResult, LogChunk } from '../types.ts';

/** One configured answer to an exec: the command it matches and what it returns. */
export interface FakeExecAnswer {
  readonly command: readonly string[];
  readonly exitCode?: number;
  readonly stdout?: string;
  readonly stderr?: string;
  /** How long the command "runs" (on the runtime's clock); longer than the exec's timeoutMs means timedOut. */
  readonly ms?: number;
}

/**
 * The environment variables a fake container obeys:
 * - `FAKE_EXIT_CODE` — exit code when it ends by itself (default 0).
 * - `FAKE_RUN_MS` — ends by itself after this long on the clock; absent: runs until stopped.
 * - `FAKE_START_ERROR` — start() fails with `ContainerStartFailed` and this text.
 * - `FAKE_IGNORE_SIGTERM` — `1`/`true`: stop waits the whole timeout, then kills (exit 137).
 * - `FAKE_HEALTHY` — `true`/`false`: inspect's `health`, and published ports answer 200 or 503.
 * - `FAKE_LOGS` — lines written at start; a line starting `stderr:` goes to stderr.
 * - `FAKE_LOG_INTERVAL_MS` — clock time between those lines (default 0: all at once).
 * - `FAKE_EXEC` — JSON list of {@link FakeExecAnswer}; `echo` is answered without one.
 * - `FAKE_OOM` — `1`/`true`: when it ends by itself it reports `oomKilled` and exit 137.
 */
export interface FakeBehaviour {
  readonly exitCode: number;
  readonly runMs: number | undefined;
  readonly startError: string | undefined;
  readonly ignoreSigterm: boolean;
  readonly healthy: boolean | undefined;
  readonly logs: readonly LogChunk[];
  readonly logIntervalMs: number;
  readonly exec: readonly FakeExecAnswer[];
  readonly oom: boolean;
}

function flag(value: string | undefined): boolean {
  return value === '1' || value?.toLowerCase() === 'true';
}

function int(env: Readonly<Record<string, string>>, key: string): number | undefined {
  const raw = env[key];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new SlipwayError('InvalidFakeBehaviour', `fake container env ${key}: found ${JSON.stringify(raw)}, expected a whole number ≥ 0`);
  }
  return n;
}

export function readBehaviour(env: Readonly<Record<string, string>>): FakeBehaviour {
  const logs: LogChunk[] = [];
  if (env['FAKE_LOGS'] !== undefined && env['FAKE_LOGS'] !== '') {
    for (const line of env['FAKE_LOGS'].split('\n')) {
      logs.push(
        line.startsWith('stderr:')
          ? { stream: 'stderr', data: Buffer.from(`${line.slice('stderr:'.length)}\n`) }
          : { stream: 'stdout', data: Buffer.from(`${line}\n`) },
      );
    }
  }
  let exec: FakeExecAnswer[] = [];
  if (env['FAKE_EXEC'] !== undefined && env['FAKE_EXEC'] !== '') {
    try {
      exec = JSON.parse(env['FAKE_EXEC']) as FakeExecAnswer[];
    } catch (cause) {
      throw new SlipwayError('InvalidFakeBehaviour', `fake container env FAKE_EXEC: found text that is not JSON, expected a JSON list of {command, exitCode, stdout, stderr, ms}`, { cause });
    }
    if (!Array.isArray(exec)) {
      throw new SlipwayError('InvalidFakeBehaviour', `fake container env FAKE_EXEC: found ${typeof exec}, expected a JSON list`);
    }
  }
  const healthy = env['FAKE_HEALTHY'];
  return {
    exitCode: int(env, 'FAKE_EXIT_CODE') ?? 0,
    runMs: int(env, 'FAKE_RUN_MS'),
    startError: env['FAKE_START_ERROR'] === '' ? undefined : env['FAKE_START_ERROR'],
    ignoreSigterm: flag(env['FAKE_IGNORE_SIGTERM']),
    healthy: healthy === undefined || healthy === '' ? undefined : flag(healthy),
    logs,
    logIntervalMs: int(env, 'FAKE_LOG_INTERVAL_MS') ?? 0,
    exec,
    oom: flag(env['FAKE_OOM']),
  };
}

/** The configured answer for a command, `echo`'s natural one, or "not found" (127) like a shell. */
export function answerExec(behaviour: FakeBehaviour, command: readonly string[]): FakeExecAnswer & ExecResult {
  const match = behaviour.exec.find(
    (a) => a.command.length === command.length && a.command.every((part, i) => part === command[i]),
  );
  if (match) {
    return { ...match, exitCode: match.exitCode ?? 0, stdout: match.stdout ?? '', stderr: match.stderr ?? '', timedOut: false };
  }
  if (command[0] === 'echo') return { command, exitCode: 0, stdout: `${command.slice(1).join(' ')}\n`, stderr: '', timedOut: false };
  if (command[0] === 'true') return { command, exitCode: 0, stdout: '', stderr: '', timedOut: false };
  return {
    command,
    exitCode: 127,
    stdout: '',
    stderr: `fake: no FAKE_EXEC answer for ${JSON.stringify(command)}\n`,
    timedOut: false,
  };
}
