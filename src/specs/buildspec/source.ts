// Walks yaml nodes with their positions: typed reads of maps, lists and scalars that record problems instead of throwing.
import { isAlias, isMap, isNode, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter, Node, Pair } from 'yaml';
import type { Problem, Problems } from '../../core/errors.ts';
import { describeValue } from '../../core/errors.ts';
import { didYouMean } from '../near-name.ts';

export interface Ctx {
  readonly file: string;
  readonly lc: LineCounter;
  readonly doc: Document;
  readonly problems: Problems;
}

/** A value in the file: its field path, its node (null when absent or empty), and where to point at. */
export interface Field {
  readonly path: string;
  readonly node: Node | null;
  /** The key node when the value came from a map; used for positions when the value is empty. */
  readonly at: Node | null;
}

export type Report = Omit<Problem, 'file' | 'line' | 'column' | 'field'>;

export function position(ctx: Ctx, node: Node | null): { line?: number; column?: number } {
  const offset = node?.range?.[0];
  if (offset === undefined) return {};
  const { line, col } = ctx.lc.linePos(offset);
  return { line, column: col };
}

export function report(ctx: Ctx, field: string, node: Node | null, r: Report): void {
  ctx.problems.add({ file: ctx.file, field, ...position(ctx, node), ...r });
}

/** Reports against a field, pointing at its value, or its key when the value is empty. */
export function fail(ctx: Ctx, f: Field, r: Report): void {
  report(ctx, f.path, f.node ?? f.at, r);
}

export function deref(ctx: Ctx, node: unknown): Node | null {
  let n: unknown = node;
  for (let i = 0; i < 20 && isAlias(n); i++) n = n.resolve(ctx.doc);
  if (n === null || n === undefined) return null;
  if (isScalar(n) && n.value === null) return null;
  return n as Node;
}

