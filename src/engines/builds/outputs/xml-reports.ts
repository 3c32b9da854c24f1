// More test result formats CodeBuild reads: TestNG (testng-results.xml), NUnit 3 (test-run) and NUnit 2 (test-results).
import type { ParsedTestCase, TestStatus } from './junit.ts';
import { attr, kids, parseXml, ReportParseError, type XmlNode } from './xml.ts';

function text(node: XmlNode | undefined): string {
  if (node === undefined) return '';
  const t = node['#text'];
  return (typeof t === 'string' ? t : '').trim();
}

/** `message` and `stack-trace`/`full-stacktrace` children joined, without repeating the message. */
function messageOf(holder: XmlNode | undefined, traceName: string): string | undefined {
  if (holder === undefined) return undefined;
  const message = text(kids(holder, 'message')[0]);
  const trace = text(kids(holder, traceName)[0]);
  if (trace === '') return message === '' ? undefined : message;
  if (message === '' || trace.includes(message)) return trace;
  return `${message}\n${trace}`;
}

function nanos(value: string, unit: 'ms' | 's'): number {
  const n = Number(value.replaceAll(',', ''));
  if (!Number.isFinite(n) || n <= 0) return 0;
  return Math.round(n * (unit === 'ms' ? 1e6 : 1e9));
}

/** TestNG's testng-results.xml: one case per test-method, configuration methods (@BeforeMethod …) left out. */
export function parseTestNgXml(xml: string): ParsedTestCase[] {
  const doc = parseXml(xml);
  const root = kids(doc, 'testng-results')[0];
  if (root === undefined) throw new ReportParseError('no <testng-results> root element: expected TestNG XML');
  const out: ParsedTestCase[] = [];
  const STATUS: Record<string, TestStatus> = { PASS: 'SUCCEEDED', FAIL: 'FAILED', SKIP: 'SKIPPED' };
  for (const suite of kids(root, 'suite')) {
    for (const test of kids(suite, 'test')) {
      for (const cls of kids(test, 'class')) {
        for (const m of kids(cls, 'test-method')) {
          if (attr(m, 'is-config') === 'true') continue;
          const message = messageOf(kids(m, 'exception')[0], 'full-stacktrace');
          out.push({
            testSuiteName: attr(suite, 'name'),
            prefix: attr(cls, 'name'),
            name: attr(m, 'name'),
            status: STATUS[attr(m, 'status')] ?? 'UNKNOWN',
            durationInNanoSeconds: nanos(attr(m, 'duration-ms'), 'ms'),
            ...(message === undefined ? {} : { message }),
          });
        }
      }
    }
  }
  return out;
}

/** NUnit 3 (`<test-run>`): test-case elements at any depth; the enclosing fixture names the suite. */
export function parseNUnit3Xml(xml: string): ParsedTestCase[] {
  const doc = parseXml(xml);
  const root = kids(doc, 'test-run')[0];
  if (root === undefined) throw new ReportParseError('no <test-run> root element: expected NUnit 3 XML');
  const out: ParsedTestCase[] = [];
  const walk = (node: XmlNode, suiteName: string): void => {
    for (const tc of kids(node, 'test-case')) {
      const result = attr(tc, 'result');
      const label = attr(tc, 'label');
      const status: TestStatus =
        result === 'Passed' ? 'SUCCEEDED' : result === 'Failed' ? (label === 'Error' ? 'ERROR' : 'FAILED') : result === 'Skipped' ? 'SKIPPED' : 'UNKNOWN';
      const message = messageOf(kids(tc, 'failure')[0], 'stack-trace') ?? messageOf(kids(tc, 'reason')[0], 'stack-trace');
      out.push({
        testSuiteName: suiteName,
        prefix: attr(tc, 'classname'),
        name: attr(tc, 'name'),
        status,
        durationInNanoSeconds: nanos(attr(tc, 'duration'), 's'),
        ...(message === undefined ? {} : { message }),
      });
    }
    for (const suite of kids(node, 'test-suite')) walk(suite, attr(suite, 'type') === 'TestFixture' ? attr(suite, 'fullname') || attr(suite, 'name') : suiteName || attr(suite, 'name'));
  };
  walk(root, '');
  return out;
}

