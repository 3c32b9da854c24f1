// Target group attributes with AWS's ranges: deregistration delay and slow start.
import { Problems, describeValue } from '../../core/errors.ts';

/** deregistration_delay.timeout_seconds: 0–3600 (AWS default 300). */
export function deregistrationDelay(seconds: number): number {
  const problems = new Problems();
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600) {
    problems.add({ field: 'deregistrationDelaySeconds', found: describeValue(seconds), expected: 'an integer from 0 to 3600' });
  }
  problems.throwIfAny('ValidationError', 'Invalid target group attribute');
  return seconds;
}

/** slow_start.duration_seconds: 0 (off, the default) or 30–900. */
export function slowStart(seconds: number): number {
  const problems = new Problems();
  if (!Number.isInteger(seconds) || (seconds !== 0 && (seconds < 30 || seconds > 900))) {
    problems.add({ field: 'slowStartSeconds', found: describeValue(seconds), expected: '0 (off) or an integer from 30 to 900' });
  }
  problems.throwIfAny('ValidationError', 'Invalid target group attribute');
  return seconds;
}
