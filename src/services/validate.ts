// Reads an operation's input member by member, collecting every problem before failing with AWS's ValidationException.
import { describeValue, Problems } from '../core/errors.ts';

interface StringRule {
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: RegExp;
  /** Human words for the pattern, e.g. "letters, digits, '.', '_' and '-'". */
  readonly patternText?: string;
  readonly oneOf?: readonly string[];
}

interface NumberRule {
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
}

export class InputReader {
  readonly #input: Record<string, unknown>;
  readonly #problems: Problems;
  readonly #prefix: string;

  constructor(input: object, problems = new Problems(), prefix = '') {
    this.#input = input as Record<string, unknown>;
    this.#problems = problems;
    this.#prefix = prefix;
  }

  #field(name: string): string {
    return `${this.#prefix}${name}`;
  }

  #missing(name: string, required: boolean | undefined, value: unknown): boolean {
    if (value !== undefined && value !== null) return false;
    if (required === true) this.#problems.add({ field: this.#field(name), found: 'nothing', expected: 'a value (the member is required)' });
    return true;
  }

  string(name: string, rule: StringRule = {}): string | undefined {
    const value = this.#input[name];
    if (this.#missing(name, rule.required, value)) return undefined;
    if (typeof value !== 'string') {
      this.#problems.add({ field: this.#field(name), found: describeValue(value), expected: 'a string' });
      return undefined;
    }
    const field = this.#field(name);
    if (rule.min !== undefined && value.length < rule.min) {
      this.#problems.add({ field, found: `${value.length} characters`, expected: `at least ${rule.min}` });
    } else if (rule.max !== undefined && value.length > rule.max) {
      this.#problems.add({ field, found: `${value.length} characters`, expected: `at most ${rule.max}` });
    } else if (rule.oneOf !== undefined && !rule.oneOf.includes(value)) {
      this.#problems.add({ field, found: describeValue(value), expected: `one of ${rule.oneOf.join(', ')}` });
    } else if (rule.pattern !== undefined && !rule.pattern.test(value)) {
      this.#problems.add({ field, found: describeValue(value), expected: rule.patternText ?? `a value matching ${String(rule.pattern)}` });
    } else {
      return value;
    }
    return undefined;
  }

  integer(name: string, rule: NumberRule = {}): number | undefined {
    const value = this.#input[name];
    if (this.#missing(name, rule.required, value)) return undefined;
    const field = this.#field(name);
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      this.#problems.add({ field, found: describeValue(value), expected: 'an integer' });
      return undefined;
    }
    if ((rule.min !== undefined && value < rule.min) || (rule.max !== undefined && value > rule.max)) {
      this.#problems.add({ field, found: String(value), expected: `an integer from ${rule.min ?? '-∞'} to ${rule.max ?? '∞'}` });
      return undefined;
    }
    return value;
  }

  boolean(name: string, rule: { required?: boolean } = {}): boolean | undefined {
    const value = this.#input[name];
    if (this.#missing(name, rule.required, value)) return undefined;
    if (typeof value !== 'boolean') {
      this.#problems.add({ field: this.#field(name), found: describeValue(value), expected: 'true or false' });
      return undefined;
    }
    return value;
  }

  stringList(name: string, rule: { required?: boolean; min?: number; max?: number; item?: StringRule } = {}): string[] | undefined {
    const value = this.#input[name];
    if (this.#missing(name, rule.required, value)) return undefined;
    const field = this.#field(name);
    if (!Array.isArray(value)) {
      this.#problems.add({ field, found: describeValue(value), expected: 'a list of strings' });
      return undefined;
    }
    if ((rule.min !== undefined && value.length < rule.min) || (rule.max !== undefined && value.length > rule.max)) {
      this.#problems.add({ field, found: `${value.length} items`, expected: `from ${rule.min ?? 0} to ${rule.max ?? '∞'} items` });
      return undefined;
    }
    const out: string[] = [];
    value.forEach((item: unknown, i) => {
      const read = new InputReader({ [`${name}[${i}]`]: item }, this.#problems, this.#prefix).string(`${name}[${i}]`, { ...rule.item, required: true });
      if (read !== undefined) out.push(read);
    });
    return out;
  }

  /** A nested structure, read with its own reader whose problems join this one's. */
  struct(name: string, rule: { required?: boolean } = {}): InputReader | undefined {
    const value = this.#input[name];
    if (this.#missing(name, rule.required, value)) return undefined;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.#problems.add({ field: this.#field(name), found: describeValue(value), expected: 'an object' });
      return undefined;
    }
    return new InputReader(value, this.#problems, `${this.#field(name)}.`);
  }

  /** Throws ValidationException listing every problem, as AWS does ("2 validation errors detected: …"). */
  done(): void {
    const n = this.#problems.size;
    this.#problems.throwIfAny('ValidationException', `${n} validation error${n === 1 ? '' : 's'} detected`);
  }
}

/**
 * Narrows a value the code above guarantees (a required member `done()` accepted, a row just written) for TypeScript,
 * which cannot see that guarantee; throws if the guarantee was broken.
 */
export function assertPresent<T>(value: T | undefined, why = 'validated above'): asserts value is T {
  if (value === undefined) throw new Error(`unreachable: ${why}`);
}
