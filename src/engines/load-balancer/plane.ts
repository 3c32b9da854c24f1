// The data plane's contract: the engine sends the whole desired routing as one spec; the plane makes it live and reports.
import type { MetricDelta } from '../../services/elbv2/metrics.ts';
import type { HealthCheckSettings } from './health-check.ts';
import type { RuleConditions } from './routing.ts';
import type { TargetHealthDescription, TargetInput } from './target-group.ts';

/** Bumped whenever a message's shape changes: a plane speaking another version is replaced, not adopted. */
export const PLANE_PROTOCOL = 1;

export interface GroupSpec {
  /** The target group's ARN. */
  readonly key: string;
  readonly name: string;
  readonly healthCheck: Partial<HealthCheckSettings>;
  readonly deregistrationDelaySeconds: number;
  readonly slowStartSeconds: number;
  readonly stickiness: { readonly enabled: boolean; readonly durationSeconds: number };
  /** The registered targets (draining ones are left out: leaving the list is what deregisters). */
  readonly targets: readonly TargetInput[];
}

export interface ForwardSpec {
  readonly targetGroups: ReadonlyArray<{ readonly group: string; readonly weight: number }>;
  readonly stickiness?: { readonly enabled: boolean; readonly durationSeconds: number };
}

export interface ListenerSpec {
  /** The listener's ARN. */
  readonly key: string;
  readonly port: number;
  readonly protocol: 'HTTP' | 'TCP';
  readonly idleTimeoutSeconds: number;
  readonly defaultAction: ForwardSpec;
  readonly rules: ReadonlyArray<{ readonly priority: number; readonly conditions: RuleConditions; readonly action: ForwardSpec }>;
}

/** Everything the plane should serve: groups forwarded to, and listeners bound on `host`. */
export interface PlaneSpec {
  readonly host: string;
  readonly groups: readonly GroupSpec[];
  readonly listeners: readonly ListenerSpec[];
}

export type ListenerResult =
  | { readonly state: 'bound'; readonly port: number; readonly protocol: 'HTTP' | 'TCP'; /** Newly bound, or its routing swapped by this apply. */ readonly changed: boolean }
  | { readonly state: 'bind-failed'; readonly code: string }
  | { readonly state: 'routing-failed'; readonly message: string };

export interface ApplyResult {
  readonly listeners: Readonly<Record<string, ListenerResult>>;
  /** Every target the plane holds per group, draining ones included. */
  readonly groups: Readonly<Record<string, readonly TargetHealthDescription[]>>;
}

/** A group's traffic since the last collect, with the extremes of its response times when it had any. */
export interface GroupTraffic {
  readonly delta: MetricDelta;
  readonly extremes?: { readonly minimum: number; readonly maximum: number };
}

export type HealthListener = (group: string, health: TargetHealthDescription) => void;

export interface DataPlane {
  /** Makes the spec live in one pass; listeners not in it close, groups not in it retire (in-flight requests finish). */
  apply(spec: PlaneSpec): Promise<ApplyResult>;
  /** Each group's traffic since the previous collect (counted once: a collect moves it out of the plane). */
  collect(): Promise<Record<string, GroupTraffic>>;
  /** One line for `slipway status`. */
  describe(): string;
  /** The daemon stops: a separate plane keeps serving for the next daemon to adopt; an embedded one closes. */
  detach(): Promise<void>;
  /** Closes every listener (in-flight requests finish) and ends the plane. */
  shutdown(): Promise<void>;
}

/** A spec with nothing to serve: no process is started for it, and a running one is ended. */
export function isEmpty(spec: PlaneSpec): boolean {
  return spec.listeners.length === 0 && spec.groups.length === 0;
}

/** Two windows of one group's traffic as one. */
export function addTraffic(a: GroupTraffic, b: GroupTraffic): GroupTraffic {
  const delta = { ...a.delta };
  for (const k of Object.keys(delta) as Array<keyof typeof delta>) delta[k] = a.delta[k] + b.delta[k];
  const both = [a.extremes, b.extremes].filter((x) => x !== undefined);
  return both.length === 0 ? { delta } : { delta, extremes: { minimum: Math.min(...both.map((x) => x.minimum)), maximum: Math.max(...both.map((x) => x.maximum)) } };
}
