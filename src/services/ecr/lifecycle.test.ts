import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSlipwayError } from '../../core/errors.ts';
import { imagesToExpire, parseLifecyclePolicy } from './lifecycle.ts';

const DAY = 24 * 60 * 60 * 1000;
const now = Date.UTC(2026, 0, 10);

function policy(...rules: object[]): string {
  return JSON.stringify({ rules: rules.map((r, i) => ({ rulePriority: i + 1, action: { type: 'expire' }, ...r })) });
}

test('parseLifecyclePolicy lists every problem: tagged without prefixes, countUnit misuse, any not last', () => {
  const text = JSON.stringify({
    rules: [
      { rulePriority: 2, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } },
      { rulePriority: 3, selection: { tagStatus: 'tagged', countType: 'sinceImagePushed', countNumber: 1 }, action: { type: 'expire' } },
    ],
  });
  assert.throws(
    () => parseLifecyclePolicy(text),
    (e: unknown) => isSlipwayError(e) && e.code === 'InvalidParameterException' && e.problems.length === 3,
  );
  assert.throws(() => parseLifecyclePolicy('not json'), /InvalidParameter|not JSON|lifecyclePolicyText/);
});

test('imageCountMoreThan keeps the newest images the rule selects, tagPrefixList needs every prefix matched', () => {
  const rules = parseLifecyclePolicy(
    policy(
      { selection: { tagStatus: 'tagged', tagPrefixList: ['prod'], countType: 'imageCountMoreThan', countNumber: 1 } },
      { selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 2 } },
    ),
  );
  const images = [
    { digest: 'p1', pushedAt: now - 5 * DAY, tags: ['prod-1'] },
    { digest: 'p2', pushedAt: now - 4 * DAY, tags: ['prod-2'] },
    { digest: 'd1', pushedAt: now - 3 * DAY, tags: ['dev-1'] },
    { digest: 'd2', pushedAt: now - 2 * DAY, tags: ['dev-2'] },
    { digest: 'u1', pushedAt: now - 1 * DAY, tags: [] },
  ];
  // Rule 1 claims p1 and p2 and expires the older; rule 2 sees only d1, d2, u1 and keeps the newest two.
  assert.deepEqual(imagesToExpire(rules, images, now), ['p1', 'd1']);
});

test('sinceImagePushed with untagged expires only untagged images older than the count of days', () => {
  const rules = parseLifecyclePolicy(policy({ selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 3 } }));
  const images = [
    { digest: 'old-untagged', pushedAt: now - 4 * DAY, tags: [] },
    { digest: 'new-untagged', pushedAt: now - 2 * DAY, tags: [] },
    { digest: 'old-tagged', pushedAt: now - 9 * DAY, tags: ['v1'] },
  ];
  assert.deepEqual(imagesToExpire(rules, images, now), ['old-untagged']);
});
