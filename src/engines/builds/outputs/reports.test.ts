import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkShape, loadModel } from '../../../../test/helpers/aws-model.ts';
import { SlipwayError } from '../../../core/errors.ts';
import type { ReportGroup } from '../../../specs/buildspec/model.ts';
import { REPORT_FILE_FORMATS } from '../../../specs/buildspec/model.ts';
import { collectArtifacts } from './artifacts.ts';
import { parseCucumberJson, parseJUnitXml } from './junit.ts';
import { ReportParseError } from './xml.ts';
import { collectReports, reportGroupOf, SUPPORTED_REPORT_FORMATS } from './reports.ts';
import { artifactsOf, buildspecOf, tempBlobs, tempDir, writeTree } from './test-helpers.ts';

const TESTDATA = join(import.meta.dirname, 'testdata');
const fixture = (name: string): string => readFileSync(join(TESTDATA, name), 'utf8');
const BUILD_ARN = 'arn:aws:codebuild:us-east-1:000000000000:build/web:0b7f4a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';

function reportsOf(...lines: string[]): Record<string, ReportGroup> {
  return { ...buildspecOf('reports:', ...lines).reports };
}

test('node:test --test-reporter=junit output (a real sample): suites, top-level cases, failures, skip and todo', () => {
  const cases = parseJUnitXml(fixture('node-test-junit.xml'));
  assert.deepEqual(
    cases.map((c) => [c.testSuiteName, c.prefix, c.name, c.status]),
    [
      // Top-level cases sit directly under <testsuites>, which has no name.
      ['', 'test', 'top level passes', 'SUCCEEDED'],
      ['', 'test', 'throws', 'FAILED'],
      ['math', 'math', 'adds', 'SUCCEEDED'],
      ['math', 'math', 'fails', 'FAILED'],
      ['math', 'math', 'skipped one', 'SKIPPED'],
      ['math', 'math', 'todo one', 'SKIPPED'],
    ],
  );
  const fails = cases.find((c) => c.name === 'fails');
  assert.equal(fails?.durationInNanoSeconds, 821_000);
  // The body already holds the message attribute: it is not said twice.
  assert.match(fails?.message ?? '', /^Error \[ERR_TEST_FAILURE\]: 2 == 3\n/);
  assert.match(cases.find((c) => c.name === 'throws')?.message ?? '', /boom <&>/, 'entities are decoded');
  assert.equal(cases.find((c) => c.name === 'skipped one')?.message, 'not today');
});

test('jest-junit output: failure text without a message attribute, <skipped/>, several suites', () => {
  const cases = parseJUnitXml(fixture('jest-junit.xml'));
  assert.deepEqual(
    cases.map((c) => [c.testSuiteName, c.name, c.status, c.durationInNanoSeconds]),
    [
      ['Calculator', 'Calculator adds two numbers', 'SUCCEEDED', 3_000_000],
      ['Calculator', 'Calculator divides by zero', 'FAILED', 12_000_000],
      ['Calculator', 'Calculator multiplies', 'SKIPPED', 0],
      ['Calculator', 'Calculator subtracts', 'SUCCEEDED', 1_000_000],
      ['Strings', 'Strings pads', 'SUCCEEDED', 2_000_000],
    ],
  );
  assert.match(cases[1]?.message ?? '', /^Error: expect\(received\)\.toThrow\(\)\n\nReceived function did not throw\n {4}at Object\.<anonymous>/);
  assert.equal(cases[2]?.message, undefined);
});

test('mocha-junit-reporter output: CDATA bodies, <error> is ERROR, an empty Root Suite adds nothing', () => {
  const cases = parseJUnitXml(fixture('mocha-junit.xml'));
  assert.deepEqual(
    cases.map((c) => [c.testSuiteName, c.prefix, c.status]),
    [
      ['API', 'returns 200', 'SUCCEEDED'],
      ['API', 'returns 404 for unknown', 'FAILED'],
      ['API', 'handles errors', 'ERROR'],
    ],
  );
  // The body repeats the message: it is not said twice.
  assert.equal(cases[2]?.message, 'Error: connect ECONNREFUSED 127.0.0.1:5432');
  assert.match(cases[1]?.message ?? '', /^AssertionError: expected 200 to equal 404\n {4}at Context\.<anonymous>/);
});

