// EventBridge event patterns: validation with AWS's InvalidEventPatternException and matching (exact, prefix, suffix,
// anything-but, exists, numeric, equals-ignore-case, wildcard, $or, nested fields, arrays in events).
import { SlipwayError } from '../../core/errors.ts';

export type EventPattern = Readonly<Record<string, unknown>>;

export function invalidPattern(reason: string): SlipwayError {
  return new SlipwayError('InvalidEventPatternException', `Event pattern is not valid. Reason: ${reason}`);
}

const OPERATORS = new Set(['prefix', 'suffix', 'anything-but', 'numeric', 'exists', 'equals-ignore-case', 'wildcard']);
const NUMERIC_OPS = new Set(['<', '<=', '=', '>', '>=']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkMatcher(path: string, m: unknown): void {
  if (m === null || typeof m === 'string' || typeof m === 'number' || typeof m === 'boolean') return;
  if (!isObject(m)) throw invalidPattern(`"${path}" must be an object or an array of values and matchers`);
  const keys = Object.keys(m);
  if (keys.length !== 1 || !OPERATORS.has(keys[0] ?? '')) {
    throw invalidPattern(`Unrecognized match type ${keys.join(', ') || '(none)'} at "${path}"; expected one of ${[...OPERATORS].join(', ')}`);
  }
  const op = keys[0] ?? '';
  const arg = m[op];
  if (op === 'prefix' || op === 'suffix') {
    if (typeof arg === 'string' || (isObject(arg) && typeof arg['equals-ignore-case'] === 'string')) return;
    throw invalidPattern(`${op} match pattern must be a string at "${path}"`);
  }
  if (op === 'equals-ignore-case' || op === 'wildcard') {
    if (typeof arg !== 'string') throw invalidPattern(`${op} match pattern must be a string at "${path}"`);
    return;
  }
  if (op === 'exists') {
    if (typeof arg !== 'boolean') throw invalidPattern(`exists match pattern must be either true or false at "${path}"`);
    return;
  }
  if (op === 'anything-but') {
    if (typeof arg === 'string' || typeof arg === 'number') return;
    if (Array.isArray(arg) && arg.every((v) => typeof v === 'string' || typeof v === 'number')) return;
    if (isObject(arg) && Object.keys(arg).length === 1 && (typeof arg['prefix'] === 'string' || typeof arg['suffix'] === 'string' || typeof arg['equals-ignore-case'] === 'string' || Array.isArray(arg['equals-ignore-case']))) return;
    throw invalidPattern(`Value of anything-but must be an array or single string/number value, or a prefix/suffix/equals-ignore-case object, at "${path}"`);
  }
  // numeric: [op, n] or [op, n, op, n]
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4)) throw invalidPattern(`Value of numeric must be an array of one or two comparisons at "${path}"`);
  for (let i = 0; i < arg.length; i += 2) {
    if (!NUMERIC_OPS.has(String(arg[i])) || typeof arg[i + 1] !== 'number') throw invalidPattern(`Unrecognized numeric range operator or value at "${path}": ${JSON.stringify(arg)}`);
  }
}

function checkNode(path: string, node: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(node)) {
    const here = path === '' ? key : `${path}.${key}`;
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isObject)) throw invalidPattern(`$or must be an array of at least two objects at "${here}"`);
      for (const alt of value) checkNode(path, alt);
      continue;
    }
    if (Array.isArray(value)) {
      if (value.length === 0) throw invalidPattern(`Empty arrays are not allowed at "${here}"`);
      for (const m of value) checkMatcher(here, m);
    } else if (isObject(value)) {
      if (Object.keys(value).length === 0) throw invalidPattern(`Empty objects are not allowed at "${here}"`);
      checkNode(here, value);
    } else {
      throw invalidPattern(`Match value must be String, number, true, false, or null at "${here}"; found ${JSON.stringify(value)} (leaf values go inside an array)`);
    }
  }
}

