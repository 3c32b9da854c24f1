// Health check settings (AWS defaults and ranges), the success-code matcher, and one HTTP probe of one target.
import { request } from 'node:http';
import { connect } from 'node:net';
import type { Clock } from '../../core/clock.ts';
import { Problems, describeValue } from '../../core/errors.ts';

export interface HealthCheckSettings {
  /** HTTP (a GET judged by the matcher) or TCP (a connection that opens); HTTP when absent. */
  readonly protocol?: 'HTTP' | 'TCP';
  readonly path: string;
  /** A port number, or the target's own port. */
  readonly port: number | 'traffic-port';
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  /** HTTP codes that mean healthy: "200", "200,202", "200-299" (within 200–499). */
  readonly matcher: string;
}

export const HEALTH_CHECK_DEFAULTS: HealthCheckSettings = {
  path: '/',
  port: 'traffic-port',
  intervalSeconds: 30,
  timeoutSeconds: 5,
  healthyThreshold: 5,
  unhealthyThreshold: 2,
  matcher: '200',
};

/** The reason a probe failed, as AWS's reason codes name it. */
export type ProbeFailure = 'Target.ResponseCodeMismatch' | 'Target.Timeout' | 'Target.FailedHealthChecks';

export type ProbeResult = { readonly ok: true; readonly status: number } | { readonly ok: false; readonly reason: ProbeFailure; readonly detail: string };

/** Parses "200", "200,202", "200-299" into a predicate; adds problems instead of throwing. */
export function parseMatcher(matcher: string, problems: Problems, field = 'matcher'): (status: number) => boolean {
  const ranges: Array<[number, number]> = [];
  for (const part of matcher.split(',')) {
    const m = /^\s*(\d{3})\s*(?:-\s*(\d{3})\s*)?$/.exec(part);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m ? Number(m[2] ?? m[1]) : NaN;
    if (!m || lo > hi || lo < 200 || hi > 499) {
      problems.add({ field, found: describeValue(matcher), expected: 'HTTP codes within 200–499 as values or ranges, e.g. "200", "200,202" or "200-299"' });
      return () => false;
    }
    ranges.push([lo, hi]);
  }
  return (status) => ranges.some(([lo, hi]) => status >= lo && status <= hi);
}

function checkInt(problems: Problems, field: string, value: number, lo: number, hi: number): void {
  if (!Number.isInteger(value) || value < lo || value > hi) {
    problems.add({ field, found: describeValue(value), expected: `an integer from ${lo} to ${hi}` });
  }
}

/** Merges overrides onto AWS's defaults and validates the result; throws ValidationError with every problem. */
export function healthCheckSettings(overrides: Partial<HealthCheckSettings> = {}, base = HEALTH_CHECK_DEFAULTS): HealthCheckSettings {
  const s: HealthCheckSettings = { ...base, ...overrides };
  const problems = new Problems();
  if (!s.path.startsWith('/') || s.path.length > 1024) {
    problems.add({ field: 'healthCheck.path', found: describeValue(s.path), expected: 'a path starting with "/", at most 1024 characters' });
  }
  if (s.port !== 'traffic-port') checkInt(problems, 'healthCheck.port', s.port, 1, 65535);
  checkInt(problems, 'healthCheck.intervalSeconds', s.intervalSeconds, 5, 300);
  checkInt(problems, 'healthCheck.timeoutSeconds', s.timeoutSeconds, 2, 120);
  checkInt(problems, 'healthCheck.healthyThreshold', s.healthyThreshold, 2, 10);
  checkInt(problems, 'healthCheck.unhealthyThreshold', s.unhealthyThreshold, 2, 10);
  if (s.timeoutSeconds >= s.intervalSeconds) {
    problems.add({ field: 'healthCheck.timeoutSeconds', found: describeValue(s.timeoutSeconds), expected: `less than the interval (${s.intervalSeconds} s)` });
  }
  parseMatcher(s.matcher, problems, 'healthCheck.matcher');
  problems.throwIfAny('ValidationError', 'Invalid health check settings');
  return s;
}

/**
 * Probes one target once. The timeout runs on the injected clock so tests decide when a hung target times out;
 * the HTTP exchange itself is real.
 */
export async function probe(
  target: { host: string; port: number },
  settings: HealthCheckSettings,
  matches: (status: number) => boolean,
  clock: Clock,
  stop?: AbortSignal,
): Promise<ProbeResult> {
  const timer = new AbortController();
  // Deregistration or close ends a probe at once, so a hung target cannot keep a socket open.
  const onStop = (): void => timer.abort();
  stop?.addEventListener('abort', onStop, { once: true });
  const port = settings.port === 'traffic-port' ? target.port : settings.port;
  let req: { destroy(): void } | undefined;
  const exchange = new Promise<ProbeResult>((resolve) => {
    if (settings.protocol === 'TCP') {
      // NLB's TCP check: healthy when the connection opens; nothing is sent.
      const socket = connect({ host: target.host, port }, () => {
        socket.destroy();
        resolve({ ok: true, status: 0 });
      });
      socket.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, reason: 'Target.FailedHealthChecks', detail: `Health checks failed (${err.code ?? err.message})` }));
      req = socket;
      return;
    }
    // agent: false — a probe must open its own connection, as ALB's checks do, so it sees refused ports.
    const r = request({ host: target.host, port, path: settings.path, method: 'GET', agent: false, headers: { 'user-agent': 'ELB-HealthChecker/2.0', connection: 'close' } }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(matches(status) ? { ok: true, status } : { ok: false, reason: 'Target.ResponseCodeMismatch', detail: `Health checks failed with these codes: [${status}]` });
    });
    r.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, reason: 'Target.FailedHealthChecks', detail: `Health checks failed (${err.code ?? err.message})` }));
    r.end();
    req = r;
  });
  const timeout = clock.sleep(settings.timeoutSeconds * 1000, timer.signal).then(
    (): ProbeResult => ({ ok: false, reason: 'Target.Timeout', detail: 'Request timed out' }),
    (): ProbeResult => ({ ok: false, reason: 'Target.Timeout', detail: 'aborted' }),
  );
  try {
    return await Promise.race([exchange, timeout]);
  } finally {
    stop?.removeEventListener('abort', onStop);
    timer.abort();
    req?.destroy();
  }
}
