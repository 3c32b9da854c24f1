// Test helpers: read a buildspec expected to fail and pick out its problems.
import assert from 'node:assert/strict';
import type { Problem } from '../../core/errors.ts';
import { isSlipwayError } from '../../core/errors.ts';
import { readBuildspec } from './read.ts';

/** Joins lines, so tests can count line numbers at a glance. */
export function yaml(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

export function problemsOf(text: string, file = 'buildspec.yml'): readonly Problem[] {
  try {
    readBuildspec(text, file);
  } catch (err) {
    assert.ok(isSlipwayError(err), 'expected a SlipwayError');
    assert.equal(err.code, 'InvalidBuildspec');
    assert.ok(err.problems.length > 0);
    return err.problems;
  }
  assert.fail('expected the buildspec to be refused');
}

/** The single problem for `field`, checked for position and, when given, message parts. */
export function problemAt(
  text: string,
  field: string,
  where: { line: number; column: number },
  parts: { found?: RegExp | string; expected?: RegExp | string; suggestion?: RegExp | string } = {},
): Problem {
  const all = problemsOf(text);
  const hits = all.filter((p) => p.field === field);
  assert.equal(hits.length, 1, `one problem for ${field}; got ${JSON.stringify(all, null, 1)}`);
  const p = hits[0]!;
  assert.equal(p.file, 'buildspec.yml');
  assert.deepEqual({ line: p.line, column: p.column }, where, `position of ${field}`);
  for (const key of ['found', 'expected', 'suggestion'] as const) {
    const want = parts[key];
    if (want === undefined) continue;
    const got = p[key] ?? '';
    if (typeof want === 'string') assert.equal(got, want, `${key} of ${field}`);
    else assert.match(got, want, `${key} of ${field}`);
  }
  return p;
}
