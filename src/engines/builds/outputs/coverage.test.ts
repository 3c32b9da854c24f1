import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkShape, loadModel } from '../../../../test/helpers/aws-model.ts';
import { Store } from '../../../store/db.ts';
import { parseCloverXml, parseCoberturaXml, parseJaCoCoXml, parseSimpleCovJson, percentage } from './coverage.ts';
import { ReportParseError } from './xml.ts';
import { describeCodeCoverages, saveReports } from './report-store.ts';
import { collectReports } from './reports.ts';
import { buildspecOf, tempDir, writeTree } from './test-helpers.ts';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, 'testdata', name), 'utf8');
const BUILD_ARN = 'arn:aws:codebuild:us-east-1:000000000000:build/web:1';

test('Cobertura: lines by hit count and branches from condition-coverage, per file', () => {
  assert.deepEqual(parseCoberturaXml(fixture('cobertura.xml')), [
    { filePath: 'lib/cart.js', linesCovered: 3, linesMissed: 1, branchesCovered: 1, branchesMissed: 1 },
    { filePath: 'lib/price.js', linesCovered: 2, linesMissed: 1, branchesCovered: 1, branchesMissed: 1 },
  ]);
  assert.throws(() => parseCoberturaXml(fixture('jacoco.xml')), ReportParseError);
});

test('JaCoCo: sourcefile LINE and BRANCH counters, path from the package', () => {
  assert.deepEqual(parseJaCoCoXml(fixture('jacoco.xml')), [
    { filePath: 'com/example/Cart.java', linesCovered: 8, linesMissed: 2, branchesCovered: 3, branchesMissed: 1 },
    { filePath: 'com/example/Price.java', linesCovered: 4, linesMissed: 0, branchesCovered: 0, branchesMissed: 0 },
  ]);
  assert.equal(percentage(2, 1), 66.67);
  assert.equal(percentage(0, 0), 0);
});

test('coverage report groups make CODE_COVERAGE reports with summaries; stored and described with sorting and filters', async (t) => {
  const src = writeTree(tempDir(t), { 'coverage/cobertura-coverage.xml': fixture('cobertura.xml') });
  const { reports } = await collectReports({
    srcDir: src,
    reports: { ...buildspecOf('reports:', '  coverage:', '    files:', '      - coverage/cobertura-coverage.xml', '    file-format: COBERTURAXML').reports },
    projectName: 'web',
    buildArn: BUILD_ARN,
  });
  const r = reports[0];
  assert.ok(r);
  assert.equal(r.report.type, 'CODE_COVERAGE');
  assert.equal(r.report.status, 'SUCCEEDED');
  assert.equal(r.report.testSummary, undefined);
  assert.deepEqual(r.report.codeCoverageSummary, {
    lineCoveragePercentage: 71.43,
    linesCovered: 5,
    linesMissed: 2,
    branchCoveragePercentage: 50,
    branchesCovered: 2,
    branchesMissed: 2,
  });
  const model = loadModel('codebuild.2016-10-06');
  const wire = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'string' && /^\d{4}-\d\d-\d\dT/.test(x) ? Date.parse(x) / 1000 : x)));
  assert.deepEqual(checkShape(model, 'Report', wire(r.report)), []);
  for (const c of r.codeCoverages) assert.deepEqual(checkShape(model, 'CodeCoverage', wire(c)), []);

  const store = new Store(tempDir(t, 'slipway-outputs-db-'));
  t.after(() => store.close());
  saveReports(store, reports);
  const arn = r.report.arn;
  assert.deepEqual(describeCodeCoverages(store, arn)?.map((c) => c.filePath), ['lib/cart.js', 'lib/price.js']);
  assert.deepEqual(
    describeCodeCoverages(store, arn, { sortBy: 'LINE_COVERAGE_PERCENTAGE', sortOrder: 'ASCENDING' })?.map((c) => [c.filePath, c.lineCoveragePercentage]),
    [
      ['lib/price.js', 66.67],
      ['lib/cart.js', 75],
    ],
  );
  assert.deepEqual(describeCodeCoverages(store, arn, { minLineCoveragePercentage: 70 })?.map((c) => c.filePath), ['lib/cart.js']);
  assert.deepEqual(describeCodeCoverages(store, arn), r.codeCoverages);
  assert.equal(describeCodeCoverages(store, `${arn}x`), undefined);
});

test('Clover: stmt lines by count, cond lines as two branches, files in and outside packages', () => {
  assert.deepEqual(parseCloverXml(fixture('clover.xml')), [
    { filePath: '/src/index.js', linesCovered: 1, linesMissed: 1, branchesCovered: 0, branchesMissed: 0 },
    { filePath: '/src/lib/cart.js', linesCovered: 3, linesMissed: 1, branchesCovered: 1, branchesMissed: 1 },
  ]);
  assert.throws(() => parseCloverXml(fixture('cobertura.xml')), ReportParseError);
});

test('SimpleCov .resultset.json: null and "ignored" lines are not code; branch hit counts', () => {
  assert.deepEqual(parseSimpleCovJson(fixture('simplecov-resultset.json')), [
    { filePath: '/src/lib/cart.rb', linesCovered: 3, linesMissed: 1, branchesCovered: 1, branchesMissed: 1 },
    { filePath: '/src/lib/price.rb', linesCovered: 3, linesMissed: 0, branchesCovered: 0, branchesMissed: 0 },
  ]);
  // The JSON formatter's shape: one top-level coverage table.
  assert.deepEqual(parseSimpleCovJson('{"coverage":{"a.rb":[1,0,null]}}'), [{ filePath: 'a.rb', linesCovered: 1, linesMissed: 1, branchesCovered: 0, branchesMissed: 0 }]);
  assert.throws(() => parseSimpleCovJson('[]'), ReportParseError);
});
