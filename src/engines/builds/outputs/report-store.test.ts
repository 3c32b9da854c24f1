import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EventBus, typeFilter, type SlipwayEvent } from '../../../core/events.ts';
import { Store } from '../../../store/db.ts';
import { describeTestCases, getReports, reportsForBuild, reportsForGroup, saveReports } from './report-store.ts';
import { collectReports } from './reports.ts';
import { buildspecOf, tempDir, writeTree } from './test-helpers.ts';

const BUILD_ARN = 'arn:aws:codebuild:us-east-1:000000000000:build/web:1';
const fixture = (name: string): string => readFileSync(join(import.meta.dirname, 'testdata', name), 'utf8');

test('reports saved with their test cases come back after a restart, with filters as DescribeTestCases has them', async (t) => {
  const src = writeTree(tempDir(t), { 'r/mocha.xml': fixture('mocha-junit.xml'), 'r/jest.xml': fixture('jest-junit.xml') });
  const { reports } = await collectReports({
    srcDir: src,
    reports: { ...buildspecOf('reports:', '  unit:', '    files:', "      - 'r/*.xml'").reports },
    projectName: 'web',
    buildArn: BUILD_ARN,
    now: () => Date.UTC(2026, 10, 23),
  });
  const dbDir = tempDir(t, 'slipway-outputs-db-');
  const first = new Store(dbDir);
  const events: SlipwayEvent[] = [];
  const bus = new EventBus(first, () => 5);
  bus.subscribe(typeFilter('codebuild.report.*'), (e) => events.push(e));
  saveReports(first, reports, bus);
  first.close();
  assert.deepEqual(
    events.map((e) => [e.type, e.detail['status'], e.detail['total']]),
    [['codebuild.report.created', 'FAILED', 8]],
  );

  const store = new Store(dbDir);
  t.after(() => store.close());
  const arn = reports[0]?.report.arn ?? '';
  const got = getReports(store, [arn, 'arn:aws:codebuild:us-east-1:000000000000:report/none:x']);
  assert.deepEqual(got.reports, [reports[0]?.report]);
  assert.deepEqual(got.reportsNotFound, ['arn:aws:codebuild:us-east-1:000000000000:report/none:x']);
  assert.deepEqual(reportsForBuild(store, BUILD_ARN), [reports[0]?.report]);
  assert.deepEqual(reportsForGroup(store, 'arn:aws:codebuild:us-east-1:000000000000:report-group/web-unit'), [reports[0]?.report]);

  assert.deepEqual(describeTestCases(store, arn), reports[0]?.testCases);
  assert.deepEqual(
    describeTestCases(store, arn, { status: 'FAILED' })?.map((c) => c.name),
    ['Calculator divides by zero', 'API returns 404 for unknown'],
  );
  assert.deepEqual(
    describeTestCases(store, arn, { keyword: 'handles' })?.map((c) => c.name),
    ['API handles errors'],
  );
  assert.equal(describeTestCases(store, 'arn:aws:codebuild:us-east-1:000000000000:report/none:x'), undefined);
});
