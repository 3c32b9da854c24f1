// A target group: registered targets, their health states (AWS's words and reason codes), draining, and selection.
import { Agent } from 'node:http';
import type { Socket } from 'node:net';
import type { Clock } from '../../core/clock.ts';
import { Problems, describeValue } from '../../core/errors.ts';
import { deregistrationDelay, slowStart } from './attributes.ts';
import type { Logger } from '../../core/log.ts';
import { healthCheckSettings, parseMatcher, probe, type HealthCheckSettings, type ProbeFailure, type ProbeResult } from './health-check.ts';
import { Metrics, type MetricsSnapshot } from './metrics.ts';

export interface TargetInput {
  /** Unique within the group, e.g. a task's IP:port or a container id. */
  readonly id: string;
  readonly host: string;
  readonly port: number;
}

export type TargetHealthState = 'initial' | 'healthy' | 'unhealthy' | 'draining' | 'unused';
export type TargetHealthReason =
  | 'Elb.RegistrationInProgress'
  | 'Elb.InitialHealthChecking'
  | ProbeFailure
  | 'Target.DeregistrationInProgress'
  | 'Target.NotRegistered';

export interface TargetHealthDescription {
  readonly target: TargetInput;
  readonly state: TargetHealthState;
  readonly reason?: TargetHealthReason;
  readonly description?: string;
  /** Requests (and upgraded connections) the proxy has open to this target now. */
  readonly inFlight: number;
}

/** What the proxy holds while it talks to a target: its address, its pooled agent, its in-flight count. */
export interface TargetRecord extends TargetInput {
  state: TargetHealthState;
  reason?: TargetHealthReason;
  description?: string;
  successes: number;
  failures: number;
  inFlight: number;
  readonly agent: Agent;
  readonly stop: AbortController;
  /** When it last became healthy (injected clock), for slow start. */
  healthySince?: number;
  /** Smooth weighted round-robin credit. */
  credit: number;
}

export interface TargetGroupOptions {
  readonly name: string;
  readonly clock: Clock;
  readonly healthCheck?: Partial<HealthCheckSettings>;
  /** deregistration_delay.timeout_seconds: 0–3600, default 300. */
  readonly deregistrationDelaySeconds?: number;
  /** slow_start.duration_seconds: 0 (off, the default) or 30–900; a newly healthy target's share grows linearly. */
  readonly slowStartSeconds?: number;
  readonly log?: Logger;
  /** Called on every state or reason change, for the event bus a later task wires in. */
  readonly onHealthChange?: (name: string, health: TargetHealthDescription) => void;
}

function describe(t: TargetInput & { state: TargetHealthState; reason?: TargetHealthReason; description?: string; inFlight: number }): TargetHealthDescription {
  return {
    target: { id: t.id, host: t.host, port: t.port },
    state: t.state,
    ...(t.reason === undefined ? {} : { reason: t.reason }),
    ...(t.description === undefined ? {} : { description: t.description }),
    inFlight: t.inFlight,
  };
}

export class TargetGroup {
  readonly name: string;
  readonly clock: Clock;
  #hc: HealthCheckSettings;
  #matches: (status: number) => boolean;
  #delaySeconds: number;
  readonly #log: Logger | undefined;
  readonly #onChange: TargetGroupOptions['onHealthChange'];
  readonly #targets = new Map<string, TargetRecord>();
  readonly #waiters = new Map<string, Array<(h: TargetHealthDescription) => void>>();
  readonly #closed = new AbortController();
  readonly #metrics = new Metrics();
  #slowStartSeconds: number;
  #stickiness: { readonly enabled: boolean; readonly durationSeconds: number } = { enabled: false, durationSeconds: 86400 };

  constructor(options: TargetGroupOptions) {
    this.name = options.name;
    this.clock = options.clock;
    this.#hc = healthCheckSettings(options.healthCheck);
    this.#matches = parseMatcher(this.#hc.matcher, new Problems());
    this.#delaySeconds = deregistrationDelay(options.deregistrationDelaySeconds ?? 300);
    this.#slowStartSeconds = slowStart(options.slowStartSeconds ?? 0);
    this.#log = options.log;
    this.#onChange = options.onHealthChange;
  }

  get healthCheck(): HealthCheckSettings {
    return this.#hc;
  }

  /** Changes health check settings; running checkers use them from their next round. */
  setHealthCheck(overrides: Partial<HealthCheckSettings>): void {
    this.#hc = healthCheckSettings(overrides, this.#hc);
    this.#matches = parseMatcher(this.#hc.matcher, new Problems());
  }

