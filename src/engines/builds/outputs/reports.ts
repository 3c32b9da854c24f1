// The buildspec `reports:` section: test result files parsed into CodeBuild Report and TestCase shapes.
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { SlipwayError } from '../../../core/errors.ts';
import type { AccountContext } from '../../../core/ids.ts';
import { arn, defaultAccount, parseArn, uuid } from '../../../core/ids.ts';
import type { ReportFileFormat, ReportGroup } from '../../../specs/buildspec/model.ts';
import type { ParsedTestCase, TestStatus } from './junit.ts';
import { parseCucumberJson, parseJUnitXml } from './junit.ts';
import { toPosix } from './match.ts';
import { selectFiles } from './select.ts';
import { parseNUnit2Xml, parseNUnit3Xml, parseTestNgXml, parseTrx } from './xml-reports.ts';

/** CodeBuild's Report shape (BatchGetReports), test reports only. */
export interface ReportShape {
  arn: string;
  type: 'TEST';
  name: string;
  reportGroupArn: string;
  executionId: string;
  status: 'SUCCEEDED' | 'FAILED' | 'INCOMPLETE';
  created: Date;
  expired: Date;
  truncated: boolean;
  testSummary: { total: number; statusCounts: Record<TestStatus, number>; durationInNanoSeconds: number };
}

/** CodeBuild's TestCase shape (DescribeTestCases). */
export interface TestCaseShape {
  reportArn: string;
  testRawDataPath: string;
  prefix: string;
  name: string;
  status: TestStatus;
  durationInNanoSeconds: number;
  message?: string;
  expired: Date;
  testSuiteName: string;
}

export interface CollectedReport {
  /** The key as written under `reports:` (a name or a report group ARN). */
  readonly groupKey: string;
  readonly reportGroupName: string;
  readonly reportGroupArn: string;
  readonly report: ReportShape;
  readonly testCases: TestCaseShape[];
  /** Report files read, relative to the source directory. */
  readonly files: string[];
  /** Files that could not be parsed, and similar: one log line each. */
  readonly warnings: string[];
}

export interface CollectReportsOptions {
  readonly srcDir: string;
  readonly reports: Readonly<Record<string, ReportGroup>>;
  readonly projectName: string;
  /** The build's ARN: the report's executionId. */
  readonly buildArn: string;
  readonly account?: AccountContext;
  readonly now?: () => number;
  /** Report ids (default: random UUIDs). */
  readonly newId?: () => string;
  /** Host mode only: follow links that leave srcDir (see SelectOptions). */
  readonly followLinksOutside?: boolean;
}

/** AWS keeps test reports 30 days. */
const REPORT_TTL_MS = 30 * 24 * 3600 * 1000;
const PARSERS: Partial<Record<ReportFileFormat, (text: string) => ParsedTestCase[]>> = {
  JUNITXML: parseJUnitXml,
  CUCUMBERJSON: parseCucumberJson,
  TESTNGXML: parseTestNgXml,
  NUNIT3XML: parseNUnit3Xml,
  NUNITXML: parseNUnit2Xml,
  VISUALSTUDIOTRX: parseTrx,
};
export const SUPPORTED_REPORT_FORMATS = Object.keys(PARSERS) as ReportFileFormat[];

/** The report group a `reports:` key names: an ARN as is, a plain name as `<project>-<name>`. */
export function reportGroupOf(key: string, projectName: string, account: AccountContext = defaultAccount): { name: string; arn: string } {
  const parsed = key.startsWith('arn:') ? parseArn(key) : undefined;
  if (parsed !== undefined && parsed.resource.startsWith('report-group/')) return { name: parsed.resource.slice('report-group/'.length), arn: key };
  const name = `${projectName}-${key}`;
  return { name, arn: arn(account, 'codebuild', `report-group/${name}`) };
}

/**
 * Reads every report group's files after the build. A group whose files match nothing yields no report (a line in
 * `warnings` instead); a format Slipway does not parse yet is a SlipwayError naming it; a file that does not parse makes the
 * report INCOMPLETE while the other files still count.
 */
export async function collectReports(options: CollectReportsOptions): Promise<{ reports: CollectedReport[]; warnings: string[] }> {
  const account = options.account ?? defaultAccount;
  const unsupported = Object.entries(options.reports).filter(([, g]) => PARSERS[g.fileFormat] === undefined);
  if (unsupported.length > 0) {
    throw new SlipwayError(
      'CLIENT_ERROR',
      unsupported
        .map(([key, g]) => `reports.${key}.file-format: ${g.fileFormat} is not supported by Slipway yet; expected one of ${SUPPORTED_REPORT_FORMATS.join(', ')}`)
        .join('; '),
    );
  }
  const out: CollectedReport[] = [];
  const skipped: string[] = [];
  const now = options.now?.() ?? Date.now();
  for (const [key, group] of Object.entries(options.reports)) {
    const parse = PARSERS[group.fileFormat];
    if (parse === undefined) continue;
    const { name, arn: groupArn } = reportGroupOf(key, options.projectName, account);
    const selection = await selectFiles(options.srcDir, {
      files: group.files,
      discardPaths: group.discardPaths,
      ...(group.baseDirectory === undefined ? {} : { baseDirectory: group.baseDirectory }),
    }, { followLinksOutside: options.followLinksOutside === true });
    const warnings = [...selection.warnings];
    if (selection.files.length === 0) {
      skipped.push(...warnings, `report group ${name}: no files matched ${group.files.join(', ')}; no report`);
      continue;
    }
    const reportArn = arn(account, 'codebuild', `report/${name}:${options.newId?.() ?? uuid()}`);
    const expired = new Date(now + REPORT_TTL_MS);
    const testCases: TestCaseShape[] = [];
    const files: string[] = [];
    let broken = false;
    for (const f of selection.files) {
      const rawPath = toPosix(relative(options.srcDir, f.abs));
      files.push(rawPath);
      let parsed: ParsedTestCase[];
      try {
        parsed = parse(await readFile(f.abs, 'utf8'));
      } catch (error) {
        broken = true;
        warnings.push(`report group ${name}: ${rawPath} is not valid ${group.fileFormat}: ${(error as Error).message}`);
        continue;
      }
      for (const tc of parsed) testCases.push({ reportArn, testRawDataPath: rawPath, ...tc, expired });
    }
    const statusCounts: Record<TestStatus, number> = { SUCCEEDED: 0, FAILED: 0, ERROR: 0, SKIPPED: 0, UNKNOWN: 0 };
    let duration = 0;
    for (const tc of testCases) {
      statusCounts[tc.status]++;
      duration += tc.durationInNanoSeconds;
    }
    const status = broken ? 'INCOMPLETE' : statusCounts.FAILED + statusCounts.ERROR > 0 ? 'FAILED' : 'SUCCEEDED';
    out.push({
      groupKey: key,
      reportGroupName: name,
      reportGroupArn: groupArn,
      report: {
        arn: reportArn,
        type: 'TEST',
        name,
        reportGroupArn: groupArn,
        executionId: options.buildArn,
        status,
        created: new Date(now),
        expired,
        truncated: false,
        testSummary: { total: testCases.length, statusCounts, durationInNanoSeconds: duration },
      },
      testCases,
      files,
      warnings,
    });
  }
  return { reports: out, warnings: skipped };
}