test('a bare <testsuite> root (Maven Surefire), and documents that are not JUnit', () => {
  const cases = parseJUnitXml(fixture('surefire.xml'));
  assert.deepEqual(
    cases.map((c) => [c.testSuiteName, c.prefix, c.name, c.status, c.message]),
    [
      ['com.example.AppTest', 'com.example.AppTest', 'testApp', 'SUCCEEDED', undefined],
      ['com.example.AppTest', 'com.example.AppTest', 'testLater', 'SKIPPED', '@Disabled'],
    ],
  );
  assert.throws(() => parseJUnitXml('<html><body/></html>'), ReportParseError);
  assert.throws(() => parseJUnitXml('<testsuite><testcase'), ReportParseError);
});

test('Cucumber JSON: one case per scenario; failed, undefined (ERROR) and passed scenarios', () => {
  const cases = parseCucumberJson(fixture('cucumber.json'));
  assert.deepEqual(
    cases.map((c) => [c.testSuiteName, c.name, c.status, c.durationInNanoSeconds, c.message]),
    [
      ['Login', 'Successful login', 'SUCCEEDED', 3_000_000, undefined],
      ['Login', 'Wrong password', 'FAILED', 1_200_000, 'expected 401, got 200'],
      ['Login', 'SSO', 'ERROR', 0, undefined],
    ],
  );
  assert.throws(() => parseCucumberJson('{"not":"an array"}'), ReportParseError);
});

test('collectReports: report groups with base-directory, totals, status counts and the CodeBuild shapes', async (t) => {
  const src = writeTree(tempDir(t), {
    'reports/unit/jest.xml': fixture('jest-junit.xml'),
    'reports/unit/mocha.xml': fixture('mocha-junit.xml'),
    'reports/unit/notes.txt': 'not a report',
    'features/out/cucumber.json': fixture('cucumber.json'),
  });
  let n = 0;
  const { reports, warnings } = await collectReports({
    srcDir: src,
    reports: reportsOf(
      '  unit-tests:',
      '    files:',
      "      - '**/*.xml'",
      '    base-directory: reports/unit',
      '  arn:aws:codebuild:us-east-1:000000000000:report-group/shared-bdd:',
      '    files:',
      '      - features/out/cucumber.json',
      '    file-format: CUCUMBERJSON',
      '  coverage:',
      '    files:',
      "      - 'nothing/**/*'",
    ),
    projectName: 'web',
    buildArn: BUILD_ARN,
    now: () => Date.UTC(2026, 10, 23),
    newId: () => `id-${++n}`,
  });
  assert.deepEqual(warnings, ["report group web-coverage: no files matched nothing/**/*; no report"]);
  assert.equal(reports.length, 2);
  const unit = reports[0];
  assert.ok(unit);
  assert.deepEqual(unit.report, {
    arn: 'arn:aws:codebuild:us-east-1:000000000000:report/web-unit-tests:id-1',
    type: 'TEST',
    name: 'web-unit-tests',
    reportGroupArn: 'arn:aws:codebuild:us-east-1:000000000000:report-group/web-unit-tests',
    executionId: BUILD_ARN,
    status: 'FAILED',
    created: new Date(Date.UTC(2026, 10, 23)),
    expired: new Date(Date.UTC(2026, 10, 23) + 30 * 24 * 3600 * 1000),
    truncated: false,
    testSummary: {
      total: 8,
      statusCounts: { SUCCEEDED: 4, FAILED: 2, ERROR: 1, SKIPPED: 1, UNKNOWN: 0 },
      durationInNanoSeconds: 18_000_000 + 27_000_000,
    },
  });
  assert.deepEqual(unit.files, ['reports/unit/jest.xml', 'reports/unit/mocha.xml']);
  const tc = unit.testCases.find((c) => c.name === 'API handles errors');
  assert.deepEqual(tc, {
    reportArn: unit.report.arn,
    testRawDataPath: 'reports/unit/mocha.xml',
    testSuiteName: 'API',
    prefix: 'handles errors',
    name: 'API handles errors',
    status: 'ERROR',
    durationInNanoSeconds: 2_000_000,
    message: 'Error: connect ECONNREFUSED 127.0.0.1:5432',
    expired: unit.report.expired,
  });
  const bdd = reports[1];
  assert.equal(bdd?.reportGroupArn, 'arn:aws:codebuild:us-east-1:000000000000:report-group/shared-bdd');
  assert.equal(bdd?.report.name, 'shared-bdd');
  assert.equal(bdd?.report.testSummary?.total, 3);
});

