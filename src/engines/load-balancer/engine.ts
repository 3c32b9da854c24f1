// The load-balancer engine: reconciles ELBv2 state into the data plane (a process of its own) and reports its health back.
import { everyPeriod, systemClock } from '../../core/clock.ts';
import type { SlipwayEvent } from '../../core/events.ts';
import { recordListenerStatus, ROUTING_APPLIED_EVENT, type ListenerRecord } from '../../services/elbv2/listeners.ts';
import { recordLoadBalancerState } from '../../services/elbv2/load-balancers.ts';
import { addTargetGroupMetrics } from '../../services/elbv2/metrics.ts';
import { loadBalancersOf, type TargetGroupRecord } from '../../services/elbv2/target-groups.ts';
import { recordTargetHealth, TARGET_HEALTH_EVENT, targetRows } from '../../services/elbv2/targets.ts';
import type { Engine, EngineContext } from '../types.ts';
import { publishGroupMetrics } from './cloudwatch.ts';
import { LocalDataPlane } from './local-plane.ts';
import type { ApplyResult, DataPlane, HealthListener } from './plane.ts';
import { ProcessDataPlane } from './plane-client.ts';
import { planeId, readStore, splitPlaneId } from './spec.ts';
import type { TargetHealthDescription } from './target-group.ts';

/** Events the engine itself publishes: reacting to them would loop. */
const OWN_EVENTS = new Set([TARGET_HEALTH_EVENT, 'elbv2.listener.status-changed', 'elbv2.load-balancer.state-changed', ROUTING_APPLIED_EVENT, 'elbv2.tags.changed']);

const METRICS_FLUSH_MS = 60_000;
const RETRY_MS = 10_000;

