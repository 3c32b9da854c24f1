// Parses a user file (YAML or JSON) keeping positions, and collects problems that point at file:line:column.
import { nearName as sharedNearName } from '../near-name.ts';
import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { describeValue } from '../../core/errors.ts';
import type { Problem } from '../../core/errors.ts';

export type Path = readonly (string | number)[];

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** A parsed file: its plain value, and where each path sits in the text. */
export interface Source {
  readonly value: unknown;
  /** Position of the value at `path` (of its key, with `key`); falls back to the nearest ancestor that exists. */
  at(path: Path, key?: boolean): Position | undefined;
}

/** Parses YAML or JSON (yaml's parser reads both); syntax errors become problems and the value is undefined. */
export function parseSource(text: string, file: string, problems: Problem[]): Source {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const pos = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  for (const err of doc.errors) {
    const first = pos(err.pos[0]);
    problems.push({
      file,
      field: '(document)',
      found: err.message.split('\n')[0] ?? err.message,
      expected: file.endsWith('.json') ? 'valid JSON' : 'valid YAML or JSON',
      line: first.line,
      column: first.column,
    });
  }
  const value: unknown = doc.errors.length > 0 ? undefined : doc.toJS();
  return { value, at: (path, key = false) => locate(doc, path, key, pos) };
}

function locate(doc: Document, path: Path, key: boolean, pos: (offset: number) => Position): Position | undefined {
  let node: unknown = doc.contents;
  let found: Position | undefined = rangeStart(node, pos);
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : p.key) === String(seg));
      if (pair === undefined) return found;
      const keyPos = rangeStart(pair.key, pos);
      if (last && key) return keyPos ?? found;
      node = pair.value;
      found = rangeStart(node, pos) ?? keyPos ?? found;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      if (node === undefined) return found;
      found = rangeStart(node, pos) ?? found;
    } else {
      return found;
    }
  }
  return found;
}

function rangeStart(node: unknown, pos: (offset: number) => Position): Position | undefined {
  if (node === null || typeof node !== 'object' || !('range' in node)) return undefined;
  const range = (node as { range?: readonly number[] | null }).range;
  return range?.[0] === undefined ? undefined : pos(range[0]);
}

/** Renders a path as `containerDefinitions[0].portMappings[1].hostPort`. */
export function fieldName(path: Path): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out === '' ? '(document)' : out;
}

export interface ReportOptions {
  /** The value found; described with describeValue unless `foundText` is given. */
  readonly found?: unknown;
  readonly foundText?: string;
  readonly suggestion?: string;
  /** Point at the key rather than the value (unknown members). */
  readonly key?: boolean;
}

/** Collects problems for one file (or one API input when there is no file). */
export class Reporter {
  readonly problems: Problem[] = [];
  readonly #file: string | undefined;
  readonly #source: Source | undefined;

  constructor(file?: string, source?: Source) {
    this.#file = file;
    this.#source = source;
  }

  add(path: Path, expected: string, options: ReportOptions = {}): void {
    const where = this.#source?.at(path, options.key ?? false);
    const found = options.foundText ?? ('found' in options ? describeValue(options.found) : undefined);
    this.problems.push({
      ...(this.#file === undefined ? {} : { file: this.#file }),
      field: fieldName(path),
      ...(found === undefined ? {} : { found }),
      expected,
      ...(where === undefined ? {} : { line: where.line, column: where.column }),
      ...(options.suggestion === undefined ? {} : { suggestion: options.suggestion }),
    });
  }
}

/** Task definitions and appspecs allow two edits even for short names (`portMapping`, `essentail`). */
export function nearName(name: string, candidates: Iterable<string>): string | undefined {
  return sharedNearName(name, candidates, { minLimit: 2 });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
