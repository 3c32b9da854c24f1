// EventBridge rules on the default bus: PutRule, DescribeRule, ListRules, DeleteRule, EnableRule, DisableRule; shared readers.
import type {
  DeleteRuleRequest,
  DescribeRuleRequest,
  DescribeRuleResponse,
  DisableRuleRequest,
  EnableRuleRequest,
  ListRulesRequest,
  ListRulesResponse,
  PutRuleRequest,
  PutRuleResponse,
  Rule,
} from '@aws-sdk/client-eventbridge';
import { describeValue, SlipwayError } from '../../core/errors.ts';
import { arn } from '../../core/ids.ts';
import { num, str, type Migration, type Row } from '../../store/db.ts';
import type { OperationContext, ServiceContext } from '../types.ts';
import { InputReader } from '../validate.ts';
import { parsePattern } from './pattern.ts';

export const eventsMigrations: readonly Migration[] = [
  {
    id: 'events/001-rules-targets',
    sql: `CREATE TABLE events_rules (
      name TEXT PRIMARY KEY,
      event_pattern TEXT NOT NULL,
      state TEXT NOT NULL,
      description TEXT,
      role_arn TEXT,
      created INTEGER NOT NULL
    );
    CREATE TABLE events_targets (
      rule TEXT NOT NULL,
      id TEXT NOT NULL,
      arn TEXT NOT NULL,
      target TEXT NOT NULL,
      PRIMARY KEY (rule, id)
    );`,
  },
  {
    // When a rule or target last changed: an event routed late (after a restart) skips rules and targets newer than it.
    id: 'events/002-changed-times',
    sql: `ALTER TABLE events_rules ADD COLUMN updated INTEGER;
    ALTER TABLE events_targets ADD COLUMN updated INTEGER;`,
  },
];

export const DEFAULT_BUS = 'default';
export const RULE_NAME = { min: 1, max: 64, pattern: /^[.\-_A-Za-z0-9]+$/, patternText: "letters, digits, '.', '-' and '_'" };

export interface RuleRow {
  readonly name: string;
  readonly eventPattern: string;
  readonly state: 'ENABLED' | 'DISABLED';
  readonly description?: string;
  readonly roleArn?: string;
}

export function toRule(row: Row): RuleRow {
  const description = row['description'];
  const roleArn = row['role_arn'];
  return {
    name: str(row, 'name'),
    eventPattern: str(row, 'event_pattern'),
    state: str(row, 'state') as RuleRow['state'],
    ...(typeof description === 'string' ? { description } : {}),
    ...(typeof roleArn === 'string' ? { roleArn } : {}),
  };
}

export function ruleArn(ctx: Pick<ServiceContext, 'config'>, name: string): string {
  return arn(ctx.config, 'events', `rule/${name}`);
}

/** Slipway has the default event bus only; AWS's wording for any other. */
export function checkBus(value: unknown): void {
  if (value === undefined || value === null || value === DEFAULT_BUS) return;
  if (typeof value === 'string' && /^arn:aws:events:[^:]*:[^:]*:event-bus\/default$/.test(value)) return;
  throw new SlipwayError('ResourceNotFoundException', `Event bus ${describeValue(value)} does not exist. (Slipway has the default event bus only.)`);
}

export function ruleNotFound(name: string): SlipwayError {
  return new SlipwayError('ResourceNotFoundException', `Rule ${name} does not exist on EventBus default.`);
}

export function requireRule(ctx: Pick<ServiceContext, 'store'>, name: string): RuleRow {
  const row = ctx.store.get('SELECT * FROM events_rules WHERE name = ?', name);
  if (row === undefined) throw ruleNotFound(name);
  return toRule(row);
}

function readName(input: object, member = 'Name'): string {
  const r = new InputReader(input);
  const name = r.string(member, { ...RULE_NAME, required: true });
  r.done();
  checkBus((input as Record<string, unknown>)['EventBusName']);
  return name ?? '';
}

function view(ctx: Pick<ServiceContext, 'config'>, rule: RuleRow): Rule {
  return {
    Name: rule.name,
    Arn: ruleArn(ctx, rule.name),
    EventPattern: rule.eventPattern,
    State: rule.state,
    ...(rule.description === undefined ? {} : { Description: rule.description }),
    ...(rule.roleArn === undefined ? {} : { RoleArn: rule.roleArn }),
    EventBusName: DEFAULT_BUS,
  };
}

