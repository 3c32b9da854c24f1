// Test result parsers: JUnit XML (both <testsuites> and bare <testsuite>) and Cucumber JSON, into CodeBuild test cases.
import { attr, kids, parseXml, ReportParseError, type XmlNode } from './xml.ts';

/** CodeBuild's TestCase status words. */
export type TestStatus = 'SUCCEEDED' | 'FAILED' | 'ERROR' | 'SKIPPED' | 'UNKNOWN';

export interface ParsedTestCase {
  readonly testSuiteName: string;
  /** JUnit: the classname; Cucumber: the feature's name. */
  readonly prefix: string;
  readonly name: string;
  readonly status: TestStatus;
  readonly durationInNanoSeconds: number;
  readonly message?: string;
}

/** Parses one JUnit XML document. Throws ReportParseError when it is not XML or has no testsuite(s) root. */
export function parseJUnitXml(xml: string): ParsedTestCase[] {
  const doc = parseXml(xml);
  const roots = [...kids(doc, 'testsuites'), ...kids(doc, 'testsuite')];
  if (roots.length === 0) throw new ReportParseError('no <testsuites> or <testsuite> root element: expected JUnit XML');
  const out: ParsedTestCase[] = [];
  for (const root of kids(doc, 'testsuites')) collect(root, attr(root, 'name'), out);
  for (const suite of kids(doc, 'testsuite')) collect(suite, attr(suite, 'name'), out);
  return out;
}

/** Test cases under `node` (a testsuites or testsuite element), nested suites included. */
function collect(node: XmlNode, suiteName: string, out: ParsedTestCase[]): void {
  for (const tc of kids(node, 'testcase')) out.push(testCase(tc, suiteName));
  for (const suite of kids(node, 'testsuite')) collect(suite, attr(suite, 'name'), out);
  for (const inner of kids(node, 'testsuites')) collect(inner, attr(inner, 'name') || suiteName, out);
}

function testCase(tc: XmlNode, suiteName: string): ParsedTestCase {
  const failure = kids(tc, 'failure')[0];
  const error = kids(tc, 'error')[0];
  const skipped = kids(tc, 'skipped')[0];
  const status: TestStatus = failure !== undefined ? 'FAILED' : error !== undefined ? 'ERROR' : skipped !== undefined ? 'SKIPPED' : 'SUCCEEDED';
  const detail = failure ?? error ?? skipped;
  const message = detail === undefined ? undefined : messageOf(detail);
  return {
    testSuiteName: suiteName,
    prefix: attr(tc, 'classname'),
    name: attr(tc, 'name'),
    status,
    durationInNanoSeconds: secondsToNanos(attr(tc, 'time')),
    ...(message === undefined ? {} : { message }),
  };
}

/** The message attribute and the element's text (a stack trace), without repeating the one inside the other. */
function messageOf(node: XmlNode): string | undefined {
  const short = attr(node, 'message').trim();
  const body = (typeof node['#text'] === 'string' ? node['#text'] : '').trim();
  if (body === '') return short === '' ? undefined : short;
  if (short === '' || body.includes(short)) return body;
  return `${short}\n${body}`;
}

/** JUnit's `time` is seconds; some reporters write "1,234.5". */
function secondsToNanos(time: string): number {
  const seconds = Number(time.replaceAll(',', ''));
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1e9) : 0;
}

interface CucumberStep {
  readonly result?: { readonly status?: string; readonly duration?: number; readonly error_message?: string };
}

interface CucumberElement {
  readonly name?: string;
  readonly keyword?: string;
  readonly type?: string;
  readonly steps?: readonly CucumberStep[];
  readonly before?: readonly CucumberStep[];
  readonly after?: readonly CucumberStep[];
}

interface CucumberFeature {
  readonly name?: string;
  readonly uri?: string;
  readonly elements?: readonly CucumberElement[];
}

/** Parses a Cucumber JSON report: one test case per scenario (backgrounds are folded into their scenarios' steps). */
export function parseCucumberJson(text: string): ParsedTestCase[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new ReportParseError(`not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!Array.isArray(doc)) throw new ReportParseError('expected a JSON array of features (Cucumber JSON)');
  const out: ParsedTestCase[] = [];
  for (const feature of doc as CucumberFeature[]) {
    const featureName = feature.name ?? feature.uri ?? '';
    for (const el of feature.elements ?? []) {
      if (el.type === 'background') continue;
      const steps = [...(el.before ?? []), ...(el.steps ?? []), ...(el.after ?? [])];
      const statuses = steps.map((s) => s.result?.status ?? 'undefined');
      const status: TestStatus = statuses.includes('failed')
        ? 'FAILED'
        : statuses.some((s) => s === 'undefined' || s === 'pending' || s === 'ambiguous')
          ? 'ERROR'
          : statuses.includes('skipped')
            ? 'SKIPPED'
            : 'SUCCEEDED';
      // Cucumber-JVM and cucumber-js (since v2) give step durations in nanoseconds.
      const duration = steps.reduce((sum, s) => sum + (typeof s.result?.duration === 'number' ? s.result.duration : 0), 0);
      const message = steps.map((s) => s.result?.error_message).find((m) => typeof m === 'string' && m !== '');
      out.push({
        testSuiteName: featureName,
        prefix: featureName,
        name: el.name ?? '',
        status,
        durationInNanoSeconds: Math.round(duration),
        ...(message === undefined ? {} : { message }),
      });
    }
  }
  return out;
}
