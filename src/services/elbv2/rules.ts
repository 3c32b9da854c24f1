// Listener rules: Create/Modify/Describe/DeleteRule and SetRulePriorities with path-pattern and host-header conditions.
import type {
  CreateRuleInput,
  CreateRuleOutput,
  DeleteRuleInput,
  DescribeRulesInput,
  DescribeRulesOutput,
  ModifyRuleInput,
  ModifyRuleOutput,
  Rule,
  RuleCondition,
  SetRulePrioritiesInput,
  SetRulePrioritiesOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describeValue, type Problems } from '../../core/errors.ts';
import { num, str, type Row } from '../../store/db.ts';
import type { OperationContext, ServiceContext } from '../types.ts';
import { assertPresent } from '../validate.ts';
import { readActions, resolveForward, toActions, type StoredForward } from './actions.ts';
import { elbError, elbId, json, page, readPaging, reader } from './common.ts';
import { findListener, requireListener, setDefaultForward, type ListenerRecord } from './listeners.ts';
import { requireLoadBalancer } from './load-balancers.ts';
import { deleteTags, putTags, readTagList } from './tags.ts';

export interface StoredCondition {
  readonly field: 'path-pattern' | 'host-header';
  readonly values: readonly string[];
}

export interface RuleRecord {
  readonly arn: string;
  readonly listenerArn: string;
  readonly priority: number;
  readonly conditions: readonly StoredCondition[];
  readonly forward: StoredForward;
}

function toRecord(row: Row): RuleRecord {
  return {
    arn: str(row, 'arn'),
    listenerArn: str(row, 'listener_arn'),
    priority: num(row, 'priority'),
    conditions: json<StoredCondition[]>(str(row, 'conditions')),
    forward: json<StoredForward>(str(row, 'actions')),
  };
}

export function rulesOf(ctx: Pick<ServiceContext, 'store'>, listenerArn: string): RuleRecord[] {
  return ctx.store.all('SELECT * FROM elbv2_rules WHERE listener_arn = ? ORDER BY priority', listenerArn).map(toRecord);
}

