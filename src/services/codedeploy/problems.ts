// CodeDeploy's errors: every problem collected at once, thrown under the AWS code of the first (CodeDeploy names one per field).
import { SlipwayError, formatProblem, type Problem } from '../../core/errors.ts';

export class CodedProblems {
  readonly #items: { code: string; problem: Problem }[] = [];

  add(code: string, field: string, expected: string, found?: string): void {
    this.#items.push({ code, problem: { field, expected, ...(found === undefined ? {} : { found }) } });
  }

  get size(): number {
    return this.#items.length;
  }

  throwIfAny(summary: string): void {
    const first = this.#items[0];
    if (first === undefined) return;
    const lines = this.#items.map((i) => formatProblem(i.problem));
    const message = lines.length === 1 ? `${summary}: ${lines[0]}` : `${summary} (${lines.length} problems):\n- ${lines.join('\n- ')}`;
    throw new SlipwayError(first.code, message, { problems: this.#items.map((i) => i.problem) });
  }
}

/** nextToken paging with CodeDeploy's InvalidNextTokenException; the token is an opaque offset into a stable ordering. */
export function page<T>(items: readonly T[], nextToken: unknown, size = 100): { items: T[]; nextToken?: string } {
  let start = 0;
  if (nextToken !== undefined && nextToken !== null) {
    const decoded = typeof nextToken === 'string' ? Number(Buffer.from(nextToken, 'base64url').toString('utf8')) : Number.NaN;
    if (!Number.isInteger(decoded) || decoded < 0) {
      throw new SlipwayError('InvalidNextTokenException', `nextToken: found ${JSON.stringify(nextToken)}, expected a token from a previous response`);
    }
    start = decoded;
  }
  const slice = items.slice(start, start + size);
  const end = start + slice.length;
  return end < items.length ? { items: slice, nextToken: Buffer.from(String(end)).toString('base64url') } : { items: slice };
}
