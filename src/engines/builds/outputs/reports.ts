// The buildspec `reports:` section: test and coverage files parsed into CodeBuild Report, TestCase and CodeCoverage shapes.
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { SlipwayError } from '../../../core/errors.ts';
import type { AccountContext } from '../../../core/ids.ts';
import { arn, defaultAccount, parseArn, uuid } from '../../../core/ids.ts';
import type { ReportFileFormat, ReportGroup } from '../../../specs/buildspec/model.ts';
import type { FileCoverage } from './coverage.ts';
import { parseCloverXml, parseCoberturaXml, parseJaCoCoXml, parseSimpleCovJson, percentage } from './coverage.ts';
import type { ParsedTestCase, TestStatus } from './junit.ts';
import { parseCucumberJson, parseJUnitXml } from './junit.ts';
import { toPosix } from './match.ts';
import { selectFiles } from './select.ts';
import { parseNUnit2Xml, parseNUnit3Xml, parseTestNgXml, parseTrx } from './xml-reports.ts';

export interface CoverageSummary {
  lineCoveragePercentage: number;
  linesCovered: number;
  linesMissed: number;
  branchCoveragePercentage: number;
  branchesCovered: number;
  branchesMissed: number;
}

/** CodeBuild's Report shape (BatchGetReports): testSummary for TEST reports, codeCoverageSummary for CODE_COVERAGE. */
export interface ReportShape {
  arn: string;
  type: 'TEST' | 'CODE_COVERAGE';
  name: string;
  reportGroupArn: string;
  executionId: string;
  status: 'SUCCEEDED' | 'FAILED' | 'INCOMPLETE';
  created: Date;
  expired: Date;
  truncated: boolean;
  testSummary?: { total: number; statusCounts: Record<TestStatus, number>; durationInNanoSeconds: number };
  codeCoverageSummary?: CoverageSummary;
}

/** CodeBuild's CodeCoverage shape (DescribeCodeCoverages): one source file. */
export interface CodeCoverageShape extends CoverageSummary {
  id: string;
  reportARN: string;
  filePath: string;
  expired: Date;
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
  /** TEST reports only. */
  readonly testCases: TestCaseShape[];
  /** CODE_COVERAGE reports only. */
  readonly codeCoverages: CodeCoverageShape[];
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
const TEST_PARSERS: Partial<Record<ReportFileFormat, (text: string) => ParsedTestCase[]>> = {
  JUNITXML: parseJUnitXml,
  CUCUMBERJSON: parseCucumberJson,
  TESTNGXML: parseTestNgXml,
  NUNIT3XML: parseNUnit3Xml,
  NUNITXML: parseNUnit2Xml,
  VISUALSTUDIOTRX: parseTrx,
};
const COVERAGE_PARSERS: Partial<Record<ReportFileFormat, (text: string) => FileCoverage[]>> = {
  COBERTURAXML: parseCoberturaXml,
  JACOCOXML: parseJaCoCoXml,
  CLOVERXML: parseCloverXml,
  SIMPLECOV: parseSimpleCovJson,
};
export const SUPPORTED_REPORT_FORMATS = [...Object.keys(TEST_PARSERS), ...Object.keys(COVERAGE_PARSERS)] as ReportFileFormat[];

/** The report group a `reports:` key names: an ARN as is, a plain name as `<project>-<name>`. */
export function reportGroupOf(key: string, projectName: string, account: AccountContext = defaultAccount): { name: string; arn: string } {
  const parsed = key.startsWith('arn:') ? parseArn(key) : undefined;
  if (parsed !== undefined && parsed.resource.startsWith('report-group/')) return { name: parsed.resource.slice('report-group/'.length), arn: key };
  const name = `${projectName}-${key}`;
  return { name, arn: arn(account, 'codebuild', `report-group/${name}`) };
}

/**
 * Reads every report group's files after the build: test formats make TEST reports, coverage formats
 * CODE_COVERAGE reports. A group whose files match nothing yields no report (a line in
 * `warnings` instead); a format Slipway does not parse yet is a SlipwayError naming it; a file that does not parse makes the
 * report INCOMPLETE while the other files still count.
 */
export async function collectReports(options: CollectReportsOptions): Promise<{ reports: CollectedReport[]; warnings: string[] }> {
  const account = options.account ?? defaultAccount;
  const unsupported = Object.entries(options.reports).filter(([, g]) => !SUPPORTED_REPORT_FORMATS.includes(g.fileFormat));
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
    const { name, arn: groupArn } = reportGroupOf(key, options.projectName, account);
    const selection = await selectFiles(
      options.srcDir,
      { files: group.files, discardPaths: group.discardPaths, ...(group.baseDirectory === undefined ? {} : { baseDirectory: group.baseDirectory }) },
      { followLinksOutside: options.followLinksOutside === true },
    );
    if (selection.files.length === 0) {
      skipped.push(...selection.warnings, `report group ${name}: no files matched ${group.files.join(', ')}; no report`);
      continue;
    }
    const reportArn = arn(account, 'codebuild', `report/${name}:${options.newId?.() ?? uuid()}`);
    const expired = new Date(now + REPORT_TTL_MS);
    const read = await readAll(selection.files.map((f) => f.abs), options.srcDir, (text) => {
      const test = TEST_PARSERS[group.fileFormat];
      return test !== undefined ? { tests: test(text) } : { coverage: (COVERAGE_PARSERS[group.fileFormat] ?? (() => []))(text) };
    });
    const warnings = [...selection.warnings, ...read.failures.map((f) => `report group ${name}: ${f.path} is not valid ${group.fileFormat}: ${f.message}`)];
    const base = { arn: reportArn, name, reportGroupArn: groupArn, executionId: options.buildArn, created: new Date(now), expired, truncated: false };
    const common = { groupKey: key, reportGroupName: name, reportGroupArn: groupArn, files: read.files, warnings };
    if (TEST_PARSERS[group.fileFormat] !== undefined) {
      const testCases: TestCaseShape[] = read.parsed.flatMap((p) => (p.value.tests ?? []).map((tc) => ({ reportArn, testRawDataPath: p.path, ...tc, expired })));
      const statusCounts: Record<TestStatus, number> = { SUCCEEDED: 0, FAILED: 0, ERROR: 0, SKIPPED: 0, UNKNOWN: 0 };
      let duration = 0;
      for (const tc of testCases) {
        statusCounts[tc.status]++;
        duration += tc.durationInNanoSeconds;
      }
      const status = read.failures.length > 0 ? 'INCOMPLETE' : statusCounts.FAILED + statusCounts.ERROR > 0 ? 'FAILED' : 'SUCCEEDED';
      out.push({
        ...common,
        report: { ...base, type: 'TEST', status, testSummary: { total: testCases.length, statusCounts, durationInNanoSeconds: duration } },
        testCases,
        codeCoverages: [],
      });
      continue;
    }
    const files = mergeCoverage(read.parsed.flatMap((p) => p.value.coverage ?? []));
    const codeCoverages: CodeCoverageShape[] = files.map((f, i) => ({ id: `${reportArn}:${i}`, reportARN: reportArn, filePath: f.filePath, ...summaryOf([f]), expired }));
    out.push({
      ...common,
      report: { ...base, type: 'CODE_COVERAGE', status: read.failures.length > 0 ? 'INCOMPLETE' : 'SUCCEEDED', codeCoverageSummary: summaryOf(files) },
      testCases: [],
      codeCoverages,
    });
  }
  return { reports: out, warnings: skipped };
}