/** NUnit 2 (`<test-results>`): `result` Success/Failure/Error/Ignored/Skipped/NotRunnable/Inconclusive. */
export function parseNUnit2Xml(xml: string): ParsedTestCase[] {
  const doc = parseXml(xml);
  const root = kids(doc, 'test-results')[0];
  if (root === undefined) throw new ReportParseError('no <test-results> root element: expected NUnit 2 XML');
  const STATUS: Record<string, TestStatus> = {
    Success: 'SUCCEEDED',
    Failure: 'FAILED',
    Error: 'ERROR',
    Ignored: 'SKIPPED',
    Skipped: 'SKIPPED',
    NotRunnable: 'ERROR',
    Inconclusive: 'UNKNOWN',
  };
  const out: ParsedTestCase[] = [];
  const walk = (node: XmlNode, suiteName: string): void => {
    for (const results of kids(node, 'results')) walk(results, suiteName);
    for (const tc of kids(node, 'test-case')) {
      const full = attr(tc, 'name');
      const dot = full.lastIndexOf('.');
      const message = messageOf(kids(tc, 'failure')[0], 'stack-trace') ?? messageOf(kids(tc, 'reason')[0], 'stack-trace');
      out.push({
        testSuiteName: suiteName,
        prefix: dot > 0 ? full.slice(0, dot) : '',
        name: dot > 0 ? full.slice(dot + 1) : full,
        status: STATUS[attr(tc, 'result')] ?? (attr(tc, 'executed') === 'False' ? 'SKIPPED' : 'UNKNOWN'),
        durationInNanoSeconds: nanos(attr(tc, 'time'), 's'),
        ...(message === undefined ? {} : { message }),
      });
    }
    for (const suite of kids(node, 'test-suite')) walk(suite, attr(suite, 'type') === 'TestFixture' ? attr(suite, 'name') : suiteName || attr(suite, 'name'));
  };
  walk(root, '');
  return out;
}

/** `hh:mm:ss.fffffff` (TRX durations) in nanoseconds. */
function trxDuration(value: string): number {
  const m = /^(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(value.trim());
  if (m === null) return 0;
  const seconds = Number(m[1] ?? 0) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
  return Math.round(seconds * 1e9);
}

/** Visual Studio TRX (`dotnet test --logger trx`): UnitTestResult outcomes, class names from TestDefinitions. */
export function parseTrx(xml: string): ParsedTestCase[] {
  const doc = parseXml(xml);
  const root = kids(doc, 'TestRun')[0];
  if (root === undefined) throw new ReportParseError('no <TestRun> root element: expected Visual Studio TRX');
  const classOf = new Map<string, string>();
  for (const defs of kids(root, 'TestDefinitions')) {
    for (const ut of kids(defs, 'UnitTest')) classOf.set(attr(ut, 'id'), attr(kids(ut, 'TestMethod')[0] ?? {}, 'className'));
  }
  const STATUS: Record<string, TestStatus> = {
    Passed: 'SUCCEEDED',
    PassedButRunAborted: 'SUCCEEDED',
    Failed: 'FAILED',
    Error: 'ERROR',
    Timeout: 'ERROR',
    Aborted: 'ERROR',
    NotExecuted: 'SKIPPED',
    NotRunnable: 'SKIPPED',
    Inconclusive: 'UNKNOWN',
  };
  const out: ParsedTestCase[] = [];
  for (const results of kids(root, 'Results')) {
    for (const r of kids(results, 'UnitTestResult')) {
      const errorInfo = kids(kids(r, 'Output')[0] ?? {}, 'ErrorInfo')[0];
      const message = errorInfo === undefined ? undefined : messageOfTrx(errorInfo);
      const prefix = classOf.get(attr(r, 'testId')) ?? '';
      out.push({
        testSuiteName: prefix,
        prefix,
        name: attr(r, 'testName'),
        status: STATUS[attr(r, 'outcome')] ?? 'UNKNOWN',
        durationInNanoSeconds: trxDuration(attr(r, 'duration')),
        ...(message === undefined ? {} : { message }),
      });
    }
  }
  return out;
}

function messageOfTrx(errorInfo: XmlNode): string | undefined {
  const message = text(kids(errorInfo, 'Message')[0]);
  const trace = text(kids(errorInfo, 'StackTrace')[0]);
  const joined = [message, trace].filter((s) => s !== '').join('\n');
  return joined === '' ? undefined : joined;
}
