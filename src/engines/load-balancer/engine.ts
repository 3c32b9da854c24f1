// The load-balancer engine: reconciles ELBv2 state into live listeners and target groups, and reports health back.
import { everyPeriod } from '../../core/clock.ts';
import type { SlipwayEvent } from '../../core/events.ts';
import type { StoredForward } from '../../services/elbv2/actions.ts';
import { listListenerRecords, recordListenerStatus, ROUTING_APPLIED_EVENT, type ListenerRecord } from '../../services/elbv2/listeners.ts';
import { listLoadBalancerRecords, recordLoadBalancerState } from '../../services/elbv2/load-balancers.ts';
import { addTargetGroupMetrics } from '../../services/elbv2/metrics.ts';
import { rulesOf } from '../../services/elbv2/rules.ts';
import { listTargetGroupRecords, loadBalancersOf, type TargetGroupRecord } from '../../services/elbv2/target-groups.ts';
import { recordTargetHealth, TARGET_HEALTH_EVENT, targetHost, targetRows } from '../../services/elbv2/targets.ts';
import type { Engine, EngineContext } from '../types.ts';
import type { HealthCheckSettings } from './health-check.ts';
import { createListener, type Listener } from './listener.ts';
import type { MetricsSnapshot } from './metrics.ts';
import type { ForwardAction, Rule } from './routing.ts';
import { createTcpListener } from './tcp.ts';
import { publishGroupMetrics } from './cloudwatch.ts';
import { TargetGroup } from './target-group.ts';

/** Events the engine itself publishes: reacting to them would loop. */
const OWN_EVENTS = new Set([TARGET_HEALTH_EVENT, 'elbv2.listener.status-changed', 'elbv2.load-balancer.state-changed', ROUTING_APPLIED_EVENT, 'elbv2.tags.changed']);

const METRICS_FLUSH_MS = 60_000;
const BIND_RETRY_MS = 10_000;

interface LiveGroup {
  readonly group: TargetGroup;
  /** Bumped when the group object is replaced, so listeners holding the old one re-route. */
  readonly generation: number;
  last: MetricsSnapshot;
  /** The load balancers forwarding to the group at the last sync: its metrics' dimensions, even after it is retired. */
  balancers: readonly string[];
}

interface LiveListener {
  readonly listener: Pick<Listener, 'port' | 'close'> & Partial<Pick<Listener, 'setRouting' | 'setIdleTimeout'>>;
  readonly port: number;
  readonly protocol: 'HTTP' | 'TCP';
  signature: string;
  /** For TCP listeners: the group connections go to, swapped in place. */
  setGroup?: (group: TargetGroup | undefined) => void;
}

function toSettings(tg: TargetGroupRecord): Partial<HealthCheckSettings> {
  const hc = tg.healthCheck;
  return {
    protocol: hc.protocol,
    path: hc.path,
    port: hc.port === 'traffic-port' ? 'traffic-port' : Number(hc.port),
    intervalSeconds: hc.intervalSeconds,
    timeoutSeconds: hc.timeoutSeconds,
    healthyThreshold: hc.healthyThreshold,
    unhealthyThreshold: hc.unhealthyThreshold,
    // NLB's HTTP checks accept up to 599; the data plane's matcher is ALB's (200–499), so clamp for TCP groups.
    matcher: tg.protocol === 'TCP' ? '200-499' : hc.matcher,
  };
}

/** The data plane's target id for an ELBv2 target: id and port, since one id may be registered on several ports. */
function planeId(id: string, port: number): string {
  return `${id}:${port}`;
}

function splitPlaneId(value: string): { id: string; port: number } {
  const at = value.lastIndexOf(':');
  return { id: value.slice(0, at), port: Number(value.slice(at + 1)) };
}

