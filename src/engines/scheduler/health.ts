// Container health checks as exec probes on the injected clock: interval, timeout, retries and startPeriod, as ECS does.
import type { HealthCheck } from '@aws-sdk/client-ecs';
import type { Clock } from '../../core/clock.ts';
import type { ContainerRuntime } from '../../runtime/types.ts';
import type { HealthStatus } from '../../services/ecs/task-store.ts';

export interface ProbeOptions {
  readonly clock: Clock;
  readonly runtime: ContainerRuntime;
  readonly containerId: string;
  readonly check: HealthCheck;
  /** When the container started (clock ms): failures within startPeriod do not count. */
  readonly startedAt: number;
  readonly signal: AbortSignal;
  readonly onChange: (status: HealthStatus) => void;
}

/** The command to exec: CMD runs its arguments, CMD-SHELL runs its one string through /bin/sh, as Docker does. */
export function probeCommand(check: HealthCheck): string[] {
  const [kind, ...rest] = check.command ?? [];
  if (kind === 'CMD-SHELL') return ['/bin/sh', '-c', rest.join(' ')];
  if (kind === 'CMD') return rest;
  return check.command ?? [];
}

/** Runs until the signal aborts; reports HEALTHY on a pass, UNHEALTHY after `retries` consecutive counted failures. */
export async function runHealthProbe(options: ProbeOptions): Promise<void> {
  const { check, clock, signal } = options;
  const interval = (check.interval ?? 30) * 1000;
  const timeout = (check.timeout ?? 5) * 1000;
  const retries = check.retries ?? 3;
  const startPeriod = (check.startPeriod ?? 0) * 1000;
  const command = probeCommand(check);
  const state: { status: HealthStatus } = { status: 'UNKNOWN' };
  let failures = 0;
  const set = (next: HealthStatus): void => {
    if (next === state.status) return;
    state.status = next;
    options.onChange(next);
  };
  while (!signal.aborted) {
    try {
      await clock.sleep(interval, signal);
    } catch {
      return;
    }
    let ok: boolean;
    try {
      const result = await options.runtime.exec(options.containerId, { command, timeoutMs: timeout });
      ok = result.exitCode === 0 && !result.timedOut;
    } catch {
      // The container is gone or not running: its exit is handled by the task's watcher.
      if (signal.aborted) return;
      ok = false;
    }
    if (signal.aborted) return;
    if (ok) {
      failures = 0;
      set('HEALTHY');
    } else if (clock.now() - options.startedAt >= startPeriod || state.status === 'HEALTHY') {
      failures++;
      if (failures >= retries) set('UNHEALTHY');
    }
  }
}
