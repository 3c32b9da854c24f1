// Listener routing: rules by priority (path-pattern, host-header), weighted forward across groups, group stickiness.
import type { IncomingHttpHeaders } from 'node:http';
import { Problems, describeValue } from '../../core/errors.ts';
import type { TargetGroup } from './target-group.ts';

export interface WeightedGroup {
  readonly group: TargetGroup;
  /** 0–999; traffic splits in proportion, and 0 gets nothing. */
  readonly weight: number;
}

export interface ForwardAction {
  readonly type: 'forward';
  readonly targetGroups: readonly WeightedGroup[];
  /** TargetGroupStickinessConfig: keeps a client on the group it first got, for `durationSeconds` (1–604800). */
  readonly stickiness?: { readonly enabled: boolean; readonly durationSeconds: number };
}

export interface RuleConditions {
  /** Any of these globs (`*`, `?`) against the path (without the query). */
  readonly pathPatterns?: readonly string[];
  /** Any of these globs against the Host header, case-insensitive, without the port. */
  readonly hostHeaders?: readonly string[];
}

export interface Rule {
  /** 1–50000, unique; the lowest matching priority wins. */
  readonly priority: number;
  readonly conditions: RuleConditions;
  readonly action: ForwardAction;
}

/** A compiled action: immutable groups plus its own weighted round-robin state. */
export class CompiledAction {
  readonly action: ForwardAction;
  readonly #current: number[];

  constructor(action: ForwardAction) {
    this.action = action;
    this.#current = action.targetGroups.map(() => 0);
  }

  /**
   * Smooth weighted round-robin (nginx's): deterministic, exact proportions over every window of sum(weights)
   * picks, and interleaved rather than bursty. Groups without a registered target are skipped, so a 503 comes
   * only when no weighted group has any target.
   */
  pick(stickyName: string | undefined): TargetGroup | undefined {
    const groups = this.action.targetGroups;
    if (stickyName !== undefined) {
      const sticky = groups.find((g) => g.group.name === stickyName);
      // ALB keeps a sticky client on its group even when its weight drops; only an empty group loses it.
      if (sticky && sticky.group.hasRoutableTargets()) return sticky.group;
    }
    let total = 0;
    let best = -1;
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!;
      if (g.weight === 0 || !g.group.hasRoutableTargets()) continue;
      total += g.weight;
      this.#current[i]! += g.weight;
      if (best < 0 || this.#current[i]! > this.#current[best]!) best = i;
    }
    if (best < 0) return undefined;
    this.#current[best]! -= total;
    return groups[best]!.group;
  }

  /** The groups this action can reach, for attributing ELB errors when none answers. */
  get weightedGroups(): TargetGroup[] {
    return this.action.targetGroups.filter((g) => g.weight > 0).map((g) => g.group);
  }
}

export interface CompiledRule {
  readonly priority: number;
  readonly path: RegExp[] | undefined;
  readonly host: RegExp[] | undefined;
  readonly action: CompiledAction;
}

