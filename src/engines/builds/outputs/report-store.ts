// Test reports kept in SQLite, so BatchGetReports and DescribeTestCases can answer after a restart.
import type { EventBus } from '../../../core/events.ts';
import type { Migration, Row, Store } from '../../../store/db.ts';
import { str } from '../../../store/db.ts';
import type { CodeCoverageShape, CollectedReport, ReportShape, TestCaseShape } from './reports.ts';

export const REPORT_MIGRATIONS: readonly Migration[] = [
  {
    id: 'codebuild-reports/001-reports',
    sql: `CREATE TABLE codebuild_reports (
      arn TEXT PRIMARY KEY,
      report_group_arn TEXT NOT NULL,
      execution_id TEXT NOT NULL,
      created INTEGER NOT NULL,
      body TEXT NOT NULL
    );
    CREATE INDEX codebuild_reports_group ON codebuild_reports(report_group_arn, created);
    CREATE INDEX codebuild_reports_execution ON codebuild_reports(execution_id);
    CREATE TABLE codebuild_test_cases (
      report_arn TEXT NOT NULL REFERENCES codebuild_reports(arn) ON DELETE CASCADE,
      seq INTEGER NOT NULL,
      status TEXT NOT NULL,
      body TEXT NOT NULL,
      PRIMARY KEY (report_arn, seq)
    );`,
  },
  {
    id: 'codebuild-reports/002-code-coverages',
    sql: `CREATE TABLE codebuild_code_coverages (
      report_arn TEXT NOT NULL REFERENCES codebuild_reports(arn) ON DELETE CASCADE,
      seq INTEGER NOT NULL,
      file_path TEXT NOT NULL,
      line_coverage REAL NOT NULL,
      body TEXT NOT NULL,
      PRIMARY KEY (report_arn, seq)
    );`,
  },
];

/** Stores the reports and their test cases in one transaction, with a `codebuild.report.created` event each. */
export function saveReports(store: Store, reports: readonly CollectedReport[], bus?: EventBus): void {
  store.migrate(REPORT_MIGRATIONS);
  store.tx(() => {
    for (const { report, testCases, codeCoverages } of reports) {
      store.run(
        'INSERT INTO codebuild_reports (arn, report_group_arn, execution_id, created, body) VALUES (?, ?, ?, ?, ?)',
        report.arn,
        report.reportGroupArn,
        report.executionId,
        report.created.getTime(),
        JSON.stringify(report),
      );
      testCases.forEach((tc, i) => {
        store.run('INSERT INTO codebuild_test_cases (report_arn, seq, status, body) VALUES (?, ?, ?, ?)', report.arn, i, tc.status, JSON.stringify(tc));
      });
      codeCoverages.forEach((c, i) => {
        store.run(
          'INSERT INTO codebuild_code_coverages (report_arn, seq, file_path, line_coverage, body) VALUES (?, ?, ?, ?, ?)',
          report.arn,
          i,
          c.filePath,
          c.lineCoveragePercentage,
          JSON.stringify(c),
        );
      });
      bus?.publish({
        type: 'codebuild.report.created',
        resource: report.arn,
        detail: {
          reportGroupArn: report.reportGroupArn,
          executionId: report.executionId,
          type: report.type,
          status: report.status,
          ...(report.testSummary === undefined ? {} : { total: report.testSummary.total }),
          ...(report.codeCoverageSummary === undefined ? {} : { lineCoveragePercentage: report.codeCoverageSummary.lineCoveragePercentage }),
        },
      });
    }
  });
}

/** BatchGetReports: the reports found, in the order asked, and the ARNs that are not there. */
export function getReports(store: Store, arns: readonly string[]): { reports: ReportShape[]; reportsNotFound: string[] } {
  store.migrate(REPORT_MIGRATIONS);
  const reports: ReportShape[] = [];
  const reportsNotFound: string[] = [];
  for (const a of arns) {
    const row = store.get('SELECT body FROM codebuild_reports WHERE arn = ?', a);
    if (row === undefined) reportsNotFound.push(a);
    else reports.push(reportOf(row));
  }
  return { reports, reportsNotFound };
}