export function putRule(input: PutRuleRequest, ctx: OperationContext): PutRuleResponse {
  const r = new InputReader(input);
  const name = r.string('Name', { ...RULE_NAME, required: true });
  const pattern = r.string('EventPattern', { max: 4096 });
  const schedule = r.string('ScheduleExpression');
  const state = r.string('State', { oneOf: ['ENABLED', 'DISABLED'] });
  const description = r.string('Description', { max: 512 });
  const roleArn = r.string('RoleArn', { max: 1600 });
  r.done();
  checkBus(input.EventBusName);
  if (schedule !== undefined) throw new SlipwayError('ValidationException', 'ScheduleExpression: Slipway runs event-pattern rules only; scheduled rules are not supported');
  if (pattern === undefined) throw new SlipwayError('ValidationException', 'Parameter(s) EventPattern or ScheduleExpression must be specified.');
  parsePattern(pattern);
  const ruleName = name ?? '';
  ctx.store.tx(() => {
    const existing = ctx.store.get('SELECT state FROM events_rules WHERE name = ?', ruleName);
    // PutRule updates an existing rule; a State left out keeps (or, for a new rule, defaults to) ENABLED.
    const nextState = state ?? (existing === undefined ? 'ENABLED' : str(existing, 'state'));
    ctx.store.run(
      `INSERT INTO events_rules (name, event_pattern, state, description, role_arn, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET event_pattern = excluded.event_pattern, state = excluded.state, description = excluded.description, role_arn = excluded.role_arn, updated = excluded.updated`,
      ruleName,
      pattern,
      nextState,
      description ?? null,
      roleArn ?? null,
      ctx.clock.now(),
      ctx.clock.now(),
    );
    ctx.bus.publish({ type: 'events.rule.changed', resource: ruleArn(ctx, ruleName), detail: { name: ruleName, state: nextState } });
  });
  return { RuleArn: ruleArn(ctx, ruleName) };
}

export function describeRule(input: DescribeRuleRequest, ctx: OperationContext): DescribeRuleResponse {
  const rule = requireRule(ctx, readName(input));
  return { ...view(ctx, rule), CreatedBy: ctx.config.accountId };
}

export function listRules(input: ListRulesRequest, ctx: OperationContext): ListRulesResponse {
  const r = new InputReader(input);
  const prefix = r.string('NamePrefix', { max: 64 });
  const limit = r.integer('Limit', { min: 1, max: 100 }) ?? 100;
  const token = r.string('NextToken');
  r.done();
  checkBus(input.EventBusName);
  const all = ctx.store.all('SELECT * FROM events_rules ORDER BY name').map(toRule).filter((rule) => prefix === undefined || rule.name.startsWith(prefix));
  const start = token === undefined ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(start) || start < 0) throw new SlipwayError('ValidationException', `NextToken: found ${describeValue(token)}, expected a NextToken from a previous response`);
  const slice = all.slice(start, start + limit);
  const end = start + slice.length;
  return { Rules: slice.map((rule) => view(ctx, rule)), ...(end < all.length ? { NextToken: Buffer.from(String(end)).toString('base64url') } : {}) };
}

export function deleteRule(input: DeleteRuleRequest, ctx: OperationContext): Record<string, never> {
  const name = readName(input);
  ctx.store.tx(() => {
    const targets = num(ctx.store.get('SELECT count(*) AS n FROM events_targets WHERE rule = ?', name) ?? {}, 'n');
    if (targets > 0) throw new SlipwayError('ValidationException', `Rule can't be deleted since it has targets (${targets}); remove them with RemoveTargets first.`);
    // Deleting a rule that does not exist succeeds, as on AWS.
    const { changes } = ctx.store.run('DELETE FROM events_rules WHERE name = ?', name);
    if (changes > 0) ctx.bus.publish({ type: 'events.rule.deleted', resource: ruleArn(ctx, name), detail: { name } });
  });
  return {};
}

function setState(input: EnableRuleRequest | DisableRuleRequest, ctx: OperationContext, state: RuleRow['state']): Record<string, never> {
  const name = readName(input);
  ctx.store.tx(() => {
    requireRule(ctx, name);
    // Enabling a disabled rule makes it new to the events before it.
    ctx.store.run("UPDATE events_rules SET state = ?, updated = CASE WHEN ? = 'ENABLED' AND state = 'DISABLED' THEN ? ELSE updated END WHERE name = ?", state, state, ctx.clock.now(), name);
    ctx.bus.publish({ type: 'events.rule.changed', resource: ruleArn(ctx, name), detail: { name, state } });
  });
  return {};
}

export function enableRule(input: EnableRuleRequest, ctx: OperationContext): Record<string, never> {
  return setState(input, ctx, 'ENABLED');
}

export function disableRule(input: DisableRuleRequest, ctx: OperationContext): Record<string, never> {
  return setState(input, ctx, 'DISABLED');
}