/** Turns an ALB glob into an anchored RegExp: `*` any run of characters, `?` exactly one. */
export function globToRegExp(glob: string, flags = ''): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\*?]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`));
  return new RegExp(`^${body}$`, flags);
}

export function validateAction(action: ForwardAction, problems: Problems, field: string): void {
  if (action.type !== 'forward') problems.add({ field: `${field}.type`, found: describeValue(action.type), expected: '"forward"' });
  if (action.targetGroups.length === 0 || action.targetGroups.length > 5) {
    problems.add({ field: `${field}.targetGroups`, found: describeValue(action.targetGroups), expected: '1 to 5 target groups' });
  }
  const names = new Set<string>();
  action.targetGroups.forEach((g, i) => {
    if (!Number.isInteger(g.weight) || g.weight < 0 || g.weight > 999) {
      problems.add({ field: `${field}.targetGroups[${i}].weight`, found: describeValue(g.weight), expected: 'an integer from 0 to 999' });
    }
    if (names.has(g.group.name)) problems.add({ field: `${field}.targetGroups[${i}].group`, found: describeValue(g.group.name), expected: 'each target group once' });
    names.add(g.group.name);
  });
  const s = action.stickiness;
  if (s?.enabled && (!Number.isInteger(s.durationSeconds) || s.durationSeconds < 1 || s.durationSeconds > 604800)) {
    problems.add({ field: `${field}.stickiness.durationSeconds`, found: describeValue(s.durationSeconds), expected: 'an integer from 1 to 604800' });
  }
}

/** Validates every rule (collecting all problems) and compiles them, lowest priority first. */
export function compileRules(rules: readonly Rule[]): CompiledRule[] {
  const problems = new Problems();
  const seen = new Set<number>();
  rules.forEach((r, i) => {
    if (!Number.isInteger(r.priority) || r.priority < 1 || r.priority > 50000) {
      problems.add({ field: `rules[${i}].priority`, found: describeValue(r.priority), expected: 'an integer from 1 to 50000' });
    } else if (seen.has(r.priority)) {
      problems.add({ field: `rules[${i}].priority`, found: describeValue(r.priority), expected: 'a priority no other rule has' });
    }
    seen.add(r.priority);
    const { pathPatterns, hostHeaders } = r.conditions;
    if ((pathPatterns?.length ?? 0) + (hostHeaders?.length ?? 0) === 0) {
      problems.add({ field: `rules[${i}].conditions`, found: 'no condition', expected: 'at least one path pattern or host header' });
    }
    for (const p of pathPatterns ?? []) {
      if (p.length === 0 || p.length > 128) problems.add({ field: `rules[${i}].conditions.pathPatterns`, found: describeValue(p), expected: '1 to 128 characters' });
    }
    validateAction(r.action, problems, `rules[${i}].action`);
  });
  problems.throwIfAny('ValidationError', 'Invalid listener rules');
  return [...rules]
    .sort((a, b) => a.priority - b.priority)
    .map((r) => ({
      priority: r.priority,
      path: r.conditions.pathPatterns?.map((p) => globToRegExp(p)),
      host: r.conditions.hostHeaders?.map((h) => globToRegExp(h.toLowerCase(), 'i')),
      action: new CompiledAction(r.action),
    }));
}

/** The action for a request: the first matching rule by priority, else the default action. */
export function route(rules: readonly CompiledRule[], fallback: CompiledAction | undefined, url: string, headers: IncomingHttpHeaders): CompiledAction | undefined {
  const path = url.split('?', 1)[0] ?? '/';
  const host = (headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
  for (const r of rules) {
    if (r.path && !r.path.some((re) => re.test(path))) continue;
    if (r.host && !r.host.some((re) => re.test(host))) continue;
    return r.action;
  }
  return fallback;
}

export const STICKY_COOKIE = 'AWSALBTG';

/** The group named by a valid, unexpired stickiness cookie. */
export function stickyGroup(headers: IncomingHttpHeaders, now: number): string | undefined {
  const cookie = headers.cookie;
  if (!cookie) return undefined;
  const m = new RegExp(`(?:^|;\\s*)${STICKY_COOKIE}=([A-Za-z0-9_-]+)`).exec(cookie);
  if (!m) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'number') return undefined;
    return parsed[1] > now ? parsed[0] : undefined;
  } catch {
    return undefined; // a tampered or foreign cookie is ignored, as ALB does
  }
}

/** The Set-Cookie value that keeps this client on `group` for the action's duration (expiry on the injected clock). */
export function stickyCookie(group: string, durationSeconds: number, now: number): string {
  const value = Buffer.from(JSON.stringify([group, now + durationSeconds * 1000])).toString('base64url');
  return `${STICKY_COOKIE}=${value}; Max-Age=${durationSeconds}; Path=/`;
}

export const TARGET_STICKY_COOKIE = 'AWSALB';

/** The target named by a valid, unexpired `AWSALB` cookie for this group. */
export function stickyTarget(headers: IncomingHttpHeaders, group: string, now: number): string | undefined {
  const m = new RegExp(`(?:^|;\\s*)${TARGET_STICKY_COOKIE}=([A-Za-z0-9_-]+)`).exec(headers.cookie ?? '');
  if (!m) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed[0] !== group || typeof parsed[1] !== 'string' || typeof parsed[2] !== 'number') return undefined;
    return parsed[2] > now ? parsed[1] : undefined;
  } catch {
    return undefined; // a tampered or foreign cookie is ignored, as ALB does
  }
}

/** The Set-Cookie value that keeps this client on `target` of `group` (refreshed on every response, as ALB does). */
export function targetStickyCookie(group: string, target: string, durationSeconds: number, now: number): string {
  const value = Buffer.from(JSON.stringify([group, target, now + durationSeconds * 1000])).toString('base64url');
  return `${TARGET_STICKY_COOKIE}=${value}; Max-Age=${durationSeconds}; Path=/`;
}
