// ELBv2 state in the store, read as the data plane's spec: the groups forwarded to and the listeners to bind.
import type { StoredForward } from '../../services/elbv2/actions.ts';
import { listListenerRecords, type ListenerRecord } from '../../services/elbv2/listeners.ts';
import { listLoadBalancerRecords, type LoadBalancerRecord } from '../../services/elbv2/load-balancers.ts';
import { rulesOf } from '../../services/elbv2/rules.ts';
import { listTargetGroupRecords, type TargetGroupRecord } from '../../services/elbv2/target-groups.ts';
import { targetHost, targetRows } from '../../services/elbv2/targets.ts';
import type { ServiceContext } from '../../services/types.ts';
import type { HealthCheckSettings } from './health-check.ts';
import type { ForwardSpec, GroupSpec, ListenerSpec, PlaneSpec } from './plane.ts';
import type { RuleConditions } from './routing.ts';

/** The spec, with the records it was read from (the engine reports back on them). */
export interface StoreView {
  readonly spec: PlaneSpec;
  readonly loadBalancers: ReadonlyMap<string, LoadBalancerRecord>;
  readonly listeners: readonly ListenerRecord[];
  readonly targetGroups: readonly TargetGroupRecord[];
  /** Per group forwarded to, the load balancers whose listeners (or rules) forward to it, sorted: its metrics' dimensions. */
  readonly balancers: ReadonlyMap<string, readonly string[]>;
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
export function planeId(id: string, port: number): string {
  return `${id}:${port}`;
}

export function splitPlaneId(value: string): { id: string; port: number } {
  const at = value.lastIndexOf(':');
  return { id: value.slice(0, at), port: Number(value.slice(at + 1)) };
}

function groupSpec(ctx: ServiceContext, tg: TargetGroupRecord): GroupSpec {
  return {
    key: tg.arn,
    name: tg.name,
    healthCheck: toSettings(tg),
    deregistrationDelaySeconds: Number(tg.attributes['deregistration_delay.timeout_seconds'] ?? 300),
    slowStartSeconds: Number(tg.attributes['slow_start.duration_seconds'] ?? 0),
    stickiness: {
      enabled: tg.protocol === 'HTTP' && tg.attributes['stickiness.enabled'] === 'true' && tg.attributes['stickiness.type'] === 'lb_cookie',
      durationSeconds: Number(tg.attributes['stickiness.lb_cookie.duration_seconds'] ?? 86400),
    },
    targets: targetRows(ctx, tg.arn)
      .filter((r) => r.state !== 'draining')
      .map((r) => ({ id: planeId(r.id, r.port), host: targetHost(tg, r.id), port: r.port })),
  };
}

function forwardSpec(f: StoredForward): ForwardSpec {
  return {
    targetGroups: f.targetGroups.map((t) => ({ group: t.arn, weight: t.weight })),
    ...(f.stickiness.enabled ? { stickiness: { enabled: true, durationSeconds: f.stickiness.durationSeconds ?? 1 } } : {}),
  };
}

function conditionsOf(conditions: ReturnType<typeof rulesOf>[number]['conditions']): RuleConditions {
  const values = (field: string): string[] => conditions.filter((c) => c.field === field).flatMap((c) => c.values);
  return {
    ...(conditions.some((c) => c.field === 'path-pattern') ? { pathPatterns: values('path-pattern') } : {}),
    ...(conditions.some((c) => c.field === 'host-header') ? { hostHeaders: values('host-header') } : {}),
  };
}

/** Reads what the data plane should serve now: listeners of existing load balancers and the groups they forward to. */
export function readStore(ctx: ServiceContext): StoreView {
  const loadBalancers = new Map(listLoadBalancerRecords(ctx).map((lb) => [lb.arn, lb]));
  const listeners = listListenerRecords(ctx).filter((l) => loadBalancers.has(l.loadBalancerArn));
  const targetGroups = listTargetGroupRecords(ctx);
  // Per group, the load balancers forwarding to it by a default action or a rule.
  const byGroup = new Map<string, Set<string>>();
  const listenerSpecs = listeners.map((l): ListenerSpec => {
    const spec: ListenerSpec = {
      key: l.arn,
      port: l.port,
      protocol: l.protocol,
      idleTimeoutSeconds: Number(loadBalancers.get(l.loadBalancerArn)?.attributes['idle_timeout.timeout_seconds'] ?? 60),
      defaultAction: forwardSpec(l.forward),
      rules: rulesOf(ctx, l.arn).map((r) => ({ priority: r.priority, conditions: conditionsOf(r.conditions), action: forwardSpec(r.forward) })),
    };
    for (const f of [spec.defaultAction, ...spec.rules.map((r) => r.action)]) {
      for (const t of f.targetGroups) byGroup.set(t.group, (byGroup.get(t.group) ?? new Set()).add(l.loadBalancerArn));
    }
    return spec;
  });
  const groups = targetGroups.filter((tg) => byGroup.has(tg.arn)).map((tg) => groupSpec(ctx, tg));
  const balancers = new Map([...byGroup].map(([group, lbs]) => [group, [...lbs].sort()]));
  return { spec: { host: ctx.config.host, groups, listeners: listenerSpecs }, loadBalancers, listeners, targetGroups, balancers };
}