const PATH_VALUE = /^[A-Za-z0-9_\-.$/~"'@:+&*?]+$/;
const HOST_VALUE = /^[A-Za-z0-9\-.*?]+$/;

function readConditions(value: unknown, problems: Problems): StoredCondition[] {
  if (!Array.isArray(value) || value.length === 0) {
    problems.add({ field: 'Conditions', found: describeValue(value), expected: 'at least one condition' });
    return [];
  }
  const out: StoredCondition[] = [];
  value.forEach((item: unknown, i) => {
    const c = (typeof item === 'object' && item !== null ? item : {}) as RuleCondition;
    const at = `Conditions[${i}]`;
    if (c.Field !== 'path-pattern' && c.Field !== 'host-header') {
      problems.add({ field: `${at}.Field`, found: describeValue(c.Field), expected: 'path-pattern or host-header (the conditions Slipway routes on)' });
      return;
    }
    const config = c.Field === 'path-pattern' ? c.PathPatternConfig : c.HostHeaderConfig;
    if (c.Values !== undefined && config?.Values !== undefined) problems.add({ field: at, found: 'both Values and a condition config', expected: 'one of them' });
    if (config?.RegexValues !== undefined || c.RegexValues !== undefined) problems.add({ field: at, found: 'RegexValues', expected: 'Values (Slipway matches wildcards, not regular expressions)' });
    const values = c.Values ?? config?.Values ?? [];
    if (values.length === 0 || values.length > 5) problems.add({ field: `${at}.Values`, found: `${values.length} values`, expected: '1 to 5 values' });
    const pattern = c.Field === 'path-pattern' ? PATH_VALUE : HOST_VALUE;
    values.forEach((v, j) => {
      if (typeof v !== 'string' || v.length === 0 || v.length > 128 || !pattern.test(v)) {
        problems.add({ field: `${at}.Values[${j}]`, found: describeValue(v), expected: `1 to 128 characters of ${c.Field === 'path-pattern' ? "A-Z, a-z, 0-9, _ - . $ / ~ \" ' @ : + & * ?" : 'A-Z, a-z, 0-9, - . * ?'}` });
      }
    });
    out.push({ field: c.Field, values });
  });
  return out;
}

function toConditions(conditions: readonly StoredCondition[]): RuleCondition[] {
  return conditions.map((c) => ({
    Field: c.field,
    Values: [...c.values],
    ...(c.field === 'path-pattern' ? { PathPatternConfig: { Values: [...c.values] } } : { HostHeaderConfig: { Values: [...c.values] } }),
  }));
}

function toRule(r: RuleRecord): Rule {
  return { RuleArn: r.arn, Priority: String(r.priority), Conditions: toConditions(r.conditions), Actions: toActions(r.forward), IsDefault: false };
}

function defaultRule(l: ListenerRecord): Rule {
  return { RuleArn: l.defaultRuleArn, Priority: 'default', Conditions: [], Actions: toActions(l.forward), IsDefault: true };
}

function findRule(ctx: Pick<ServiceContext, 'store'>, arn: string): RuleRecord | undefined {
  const row = ctx.store.get('SELECT * FROM elbv2_rules WHERE arn = ?', arn);
  return row === undefined ? undefined : toRecord(row);
}

function defaultRuleListener(ctx: Pick<ServiceContext, 'store'>, arn: string): ListenerRecord | undefined {
  const row = ctx.store.get('SELECT arn FROM elbv2_listeners WHERE default_rule_arn = ?', arn);
  return row === undefined ? undefined : findListener(ctx, str(row, 'arn'));
}

function ruleNotFound(arn: string): Error {
  return elbError('RuleNotFound', `One or more rules not found: ${arn}`);
}

function assertPriorityFree(ctx: Pick<ServiceContext, 'store'>, listenerArn: string, priority: number, except = ''): void {
  if (ctx.store.get('SELECT 1 FROM elbv2_rules WHERE listener_arn = ? AND priority = ? AND arn != ?', listenerArn, priority, except) !== undefined) {
    throw elbError('PriorityInUse', `Priority '${priority}' is currently in use on listener '${listenerArn}'`);
  }
}

export function createRule(input: CreateRuleInput, ctx: OperationContext): CreateRuleOutput {
  const { r, problems, done } = reader(input);
  const listenerArn = r.string('ListenerArn', { required: true }) ?? '';
  const priority = r.integer('Priority', { required: true, min: 1, max: 50000 }) ?? 0;
  const conditions = readConditions(input.Conditions, problems);
  const forward = readActions(input.Actions, 'Actions', problems);
  const tags = readTagList(input.Tags, problems, 'Tags');
  done();
  assertPresent(forward);
  return ctx.store.tx(() => {
    const l = requireListener(ctx, listenerArn);
    const lb = requireLoadBalancer(ctx, l.loadBalancerArn);
    if (lb.type !== 'application') throw elbError('ValidationError', `Rules are supported only by application load balancers; '${lb.name}' is a ${lb.type} load balancer`);
    assertPriorityFree(ctx, l.arn, priority);
    resolveForward(ctx, forward, lb);
    const arn = `${l.defaultRuleArn.slice(0, l.defaultRuleArn.lastIndexOf('/'))}/${elbId()}`;
    ctx.store.run('INSERT INTO elbv2_rules (arn, listener_arn, priority, conditions, actions, created) VALUES (?, ?, ?, ?, ?, ?)', arn, l.arn, priority, JSON.stringify(conditions), JSON.stringify(forward), ctx.clock.now());
    putTags(ctx, arn, tags);
    ctx.bus.publish({ type: 'elbv2.rule.created', resource: arn, detail: { listenerArn: l.arn, priority } });
    const rule = findRule(ctx, arn);
    assertPresent(rule, 'inserted above');
    return { Rules: [toRule(rule)] };
  });
}

export function modifyRule(input: ModifyRuleInput, ctx: OperationContext): ModifyRuleOutput {
  const { r, problems, done } = reader(input);
  const arn = r.string('RuleArn', { required: true }) ?? '';
  const conditions = input.Conditions === undefined ? undefined : readConditions(input.Conditions, problems);
  const forward = input.Actions === undefined ? undefined : readActions(input.Actions, 'Actions', problems);
  done();
  return ctx.store.tx(() => {
    const listener = defaultRuleListener(ctx, arn);
    if (listener !== undefined) {
      if (conditions !== undefined) throw elbError('OperationNotPermitted', 'The conditions of a default rule cannot be modified');
      if (forward !== undefined) setDefaultForward(ctx, listener, forward);
      return { Rules: [defaultRule(requireListener(ctx, listener.arn))] };
    }
    const rule = findRule(ctx, arn);
    if (rule === undefined) throw ruleNotFound(arn);
    if (forward !== undefined) resolveForward(ctx, forward, requireLoadBalancer(ctx, requireListener(ctx, rule.listenerArn).loadBalancerArn));
    ctx.store.run('UPDATE elbv2_rules SET conditions = ?, actions = ? WHERE arn = ?', JSON.stringify(conditions ?? rule.conditions), JSON.stringify(forward ?? rule.forward), arn);
    ctx.bus.publish({ type: 'elbv2.rule.modified', resource: arn, detail: { listenerArn: rule.listenerArn } });
    const next = findRule(ctx, arn);
    assertPresent(next, 'updated above');
    return { Rules: [toRule(next)] };
  });
}

export function describeRules(input: DescribeRulesInput, ctx: OperationContext): DescribeRulesOutput {
  const { r, problems, done } = reader(input);
  const listenerArn = r.string('ListenerArn');
  const arns = r.stringList('RuleArns');
  const { marker, pageSize } = readPaging(r);
  if ((listenerArn === undefined) === (arns === undefined)) problems.add({ field: 'ListenerArn, RuleArns', found: listenerArn === undefined ? 'neither' : 'both', expected: 'exactly one of them' });
  done();
  let rules: Rule[];
  if (arns !== undefined) {
    rules = arns.map((a) => {
      const listener = defaultRuleListener(ctx, a);
      if (listener !== undefined) return defaultRule(listener);
      const rule = findRule(ctx, a);
      if (rule === undefined) throw ruleNotFound(a);
      return toRule(rule);
    });
  } else {
    const l = requireListener(ctx, listenerArn ?? '');
    rules = [...rulesOf(ctx, l.arn).map(toRule), defaultRule(l)];
  }
  const p = page(rules, pageSize, marker);
  return { Rules: p.items, ...(p.nextMarker === undefined ? {} : { NextMarker: p.nextMarker }) };
}

export function deleteRule(input: DeleteRuleInput, ctx: OperationContext): Record<string, never> {
  const { r, done } = reader(input);
  const arn = r.string('RuleArn', { required: true }) ?? '';
  done();
  ctx.store.tx(() => {
    if (defaultRuleListener(ctx, arn) !== undefined) throw elbError('OperationNotPermitted', 'Default rule cannot be deleted: delete the listener instead');
    const rule = findRule(ctx, arn);
    if (rule === undefined) throw ruleNotFound(arn);
    deleteTags(ctx, arn);
    ctx.store.run('DELETE FROM elbv2_rules WHERE arn = ?', arn);
    ctx.bus.publish({ type: 'elbv2.rule.deleted', resource: arn, detail: { listenerArn: rule.listenerArn } });
  });
  return {};
}

export function setRulePriorities(input: SetRulePrioritiesInput, ctx: OperationContext): SetRulePrioritiesOutput {
  const { problems, done } = reader(input);
  const pairs = Array.isArray(input.RulePriorities) ? input.RulePriorities : [];
  if (pairs.length === 0) problems.add({ field: 'RulePriorities', found: describeValue(input.RulePriorities), expected: 'at least one rule and priority' });
  pairs.forEach((p, i) => {
    if (typeof p.Priority !== 'number' || !Number.isInteger(p.Priority) || p.Priority < 1 || p.Priority > 50000) {
      problems.add({ field: `RulePriorities[${i}].Priority`, found: describeValue(p.Priority), expected: 'an integer from 1 to 50000' });
    }
  });
  done();
  return ctx.store.tx(() => {
    const rules = pairs.map((p) => {
      const rule = findRule(ctx, p.RuleArn ?? '');
      if (rule === undefined) {
        if (defaultRuleListener(ctx, p.RuleArn ?? '') !== undefined) throw elbError('OperationNotPermitted', 'The priority of a default rule cannot be changed');
        throw ruleNotFound(p.RuleArn ?? '');
      }
      return { rule, priority: p.Priority ?? 0 };
    });
    // Park the moved rules first so swapping two priorities does not trip the uniqueness constraint.
    for (const { rule } of rules) ctx.store.run('UPDATE elbv2_rules SET priority = -priority WHERE arn = ?', rule.arn);
    for (const { rule, priority } of rules) {
      assertPriorityFree(ctx, rule.listenerArn, priority, rule.arn);
      ctx.store.run('UPDATE elbv2_rules SET priority = ? WHERE arn = ?', priority, rule.arn);
      ctx.bus.publish({ type: 'elbv2.rule.modified', resource: rule.arn, detail: { listenerArn: rule.listenerArn, priority } });
    }
    return {
      Rules: rules.map(({ rule }) => {
        const next = findRule(ctx, rule.arn);
        assertPresent(next, 'updated above');
        return toRule(next);
      }),
    };
  });
}