interface Parsed {
  tests?: ParsedTestCase[];
  coverage?: FileCoverage[];
}

/** Reads and parses each file; a file that fails is recorded, the others still count. */
async function readAll(
  paths: readonly string[],
  srcDir: string,
  parse: (text: string) => Parsed,
): Promise<{ files: string[]; parsed: Array<{ path: string; value: Parsed }>; failures: Array<{ path: string; message: string }> }> {
  const files: string[] = [];
  const parsed: Array<{ path: string; value: Parsed }> = [];
  const failures: Array<{ path: string; message: string }> = [];
  for (const abs of paths) {
    const path = toPosix(relative(srcDir, abs));
    files.push(path);
    try {
      parsed.push({ path, value: parse(await readFile(abs, 'utf8')) });
    } catch (error) {
      failures.push({ path, message: (error as Error).message });
    }
  }
  return { files, parsed, failures };
}

/** One entry per source file; when several coverage files name the same source, the best counts win. */
function mergeCoverage(files: readonly FileCoverage[]): FileCoverage[] {
  const byPath = new Map<string, FileCoverage>();
  for (const f of files) {
    const before = byPath.get(f.filePath);
    if (before === undefined || f.linesCovered + f.branchesCovered > before.linesCovered + before.branchesCovered) byPath.set(f.filePath, f);
  }
  return [...byPath.values()].sort((a, b) => (a.filePath < b.filePath ? -1 : a.filePath > b.filePath ? 1 : 0));
}

function summaryOf(files: readonly FileCoverage[]): CoverageSummary {
  let linesCovered = 0;
  let linesMissed = 0;
  let branchesCovered = 0;
  let branchesMissed = 0;
  for (const f of files) {
    linesCovered += f.linesCovered;
    linesMissed += f.linesMissed;
    branchesCovered += f.branchesCovered;
    branchesMissed += f.branchesMissed;
  }
  return {
    lineCoveragePercentage: percentage(linesCovered, linesMissed),
    linesCovered,
    linesMissed,
    branchCoveragePercentage: percentage(branchesCovered, branchesMissed),
    branchesCovered,
    branchesMissed,
  };
}