  setSlowStart(seconds: number): void {
    this.#slowStartSeconds = slowStart(seconds);
  }

  /** Target-level stickiness (`stickiness.enabled` with `lb_cookie`): the `AWSALB` cookie keeps a client on its target. */
  setStickiness(enabled: boolean, durationSeconds: number): void {
    this.#stickiness = { enabled, durationSeconds };
  }

  get stickiness(): { readonly enabled: boolean; readonly durationSeconds: number } {
    return this.#stickiness;
  }

  setDeregistrationDelay(seconds: number): void {
    this.#delaySeconds = deregistrationDelay(seconds);
  }

  /** Registers targets: each starts `initial` and is probed at once, then every interval. */
  register(targets: readonly TargetInput[]): void {
    const problems = new Problems();
    targets.forEach((t, i) => {
      if (typeof t.id !== 'string' || t.id.length === 0) problems.add({ field: `targets[${i}].id`, found: describeValue(t.id), expected: 'a non-empty string' });
      if (typeof t.host !== 'string' || t.host.length === 0) problems.add({ field: `targets[${i}].host`, found: describeValue(t.host), expected: 'a host name or IP address' });
      if (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535) problems.add({ field: `targets[${i}].port`, found: describeValue(t.port), expected: 'an integer from 1 to 65535' });
    });
    problems.throwIfAny('ValidationError', 'Invalid targets');
    for (const input of targets) {
      const existing = this.#targets.get(input.id);
      if (existing && existing.state !== 'draining') continue; // AWS: registering a registered target is a no-op
      if (existing) this.#remove(existing); // re-registered while draining: a fresh registration
      const t: TargetRecord = {
        id: input.id,
        host: input.host,
        port: input.port,
        state: 'initial',
        reason: 'Elb.RegistrationInProgress',
        successes: 0,
        failures: 0,
        inFlight: 0,
        credit: 0,
        agent: new Agent({ keepAlive: true }),
        stop: new AbortController(),
      };
      this.#targets.set(t.id, t);
      this.#changed(t);
      setImmediate(() => void this.#check(t));
    }
  }

  /** Deregisters targets: no new requests; in-flight ones finish; `draining` for the delay, then `unused`. */
  deregister(ids: readonly string[]): void {
    for (const id of ids) {
      const t = this.#targets.get(id);
      if (!t || t.state === 'draining') continue;
      t.stop.abort(); // ALB stops health-checking a draining target
      this.#set(t, 'draining', 'Target.DeregistrationInProgress', 'Target deregistration is in progress');
      this.clock.sleep(this.#delaySeconds * 1000, this.#closed.signal).then(
        () => {
          if (this.#targets.get(id) === t) this.#remove(t);
        },
        () => undefined,
      );
    }
  }

  /** Every registered or draining target; with ids, unknown ones come back `unused` / Target.NotRegistered. */
  describeTargetHealth(ids?: readonly string[]): TargetHealthDescription[] {
    if (ids === undefined) return [...this.#targets.values()].map(describe);
    return ids.map((id) => {
      const t = this.#targets.get(id);
      if (t) return describe(t);
      return describe({ id, host: '', port: 0, state: 'unused', reason: 'Target.NotRegistered', description: 'Target is not registered to the target group', inFlight: 0 });
    });
  }

  /** Resolves after the next completed health check of the target, with its health then. */
  nextCheck(id: string): Promise<TargetHealthDescription> {
    return new Promise((resolve) => {
      const list = this.#waiters.get(id) ?? [];
      list.push(resolve);
      this.#waiters.set(id, list);
    });
  }

  /** True when at least one target is registered and not draining. */
  hasRoutableTargets(): boolean {
    for (const t of this.#targets.values()) if (t.state !== 'draining') return true;
    return false;
  }

  /**
   * Round-robin over healthy targets; when none is healthy, over every registered one (ALB fails open).
   * Draining targets never get a new request. `exclude` skips a target that just refused a connection.
   */
  pickTarget(exclude?: TargetRecord, preferredId?: string): TargetRecord | undefined {
    const routable = [...this.#targets.values()].filter((t) => t.state !== 'draining' && t !== exclude);
    const healthy = routable.filter((t) => t.state === 'healthy');
    const pool = healthy.length > 0 ? healthy : routable;
    if (pool.length === 0) return undefined;
    // A sticky client keeps its target while that target is in the pool (ALB moves it once it is unhealthy or draining).
    const preferred = preferredId === undefined ? undefined : pool.find((t) => t.id === preferredId);
    if (preferred) return preferred;
    // Smooth weighted round-robin: plain rotation while every weight is 1; a target in slow start weighs
    // (time since healthy / duration), so its share of new requests grows linearly.
    const now = this.clock.now();
    const window = this.#slowStartSeconds * 1000;
    let total = 0;
    let best: TargetRecord | undefined;
    for (const t of pool) {
      const age = t.healthySince === undefined ? window : now - t.healthySince;
      const weight = t.state === 'healthy' && age < window ? Math.max(0.01, age / window) : 1;
      total += weight;
      t.credit += weight;
      if (!best || t.credit > best.credit) best = t;
    }
    if (best) best.credit -= total;
    return best;
  }

  /** The proxy's accounting hooks. */
  get stats(): Metrics {
    return this.#metrics;
  }

  metrics(): MetricsSnapshot {
    return this.#metrics.snapshot();
  }

  /**
   * No listener forwards here any more: checkers and drain timers stop and idle pooled connections close, but requests
   * already in flight finish (each of their connections closes once its response is done).
   */
  retire(): void {
    this.#closed.abort();
    for (const t of this.#targets.values()) {
      t.stop.abort();
      for (const sockets of Object.values(t.agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
      t.agent.on('free', (socket: Socket) => socket.destroy());
    }
    this.#targets.clear();
  }

  /** Stops every checker and drain timer and closes pooled connections. */
  close(): void {
    this.#closed.abort();
    for (const t of this.#targets.values()) {
      t.stop.abort();
      t.agent.destroy();
    }
    this.#targets.clear();
  }

  async #check(t: TargetRecord): Promise<void> {
    const signal = t.stop.signal;
    while (!signal.aborted && !this.#closed.signal.aborted) {
      if (t.state === 'initial') this.#set(t, 'initial', 'Elb.InitialHealthChecking', 'Initial health checks in progress');
      const result = await probe(t, this.#hc, this.#matches, this.clock, AbortSignal.any([signal, this.#closed.signal]));
      if (signal.aborted || this.#closed.signal.aborted) return;
      this.#record(t, result);
      // Sleep first, then tell waiters: a test that awaited this check can advance the clock at once.
      const sleeping = this.clock.sleep(this.#hc.intervalSeconds * 1000, signal);
      this.#notify(t);
      try {
        await sleeping;
      } catch {
        return;
      }
    }
  }

  /** Thresholds as AWS counts them: consecutive results; a new target needs one pass to be healthy. */
  #record(t: TargetRecord, r: ProbeResult): void {
    if (r.ok) {
      t.successes++;
      t.failures = 0;
      if (t.state === 'initial' || (t.state === 'unhealthy' && t.successes >= this.#hc.healthyThreshold)) this.#set(t, 'healthy');
      return;
    }
    t.failures++;
    t.successes = 0;
    if (t.state === 'unhealthy' || t.failures >= this.#hc.unhealthyThreshold) this.#set(t, 'unhealthy', r.reason, r.detail);
  }

  #set(t: TargetRecord, state: TargetHealthState, reason?: TargetHealthReason, description?: string): void {
    if (t.state === state && t.reason === reason && t.description === description) return;
    if (state === 'healthy') t.healthySince = this.clock.now();
    t.state = state;
    t.reason = reason;
    t.description = description;
    this.#changed(t);
  }

  #changed(t: TargetRecord): void {
    this.#log?.info({ targetGroup: this.name, target: t.id, state: t.state, reason: t.reason }, 'target health changed');
    this.#onChange?.(this.name, describe(t));
  }

  #notify(t: TargetRecord): void {
    const list = this.#waiters.get(t.id);
    if (!list) return;
    this.#waiters.delete(t.id);
    const health = describe(t);
    for (const resolve of list) resolve(health);
  }

  #remove(t: TargetRecord): void {
    t.stop.abort();
    // After the delay ALB closes what is left; in-flight requests on this target end here (AWS does the same).
    t.agent.destroy();
    this.#targets.delete(t.id);
    this.#log?.info({ targetGroup: this.name, target: t.id, state: 'unused' }, 'target deregistered');
    this.#onChange?.(this.name, describe({ ...t, state: 'unused', reason: 'Target.NotRegistered', description: 'Target is not registered to the target group' }));
  }
}
