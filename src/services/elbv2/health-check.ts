// Target group health check settings as ELBv2 takes them: AWS's defaults per protocol and its ranges.
import { describeValue, type Problems } from '../../core/errors.ts';
import type { InputReader } from '../validate.ts';

export interface StoredHealthCheck {
  readonly protocol: 'HTTP' | 'TCP';
  /** `traffic-port` or a port number as a string, as the API spells it. */
  readonly port: string;
  readonly path: string;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  readonly matcher: string;
}

/** AWS's defaults: ALB (HTTP) target groups probe `/` every 30 s; NLB (TCP) target groups connect with a 10 s timeout. */
export function healthCheckDefaults(protocol: string): StoredHealthCheck {
  return protocol === 'TCP'
    ? { protocol: 'TCP', port: 'traffic-port', path: '/', intervalSeconds: 30, timeoutSeconds: 10, healthyThreshold: 5, unhealthyThreshold: 2, matcher: '200-399' }
    : { protocol: 'HTTP', port: 'traffic-port', path: '/', intervalSeconds: 30, timeoutSeconds: 5, healthyThreshold: 5, unhealthyThreshold: 2, matcher: '200' };
}

/** Whether every part of a matcher ("200", "200,202", "200-299") lies within lo–hi. */
function matcherValid(matcher: string, lo: number, hi: number): boolean {
  return matcher.split(',').every((part) => {
    const m = /^\s*(\d{3})\s*(?:-\s*(\d{3})\s*)?$/.exec(part);
    if (!m) return false;
    const a = Number(m[1]);
    const b = Number(m[2] ?? m[1]);
    return a <= b && a >= lo && b <= hi;
  });
}

/** Reads the HealthCheck* members onto `base`, adding every problem found; the caller throws. */
export function readHealthCheck(r: InputReader, problems: Problems, base: StoredHealthCheck, targetProtocol: string): StoredHealthCheck {
  const protocol = r.string('HealthCheckProtocol', { oneOf: ['HTTP', 'HTTPS', 'TCP', 'TLS', 'UDP', 'TCP_UDP', 'GENEVE'] });
  if (protocol !== undefined && protocol !== 'HTTP' && protocol !== 'TCP') {
    problems.add({ field: 'HealthCheckProtocol', found: protocol, expected: 'HTTP or TCP (Slipway probes over plain HTTP or a TCP connect; HTTPS health checks are not supported)' });
  }
  if (protocol === 'TCP' && targetProtocol === 'HTTP') {
    problems.add({ field: 'HealthCheckProtocol', found: 'TCP', expected: 'HTTP or HTTPS for a target group whose protocol is HTTP' });
  }
  const port = r.string('HealthCheckPort');
  if (port !== undefined && port !== 'traffic-port' && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    problems.add({ field: 'HealthCheckPort', found: describeValue(port), expected: '"traffic-port" or a port from 1 to 65535' });
  }
  const path = r.string('HealthCheckPath', { min: 1, max: 1024, pattern: /^\//, patternText: 'a path beginning with "/"' });
  const enabled = r.boolean('HealthCheckEnabled');
  if (enabled === false) {
    problems.add({ field: 'HealthCheckEnabled', found: 'false', expected: 'true: health checks cannot be disabled for target groups whose target type is instance or ip' });
  }
  const intervalSeconds = r.integer('HealthCheckIntervalSeconds', { min: 5, max: 300 });
  const timeoutSeconds = r.integer('HealthCheckTimeoutSeconds', { min: 2, max: 120 });
  const healthyThreshold = r.integer('HealthyThresholdCount', { min: 2, max: 10 });
  const unhealthyThreshold = r.integer('UnhealthyThresholdCount', { min: 2, max: 10 });
  const matcherReader = r.struct('Matcher');
  const matcher = matcherReader?.string('HttpCode', { min: 1, max: 1024 });
  if (matcherReader?.string('GrpcCode') !== undefined) {
    problems.add({ field: 'Matcher.GrpcCode', found: 'a gRPC code', expected: 'HttpCode (gRPC target groups are not supported)' });
  }
  const hcProtocol = (protocol === 'TCP' || protocol === 'HTTP' ? protocol : undefined) ?? base.protocol;
  const next: StoredHealthCheck = {
    protocol: hcProtocol,
    port: port ?? base.port,
    path: path ?? base.path,
    intervalSeconds: intervalSeconds ?? base.intervalSeconds,
    timeoutSeconds: timeoutSeconds ?? base.timeoutSeconds,
    healthyThreshold: healthyThreshold ?? base.healthyThreshold,
    unhealthyThreshold: unhealthyThreshold ?? base.unhealthyThreshold,
    matcher: matcher ?? (protocol === 'HTTP' && base.protocol === 'TCP' ? '200-399' : base.matcher),
  };
  // ALB matchers lie within 200–499; NLB's HTTP checks accept 200–599.
  const [lo, hi] = targetProtocol === 'TCP' ? [200, 599] : [200, 499];
  if (matcher !== undefined && !matcherValid(matcher, lo, hi)) {
    problems.add({ field: 'Matcher.HttpCode', found: describeValue(matcher), expected: `HTTP codes within ${lo}–${hi} as values or ranges, e.g. "200", "200,202" or "200-299"` });
  }
  if (next.timeoutSeconds >= next.intervalSeconds) {
    problems.add({ field: 'HealthCheckTimeoutSeconds', found: String(next.timeoutSeconds), expected: `less than the health check interval (${next.intervalSeconds} s)` });
  }
  return next;
}
