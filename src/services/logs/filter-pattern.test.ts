import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SlipwayError } from '../../core/errors.ts';
import { matchesFilter, parseFilterPattern } from './filter-pattern.ts';

const matches = (pattern: string, message: string): boolean => matchesFilter(parseFilterPattern(pattern), message);

test('plain terms must all appear, case-sensitively', () => {
  assert.equal(matches('ERROR disk', 'ERROR: disk full'), true);
  assert.equal(matches('ERROR disk', 'ERROR: network down'), false);
  assert.equal(matches('error', 'ERROR: disk full'), false);
});

test('quoted phrases match as written, with escapes', () => {
  assert.equal(matches('"disk full"', 'ERROR: disk full'), true);
  assert.equal(matches('"full disk"', 'ERROR: disk full'), false);
  assert.equal(matches('"say \\"hi\\""', 'they say "hi" here'), true);
});

test('?terms: at least one must appear, alongside every plain term', () => {
  assert.equal(matches('?ERROR ?WARN', 'WARN low memory'), true);
  assert.equal(matches('?ERROR ?WARN', 'INFO fine'), false);
  assert.equal(matches('build ?ERROR ?WARN', 'WARN in build'), true);
  assert.equal(matches('build ?ERROR ?WARN', 'WARN in test'), false);
  assert.equal(matches('?"exit status 1" ?FAILED', 'make: exit status 1'), true);
});

test('-terms exclude, and a blank pattern matches everything', () => {
  assert.equal(matches('ERROR -Retrying', 'ERROR Retrying in 5s'), false);
  assert.equal(matches('ERROR -Retrying', 'ERROR giving up'), true);
  assert.equal(matches('', 'anything'), true);
  assert.equal(matches('   ', 'anything'), true);
});

test('JSON, space-delimited and regex patterns and unclosed quotes are rejected with InvalidParameterException', () => {
  for (const pattern of ['{ $.level = "error" }', '[ip, user]', '%ERR.*%', '"unclosed']) {
    assert.throws(
      () => parseFilterPattern(pattern),
      (e: unknown) => e instanceof SlipwayError && e.code === 'InvalidParameterException',
      pattern,
    );
  }
});