class LoadBalancerEngine {
  readonly #ctx: EngineContext;
  readonly #plane: DataPlane;
  readonly #drainTimers = new Set<string>();
  readonly #stopped = new AbortController();
  /** Per group, the load balancers forwarding to it at the last reconcile: its metrics' dimensions, even once retired. */
  readonly #balancers = new Map<string, readonly string[]>();
  /** Listeners whose routing this engine has announced: after a start or reconnect each is announced once again. */
  readonly #announced = new Set<string>();
  #last: ApplyResult = { listeners: {}, groups: {} };
  #running: Promise<void> | undefined;
  #dirty = false;
  #retrying = false;

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
    const onHealth: HealthListener = (arn, health) => this.#recordHealth(arn, health);
    // A manual clock cannot cross into another process: tests that inject one get the plane in this process.
    this.#plane =
      ctx.clock === systemClock
        ? new ProcessDataPlane({
            dataDir: ctx.config.dataDir,
            log: ctx.log,
            onHealth,
            onLost: () => {
              // A plane that died takes its listeners with it: start another and give it the routing now.
              this.#announced.clear();
              this.schedule();
            },
          })
        : new LocalDataPlane({ clock: ctx.clock, log: ctx.log, onHealth });
  }

  /** Runs a reconcile now, or once more after the one in progress. */
  schedule(): void {
    if (this.#stopped.signal.aborted) return;
    if (this.#running) {
      this.#dirty = true;
      return;
    }
    this.#running = (async () => {
      do {
        this.#dirty = false;
        try {
          await this.#reconcile();
        } catch (error) {
          this.#ctx.log.error({ err: error }, 'load balancer reconcile failed');
          this.#retryLater();
        }
      } while (this.#dirty && !this.#stopped.signal.aborted);
      this.#running = undefined;
    })();
  }

  /** A port someone else holds may be freed, a lost plane restarted: reconcile again after a while (injected clock). */
  #retryLater(): void {
    if (this.#retrying || this.#stopped.signal.aborted) return;
    this.#retrying = true;
    this.#ctx.clock.sleep(RETRY_MS, this.#stopped.signal).then(
      () => {
        this.#retrying = false;
        this.schedule();
      },
      () => undefined,
    );
  }

  async #reconcile(): Promise<void> {
    const ctx = this.#ctx;
    const view = readStore(ctx);
    for (const [group, lbs] of view.balancers) this.#balancers.set(group, lbs);
    const result = await this.#plane.apply(view.spec);
    if (this.#stopped.signal.aborted) return;
    this.#last = result;
    for (const tg of view.targetGroups) this.#expireDrained(tg, result.groups[tg.arn] ?? []);

    const failures = new Map<string, string[]>();
    for (const l of view.listeners) {
      const problem = this.#report(l, result.listeners[l.arn]);
      if (problem !== undefined) failures.set(l.loadBalancerArn, [...(failures.get(l.loadBalancerArn) ?? []), problem]);
    }
    const wanted = new Set(view.listeners.map((l) => l.arn));
    for (const arn of this.#announced) if (!wanted.has(arn)) this.#announced.delete(arn);
    if (failures.size > 0) this.#retryLater();
    for (const lb of view.loadBalancers.values()) {
      const problems = failures.get(lb.arn);
      recordLoadBalancerState(ctx, lb.arn, problems === undefined ? 'active' : 'active_impaired', problems?.join('; '));
    }
  }

  /** Records one listener's outcome; returns the problem when it is not serving. */
  #report(l: ListenerRecord, result: ApplyResult['listeners'][string] | undefined): string | undefined {
    const ctx = this.#ctx;
    if (result === undefined) return undefined;
    switch (result.state) {
      case 'bind-failed': {
        const reason = `Listener port ${l.port} could not be bound on ${ctx.config.host}: ${result.code === 'EADDRINUSE' ? 'the port is already in use' : result.code}`;
        ctx.log.warn({ listener: l.arn, host: ctx.config.host, port: l.port, code: result.code }, 'listener port could not be bound');
        recordListenerStatus(ctx, l.arn, 'failed', reason);
        this.#announced.delete(l.arn);
        return reason;
      }
      case 'routing-failed':
        ctx.log.error({ listener: l.arn, port: l.port, reason: result.message }, 'listener routing could not be applied');
        return `Listener on port ${l.port} could not apply its routing: ${result.message}`;
      case 'bound':
        recordListenerStatus(ctx, l.arn, 'active', undefined);
        if (result.changed || !this.#announced.has(l.arn)) {
          this.#announced.add(l.arn);
          ctx.bus.publish({
            type: ROUTING_APPLIED_EVENT,
            resource: l.arn,
            detail: { port: l.port, targetGroups: l.forward.targetGroups.map((t) => ({ targetGroupArn: t.arn, weight: t.weight })) },
          });
        }
        return undefined;
    }
  }

  /** A health change in the data plane, written to the store (and the bus) when it differs from what is there. */
  #recordHealth(arn: string, health: TargetHealthDescription): void {
    const { id, port } = splitPlaneId(health.target.id);
    // AWS describes every reason; the data plane leaves the registration one bare.
    const description = health.description ?? (health.reason === 'Elb.RegistrationInProgress' ? 'Target registration is in progress' : undefined);
    try {
      recordTargetHealth(this.#ctx, arn, { id, port, state: health.state, ...(health.reason === undefined ? {} : { reason: health.reason }), ...(description === undefined ? {} : { description }) });
    } catch (error) {
      this.#ctx.log.warn({ err: error, targetGroup: arn, target: health.target.id }, 'could not record target health');
    }
  }

  /** Draining registrations the data plane does not hold (its group retired, or a new plane) end at their deadline. */
  #expireDrained(tg: TargetGroupRecord, held: readonly TargetHealthDescription[]): void {
    const ctx = this.#ctx;
    const plane = new Set(held.map((h) => h.target.id));
    const delay = Number(tg.attributes['deregistration_delay.timeout_seconds'] ?? 300) * 1000;
    for (const row of targetRows(ctx, tg.arn)) {
      const key = `${tg.arn}|${planeId(row.id, row.port)}|${row.deregistered ?? ''}`;
      if (row.state !== 'draining' || row.deregistered === undefined || plane.has(planeId(row.id, row.port)) || this.#drainTimers.has(key)) continue;
      this.#drainTimers.add(key);
      const unused = { id: row.id, port: row.port, state: 'unused' as const, reason: 'Target.NotRegistered', description: 'Target is not registered to the target group' };
      ctx.clock.sleep(Math.max(0, row.deregistered + delay - ctx.clock.now()), this.#stopped.signal).then(
        () => {
          this.#drainTimers.delete(key);
          recordTargetHealth(ctx, tg.arn, unused);
        },
        () => this.#drainTimers.delete(key),
      );
    }
  }

  /** Adds each group's traffic since the last flush to its minute in the store, for CloudWatch. */
  async flushMetrics(time = this.#ctx.clock.now()): Promise<void> {
    const traffic = await this.#plane.collect();
    for (const [arn, { delta, extremes }] of Object.entries(traffic)) {
      try {
        // The group may have been deleted meanwhile: its rows went with it, and so do these counts.
        if (this.#ctx.store.get('SELECT 1 FROM elbv2_target_groups WHERE arn = ?', arn) === undefined) continue;
        addTargetGroupMetrics(this.#ctx, arn, time, delta);
        publishGroupMetrics(this.#ctx, arn, this.#balancers.get(arn) ?? loadBalancersOf(this.#ctx, arn), time, delta, extremes);
      } catch (error) {
        this.#ctx.log.warn({ err: error, targetGroup: arn }, 'could not store target group metrics');
      }
    }
  }

  /** Flushes at each minute boundary of the injected clock, into the minute that just ended (as CloudWatch bins). */
  metricsLoop(): Promise<void> {
    return everyPeriod(this.#ctx.clock, METRICS_FLUSH_MS, 0, this.#stopped.signal, (boundary) => {
      this.flushMetrics(boundary - 1).catch((error: unknown) => this.#ctx.log.warn({ err: error }, 'could not collect load balancer metrics'));
    });
  }

  health(): { status: 'Healthy' | 'Unhealthy'; detail: string } {
    const ports = Object.values(this.#last.listeners).flatMap((l) => (l.state === 'bound' ? [`${l.protocol}:${l.port}`] : []));
    return { status: 'Healthy', detail: `${ports.length === 0 ? 'no listeners' : `listening on ${ports.join(', ')}`} (${this.#plane.describe()})` };
  }

  /** Stops reconciling and flushes metrics; the data plane keeps serving for the next start (`final`: it stops too). */
  async stop(final: boolean): Promise<void> {
    this.#stopped.abort();
    await this.#running;
    await this.flushMetrics().catch((error: unknown) => this.#ctx.log.warn({ err: error }, 'could not collect load balancer metrics'));
    await (final ? this.#plane.shutdown() : this.#plane.detach());
  }
}

/** Starts the engine: a reconcile now and on every ELBv2 change; health changes go to the store and the bus. */
export function startLoadBalancer(engine: EngineContext): Engine {
  const ctx: EngineContext = { ...engine, log: engine.log.child({ component: 'load-balancer' }) };
  const lb = new LoadBalancerEngine(ctx);
  const off = ctx.bus.subscribe(
    (event: SlipwayEvent) => event.type.startsWith('elbv2.') && !OWN_EVENTS.has(event.type),
    () => lb.schedule(),
  );
  setImmediate(() => lb.schedule());
  void lb.metricsLoop();
  return {
    name: 'load-balancer',
    health: () => Promise.resolve(lb.health()),
    async stop(options) {
      off();
      await lb.stop(options?.final === true);
    },
  };
}