/** The reports of a build (its ARN is each report's executionId), oldest first. */
export function reportsForBuild(store: Store, buildArn: string): ReportShape[] {
  store.migrate(REPORT_MIGRATIONS);
  return store.all('SELECT body FROM codebuild_reports WHERE execution_id = ? ORDER BY created, arn', buildArn).map(reportOf);
}

/** The reports of a report group, newest first (ListReportsForReportGroup's default order). */
export function reportsForGroup(store: Store, reportGroupArn: string): ReportShape[] {
  store.migrate(REPORT_MIGRATIONS);
  return store.all('SELECT body FROM codebuild_reports WHERE report_group_arn = ? ORDER BY created DESC, arn', reportGroupArn).map(reportOf);
}

/**
 * DescribeTestCases: a report's test cases in file order; `status` keeps one status, `keyword` keeps cases whose
 * name or prefix contains it. Undefined when the report does not exist.
 */
export function describeTestCases(store: Store, reportArn: string, filter: { status?: string; keyword?: string } = {}): TestCaseShape[] | undefined {
  store.migrate(REPORT_MIGRATIONS);
  if (store.get('SELECT 1 AS x FROM codebuild_reports WHERE arn = ?', reportArn) === undefined) return undefined;
  const rows =
    filter.status === undefined
      ? store.all('SELECT body FROM codebuild_test_cases WHERE report_arn = ? ORDER BY seq', reportArn)
      : store.all('SELECT body FROM codebuild_test_cases WHERE report_arn = ? AND status = ? ORDER BY seq', reportArn, filter.status);
  const cases = rows.map((r) => {
    const tc = JSON.parse(str(r, 'body')) as TestCaseShape & { expired: string };
    return { ...tc, expired: new Date(tc.expired) };
  });
  const keyword = filter.keyword;
  return keyword === undefined ? cases : cases.filter((c) => c.name.includes(keyword) || c.prefix.includes(keyword));
}

export interface CodeCoverageQuery {
  readonly sortBy?: 'FILE_PATH' | 'LINE_COVERAGE_PERCENTAGE';
  readonly sortOrder?: 'ASCENDING' | 'DESCENDING';
  readonly minLineCoveragePercentage?: number;
  readonly maxLineCoveragePercentage?: number;
}

/** DescribeCodeCoverages: a coverage report's files, filtered and sorted. Undefined when the report does not exist. */
export function describeCodeCoverages(store: Store, reportArn: string, query: CodeCoverageQuery = {}): CodeCoverageShape[] | undefined {
  store.migrate(REPORT_MIGRATIONS);
  if (store.get('SELECT 1 AS x FROM codebuild_reports WHERE arn = ?', reportArn) === undefined) return undefined;
  const column = query.sortBy === 'LINE_COVERAGE_PERCENTAGE' ? 'line_coverage' : 'file_path';
  const order = query.sortOrder === 'DESCENDING' ? 'DESC' : 'ASC';
  const rows = store.all(
    `SELECT body FROM codebuild_code_coverages WHERE report_arn = ? AND line_coverage >= ? AND line_coverage <= ? ORDER BY ${column} ${order}, seq`,
    reportArn,
    query.minLineCoveragePercentage ?? 0,
    query.maxLineCoveragePercentage ?? 100,
  );
  return rows.map((r) => {
    const c = JSON.parse(str(r, 'body')) as CodeCoverageShape & { expired: string };
    return { ...c, expired: new Date(c.expired) };
  });
}

function reportOf(row: Row): ReportShape {
  const r = JSON.parse(str(row, 'body')) as ReportShape & { created: string; expired: string };
  return { ...r, created: new Date(r.created), expired: new Date(r.expired) };
}
