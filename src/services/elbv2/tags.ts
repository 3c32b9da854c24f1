// Tags on load balancers, target groups, listeners and rules: AddTags, DescribeTags, RemoveTags (at most 50 per resource).
import type { AddTagsInput, DescribeTagsInput, DescribeTagsOutput, RemoveTagsInput, Tag } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describeValue, type Problems } from '../../core/errors.ts';
import { str } from '../../store/db.ts';
import type { OperationContext, ServiceContext } from '../types.ts';
import { InputReader } from '../validate.ts';
import { elbError, reader } from './common.ts';

const MAX_TAGS = 50;

/** Reads a `Tags` list (Key 1–128, Value 0–256), adding problems; a key given twice is DuplicateTagKeys. */
export function readTagList(value: unknown, problems: Problems, name: string): Tag[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.add({ field: name, found: describeValue(value), expected: 'a list of tags' });
    return [];
  }
  const tags: Tag[] = [];
  const keys = new Set<string>();
  value.forEach((item: unknown, i) => {
    const t = new InputReader(typeof item === 'object' && item !== null ? item : {}, problems, `${name}[${i}].`);
    const key = t.string('Key', { required: true, min: 1, max: 128 });
    const val = t.string('Value', { max: 256 }) ?? '';
    if (key === undefined) return;
    if (keys.has(key)) throw elbError('DuplicateTagKeys', `Tag key '${key}' appears more than once in ${name}`);
    keys.add(key);
    tags.push({ Key: key, Value: val });
  });
  return tags;
}

/** Writes tags on a resource inside the caller's transaction; TooManyTags beyond 50. */
export function putTags(ctx: Pick<ServiceContext, 'store'>, arn: string, tags: readonly Tag[]): void {
  for (const t of tags) ctx.store.run('INSERT INTO elbv2_tags (resource_arn, key, value) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value', arn, t.Key ?? '', t.Value ?? '');
  const count = ctx.store.get('SELECT count(*) AS n FROM elbv2_tags WHERE resource_arn = ?', arn);
  if (Number(count?.['n'] ?? 0) > MAX_TAGS) throw elbError('TooManyTags', `${arn} would have more than ${MAX_TAGS} tags`);
}

export function deleteTags(ctx: Pick<ServiceContext, 'store'>, arn: string): void {
  ctx.store.run('DELETE FROM elbv2_tags WHERE resource_arn = ?', arn);
}

function tagsOf(ctx: Pick<ServiceContext, 'store'>, arn: string): Tag[] {
  return ctx.store.all('SELECT key, value FROM elbv2_tags WHERE resource_arn = ? ORDER BY key', arn).map((row) => ({ Key: str(row, 'key'), Value: str(row, 'value') }));
}

/** The not-found error AWS gives for a resource ARN of each kind. */
function assertResource(ctx: Pick<ServiceContext, 'store'>, arn: string): void {
  const kind = /:(loadbalancer|targetgroup|listener|listener-rule)\//.exec(arn)?.[1];
  const table = { loadbalancer: 'elbv2_load_balancers', targetgroup: 'elbv2_target_groups', listener: 'elbv2_listeners', 'listener-rule': 'elbv2_rules' }[kind ?? ''];
  const found = table === undefined ? undefined : ctx.store.get(`SELECT 1 FROM ${table} WHERE arn = ?`, arn);
  if (found !== undefined) return;
  if (kind === 'targetgroup') throw elbError('TargetGroupNotFound', `One or more target groups not found: ${arn}`);
  if (kind === 'listener') throw elbError('ListenerNotFound', `One or more listeners not found: ${arn}`);
  if (kind === 'listener-rule') throw elbError('RuleNotFound', `One or more rules not found: ${arn}`);
  throw elbError('LoadBalancerNotFound', `One or more load balancers not found: ${arn}`);
}

export function addTags(input: AddTagsInput, ctx: OperationContext): Record<string, never> {
  const { r, problems, done } = reader(input);
  const arns = r.stringList('ResourceArns', { required: true, min: 1, max: 20 }) ?? [];
  const tags = readTagList(input.Tags, problems, 'Tags');
  if (input.Tags === undefined) problems.add({ field: 'Tags', found: 'nothing', expected: 'a value (the member is required)' });
  done();
  ctx.store.tx(() => {
    for (const arn of arns) {
      assertResource(ctx, arn);
      putTags(ctx, arn, tags);
      ctx.bus.publish({ type: 'elbv2.tags.changed', resource: arn, detail: { added: tags.map((t) => t.Key) } });
    }
  });
  return {};
}

export function removeTags(input: RemoveTagsInput, ctx: OperationContext): Record<string, never> {
  const { r, done } = reader(input);
  const arns = r.stringList('ResourceArns', { required: true, min: 1, max: 20 }) ?? [];
  const keys = r.stringList('TagKeys', { required: true, item: { min: 1, max: 128 } }) ?? [];
  done();
  ctx.store.tx(() => {
    for (const arn of arns) {
      assertResource(ctx, arn);
      for (const key of keys) ctx.store.run('DELETE FROM elbv2_tags WHERE resource_arn = ? AND key = ?', arn, key);
      ctx.bus.publish({ type: 'elbv2.tags.changed', resource: arn, detail: { removed: keys } });
    }
  });
  return {};
}

export function describeTags(input: DescribeTagsInput, ctx: OperationContext): DescribeTagsOutput {
  const { r, done } = reader(input);
  const arns = r.stringList('ResourceArns', { required: true, min: 1, max: 20 }) ?? [];
  done();
  for (const arn of arns) assertResource(ctx, arn);
  return { TagDescriptions: arns.map((arn) => ({ ResourceArn: arn, Tags: tagsOf(ctx, arn) })) };
}
