// Events onto the default bus: PutEvents, TestEventPattern, and routeEvent (matching rules → target input → SNS Publish).
import type { PutEventsRequest, PutEventsResponse, PutEventsResultEntry, TestEventPatternRequest, TestEventPatternResponse } from '@aws-sdk/client-eventbridge';
import { SlipwayError } from '../../core/errors.ts';
import { uuid } from '../../core/ids.ts';
import { publishToTopic } from '../sns/index.ts';
import type { OperationContext, ServiceContext } from '../types.ts';
import { InputReader } from '../validate.ts';
import { matches, parsePattern } from './pattern.ts';
import { DEFAULT_BUS, ruleArn, toRule } from './rules.ts';
import { targetsOf, type StoredTarget } from './targets.ts';

/** An event as EventBridge hands it to rules and targets. */
export interface EventEnvelope {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  /** ISO-8601 to the second, as EventBridge writes it. */
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Readonly<Record<string, unknown>>;
}

export function envelope(
  ctx: Pick<ServiceContext, 'config'>,
  e: { source: string; detailType: string; detail: Record<string, unknown>; resources?: readonly string[]; time: number },
): EventEnvelope {
  return {
    version: '0',
    id: uuid(),
    'detail-type': e.detailType,
    source: e.source,
    account: ctx.config.accountId,
    time: new Date(e.time).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: ctx.config.region,
    resources: [...(e.resources ?? [])],
    detail: e.detail,
  };
}

/** `$`, `$.a.b`, `$.a[0].b`: the JSONPath subset InputPath and InputPathsMap use. */
export function selectPath(value: unknown, path: string): unknown {
  if (path === '$') return value;
  const tokens = path.replace(/^\$\.?/, '').match(/[^.[\]]+|\[\d+\]/g) ?? [];
  let node: unknown = value;
  for (const t of tokens) {
    if (node === null || typeof node !== 'object') return undefined;
    node = t.startsWith('[') ? (node as unknown[])[Number(t.slice(1, -1))] : (node as Record<string, unknown>)[t.replace(/^"|"$/g, '')];
  }
  return node;
}

/** What a target receives: the whole event, Input, the InputPath's selection, or the InputTransformer's template filled in. */
export function targetInput(target: StoredTarget, event: EventEnvelope, rule: { name: string; arn: string }): string {
  if (target.Input !== undefined) return target.Input;
  if (target.InputPath !== undefined) return JSON.stringify(selectPath(event, target.InputPath) ?? null);
  const transformer = target.InputTransformer;
  if (transformer === undefined) return JSON.stringify(event);
  const vars: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(transformer.InputPathsMap ?? {})) vars[name] = selectPath(event, path);
  // AWS: <aws.events.event> is the original event without its `detail`; <aws.events.event.json> is all of it.
  const { detail: _detail, ...withoutDetail } = event;
  const reserved: Record<string, unknown> = {
    'aws.events.rule-arn': rule.arn,
    'aws.events.rule-name': rule.name,
    'aws.events.event.ingestion-time': event.time,
    'aws.events.event': withoutDetail,
    'aws.events.event.json': event,
  };
  return fillTemplate(transformer.InputTemplate, (name) => (Object.hasOwn(reserved, name) ? reserved[name] : Object.hasOwn(vars, name) ? (vars[name] ?? null) : undefined));
}

/**
 * Fills `<name>` placeholders as EventBridge does. In a JSON template ({…} or […]) a string value inside quotes goes in
 * as escaped text and outside quotes as a JSON string; in a text template strings go in as they are. Other values go
 * in as JSON, missing ones as null; unknown names stay as written.
 */
