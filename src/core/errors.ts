// Errors with stable codes: AWS exception names where the API has one; HTTP mapping happens at the edge.

export type ErrorFault = 'client' | 'server';

/** One problem found while validating input or a user file. */
export interface Problem {
  /** The file the problem is in, when it comes from a user file. */
  readonly file?: string;
  /** Dotted path of the field, e.g. `phases.build.commands[2]`. */
  readonly field: string;
  readonly found?: string;
  readonly expected: string;
  readonly line?: number;
  readonly column?: number;
  /** A near name or fix, e.g. "appspec.yml found; the action expects appspec.yaml". */
  readonly suggestion?: string;
}

export interface SlipwayErrorOptions {
  readonly cause?: unknown;
  readonly fault?: ErrorFault;
  readonly problems?: readonly Problem[];
  /** Extra members placed in the AWS error body beside `__type` and `message`. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export class SlipwayError extends Error {
  readonly code: string;
  readonly fault: ErrorFault;
  readonly problems: readonly Problem[];
  readonly extra: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, options: SlipwayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SlipwayError';
    this.code = code;
    this.fault = options.fault ?? 'client';
    this.problems = options.problems ?? [];
    this.extra = options.extra ?? {};
  }
}

export function isSlipwayError(value: unknown): value is SlipwayError {
  return value instanceof SlipwayError;
}

/** Renders one problem as a single line: `file:line:col: field: found X, expected Y (suggestion)`. */
export function formatProblem(p: Problem): string {
  let where = '';
  if (p.file !== undefined) {
    where = p.file;
    if (p.line !== undefined) where += `:${p.line}`;
    if (p.line !== undefined && p.column !== undefined) where += `:${p.column}`;
    where += ': ';
  }
  const found = p.found === undefined ? '' : `found ${p.found}, `;
  const suggestion = p.suggestion === undefined ? '' : ` (${p.suggestion})`;
  return `${where}${p.field}: ${found}expected ${p.expected}${suggestion}`;
}

/** Collects every problem before failing, so a user sees all of them at once. */
export class Problems {
  readonly #items: Problem[] = [];

  add(problem: Problem): void {
    this.#items.push(problem);
  }

  get size(): number {
    return this.#items.length;
  }

  get items(): readonly Problem[] {
    return this.#items;
  }

  /** Throws one error carrying every problem, or returns when there is none. */
  throwIfAny(code = 'ValidationException', summary = 'Invalid input'): void {
    if (this.#items.length === 0) return;
    const lines = this.#items.map(formatProblem);
    const message =
      lines.length === 1 ? `${summary}: ${lines[0]}` : `${summary} (${lines.length} problems):\n- ${lines.join('\n- ')}`;
    throw new SlipwayError(code, message, { problems: [...this.#items] });
  }
}

/** Describes a value for "found …" parts of messages, short and type-revealing. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return value.length > 60 ? `"${value.slice(0, 57)}..."` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return `a list of ${value.length}`;
  return 'an object';
}