export function child(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** What a node is, for "found …" parts of messages. */
export function describeNode(node: Node | null): string {
  if (node === null) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return `a list of ${node.items.length}`;
  if (isScalar(node)) return describeValue(node.value);
  return 'an unsupported YAML node';
}

/**
 * Reads a mapping: reports a non-mapping value, non-scalar keys, duplicate keys and (when `allowed` is
 * given) unknown keys with a near-name suggestion. Returns undefined when the value is not a mapping.
 */
export function mapping(
  ctx: Ctx,
  f: Field,
  expected: string,
  allowed?: readonly string[],
  unknownHint?: (key: string) => string | undefined,
): Map<string, Field> | undefined {
  if (f.node === null || !isMap(f.node)) {
    fail(ctx, f, { found: describeNode(f.node), expected });
    return undefined;
  }
  const out = new Map<string, Field>();
  const firstLine = new Map<string, number | undefined>();
  const merged: Pair[] = [];
  for (const pair of f.node.items) {
    const keyNode = deref(ctx, pair.key);
    if (keyNode === null || !isScalar(keyNode) || typeof keyNode.value === 'object') {
      report(ctx, f.path === '' ? '(top level)' : f.path, keyNode ?? (isNode(pair.key) ? pair.key : f.node), {
        found: `a key that is ${describeNode(keyNode)}`,
        expected: 'plain text keys',
      });
      continue;
    }
    const key = typeof keyNode.value === 'string' ? keyNode.value : (keyNode.source ?? JSON.stringify(keyNode.value));
    if (key === MERGE && keyNode.type === 'PLAIN') {
      merged.push(...mergeSources(ctx, child(f.path, MERGE), keyNode, deref(ctx, pair.value)));
      continue;
    }
    const path = child(f.path, key);
    if (firstLine.has(key)) {
      const line = firstLine.get(key);
      report(ctx, path, keyNode, {
        found: `a second "${key}" key`,
        expected: 'each key at most once',
        suggestion: line === undefined ? 'remove one of them' : `first defined at line ${line}; merge or remove one`,
      });
      continue;
    }
    firstLine.set(key, position(ctx, keyNode).line);
    accept(key, path, keyNode, pair.value);
  }
  // Merged keys (`<<: *anchor`) fill in only what the mapping does not set itself; the first source wins.
  for (const pair of merged) {
    const keyNode = deref(ctx, pair.key);
    if (keyNode === null || !isScalar(keyNode) || typeof keyNode.value !== 'string') continue;
    if (firstLine.has(keyNode.value)) continue;
    firstLine.set(keyNode.value, position(ctx, keyNode).line);
    accept(keyNode.value, child(f.path, keyNode.value), keyNode, pair.value);
  }
  return out;

  function accept(key: string, path: string, keyNode: Node, value: unknown): void {
    if (allowed !== undefined && !allowed.includes(key)) {
      report(ctx, path, keyNode, {
        found: `unknown key "${key}"`,
        expected: `one of ${allowed.join(', ')}`,
        suggestion: unknownHint?.(key) ?? didYouMean(key, allowed),
      });
      return;
    }
    out.set(key, { path, node: deref(ctx, value), at: keyNode });
  }
}

const MERGE = '<<';

/** The pairs a merge key brings in: from one mapping or a list of mappings. */
function mergeSources(ctx: Ctx, path: string, keyNode: Node, value: Node | null): Pair[] {
  const sources = value !== null && isSeq(value) ? value.items.map((i) => deref(ctx, i)) : [value];
  const out: Pair[] = [];
  for (const source of sources) {
    if (source === null || !isMap(source)) {
      report(ctx, path, source ?? keyNode, { found: describeNode(source), expected: 'a mapping or alias of one to merge (<<: *anchor)' });
      continue;
    }
    out.push(...source.items);
  }
  return out;
}

/** A scalar read as text; numbers and booleans keep their written form (`3.10` stays "3.10"). */
export function text(ctx: Ctx, f: Field | undefined, expected = 'a string'): string | undefined {
  if (f === undefined) return undefined;
  const n = f.node;
  if (n !== null && isScalar(n) && (typeof n.value === 'string' || typeof n.value === 'number' || typeof n.value === 'boolean')) {
    return typeof n.value === 'string' ? n.value : (n.source ?? String(n.value));
  }
  fail(ctx, f, { found: describeNode(n), expected });
  return undefined;
}

/** A string that must be written as text, as commands: a bare number or boolean asks to be quoted. */
export function strictString(ctx: Ctx, f: Field, expected: string): string | undefined {
  const n = f.node;
  if (n !== null && isScalar(n) && typeof n.value === 'string') return n.value;
  if (n !== null && isScalar(n) && (typeof n.value === 'number' || typeof n.value === 'boolean')) {
    const written = n.source ?? String(n.value);
    fail(ctx, f, { found: describeNode(n), expected, suggestion: `quote it: "${written}"` });
    return undefined;
  }
  fail(ctx, f, { found: describeNode(n), expected });
  return undefined;
}

const TRUE_WORDS = ['yes', 'true', 'on'];
const FALSE_WORDS = ['no', 'false', 'off'];

/** Buildspec booleans are YAML 1.1 style: yes/no, also true/false. */
export function bool(ctx: Ctx, f: Field | undefined, fallback: boolean): boolean {
  if (f === undefined) return fallback;
  const n = f.node;
  if (n !== null && isScalar(n)) {
    if (typeof n.value === 'boolean') return n.value;
    if (typeof n.value === 'string') {
      const word = n.value.toLowerCase();
      if (TRUE_WORDS.includes(word)) return true;
      if (FALSE_WORDS.includes(word)) return false;
    }
  }
  fail(ctx, f, { found: describeNode(n), expected: 'yes or no' });
  return fallback;
}

/** One of a fixed set of words, with a suggestion for near misses. */
export function oneOf<T extends string>(ctx: Ctx, f: Field | undefined, values: readonly T[]): T | undefined {
  if (f === undefined) return undefined;
  const n = f.node;
  if (n !== null && isScalar(n) && (typeof n.value === 'string' || typeof n.value === 'number')) {
    const value = typeof n.value === 'string' ? n.value : (n.source ?? String(n.value));
    const hit = values.find((v) => v === value);
    if (hit !== undefined) return hit;
    fail(ctx, f, { found: describeNode(n), expected: `one of ${values.join(', ')}`, suggestion: didYouMean(value, values) });
    return undefined;
  }
  fail(ctx, f, { found: describeNode(n), expected: `one of ${values.join(', ')}` });
  return undefined;
}

/** The items of a list, each as a Field `path[i]`; a non-list is reported. */
export function items(ctx: Ctx, f: Field, expected: string): Field[] | undefined {
  const n = f.node;
  if (n === null || !isSeq(n)) {
    const suggestion = n !== null && isScalar(n) ? 'write it as a list item: "- value" on its own line' : undefined;
    fail(ctx, f, { found: describeNode(n), expected, suggestion });
    return undefined;
  }
  return n.items.map((item, i) => ({ path: `${f.path}[${i}]`, node: deref(ctx, item), at: f.at }));
}

/** A list of text values (paths, names); an absent field is an empty list. */
export function textList(ctx: Ctx, f: Field | undefined, what = 'a list of strings'): string[] {
  if (f === undefined || f.node === null) return [];
  const list = items(ctx, f, what);
  if (list === undefined) return [];
  const out: string[] = [];
  for (const item of list) {
    const value = text(ctx, item, 'a string');
    if (value !== undefined) out.push(value);
  }
  return out;
}
