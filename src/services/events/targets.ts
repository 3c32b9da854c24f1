// Rule targets (SNS topics only): PutTargets, RemoveTargets, ListTargetsByRule.
import type { ListTargetsByRuleRequest, ListTargetsByRuleResponse, PutTargetsRequest, PutTargetsResponse, RemoveTargetsRequest, RemoveTargetsResponse, Target } from '@aws-sdk/client-eventbridge';
import { describeValue, Problems, SlipwayError } from '../../core/errors.ts';
import { num, str } from '../../store/db.ts';
import { topicNameOf } from '../sns/index.ts';
import type { OperationContext, ServiceContext } from '../types.ts';
import { InputReader } from '../validate.ts';
import { checkBus, requireRule, ruleArn, RULE_NAME } from './rules.ts';

/** AWS's limit on targets per rule. */
const MAX_TARGETS_PER_RULE = 5;
const TARGET_ID = { min: 1, max: 64, pattern: /^[.\-_A-Za-z0-9]+$/, patternText: "letters, digits, '.', '-' and '_'" };

export interface StoredTarget {
  readonly Id: string;
  readonly Arn: string;
  readonly Input?: string;
  readonly InputPath?: string;
  readonly InputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate: string };
}

/** A rule's targets; with `asOf`, only those that already existed then (unchanged since). */
export function targetsOf(ctx: Pick<ServiceContext, 'store'>, rule: string, asOf?: number): StoredTarget[] {
  const rows = asOf === undefined ? ctx.store.all('SELECT target FROM events_targets WHERE rule = ? ORDER BY id', rule) : ctx.store.all('SELECT target FROM events_targets WHERE rule = ? AND coalesce(updated, 0) <= ? ORDER BY id', rule, asOf);
  return rows.map((r) => JSON.parse(str(r, 'target')) as StoredTarget);
}

function readTarget(ctx: Pick<ServiceContext, 'config'>, raw: unknown, i: number, problems: Problems): StoredTarget | undefined {
  const field = `Targets[${i}]`;
  if (typeof raw !== 'object' || raw === null) {
    problems.add({ field, found: describeValue(raw), expected: 'a target object' });
    return undefined;
  }
  const r = new InputReader(raw, problems, `${field}.`);
  const id = r.string('Id', { ...TARGET_ID, required: true });
  const arnValue = r.string('Arn', { min: 1, max: 1600, required: true });
  const input = r.string('Input', { max: 8192 });
  const inputPath = r.string('InputPath', { max: 256 });
  const transformer = r.struct('InputTransformer');
  const template = transformer?.string('InputTemplate', { min: 1, max: 8192, required: true });
  const t = raw as Record<string, unknown>;
  const paths = (t['InputTransformer'] as Record<string, unknown> | undefined)?.['InputPathsMap'] as Record<string, string> | undefined;
  if (arnValue !== undefined && topicNameOf(ctx, arnValue) === undefined) {
    problems.add({
      field: `${field}.Arn`,
      found: describeValue(arnValue),
      expected: `an SNS topic ARN of this Slipway (arn:aws:sns:${ctx.config.region}:${ctx.config.accountId}:<topic>); Slipway delivers rule targets to SNS topics only`,
    });
  }
  const shapes = [input, inputPath, template].filter((v) => v !== undefined).length;
  if (shapes > 1) problems.add({ field, found: 'more than one of Input, InputPath, InputTransformer', expected: 'at most one of them' });
  if (inputPath !== undefined && !inputPath.startsWith('$')) problems.add({ field: `${field}.InputPath`, found: describeValue(inputPath), expected: 'a JSONPath starting with $' });
  if (input !== undefined) {
    try {
      JSON.parse(input);
    } catch {
      problems.add({ field: `${field}.Input`, found: describeValue(input), expected: 'valid JSON text' });
    }
  }
  for (const key of Object.keys(t)) {
    if (!['Id', 'Arn', 'Input', 'InputPath', 'InputTransformer', 'RoleArn', 'RetryPolicy', 'DeadLetterConfig'].includes(key)) {
      problems.add({ field: `${field}.${key}`, found: 'a value', expected: 'nothing: Slipway supports Id, Arn, Input, InputPath and InputTransformer for SNS targets' });
    }
  }
  if (id === undefined || arnValue === undefined) return undefined;
  return {
    Id: id,
    Arn: arnValue,
    ...(input === undefined ? {} : { Input: input }),
    ...(inputPath === undefined ? {} : { InputPath: inputPath }),
    ...(template === undefined ? {} : { InputTransformer: { ...(paths === undefined ? {} : { InputPathsMap: paths }), InputTemplate: template } }),
  };
}

