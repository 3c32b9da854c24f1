// The data plane in this process: live target groups and listeners reconciled to each spec, their health and traffic.
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import { createListener, type Listener } from './listener.ts';
import type { MetricsSnapshot } from './metrics.ts';
import { addTraffic, type ApplyResult, type DataPlane, type ForwardSpec, type GroupSpec, type GroupTraffic, type HealthListener, type ListenerResult, type ListenerSpec, type PlaneSpec } from './plane.ts';
import type { ForwardAction, Rule } from './routing.ts';
import { createTcpListener } from './tcp.ts';
import { TargetGroup, type TargetHealthDescription } from './target-group.ts';

interface LiveGroup {
  readonly group: TargetGroup;
  /** Bumped when the group object is replaced, so listeners holding the old one re-route. */
  readonly generation: number;
  /** The counters at the last collect. */
  last: MetricsSnapshot;
}

interface LiveListener {
  readonly listener: Pick<Listener, 'port' | 'close'> & Partial<Pick<Listener, 'setRouting' | 'setIdleTimeout'>>;
  readonly port: number;
  readonly protocol: 'HTTP' | 'TCP';
  signature: string;
  /** For TCP listeners: the group connections go to, swapped in place. */
  setGroup?: (group: TargetGroup | undefined) => void;
}

/** The traffic counted since `last`, and the extremes of this window's response times. */
function trafficSince(now: MetricsSnapshot, last: MetricsSnapshot): GroupTraffic | undefined {
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
  if (delta.RequestCount === 0 && delta.HTTPCode_ELB_5XX_Count === 0) return undefined;
  // The window of latest samples holds this collect's responses (unless over its bound): their extremes.
  const fresh = delta.TargetResponseTimeCount > 0 ? now.TargetResponseTime.slice(-Math.min(delta.TargetResponseTimeCount, now.TargetResponseTime.length)) : [];
  return fresh.length === 0 ? { delta } : { delta, extremes: { minimum: Math.min(...fresh), maximum: Math.max(...fresh) } };
}

export class LocalDataPlane implements DataPlane {
  readonly #clock: Clock;
  readonly #log: Logger | undefined;
  readonly #onHealth: HealthListener;
  readonly #groups = new Map<string, LiveGroup>();
  readonly #listeners = new Map<string, LiveListener>();
  /** Groups retired since the last collect: their traffic is still owed. */
  #retired: Array<{ key: string; live: LiveGroup }> = [];
  #generation = 0;

  constructor(options: { clock: Clock; log?: Logger; onHealth: HealthListener }) {
    this.#clock = options.clock;
    this.#log = options.log;
    this.#onHealth = options.onHealth;
  }

