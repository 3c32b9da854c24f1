import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseJUnitXml } from './junit.ts';
import { ReportParseError } from './xml.ts';
import { parseNUnit2Xml, parseNUnit3Xml, parseTestNgXml, parseTrx } from './xml-reports.ts';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, 'testdata', name), 'utf8');

test('TestNG testng-results.xml: PASS/FAIL/SKIP, configuration methods left out, exception message and trace', () => {
  const cases = parseTestNgXml(fixture('testng-results.xml'));
  assert.deepEqual(
    cases.map((c) => [c.testSuiteName, c.prefix, c.name, c.status, c.durationInNanoSeconds]),
    [
      ['Surefire suite', 'com.example.CartTest', 'addsItem', 'SUCCEEDED', 12_000_000],
      ['Surefire suite', 'com.example.CartTest', 'totals', 'FAILED', 31_000_000],
      ['Surefire suite', 'com.example.CartTest', 'discounts', 'SKIPPED', 0],
      ['Surefire suite', 'com.example.PriceTest', 'rounds', 'SUCCEEDED', 3_000_000],
    ],
  );
  assert.match(cases[1]?.message ?? '', /^java\.lang\.AssertionError: expected \[42\] but found \[41\]\n\tat org\.testng\.Assert\.fail/);
  assert.throws(() => parseTestNgXml(fixture('surefire.xml')), ReportParseError);
});

test('NUnit 3 (with a byte-order mark): Passed, Failed, Failed+Error label, Skipped with its reason, fixture as suite', () => {
  const cases = parseNUnit3Xml(fixture('nunit3.xml'));
  assert.deepEqual(
    cases.map((c) => [c.testSuiteName, c.prefix, c.name, c.status, c.durationInNanoSeconds]),
    [
      ['Shop.CartTests', 'Shop.CartTests', 'AddsItem', 'SUCCEEDED', 12_000_000],
      ['Shop.CartTests', 'Shop.CartTests', 'Totals', 'FAILED', 34_000_000],
      ['Shop.CartTests', 'Shop.CartTests', 'Checkout', 'ERROR', 2_000_000],
      ['Shop.CartTests', 'Shop.CartTests', 'Discounts', 'SKIPPED', 0],
    ],
  );
  assert.equal(cases[1]?.message, 'Expected: 42\n  But was:  41\nat Shop.CartTests.Totals() in /src/Shop.Tests/CartTests.cs:line 27');
  assert.equal(cases[3]?.message, 'not implemented yet');
});

test('NUnit 2: results nested in suites, full names split into prefix and name', () => {
  const cases = parseNUnit2Xml(fixture('nunit2.xml'));
  assert.deepEqual(
    cases.map((c) => [c.testSuiteName, c.prefix, c.name, c.status]),
    [
      ['CartTests', 'Shop.CartTests', 'AddsItem', 'SUCCEEDED'],
      ['CartTests', 'Shop.CartTests', 'Totals', 'FAILED'],
      ['CartTests', 'Shop.CartTests', 'Discounts', 'SKIPPED'],
    ],
  );
  assert.equal(cases[2]?.message, 'not implemented yet');
});

test('JUnit XML with a byte-order mark parses', () => {
  assert.equal(parseJUnitXml(`\uFEFF${fixture('surefire.xml')}`).length, 2);
});

test('Visual Studio TRX: outcomes, hh:mm:ss durations, class names joined from TestDefinitions, ErrorInfo', () => {
  const cases = parseTrx(fixture('dotnet.trx'));
  assert.deepEqual(
    cases.map((c) => [c.testSuiteName, c.prefix, c.name, c.status, c.durationInNanoSeconds]),
    [
      ['Shop.CartTests', 'Shop.CartTests', 'AddsItem', 'SUCCEEDED', 12_000_000],
      ['Shop.CartTests', 'Shop.CartTests', 'Totals', 'FAILED', 34_000_000],
      ['Shop.CartTests', 'Shop.CartTests', 'Discounts', 'SKIPPED', 0],
    ],
  );
  assert.equal(cases[1]?.message, 'Assert.Equal() Failure\nExpected: 42\nActual:   41\nat Shop.CartTests.Totals() in /src/Shop.Tests/CartTests.cs:line 27');
  assert.throws(() => parseTrx(fixture('nunit2.xml')), ReportParseError);
});
