// The HTTP/S delivery policy: AWS's default (3 retries, 20 s apart) or the topic's/subscription's DeliveryPolicy, as a list of retry delays.
import { invalidParameter } from './common.ts';

export interface HealthyRetryPolicy {
  readonly minDelayTarget: number;
  readonly maxDelayTarget: number;
  readonly numRetries: number;
  readonly numNoDelayRetries: number;
  readonly numMinDelayRetries: number;
  readonly numMaxDelayRetries: number;
  readonly backoffFunction: 'linear' | 'arithmetic' | 'geometric' | 'exponential';
}

/** AWS's default for HTTP/S endpoints: "up to three retries with a delay between failed attempts set at 20 seconds". */
export const DEFAULT_HTTP_RETRY_POLICY: HealthyRetryPolicy = {
  minDelayTarget: 20,
  maxDelayTarget: 20,
  numRetries: 3,
  numNoDelayRetries: 0,
  numMinDelayRetries: 0,
  numMaxDelayRetries: 0,
  backoffFunction: 'linear',
};

/** What GetTopicAttributes reports as EffectiveDeliveryPolicy when none was set. */
export function effectiveDeliveryPolicy(topicPolicy: string | undefined): string {
  const http = { defaultHealthyRetryPolicy: readRetryPolicy(topicPolicy, 'DeliveryPolicy') ?? DEFAULT_HTTP_RETRY_POLICY, disableSubscriptionOverrides: false };
  return JSON.stringify({ http });
}

const BACKOFF = new Set(['linear', 'arithmetic', 'geometric', 'exponential']);

/**
 * Reads `{"http":{"defaultHealthyRetryPolicy":{…}}}` (topic) or `{"healthyRetryPolicy":{…}}` (subscription);
 * undefined when the JSON sets none. Checks AWS's limits: delays 1–3600 s, min ≤ max, phases within numRetries.
 */
export function readRetryPolicy(text: string | undefined, attribute: string): HealthyRetryPolicy | undefined {
  if (text === undefined || text === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidParameter(`${attribute}: found text that is not JSON, expected a delivery policy JSON object`);
  }
  const root = (parsed ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const raw = (root['http']?.['defaultHealthyRetryPolicy'] ?? root['healthyRetryPolicy']) as Record<string, unknown> | undefined;
  if (raw === undefined) return undefined;
  const n = (key: keyof HealthyRetryPolicy, fallback: number): number => {
    const v = raw[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw invalidParameter(`${attribute}: ${key}: found ${JSON.stringify(v)}, expected a whole number >= 0`);
    return v;
  };
  const minDelayTarget = n('minDelayTarget', 20);
  const maxDelayTarget = n('maxDelayTarget', 20);
  const numRetries = n('numRetries', 3);
  const policy: HealthyRetryPolicy = {
    minDelayTarget,
    maxDelayTarget,
    numRetries,
    numNoDelayRetries: n('numNoDelayRetries', 0),
    numMinDelayRetries: n('numMinDelayRetries', 0),
    numMaxDelayRetries: n('numMaxDelayRetries', 0),
    backoffFunction: (typeof raw['backoffFunction'] === 'string' ? raw['backoffFunction'] : 'linear') as HealthyRetryPolicy['backoffFunction'],
  };
  if (!BACKOFF.has(policy.backoffFunction)) throw invalidParameter(`${attribute}: backoffFunction: found ${JSON.stringify(policy.backoffFunction)}, expected linear, arithmetic, geometric or exponential`);
  if (minDelayTarget < 1 || maxDelayTarget > 3600 || minDelayTarget > maxDelayTarget) {
    throw invalidParameter(`${attribute}: minDelayTarget ${minDelayTarget} / maxDelayTarget ${maxDelayTarget}: expected 1 <= minDelayTarget <= maxDelayTarget <= 3600 seconds`);
  }
  if (numRetries > 100) throw invalidParameter(`${attribute}: numRetries: found ${numRetries}, expected at most 100`);
  if (policy.numNoDelayRetries + policy.numMinDelayRetries + policy.numMaxDelayRetries > numRetries) {
    throw invalidParameter(`${attribute}: numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries exceed numRetries (${numRetries})`);
  }
  return policy;
}

/**
 * The delay in milliseconds before each retry, in AWS's four phases: immediate, pre-backoff (min delay),
 * backoff (min → max by the backoff function), post-backoff (max delay). No jitter: Slipway's schedule is exact.
 */
export function retryDelays(policy: HealthyRetryPolicy): number[] {
  const delays: number[] = [];
  for (let i = 0; i < policy.numNoDelayRetries; i++) delays.push(0);
  for (let i = 0; i < policy.numMinDelayRetries; i++) delays.push(policy.minDelayTarget);
  const backoff = policy.numRetries - policy.numNoDelayRetries - policy.numMinDelayRetries - policy.numMaxDelayRetries;
  const { minDelayTarget: min, maxDelayTarget: max } = policy;
  for (let i = 0; i < backoff; i++) {
    const t = backoff === 1 ? 1 : i / (backoff - 1);
    let d: number;
    if (policy.backoffFunction === 'exponential' || policy.backoffFunction === 'geometric') d = min * Math.pow(max / min, t);
    else d = min + (max - min) * t;
    delays.push(Math.round(d));
  }
  for (let i = 0; i < policy.numMaxDelayRetries; i++) delays.push(policy.maxDelayTarget);
  return delays.map((s) => s * 1000);
}