  async apply(spec: PlaneSpec): Promise<ApplyResult> {
    for (const g of spec.groups) this.#syncGroup(g);
    const listeners: Record<string, ListenerResult> = {};
    for (const l of spec.listeners) {
      try {
        listeners[l.key] = await this.#syncListener(spec.host, l);
      } catch (error) {
        // One listener's bad routing must not keep the others from being reconciled.
        listeners[l.key] = { state: 'routing-failed', message: (error as Error).message };
        this.#log?.error({ err: error, listener: l.key, port: l.port }, 'listener routing could not be applied');
      }
    }
    const wanted = new Set(spec.listeners.map((l) => l.key));
    for (const [key, live] of this.#listeners) {
      if (wanted.has(key)) continue;
      this.#listeners.delete(key);
      await live.listener.close();
      this.#log?.info({ listener: key, port: live.port }, 'listener closed');
    }
    // Groups no listener forwards to any more stop health checking; requests in flight to them finish.
    const inUse = new Set(spec.groups.map((g) => g.key));
    for (const [key, live] of this.#groups) {
      if (inUse.has(key)) continue;
      live.group.retire();
      this.#groups.delete(key);
      this.#retired.push({ key, live });
    }
    const groups: Record<string, TargetHealthDescription[]> = {};
    for (const [key, live] of this.#groups) groups[key] = live.group.describeTargetHealth();
    return { listeners, groups };
  }

  #syncGroup(spec: GroupSpec): void {
    let live = this.#groups.get(spec.key);
    if (live === undefined) {
      const group = new TargetGroup({
        name: spec.name,
        clock: this.#clock,
        healthCheck: spec.healthCheck,
        ...(this.#log === undefined ? {} : { log: this.#log }),
        onHealthChange: (_name, health) => this.#onHealth(spec.key, health),
      });
      live = { group, generation: ++this.#generation, last: group.metrics() };
      this.#groups.set(spec.key, live);
    }
    const { group } = live;
    group.setHealthCheck(spec.healthCheck);
    group.setDeregistrationDelay(spec.deregistrationDelaySeconds);
    group.setSlowStart(spec.slowStartSeconds);
    group.setStickiness(spec.stickiness.enabled, spec.stickiness.durationSeconds);
    const held = new Map(group.describeTargetHealth().map((h) => [h.target.id, h.state]));
    const fresh = spec.targets.filter((t) => held.get(t.id) === undefined || held.get(t.id) === 'draining');
    if (fresh.length > 0) group.register(fresh);
    const keep = new Set(spec.targets.map((t) => t.id));
    const gone = [...held].filter(([id, state]) => state !== 'draining' && !keep.has(id)).map(([id]) => id);
    if (gone.length > 0) group.deregister(gone);
  }

  #forward(f: ForwardSpec): ForwardAction {
    return {
      type: 'forward',
      targetGroups: f.targetGroups.flatMap((t) => {
        const live = this.#groups.get(t.group);
        return live === undefined ? [] : [{ group: live.group, weight: t.weight }];
      }),
      ...(f.stickiness?.enabled ? { stickiness: { enabled: true, durationSeconds: f.stickiness.durationSeconds } } : {}),
    };
  }

  async #syncListener(host: string, l: ListenerSpec): Promise<ListenerResult> {
    const generations = [l.defaultAction, ...l.rules.map((r) => r.action)].flatMap((f) => f.targetGroups.map((t) => this.#groups.get(t.group)?.generation ?? 0));
    const signature = JSON.stringify({ defaultAction: l.defaultAction, rules: l.rules, generations });
    const defaultAction = this.#forward(l.defaultAction);
    const rules: Rule[] = l.rules.map((r) => ({ priority: r.priority, conditions: r.conditions, action: this.#forward(r.action) }));
    let live = this.#listeners.get(l.key);
    if (live !== undefined && (live.port !== l.port || live.protocol !== l.protocol)) {
      this.#listeners.delete(l.key);
      await live.listener.close();
      live = undefined;
    }
    if (live === undefined) {
      try {
        live = await this.#bind(host, l, defaultAction, rules, signature);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        this.#log?.warn({ listener: l.key, host, port: l.port, code }, 'listener port could not be bound');
        return { state: 'bind-failed', code };
      }
      this.#listeners.set(l.key, live);
      return { state: 'bound', port: l.port, protocol: l.protocol, changed: true };
    }
    live.listener.setIdleTimeout?.(l.idleTimeoutSeconds);
    if (live.signature === signature) return { state: 'bound', port: l.port, protocol: l.protocol, changed: false };
    if (live.setGroup) live.setGroup(defaultAction.targetGroups[0]?.group);
    else live.listener.setRouting?.(defaultAction, rules);
    live.signature = signature;
    return { state: 'bound', port: l.port, protocol: l.protocol, changed: true };
  }

  async #bind(host: string, l: ListenerSpec, defaultAction: ForwardAction, rules: Rule[], signature: string): Promise<LiveListener> {
    const log = this.#log === undefined ? {} : { log: this.#log };
    if (l.protocol === 'TCP') {
      const tcp = await createTcpListener({ host, port: l.port, ...log, group: defaultAction.targetGroups[0]?.group });
      return { listener: tcp, port: l.port, protocol: 'TCP', signature, setGroup: (g) => tcp.setGroup(g) };
    }
    const listener = await createListener({ host, port: l.port, clock: this.#clock, ...log, idleTimeoutSeconds: l.idleTimeoutSeconds, defaultAction, rules });
    return { listener, port: l.port, protocol: 'HTTP', signature };
  }

  collect(): Promise<Record<string, GroupTraffic>> {
    const out: Record<string, GroupTraffic> = {};
    const add = (key: string, traffic: GroupTraffic | undefined): void => {
      if (traffic === undefined) return;
      const had = out[key];
      // A group retired and taken up again in one minute: both objects' traffic adds up.
      out[key] = had === undefined ? traffic : addTraffic(had, traffic);
    };
    for (const { key, live } of this.#retired) add(key, trafficSince(live.group.metrics(), live.last));
    this.#retired = [];
    for (const [key, live] of this.#groups) {
      const now = live.group.metrics();
      add(key, trafficSince(now, live.last));
      live.last = now;
    }
    return Promise.resolve(out);
  }

  /** Reports every target's health as it is now, to a controller that has just (re)connected. */
  replayHealth(): void {
    for (const [key, live] of this.#groups) for (const health of live.group.describeTargetHealth()) this.#onHealth(key, health);
  }

  describe(): string {
    const ports = [...this.#listeners.values()].map((l) => `${l.protocol}:${l.port}`);
    return ports.length === 0 ? 'no listeners' : `listening on ${ports.join(', ')}`;
  }

  /** In this process the plane cannot outlive the daemon: detaching closes it. */
  detach(): Promise<void> {
    return this.shutdown();
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.#listeners.values()].map((l) => l.listener.close()));
    this.#listeners.clear();
    for (const live of this.#groups.values()) live.group.close();
    this.#groups.clear();
    this.#retired = [];
  }
}
