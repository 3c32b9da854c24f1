// ELBv2's shared pieces: its error codes, Query-string coercion of numbers and booleans, ARNs, paging and input reading.
import { describeValue, Problems, SlipwayError } from '../../core/errors.ts';
import { arn, shortId } from '../../core/ids.ts';
import { pageAt, resumeAt } from '../paging.ts';
import type { ServiceContext } from '../types.ts';
import { InputReader } from '../validate.ts';

/** An ELBv2 error: the model's `error.code` (e.g. `TargetGroupNotFound`), HTTP 400 as AWS answers. */
export function elbError(code: string, message: string): SlipwayError {
  return new SlipwayError(code, message, { extra: { httpStatus: 400 } });
}

/** An input reader whose problems end as one ELBv2 `ValidationError` listing them all. */
export function reader(input: object): { r: InputReader; problems: Problems; done: () => void } {
  const problems = new Problems();
  const r = new InputReader(input, problems);
  return {
    r,
    problems,
    done: () => problems.throwIfAny('ValidationError', `${problems.size} validation error${problems.size === 1 ? '' : 's'} detected`),
  };
}

// Query requests carry every value as a string; these members are integers or booleans in the model.
const INTEGER_MEMBERS = new Set([
  'Port',
  'Weight',
  'DurationSeconds',
  'HealthCheckIntervalSeconds',
  'HealthCheckTimeoutSeconds',
  'HealthyThresholdCount',
  'UnhealthyThresholdCount',
  'PageSize',
  'Priority',
  'Order',
]);
const BOOLEAN_MEMBERS = new Set(['HealthCheckEnabled', 'Enabled', 'IsDefault']);

/** Converts the Query codec's strings to numbers and booleans where the ELBv2 model says so (by member name). */
export function coerceQueryInput(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => coerceQueryInput(v, key));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, coerceQueryInput(v, k)]));
  }
  if (typeof value !== 'string') return value;
  if (INTEGER_MEMBERS.has(key) && /^-?\d+$/.test(value)) return Number(value);
  if (BOOLEAN_MEMBERS.has(key) && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

/** ELB resource ids are 16 lower-case hex digits. */
export function elbId(): string {
  return shortId(16, '0123456789abcdef');
}

export function elbArn(ctx: Pick<ServiceContext, 'config'>, resource: string): string {
  return arn(ctx.config, 'elasticloadbalancing', resource);
}

/** Load balancer and target group names: 1–32 letters, digits and hyphens, no hyphen at either end. */
export const ELB_NAME = { min: 1, max: 32, pattern: /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/, patternText: 'at most 32 letters, digits and hyphens, not beginning or ending with a hyphen' };

/** Marker paging over a stable ordering: the marker is the shared offset token of the next page. */
export function page<T>(items: readonly T[], pageSize: number | undefined, marker: string | undefined): { items: T[]; nextMarker?: string } {
  const start = resumeAt(marker, (m) => elbError('ValidationError', `Marker: found "${m}", expected a NextMarker from a previous response`));
  const p = pageAt(items, start, pageSize ?? 400);
  return p.nextToken === undefined ? { items: p.items } : { items: p.items, nextMarker: p.nextToken };
}

export function readPaging(r: InputReader): { marker: string | undefined; pageSize: number | undefined } {
  return { marker: r.string('Marker'), pageSize: r.integer('PageSize', { min: 1, max: 400 }) };
}

export function json<T>(text: string): T {
  return JSON.parse(text) as T;
}

/** An attribute's value check: undefined when valid, else what was expected. */
export type AttributeRule = (value: string) => string | undefined;

/**
 * Applies a Modify*Attributes list onto `current` (whose keys are the resource's attributes), adding a problem
 * for every unknown key or bad value; `what` names the resource kind in the message.
 */
export function applyAttributes(
  current: Readonly<Record<string, string>>,
  list: unknown,
  rules: Readonly<Record<string, AttributeRule>>,
  fallback: AttributeRule,
  what: string,
  problems: Problems,
): Record<string, string> {
  const items = Array.isArray(list) ? (list as Array<{ Key?: unknown; Value?: unknown }>) : [];
  if (items.length === 0) problems.add({ field: 'Attributes', found: describeValue(list), expected: 'at least one attribute' });
  const next: Record<string, string> = { ...current };
  items.forEach((a, i) => {
    const key = typeof a.Key === 'string' ? a.Key : '';
    const value = typeof a.Value === 'string' ? a.Value : '';
    if (!Object.hasOwn(current, key)) {
      problems.add({ field: `Attributes[${i}].Key`, found: describeValue(a.Key), expected: `an attribute of ${what}: ${Object.keys(current).join(', ')}` });
      return;
    }
    const wrong = (rules[key] ?? fallback)(value);
    if (wrong !== undefined) problems.add({ field: `Attributes[${i}].Value (${key})`, found: describeValue(a.Value), expected: wrong });
    else next[key] = value;
  });
  return next;
}

export function toAttributes(attributes: Readonly<Record<string, string>>): { Key: string; Value: string }[] {
  return Object.entries(attributes).map(([Key, Value]) => ({ Key, Value }));
}
