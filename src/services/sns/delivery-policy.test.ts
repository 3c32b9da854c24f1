import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_HTTP_RETRY_POLICY, readRetryPolicy, retryDelays } from './delivery-policy.ts';

test("AWS's default HTTP/S policy: three retries, 20 seconds apart", () => {
  assert.deepEqual(retryDelays(DEFAULT_HTTP_RETRY_POLICY), [20_000, 20_000, 20_000]);
});

test('the four phases: no delay, min delay, backoff from min to max, max delay', () => {
  const policy = readRetryPolicy(
    JSON.stringify({ http: { defaultHealthyRetryPolicy: { minDelayTarget: 1, maxDelayTarget: 9, numRetries: 8, numNoDelayRetries: 1, numMinDelayRetries: 1, numMaxDelayRetries: 1, backoffFunction: 'linear' } } }),
    'DeliveryPolicy',
  );
  assert.ok(policy !== undefined);
  assert.deepEqual(retryDelays(policy), [0, 1, 1, 3, 5, 7, 9, 9].map((s) => s * 1000));
  const exp = readRetryPolicy(JSON.stringify({ healthyRetryPolicy: { minDelayTarget: 1, maxDelayTarget: 16, numRetries: 5, backoffFunction: 'exponential' } }), 'DeliveryPolicy');
  assert.ok(exp !== undefined);
  assert.deepEqual(retryDelays(exp), [1, 2, 4, 8, 16].map((s) => s * 1000));
});

test('a policy outside AWS limits is refused, naming the member', () => {
  assert.throws(() => readRetryPolicy('{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":30,"maxDelayTarget":10}}}', 'DeliveryPolicy'), /minDelayTarget 30 \/ maxDelayTarget 10/);
  assert.throws(() => readRetryPolicy('{"http":{"defaultHealthyRetryPolicy":{"numRetries":-1}}}', 'DeliveryPolicy'), /numRetries/);
  assert.throws(() => readRetryPolicy('{"http":{"defaultHealthyRetryPolicy":{"backoffFunction":"cubic"}}}', 'DeliveryPolicy'), /backoffFunction/);
  assert.throws(() => readRetryPolicy('not json', 'DeliveryPolicy'), /not JSON/);
  assert.equal(readRetryPolicy('{"http":{}}', 'DeliveryPolicy'), undefined);
});