/** Parses and validates a pattern's JSON text; throws InvalidEventPatternException saying where it is wrong. */
export function parsePattern(text: string): EventPattern {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalidPattern(`Filter is not an object: ${(error as Error).message}`);
  }
  if (!isObject(parsed)) throw invalidPattern('Filter is not an object');
  checkNode('', parsed);
  return parsed;
}

function wildcard(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
  return re.test(value);
}

function numericMatch(arg: unknown[], v: number): boolean {
  for (let i = 0; i < arg.length; i += 2) {
    const op = String(arg[i]);
    const n = Number(arg[i + 1]);
    const ok = op === '<' ? v < n : op === '<=' ? v <= n : op === '=' ? v === n : op === '>' ? v > n : v >= n;
    if (!ok) return false;
  }
  return true;
}

function stringMatch(spec: unknown, v: string, op: 'prefix' | 'suffix'): boolean {
  if (typeof spec === 'string') return op === 'prefix' ? v.startsWith(spec) : v.endsWith(spec);
  const s = String((spec as Record<string, unknown>)['equals-ignore-case']).toLowerCase();
  return op === 'prefix' ? v.toLowerCase().startsWith(s) : v.toLowerCase().endsWith(s);
}

/** One matcher against one present, non-array value. */
function leafMatch(m: unknown, v: unknown): boolean {
  if (!isObject(m)) return m === v;
  const [op = '', arg] = Object.entries(m)[0] ?? [];
  switch (op) {
    case 'prefix':
    case 'suffix':
      return typeof v === 'string' && stringMatch(arg, v, op);
    case 'equals-ignore-case':
      return typeof v === 'string' && v.toLowerCase() === String(arg).toLowerCase();
    case 'wildcard':
      return typeof v === 'string' && wildcard(String(arg), v);
    case 'numeric':
      return typeof v === 'number' && numericMatch(arg as unknown[], v);
    case 'exists':
      return arg === true;
    case 'anything-but': {
      if (isObject(arg)) {
        if (typeof v !== 'string') return true;
        if (typeof arg['prefix'] === 'string') return !v.startsWith(arg['prefix']);
        if (typeof arg['suffix'] === 'string') return !v.endsWith(arg['suffix']);
        const eic = arg['equals-ignore-case'];
        const list = (Array.isArray(eic) ? eic : [eic]).map((x) => String(x).toLowerCase());
        return !list.includes(v.toLowerCase());
      }
      const list = Array.isArray(arg) ? arg : [arg];
      return !list.includes(v);
    }
    default:
      return false;
  }
}

function fieldMatches(matchers: unknown[], value: unknown, present: boolean): boolean {
  return matchers.some((m) => {
    if (isObject(m) && 'exists' in m) return m['exists'] === present;
    if (!present) return false;
    const values = Array.isArray(value) ? value : [value];
    return values.some((v) => leafMatch(m, v));
  });
}

function nodeMatches(pattern: Readonly<Record<string, unknown>>, event: unknown): boolean {
  const obj = isObject(event) ? event : {};
  return Object.entries(pattern).every(([key, spec]) => {
    if (key === '$or') return (spec as Array<Record<string, unknown>>).some((alt) => nodeMatches(alt, event));
    const present = Object.hasOwn(obj, key) && obj[key] !== undefined;
    const value = obj[key];
    if (Array.isArray(spec)) {
      // A nested object is not a leaf: only exists can speak about it.
      if (isObject(value)) return spec.some((m) => isObject(m) && m['exists'] === true);
      return fieldMatches(spec, value, present);
    }
    if (!present) return false;
    const items = Array.isArray(value) ? value : [value];
    return items.some((item) => nodeMatches(spec as Record<string, unknown>, item));
  });
}

/** True when the event (an EventBridge envelope as JSON) matches the pattern. */
export function matches(pattern: EventPattern, event: unknown): boolean {
  return nodeMatches(pattern, event);
}
