// One fake container: its state machine (created → running → exited), its log buffer and its port servers.
import type { Clock } from '../../core/clock.ts';
import { SlipwayError } from '../../core/errors.ts';
import type { ContainerInfo, ContainerSpec, ContainerStatus, LogChunk, LogOptions } from '../types.ts';
import { readBehaviour, type FakeBehaviour } from './behaviour.ts';
import { startPortServer, type PortServer } from './port-server.ts';

interface LogEntry {
  readonly chunk: LogChunk;
  readonly at: number;
}

/** Exit codes a shell would report for a signal: 128 + signal number. */
export const EXIT_SIGTERM = 143;
export const EXIT_SIGKILL = 137;

export class FakeContainer {
  readonly id: string;
  readonly name: string;
  readonly spec: ContainerSpec;
  readonly behaviour: FakeBehaviour;
  readonly networks: Record<string, { ipAddress: string }>;
  readonly #clock: Clock;
  status: ContainerStatus = 'created';
  exitCode: number | undefined;
  oomKilled = false;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  /** Overrides FAKE_HEALTHY once a test sets it. */
  healthy: boolean | undefined;
  #logs: LogEntry[] = [];
  #changed = new Set<() => void>();
  #servers: { containerPort: number; server: PortServer }[] = [];
  #run: AbortController | undefined;

  constructor(id: string, name: string, spec: ContainerSpec, clock: Clock, networks: Record<string, { ipAddress: string }>) {
    this.id = id;
    this.name = name;
    this.spec = spec;
    this.#clock = clock;
    this.behaviour = readBehaviour(spec.env ?? {});
    this.healthy = this.behaviour.healthy;
    this.networks = networks;
  }

  get running(): boolean {
    return this.status === 'running';
  }

  async start(): Promise<void> {
    if (this.running) return;
    if (this.behaviour.startError !== undefined) {
      this.status = 'exited';
      this.exitCode = 128;
      this.finishedAt = this.#clock.now();
      throw new SlipwayError('ContainerStartFailed', `start of container ${this.id} failed: ${this.behaviour.startError}`, { fault: 'server' });
    }
    for (const p of this.spec.ports ?? []) {
      if ((p.protocol ?? 'tcp') !== 'tcp') continue;
      try {
        const server = await startPortServer(this.id, p.hostIp ?? '127.0.0.1', p.hostPort ?? 0, () => (this.healthy === false ? 503 : 200));
        this.#servers.push({ containerPort: p.containerPort, server });
      } catch (err) {
        await this.#closeServers();
        throw err;
      }
    }
    const run = new AbortController();
    this.#run = run;
    this.status = 'running';
    this.exitCode = undefined;
    this.oomKilled = false;
    this.finishedAt = undefined;
    this.startedAt = this.#clock.now();
    this.#notify();
    void this.#emitLogs(run.signal);
    const { runMs } = this.behaviour;
    if (runMs === 0) {
      // A manual clock wakes sleepers only when advanced; "ends at once" must not depend on that.
      setImmediate(() => void this.#endByItself(run.signal));
    } else if (runMs !== undefined) {
      this.#clock.sleep(runMs, run.signal).then(
        () => this.#endByItself(run.signal),
        () => undefined,
      );
    }
  }

  /** SIGTERM; a container ignoring it is killed after `timeoutMs` of clock time. */
  async stop(timeoutMs: number): Promise<void> {
    const run = this.#run;
    if (!this.running || run === undefined) return;
    if (!this.behaviour.ignoreSigterm) {
      await this.exit(EXIT_SIGTERM);
      return;
    }
    try {
      await this.#clock.sleep(timeoutMs, run.signal);
    } catch {
      return; // it ended some other way meanwhile
    }
    await this.exit(EXIT_SIGKILL);
  }

  async exit(code: number, oom = false): Promise<void> {
    if (!this.running) return;
    this.status = 'exited';
    this.exitCode = code;
    this.oomKilled = oom;
    this.finishedAt = this.#clock.now();
    this.#run?.abort(new Error('container exited'));
    this.#run = undefined;
    await this.#closeServers();
    this.#notify();
  }

  /** Resolves with the exit code once the container is not running. */
  async wait(): Promise<number> {
    while (this.running) await this.#nextChange();
    return this.exitCode ?? 0;
  }

  async *logs(options: LogOptions = {}): AsyncGenerator<LogChunk> {
    const since = options.since === undefined ? undefined : options.since * 1000;
    let index = 0;
    for (;;) {
      if (options.signal?.aborted) return;
      while (index < this.#logs.length) {
        const entry = this.#logs[index++];
        if (entry !== undefined && (since === undefined || entry.at >= since)) yield entry.chunk;
        if (options.signal?.aborted) return;
      }
      if (options.follow !== true || !this.running) return;
      await this.#nextChange(options.signal);
    }
  }

  info(): ContainerInfo {
    const exited = this.status === 'exited' || this.status === 'dead';
    const health = this.healthy === undefined ? {} : { health: this.healthy ? ('healthy' as const) : ('unhealthy' as const) };
    return {
      id: this.id,
      name: this.name,
      image: this.spec.image,
      status: this.status,
      running: this.running,
      oomKilled: this.oomKilled,
      labels: { ...this.spec.labels },
      ports: this.#servers.map(({ containerPort, server }) => ({
        containerPort,
        protocol: 'tcp' as const,
        hostIp: server.hostIp,
        hostPort: server.hostPort,
      })),
      networks: this.running ? { ...this.networks } : {},
      ...(exited && this.exitCode !== undefined ? { exitCode: this.exitCode } : {}),
      ...(this.startedAt !== undefined ? { startedAt: this.startedAt } : {}),
      ...(exited && this.finishedAt !== undefined ? { finishedAt: this.finishedAt } : {}),
      ...health,
    };
  }

  /** Appends output as if the container's process wrote it. */
  write(chunk: LogChunk): void {
    this.#logs.push({ chunk, at: this.#clock.now() });
    this.#notify();
  }

  async #emitLogs(signal: AbortSignal): Promise<void> {
    const { logs, logIntervalMs } = this.behaviour;
    for (const [i, chunk] of logs.entries()) {
      if (i > 0 && logIntervalMs > 0) {
        try {
          await this.#clock.sleep(logIntervalMs, signal);
        } catch {
          return;
        }
      }
      if (signal.aborted) return;
      this.write(chunk);
    }
  }

  async #endByItself(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    await this.exit(this.behaviour.oom ? EXIT_SIGKILL : this.behaviour.exitCode, this.behaviour.oom);
  }

  async #closeServers(): Promise<void> {
    const servers = this.#servers;
    this.#servers = [];
    await Promise.all(servers.map((s) => s.server.close()));
  }

  #notify(): void {
    const waiters = [...this.#changed];
    this.#changed.clear();
    for (const w of waiters) w();
  }

  /** Resolves on the next state change or log line; an abort resolves it too (callers re-check the signal). */
  #nextChange(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.#changed.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.#changed.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