test('collectReports: an unparsable file makes the report INCOMPLETE; an unknown format is a clear error', async (t) => {
  const src = writeTree(tempDir(t), { 'out/good.xml': fixture('surefire.xml'), 'out/bad.xml': '<testsuite><testcase' });
  const { reports } = await collectReports({ srcDir: src, reports: reportsOf('  unit:', '    files:', "      - 'out/*.xml'"), projectName: 'web', buildArn: BUILD_ARN });
  assert.equal(reports[0]?.report.status, 'INCOMPLETE');
  assert.equal(reports[0]?.report.testSummary?.total, 2);
  assert.match(reports[0]?.warnings.join('\n') ?? '', /out\/bad\.xml is not valid JUNITXML/);

  await assert.rejects(
    // Every format the reader accepts is parsed; a format added to the reader before a parser exists is refused by name.
    collectReports({ srcDir: src, reports: { cov: { files: ['out/good.xml'], discardPaths: false, fileFormat: 'XUNITXML' as never } }, projectName: 'web', buildArn: BUILD_ARN }),
    (e: unknown) =>
      e instanceof SlipwayError &&
      /reports\.cov\.file-format: XUNITXML is not supported by Slipway yet; expected one of JUNITXML, CUCUMBERJSON, TESTNGXML, NUNIT3XML, NUNITXML, VISUALSTUDIOTRX, COBERTURAXML, JACOCOXML, CLOVERXML, SIMPLECOV$/.test(e.message),
  );
});

test('reportGroupOf: a plain name is <project>-<name>; an ARN names its group', () => {
  assert.deepEqual(reportGroupOf('unit', 'web'), { name: 'web-unit', arn: 'arn:aws:codebuild:us-east-1:000000000000:report-group/web-unit' });
  const groupArn = 'arn:aws:codebuild:eu-west-1:111111111111:report-group/shared';
  assert.deepEqual(reportGroupOf(groupArn, 'web'), { name: 'shared', arn: groupArn });
});

test('Report, TestCase and BuildArtifacts values conform to the CodeBuild model (as the JSON protocol sends them)', async (t) => {
  const model = loadModel('codebuild.2016-10-06');
  const wire = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'string' && /^\d{4}-\d\d-\d\dT/.test(x) ? Date.parse(x) / 1000 : x)));
  const src = writeTree(tempDir(t), { 'r/a.xml': fixture('mocha-junit.xml') });
  const { reports } = await collectReports({ srcDir: src, reports: reportsOf('  unit:', '    files:', '      - r/a.xml'), projectName: 'web', buildArn: BUILD_ARN });
  const r = reports[0];
  assert.ok(r);
  assert.deepEqual(checkShape(model, 'Report', wire(r.report)), []);
  for (const tc of r.testCases) assert.deepEqual(checkShape(model, 'TestCase', wire(tc)), []);
  const blobs = tempBlobs(t);
  const got = await collectArtifacts({ srcDir: src, artifacts: artifactsOf('  files:', "    - '**/*'", '  secondary-artifacts:', '    two:', '      files:', '        - r/a.xml'), blobs, projectName: 'web', buildId: 'web:1' });
  assert.deepEqual(checkShape(model, 'BuildArtifacts', wire(got.primary?.buildArtifacts)), []);
  assert.deepEqual(checkShape(model, 'BuildArtifacts', wire(got.secondary[0]?.buildArtifacts)), []);
});

test('every file-format the buildspec reader accepts has a parser', () => {
  assert.deepEqual([...SUPPORTED_REPORT_FORMATS].sort(), [...REPORT_FILE_FORMATS].sort());
});
