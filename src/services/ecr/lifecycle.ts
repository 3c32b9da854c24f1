// Lifecycle policies: validation of the JSON text and its evaluation (imageCountMoreThan, sinceImagePushed) after each push.
import { Problems } from '../../core/errors.ts';
import { num, str } from '../../store/db.ts';
import { deleteBlocker, deleteImage, findRepository, type EcrContext } from './state.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface LifecycleRule {
  readonly rulePriority: number;
  readonly tagStatus: 'tagged' | 'untagged' | 'any';
  readonly tagPrefixList: readonly string[];
  readonly countType: 'imageCountMoreThan' | 'sinceImagePushed';
  readonly countNumber: number;
}

/** Parses and checks a policy as ECR does, listing every problem at once (InvalidParameterException). */
export function parseLifecyclePolicy(text: string): LifecycleRule[] {
  const problems = new Problems();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    problems.add({ field: 'lifecyclePolicyText', found: 'text that is not JSON', expected: 'a JSON object {"rules": [...]}' });
    problems.throwIfAny('InvalidParameterException', 'Invalid parameter at lifecyclePolicyText');
  }
  const rulesValue = (json as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(rulesValue) || rulesValue.length === 0) {
    problems.add({ field: 'rules', found: Array.isArray(rulesValue) ? 'an empty list' : 'nothing', expected: 'a non-empty list of rules' });
    problems.throwIfAny('InvalidParameterException', 'Invalid parameter at lifecyclePolicyText');
  }
  const rules: LifecycleRule[] = [];
  (rulesValue as unknown[]).forEach((value, i) => {
    const field = `rules[${i}]`;
    const rule = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
    const selection = (typeof rule['selection'] === 'object' && rule['selection'] !== null ? rule['selection'] : {}) as Record<string, unknown>;
    const action = (typeof rule['action'] === 'object' && rule['action'] !== null ? rule['action'] : {}) as Record<string, unknown>;
    const priority = rule['rulePriority'];
    if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 1) {
      problems.add({ field: `${field}.rulePriority`, found: JSON.stringify(priority), expected: 'a positive integer' });
    }
    const tagStatus = selection['tagStatus'];
    if (tagStatus !== 'tagged' && tagStatus !== 'untagged' && tagStatus !== 'any') {
      problems.add({ field: `${field}.selection.tagStatus`, found: JSON.stringify(tagStatus), expected: 'tagged, untagged or any' });
    }
    const prefixes = selection['tagPrefixList'] ?? selection['tagPatternList'];
    const prefixList = Array.isArray(prefixes) ? prefixes.filter((p): p is string => typeof p === 'string') : [];
    if (tagStatus === 'tagged' && prefixList.length === 0) {
      problems.add({ field: `${field}.selection.tagPrefixList`, found: 'nothing', expected: 'at least one prefix when tagStatus is tagged' });
    }
    const countType = selection['countType'];
    if (countType !== 'imageCountMoreThan' && countType !== 'sinceImagePushed') {
      problems.add({ field: `${field}.selection.countType`, found: JSON.stringify(countType), expected: 'imageCountMoreThan or sinceImagePushed' });
    }
    if (countType === 'sinceImagePushed' && selection['countUnit'] !== 'days') {
      problems.add({ field: `${field}.selection.countUnit`, found: JSON.stringify(selection['countUnit']), expected: '"days" with sinceImagePushed' });
    }
    if (countType === 'imageCountMoreThan' && selection['countUnit'] !== undefined) {
      problems.add({ field: `${field}.selection.countUnit`, found: JSON.stringify(selection['countUnit']), expected: 'no countUnit with imageCountMoreThan' });
    }
    const countNumber = selection['countNumber'];
    if (typeof countNumber !== 'number' || !Number.isInteger(countNumber) || countNumber < 1) {
      problems.add({ field: `${field}.selection.countNumber`, found: JSON.stringify(countNumber), expected: 'a positive integer' });
    }
    if (action['type'] !== 'expire') problems.add({ field: `${field}.action.type`, found: JSON.stringify(action['type']), expected: '"expire"' });
    rules.push({
      rulePriority: Number(priority),
      tagStatus: tagStatus as LifecycleRule['tagStatus'],
      tagPrefixList: prefixList,
      countType: countType as LifecycleRule['countType'],
      countNumber: Number(countNumber),
    });
  });
  const priorities = rules.map((r) => r.rulePriority);
  if (new Set(priorities).size !== priorities.length) problems.add({ field: 'rules', found: 'repeated rulePriority values', expected: 'unique rulePriority values' });
  const anyRule = rules.find((r) => r.tagStatus === 'any');
  if (anyRule !== undefined && rules.some((r) => r.rulePriority > anyRule.rulePriority)) {
    problems.add({ field: 'rules', found: `a tagStatus any rule with priority ${anyRule.rulePriority}`, expected: 'the tagStatus any rule to have the highest rulePriority number' });
  }
  problems.throwIfAny('InvalidParameterException', 'Invalid parameter at lifecyclePolicyText');
  return rules.sort((a, b) => a.rulePriority - b.rulePriority);
}

interface Candidate {
  readonly digest: string;
  readonly pushedAt: number;
  readonly tags: readonly string[];
}

function selects(rule: LifecycleRule, image: Candidate): boolean {
  if (rule.tagStatus === 'untagged') return image.tags.length === 0;
  if (rule.tagStatus === 'any') return true;
  // Every listed prefix must be matched by one of the image's tags, as ECR documents.
  return image.tags.length > 0 && rule.tagPrefixList.every((p) => image.tags.some((t) => t.startsWith(p)));
}

/** Which images the rules expire: a higher-priority rule claims the images it selects, expired or not. */
export function imagesToExpire(rules: readonly LifecycleRule[], images: readonly Candidate[], now: number): string[] {
  const claimed = new Set<string>();
  const expired: string[] = [];
  for (const rule of rules) {
    const selected = images.filter((img) => !claimed.has(img.digest) && selects(rule, img)).sort((a, b) => b.pushedAt - a.pushedAt);
    for (const img of selected) claimed.add(img.digest);
    const doomed =
      rule.countType === 'imageCountMoreThan'
        ? selected.slice(rule.countNumber)
        : selected.filter((img) => img.pushedAt < now - rule.countNumber * DAY_MS);
    expired.push(...doomed.map((img) => img.digest));
  }
  return expired;
}

/** Applies the repository's policy now (at the injected clock's time); returns the digests it expired. */
export function applyLifecyclePolicy(ctx: EcrContext, repo: string): string[] {
  return ctx.store.tx(() => {
    const row = findRepository(ctx, repo);
    const text = row === undefined ? '' : str(row, 'lifecycle_policy');
    if (text === '') return [];
    const rules = parseLifecyclePolicy(text);
    const now = ctx.clock.now();
    const images: Candidate[] = ctx.store.all('SELECT digest, pushed_at FROM ecr_manifests WHERE repo = ?', repo).map((m) => ({
      digest: str(m, 'digest'),
      pushedAt: num(m, 'pushed_at'),
      tags: ctx.store.all('SELECT tag FROM ecr_tags WHERE repo = ? AND digest = ?', repo, str(m, 'digest')).map((t) => str(t, 'tag')),
    }));
    const expired = imagesToExpire(rules, images, now).filter((d) => deleteBlocker(ctx, repo, d) === undefined);
    for (const digest of expired) deleteImage(ctx, repo, digest, 'LifecyclePolicy');
    ctx.store.run('UPDATE ecr_repositories SET lifecycle_evaluated_at = ? WHERE name = ?', now, repo);
    return expired;
  });
}