class LoadBalancerEngine {
  readonly #ctx: EngineContext;
  readonly #groups = new Map<string, LiveGroup>();
  readonly #listeners = new Map<string, LiveListener>();
  readonly #drainTimers = new Set<string>();
  readonly #stopped = new AbortController();
  #generation = 0;
  #running: Promise<void> | undefined;
  #dirty = false;
  #retrying = false;

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
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
        }
      } while (this.#dirty && !this.#stopped.signal.aborted);
      this.#running = undefined;
    })();
  }

  /** A port someone else holds may be freed: try failed listeners again after a while (injected clock). */
  #retryLater(): void {
    if (this.#retrying) return;
    this.#retrying = true;
    this.#ctx.clock.sleep(BIND_RETRY_MS, this.#stopped.signal).then(
      () => {
        this.#retrying = false;
        this.schedule();
      },
      () => undefined,
    );
  }

  async #reconcile(): Promise<void> {
    const ctx = this.#ctx;
    const lbs = new Map(listLoadBalancerRecords(ctx).map((lb) => [lb.arn, lb]));
    const listeners = listListenerRecords(ctx).filter((l) => lbs.has(l.loadBalancerArn));
    const rules = new Map(listeners.map((l) => [l.arn, rulesOf(ctx, l.arn)]));
    const inUse = new Set<string>();
    for (const l of listeners) {
      for (const t of l.forward.targetGroups) inUse.add(t.arn);
      for (const r of rules.get(l.arn) ?? []) for (const t of r.forward.targetGroups) inUse.add(t.arn);
    }
    const records = listTargetGroupRecords(ctx);
    for (const tg of records) {
      if (inUse.has(tg.arn)) this.#syncGroup(tg);
      this.#expireDrained(tg);
    }

    const failures = new Map<string, string[]>();
    for (const l of listeners) {
      let problem: string | undefined;
      try {
        problem = await this.#syncListener(l, rules.get(l.arn) ?? [], lbs.get(l.loadBalancerArn)?.attributes ?? {});
      } catch (error) {
        // One listener's bad routing must not keep the others from being reconciled.
        problem = `Listener on port ${l.port} could not apply its routing: ${(error as Error).message}`;
        ctx.log.error({ err: error, listener: l.arn, port: l.port }, 'listener routing could not be applied');
      }
      if (problem !== undefined) failures.set(l.loadBalancerArn, [...(failures.get(l.loadBalancerArn) ?? []), problem]);
    }
    const wanted = new Set(listeners.map((l) => l.arn));
    for (const [arn, live] of this.#listeners) {
      if (wanted.has(arn)) continue;
      this.#listeners.delete(arn);
      await live.listener.close();
      ctx.log.info({ listener: arn, port: live.port }, 'listener closed');
    }
    if (failures.size > 0) this.#retryLater();
    for (const lb of lbs.values()) {
      const problems = failures.get(lb.arn);
      recordLoadBalancerState(ctx, lb.arn, problems === undefined ? 'active' : 'active_impaired', problems?.join('; '));
    }
    // Groups no listener forwards to any more stop health checking; their targets read `unused` (Target.NotInUse).
    for (const [arn, live] of this.#groups) {
      if (inUse.has(arn) && records.some((r) => r.arn === arn)) continue;
      this.#flushGroup(arn, live);
      live.group.retire();
      this.#groups.delete(arn);
    }
  }

  #syncGroup(tg: TargetGroupRecord): void {
    const ctx = this.#ctx;
    let live = this.#groups.get(tg.arn);
    if (live === undefined) {
      const group = new TargetGroup({
        name: tg.name,
        clock: ctx.clock,
        healthCheck: toSettings(tg),
        log: ctx.log,
        onHealthChange: (_name, health) => {
          const { id, port } = splitPlaneId(health.target.id);
          // AWS describes every reason; the data plane leaves the registration one bare.
          const description = health.description ?? (health.reason === 'Elb.RegistrationInProgress' ? 'Target registration is in progress' : undefined);
          recordTargetHealth(ctx, tg.arn, { id, port, state: health.state, ...(health.reason === undefined ? {} : { reason: health.reason }), ...(description === undefined ? {} : { description }) });
        },
      });
      live = { group, generation: ++this.#generation, last: group.metrics(), balancers: [] };
      this.#groups.set(tg.arn, live);
    }
    const { group } = live;
    live.balancers = loadBalancersOf(ctx, tg.arn);
    group.setHealthCheck(toSettings(tg));
    group.setDeregistrationDelay(Number(tg.attributes['deregistration_delay.timeout_seconds'] ?? 300));
    group.setSlowStart(Number(tg.attributes['slow_start.duration_seconds'] ?? 0));
    group.setStickiness(
      tg.protocol === 'HTTP' && tg.attributes['stickiness.enabled'] === 'true' && tg.attributes['stickiness.type'] === 'lb_cookie',
      Number(tg.attributes['stickiness.lb_cookie.duration_seconds'] ?? 86400),
    );
    const rows = targetRows(ctx, tg.arn);
    const plane = new Map(group.describeTargetHealth().map((h) => [h.target.id, h.state]));
    const registered = rows.filter((r) => r.state !== 'draining');
    const fresh = registered.filter((r) => plane.get(planeId(r.id, r.port)) === undefined || plane.get(planeId(r.id, r.port)) === 'draining');
    if (fresh.length > 0) group.register(fresh.map((r) => ({ id: planeId(r.id, r.port), host: targetHost(tg, r.id), port: r.port })));
    const keep = new Set(registered.map((r) => planeId(r.id, r.port)));
    const gone = [...plane].filter(([id, state]) => state !== 'draining' && !keep.has(id)).map(([id]) => id);
    if (gone.length > 0) group.deregister(gone);
  }

  /** Draining registrations the data plane does not hold (a restart mid-drain) end at their deadline. */
  #expireDrained(tg: TargetGroupRecord): void {
    const ctx = this.#ctx;
    const live = this.#groups.get(tg.arn);
    const plane = new Set(live?.group.describeTargetHealth().map((h) => h.target.id) ?? []);
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

  #forward(f: StoredForward): ForwardAction {
    return {
      type: 'forward',
      targetGroups: f.targetGroups.flatMap((t) => {
        const live = this.#groups.get(t.arn);
        return live === undefined ? [] : [{ group: live.group, weight: t.weight }];
      }),
      ...(f.stickiness.enabled ? { stickiness: { enabled: true, durationSeconds: f.stickiness.durationSeconds ?? 1 } } : {}),
    };
  }

  /** Binds or re-routes one listener; returns the problem when its port cannot be bound. */
  async #syncListener(l: ListenerRecord, rules: ReturnType<typeof rulesOf>, lbAttributes: Readonly<Record<string, string>>): Promise<string | undefined> {
    const ctx = this.#ctx;
    const generations = [l.forward, ...rules.map((r) => r.forward)].flatMap((f) => f.targetGroups.map((t) => this.#groups.get(t.arn)?.generation ?? 0));
    const signature = JSON.stringify({ forward: l.forward, rules: rules.map((r) => [r.priority, r.conditions, r.forward]), generations });
    const defaultAction = this.#forward(l.forward);
    const routes: Rule[] = rules.map((r) => ({
      priority: r.priority,
      conditions: {
        ...(r.conditions.some((c) => c.field === 'path-pattern') ? { pathPatterns: r.conditions.filter((c) => c.field === 'path-pattern').flatMap((c) => c.values) } : {}),
        ...(r.conditions.some((c) => c.field === 'host-header') ? { hostHeaders: r.conditions.filter((c) => c.field === 'host-header').flatMap((c) => c.values) } : {}),
      },
      action: this.#forward(r.forward),
    }));
    let live = this.#listeners.get(l.arn);
    if (live !== undefined && (live.port !== l.port || live.protocol !== l.protocol)) {
      this.#listeners.delete(l.arn);
      await live.listener.close();
      live = undefined;
    }
    if (live === undefined) {
      try {
        live = await this.#bind(l, defaultAction, routes, lbAttributes, signature);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        const reason = `Listener port ${l.port} could not be bound on ${ctx.config.host}: ${code === 'EADDRINUSE' ? 'the port is already in use' : code}`;
        ctx.log.warn({ listener: l.arn, host: ctx.config.host, port: l.port, code }, 'listener port could not be bound');
        recordListenerStatus(ctx, l.arn, 'failed', reason);
        return reason;
      }
      this.#listeners.set(l.arn, live);
      recordListenerStatus(ctx, l.arn, 'active', undefined);
      this.#applied(l);
      return undefined;
    }
    live.listener.setIdleTimeout?.(Number(lbAttributes['idle_timeout.timeout_seconds'] ?? 60));
    if (live.signature !== signature) {
      if (live.setGroup) live.setGroup(defaultAction.targetGroups[0]?.group);
      else live.listener.setRouting?.(defaultAction, routes);
      live.signature = signature;
      this.#applied(l);
    }
    return undefined;
  }

  async #bind(l: ListenerRecord, defaultAction: ForwardAction, rules: Rule[], lbAttributes: Readonly<Record<string, string>>, signature: string): Promise<LiveListener> {
    const ctx = this.#ctx;
    if (l.protocol === 'TCP') {
      const tcp = await createTcpListener({ host: ctx.config.host, port: l.port, log: ctx.log, group: defaultAction.targetGroups[0]?.group });
      return { listener: tcp, port: l.port, protocol: 'TCP', signature, setGroup: (g) => tcp.setGroup(g) };
    }
    const listener = await createListener({
      host: ctx.config.host,
      port: l.port,
      clock: ctx.clock,
      log: ctx.log,
      idleTimeoutSeconds: Number(lbAttributes['idle_timeout.timeout_seconds'] ?? 60),
      defaultAction,
      rules,
    });
    return { listener, port: l.port, protocol: 'HTTP', signature };
  }

  #applied(l: ListenerRecord): void {
    this.#ctx.bus.publish({
      type: ROUTING_APPLIED_EVENT,
      resource: l.arn,
      detail: { port: l.port, targetGroups: l.forward.targetGroups.map((t) => ({ targetGroupArn: t.arn, weight: t.weight })) },
    });
  }

  /** Adds each group's traffic since the last flush to its minute in the store, for CloudWatch. */
  flushMetrics(time = this.#ctx.clock.now()): void {
    for (const [arn, live] of this.#groups) this.#flushGroup(arn, live, time);
  }

  #flushGroup(arn: string, live: LiveGroup, time = this.#ctx.clock.now()): void {
    const now = live.group.metrics();
    const last = live.last;
    const delta = {
      RequestCount: now.RequestCount - last.RequestCount,
      HTTPCode_Target_2XX_Count: now.HTTPCode_Target_2XX_Count - last.HTTPCode_Target_2XX_Count,
      HTTPCode_Target_3XX_Count: now.HTTPCode_Target_3XX_Count - last.HTTPCode_Target_3XX_Count,
      HTTPCode_Target_4XX_Count: now.HTTPCode_Target_4XX_Count - last.HTTPCode_Target_4XX_Count,
      HTTPCode_Target_5XX_Count: now.HTTPCode_Target_5XX_Count - last.HTTPCode_Target_5XX_Count,
      HTTPCode_ELB_5XX_Count: now.HTTPCode_ELB_5XX_Count - last.HTTPCode_ELB_5XX_Count,
      TargetResponseTimeSum: now.TargetResponseTimeSum - last.TargetResponseTimeSum,
      TargetResponseTimeCount: now.TargetResponseTimeCount - last.TargetResponseTimeCount,
    };
    live.last = now;
    if (delta.RequestCount === 0 && delta.HTTPCode_ELB_5XX_Count === 0) return;
    try {
      // The group may have been deleted meanwhile: its rows went with it, and so do these counts.
      if (this.#ctx.store.get('SELECT 1 FROM elbv2_target_groups WHERE arn = ?', arn) !== undefined) {
        addTargetGroupMetrics(this.#ctx, arn, time, delta);
        // The window of latest samples holds this flush's responses (unless over its bound): their extremes.
        const fresh = delta.TargetResponseTimeCount > 0 ? now.TargetResponseTime.slice(-Math.min(delta.TargetResponseTimeCount, now.TargetResponseTime.length)) : [];
        const extremes = fresh.length === 0 ? undefined : { minimum: Math.min(...fresh), maximum: Math.max(...fresh) };
        publishGroupMetrics(this.#ctx, arn, live.balancers, time, delta, extremes);
      }
    } catch (error) {
      this.#ctx.log.warn({ err: error, targetGroup: arn }, 'could not store target group metrics');
    }
  }

  /** Flushes at each minute boundary of the injected clock, into the minute that just ended (as CloudWatch bins). */
  metricsLoop(): Promise<void> {
    return everyPeriod(this.#ctx.clock, METRICS_FLUSH_MS, 0, this.#stopped.signal, (boundary) => this.flushMetrics(boundary - 1));
  }

  health(): { status: 'Healthy' | 'Unhealthy'; detail: string } {
    const ports = [...this.#listeners.values()].map((l) => `${l.protocol}:${l.port}`);
    return { status: 'Healthy', detail: ports.length === 0 ? 'no listeners' : `listening on ${ports.join(', ')}` };
  }

  async stop(): Promise<void> {
    this.#stopped.abort();
    await this.#running;
    this.flushMetrics();
    await Promise.all([...this.#listeners.values()].map((l) => l.listener.close()));
    this.#listeners.clear();
    for (const live of this.#groups.values()) live.group.close();
    this.#groups.clear();
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
    async stop() {
      off();
      await lb.stop();
    },
  };
}