export function fillTemplate(template: string, lookup: (name: string) => unknown): string {
  const json = /^\s*[{[]/.test(template);
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i] ?? '';
    if (c === '\\' && inString) {
      out += c + (template[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') inString = !inString;
    const m = c === '<' ? /^<([A-Za-z0-9_.-]+)>/.exec(template.slice(i)) : null;
    const value = m === null ? undefined : lookup(m[1] ?? '');
    if (m === null || value === undefined) {
      out += c;
      continue;
    }
    if (typeof value !== 'string') out += JSON.stringify(value);
    else if (!json) out += value;
    else out += inString ? JSON.stringify(value).slice(1, -1) : JSON.stringify(value);
    i += m[0].length - 1;
  }
  return out;
}

/**
 * Delivers one event (in one transaction) to the targets of every enabled rule whose pattern matches it.
 * A target whose topic is gone is skipped and reported as an `events.invocation.failed` bus event.
 * `occurredAt` (ms) leaves out rules and targets created, changed or enabled after it: an event routed late (after a
 * restart) reaches only what existed when it happened. Returns the names of the rules that matched.
 */
export function routeEvent(ctx: Pick<ServiceContext, 'store' | 'bus' | 'clock' | 'config'>, event: EventEnvelope, occurredAt?: number): string[] {
  const matched: string[] = [];
  ctx.store.tx(() => {
    const rules = (
      occurredAt === undefined
        ? ctx.store.all("SELECT * FROM events_rules WHERE state = 'ENABLED' ORDER BY name")
        : ctx.store.all("SELECT * FROM events_rules WHERE state = 'ENABLED' AND coalesce(updated, 0) <= ? ORDER BY name", occurredAt)
    ).map(toRule);
    for (const rule of rules) {
      let pattern;
      try {
        pattern = parsePattern(rule.eventPattern);
      } catch {
        continue;
      }
      if (!matches(pattern, event)) continue;
      matched.push(rule.name);
      const arnValue = ruleArn(ctx, rule.name);
      for (const target of targetsOf(ctx, rule.name, occurredAt)) {
        try {
          publishToTopic(ctx, target.Arn, { message: targetInput(target, event, { name: rule.name, arn: arnValue }) });
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          ctx.bus.publish({ type: 'events.invocation.failed', resource: arnValue, detail: { rule: rule.name, targetId: target.Id, targetArn: target.Arn, eventId: event.id, error: message } });
        }
      }
    }
  });
  return matched;
}

function entryError(code: string, message: string): PutEventsResultEntry {
  return { ErrorCode: code, ErrorMessage: message };
}

export function putEvents(input: PutEventsRequest, ctx: OperationContext): PutEventsResponse {
  const list = input.Entries;
  if (!Array.isArray(list) || list.length === 0 || list.length > 10) {
    throw new SlipwayError('ValidationException', `Entries: found ${Array.isArray(list) ? `${list.length} entries` : 'nothing'}, expected 1 to 10 entries`);
  }
  const results: PutEventsResultEntry[] = list.map((entry) => {
    const e = entry as Record<string, unknown>;
    const bus = e['EventBusName'];
    if (bus !== undefined && bus !== DEFAULT_BUS && !(typeof bus === 'string' && bus.endsWith(':event-bus/default'))) {
      return entryError('InvalidArgument', `Event bus ${JSON.stringify(bus)} does not exist (Slipway has the default event bus only).`);
    }
    for (const member of ['Source', 'DetailType', 'Detail']) {
      if (typeof e[member] !== 'string' || e[member] === '') return entryError('InvalidArgument', `Parameter ${member} is not valid. Reason: ${member} is a required argument.`);
    }
    let detail: unknown;
    try {
      detail = JSON.parse(String(e['Detail']));
    } catch {
      detail = undefined;
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return entryError('MalformedDetail', 'Detail is malformed: expected a JSON object.');
    const time = e['Time'] instanceof Date ? e['Time'].getTime() : typeof e['Time'] === 'number' ? e['Time'] * 1000 : ctx.clock.now();
    const resources = Array.isArray(e['Resources']) ? (e['Resources'] as string[]) : [];
    const event = envelope(ctx, { source: String(e['Source']), detailType: String(e['DetailType']), detail: detail as Record<string, unknown>, resources, time });
    routeEvent(ctx, event);
    return { EventId: event.id };
  });
  return { FailedEntryCount: results.filter((r) => r.ErrorCode !== undefined).length, Entries: results };
}

export function testEventPattern(input: TestEventPatternRequest, ctx: OperationContext): TestEventPatternResponse {
  const r = new InputReader(input);
  const pattern = r.string('EventPattern', { required: true, max: 4096 }) ?? '';
  const eventText = r.string('Event', { required: true }) ?? '';
  r.done();
  const parsed = parsePattern(pattern);
  let event: unknown;
  try {
    event = JSON.parse(eventText);
  } catch {
    throw new SlipwayError('ValidationException', 'Parameter Event is not valid: expected a JSON object');
  }
  // AWS requires the envelope's fields, so a pattern is tested against what a rule would really see.
  const missing = ['id', 'account', 'source', 'time', 'region', 'detail-type'].filter((k) => typeof (event as Record<string, unknown>)?.[k] !== 'string');
  if (missing.length > 0) throw new SlipwayError('ValidationException', `Parameter Event is not valid: missing ${missing.join(', ')} (an event needs id, account, source, time, region, detail-type)`);
  void ctx;
  return { Result: matches(parsed, event) };
}