export function putTargets(input: PutTargetsRequest, ctx: OperationContext): PutTargetsResponse {
  const problems = new Problems();
  const r = new InputReader(input, problems);
  const rule = r.string('Rule', { ...RULE_NAME, required: true }) ?? '';
  const list = input.Targets;
  if (!Array.isArray(list) || list.length === 0 || list.length > 10) problems.add({ field: 'Targets', found: describeValue(list), expected: 'a list of 1 to 10 targets' });
  const targets = (Array.isArray(list) ? list : []).map((t, i) => readTarget(ctx, t, i, problems)).filter((t) => t !== undefined);
  problems.throwIfAny('ValidationException', `${problems.size} validation error${problems.size === 1 ? '' : 's'} detected`);
  checkBus(input.EventBusName);
  ctx.store.tx(() => {
    requireRule(ctx, rule);
    for (const t of targets) {
      ctx.store.run(
        'INSERT INTO events_targets (rule, id, arn, target, updated) VALUES (?, ?, ?, ?, ?) ON CONFLICT(rule, id) DO UPDATE SET arn = excluded.arn, target = excluded.target, updated = excluded.updated',
        rule,
        t.Id,
        t.Arn,
        JSON.stringify(t),
        ctx.clock.now(),
      );
    }
    const count = num(ctx.store.get('SELECT count(*) AS n FROM events_targets WHERE rule = ?', rule) ?? {}, 'n');
    if (count > MAX_TARGETS_PER_RULE) throw new SlipwayError('LimitExceededException', `The requested resource exceeds the maximum number allowed: a rule has at most ${MAX_TARGETS_PER_RULE} targets (${count} asked for)`);
    ctx.bus.publish({ type: 'events.targets.changed', resource: ruleArn(ctx, rule), detail: { rule, ids: targets.map((t) => t.Id) } });
  });
  return { FailedEntryCount: 0, FailedEntries: [] };
}

export function removeTargets(input: RemoveTargetsRequest, ctx: OperationContext): RemoveTargetsResponse {
  const r = new InputReader(input);
  const rule = r.string('Rule', { ...RULE_NAME, required: true }) ?? '';
  const ids = r.stringList('Ids', { required: true, min: 1, max: 100, item: TARGET_ID }) ?? [];
  r.done();
  checkBus(input.EventBusName);
  ctx.store.tx(() => {
    requireRule(ctx, rule);
    // Ids that are not targets of the rule are ignored, as AWS does.
    for (const id of ids) ctx.store.run('DELETE FROM events_targets WHERE rule = ? AND id = ?', rule, id);
    ctx.bus.publish({ type: 'events.targets.changed', resource: ruleArn(ctx, rule), detail: { rule, removed: ids } });
  });
  return { FailedEntryCount: 0, FailedEntries: [] };
}

export function listTargetsByRule(input: ListTargetsByRuleRequest, ctx: OperationContext): ListTargetsByRuleResponse {
  const r = new InputReader(input);
  const rule = r.string('Rule', { ...RULE_NAME, required: true }) ?? '';
  const limit = r.integer('Limit', { min: 1, max: 100 }) ?? 100;
  r.done();
  checkBus(input.EventBusName);
  requireRule(ctx, rule);
  const targets: Target[] = targetsOf(ctx, rule).slice(0, limit);
  return { Targets: targets };
}
