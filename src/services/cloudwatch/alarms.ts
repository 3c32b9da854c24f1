// Metric alarms: PutMetricAlarm (single-metric alarms), DescribeAlarms, DeleteAlarms, SetAlarmState.
import type { ComparisonOperator, DescribeAlarmsOutput, Dimension, MetricAlarm, StandardUnit, StateValue, Statistic } from '@aws-sdk/client-cloudwatch';
import { describeValue } from '../../core/errors.ts';
import { arn } from '../../core/ids.ts';
import { num, str, type Row } from '../../store/db.ts';
import { pageAt, resumeAt, type Page } from '../paging.ts';
import type { OperationContext, ServiceContext } from '../types.ts';
import { cloudwatchError } from './errors.ts';
import { STATISTICS } from './metrics.ts';

const OPERATORS: readonly ComparisonOperator[] = ['GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold'];
const MISSING = ['breaching', 'notBreaching', 'ignore', 'missing'] as const;
export const STATES: readonly StateValue[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];

/** The alarm definition as stored; state lives in its own columns. */
export interface AlarmDefinition {
  readonly AlarmName: string;
  readonly AlarmDescription?: string;
  readonly ActionsEnabled: boolean;
  readonly OKActions: string[];
  readonly AlarmActions: string[];
  readonly InsufficientDataActions: string[];
  readonly MetricName: string;
  readonly Namespace: string;
  readonly Statistic: Statistic;
  readonly Dimensions: Dimension[];
  readonly Period: number;
  readonly Unit?: StandardUnit;
  readonly EvaluationPeriods: number;
  readonly DatapointsToAlarm: number;
  readonly Threshold: number;
  readonly ComparisonOperator: ComparisonOperator;
  readonly TreatMissingData: (typeof MISSING)[number];
}

export function alarmArn(ctx: ServiceContext, name: string): string {
  return arn(ctx.config, 'cloudwatch', `alarm:${name}`);
}

export function definitionOf(row: Row): AlarmDefinition {
  return JSON.parse(str(row, 'body')) as AlarmDefinition;
}

function toMetricAlarm(ctx: ServiceContext, row: Row): MetricAlarm {
  const d = definitionOf(row);
  const reasonData = row['state_reason_data'];
  return {
    ...d,
    AlarmArn: alarmArn(ctx, d.AlarmName),
    AlarmConfigurationUpdatedTimestamp: new Date(num(row, 'config_updated')),
    StateValue: str(row, 'state_value') as StateValue,
    StateReason: str(row, 'state_reason'),
    ...(typeof reasonData === 'string' ? { StateReasonData: reasonData } : {}),
    StateUpdatedTimestamp: new Date(num(row, 'state_updated')),
    StateTransitionedTimestamp: new Date(num(row, 'state_transitioned')),
  };
}

function strings(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw cloudwatchError('InvalidParameterValueException', `${field}: found ${describeValue(v)}, expected a list of ARNs`);
  return v;
}

function positiveInt(v: unknown, field: string): number {
  if (v === undefined || v === null) throw cloudwatchError('MissingRequiredParameterException', `${field}: found nothing, expected a positive integer`);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw cloudwatchError('InvalidParameterValueException', `${field}: found ${describeValue(v)}, expected a positive integer`);
  return v;
}

function requireText(v: unknown, field: string): string {
  if (v === undefined || v === null || v === '') throw cloudwatchError('MissingRequiredParameterException', `${field}: found nothing, expected a value (the member is required)`);
  if (typeof v !== 'string' || v.length > 255) throw cloudwatchError('InvalidParameterValueException', `${field}: found ${describeValue(v)}, expected 1 to 255 characters`);
  return v;
}

/** Creates or replaces an alarm; a new alarm starts INSUFFICIENT_DATA, a replaced one keeps its state until evaluated. */
export function putMetricAlarm(input: Record<string, unknown>, ctx: OperationContext): Record<string, never> {
  const name = requireText(input['AlarmName'], 'AlarmName');
  if (input['Metrics'] !== undefined || input['ExtendedStatistic'] !== undefined || input['ThresholdMetricId'] !== undefined) {
    throw cloudwatchError('InvalidParameterValueException', 'Metrics, ExtendedStatistic and ThresholdMetricId: metric math and percentile alarms are not supported by Slipway; expected MetricName, Namespace and Statistic');
  }
  const statistic = input['Statistic'];
  if (!(STATISTICS as readonly unknown[]).includes(statistic)) throw cloudwatchError('InvalidParameterValueException', `Statistic: found ${describeValue(statistic)}, expected one of ${STATISTICS.join(', ')}`);
  const period = positiveInt(input['Period'], 'Period');
  if (period >= 60 ? period % 60 !== 0 : ![10, 30].includes(period)) throw cloudwatchError('InvalidParameterValueException', `Period: found ${period}, expected 10, 30 or a multiple of 60 seconds`);
  const evaluationPeriods = positiveInt(input['EvaluationPeriods'], 'EvaluationPeriods');
  const datapointsToAlarm = input['DatapointsToAlarm'] === undefined ? evaluationPeriods : positiveInt(input['DatapointsToAlarm'], 'DatapointsToAlarm');
  if (datapointsToAlarm > evaluationPeriods) throw cloudwatchError('InvalidParameterCombinationException', `DatapointsToAlarm: found ${datapointsToAlarm}, expected at most EvaluationPeriods (${evaluationPeriods})`);
  const threshold = input['Threshold'];
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) throw cloudwatchError('MissingRequiredParameterException', `Threshold: found ${describeValue(threshold)}, expected a number`);
  const operator = input['ComparisonOperator'];
  if (!(OPERATORS as readonly unknown[]).includes(operator)) throw cloudwatchError('InvalidParameterValueException', `ComparisonOperator: found ${describeValue(operator)}, expected one of ${OPERATORS.join(', ')}`);
  const missing = input['TreatMissingData'] ?? 'missing';
  if (!(MISSING as readonly unknown[]).includes(missing)) throw cloudwatchError('InvalidParameterValueException', `TreatMissingData: found ${describeValue(missing)}, expected one of ${MISSING.join(', ')}`);
  const dims = input['Dimensions'];
  if (dims !== undefined && (!Array.isArray(dims) || dims.length > 30)) throw cloudwatchError('InvalidParameterValueException', 'Dimensions: expected at most 30 {Name, Value}');
  const def: AlarmDefinition = {
    AlarmName: name,
    ...(typeof input['AlarmDescription'] === 'string' ? { AlarmDescription: input['AlarmDescription'] } : {}),
    ActionsEnabled: input['ActionsEnabled'] !== false,
    OKActions: strings(input['OKActions'], 'OKActions'),
    AlarmActions: strings(input['AlarmActions'], 'AlarmActions'),
    InsufficientDataActions: strings(input['InsufficientDataActions'], 'InsufficientDataActions'),
    MetricName: requireText(input['MetricName'], 'MetricName'),
    Namespace: requireText(input['Namespace'], 'Namespace'),
    Statistic: statistic as Statistic,
    Dimensions: ((dims as Dimension[] | undefined) ?? []).map((d) => ({ Name: d.Name ?? '', Value: d.Value ?? '' })),
    Period: period,
    ...(typeof input['Unit'] === 'string' ? { Unit: input['Unit'] as StandardUnit } : {}),
    EvaluationPeriods: evaluationPeriods,
    DatapointsToAlarm: datapointsToAlarm,
    Threshold: threshold,
    ComparisonOperator: operator as ComparisonOperator,
    TreatMissingData: missing as AlarmDefinition['TreatMissingData'],
  };
  ctx.store.tx(() => {
    const now = ctx.clock.now();
    const existing = ctx.store.get('SELECT 1 FROM cloudwatch_alarms WHERE name = ?', name);
    if (existing === undefined) {
      ctx.store.run(
        "INSERT INTO cloudwatch_alarms (name, body, state_value, state_reason, state_updated, state_transitioned, config_updated) VALUES (?, ?, 'INSUFFICIENT_DATA', 'Unchecked: Initial alarm creation', ?, ?, ?)",
        name,
        JSON.stringify(def),
        now,
        now,
        now,
      );
    } else {
      ctx.store.run('UPDATE cloudwatch_alarms SET body = ?, config_updated = ? WHERE name = ?', JSON.stringify(def), now, name);
    }
    ctx.bus.publish({ type: existing === undefined ? 'cloudwatch.alarm.created' : 'cloudwatch.alarm.updated', resource: alarmArn(ctx, name), detail: { alarmName: name } });
  });
  return {};
}

export function describeAlarms(input: Record<string, unknown>, ctx: OperationContext): DescribeAlarmsOutput {
  const names = input['AlarmNames'] as string[] | undefined;
  const prefix = input['AlarmNamePrefix'] as string | undefined;
  const state = input['StateValue'] as StateValue | undefined;
  if (names !== undefined && prefix !== undefined) throw cloudwatchError('InvalidParameterCombinationException', 'AlarmNames and AlarmNamePrefix: expected at most one of them');
  if (state !== undefined && !STATES.includes(state)) throw cloudwatchError('InvalidParameterValueException', `StateValue: found ${describeValue(state)}, expected one of ${STATES.join(', ')}`);
  const types = (input['AlarmTypes'] as string[] | undefined) ?? ['MetricAlarm'];
  const max = typeof input['MaxRecords'] === 'number' ? input['MaxRecords'] : 50;
  const token = input['NextToken'];
  const invalidToken = (): Error => cloudwatchError('InvalidNextToken', 'NextToken: expected a token from a previous response');
  if (token !== undefined && typeof token !== 'string') throw invalidToken();
  const start = resumeAt(token, invalidToken);
  const rows = ctx.store
    .all('SELECT * FROM cloudwatch_alarms ORDER BY name')
    .filter((r) => (names === undefined || names.includes(str(r, 'name'))) && (prefix === undefined || str(r, 'name').startsWith(prefix)) && (state === undefined || str(r, 'state_value') === state));
  const page: Page<Row> = types.includes('MetricAlarm') ? pageAt(rows, start, max) : { items: [] };
  return {
    MetricAlarms: page.items.map((r) => toMetricAlarm(ctx, r)),
    CompositeAlarms: [],
    ...(page.nextToken === undefined ? {} : { NextToken: page.nextToken }),
  };
}

/** As on AWS: if any name is unknown, nothing is deleted. */
export function deleteAlarms(input: Record<string, unknown>, ctx: OperationContext): Record<string, never> {
  const names = input['AlarmNames'];
  if (!Array.isArray(names) || names.length === 0) throw cloudwatchError('MissingRequiredParameterException', 'AlarmNames: found nothing, expected 1 to 100 alarm names');
  ctx.store.tx(() => {
    const missing = names.filter((n) => ctx.store.get('SELECT 1 FROM cloudwatch_alarms WHERE name = ?', String(n)) === undefined);
    if (missing.length > 0) throw cloudwatchError('ResourceNotFound', `AlarmNames: ${missing.map(String).join(', ')} not found; expected existing alarm names (no alarm was deleted)`);
    for (const n of names as string[]) {
      ctx.store.run('DELETE FROM cloudwatch_alarms WHERE name = ?', n);
      ctx.bus.publish({ type: 'cloudwatch.alarm.deleted', resource: alarmArn(ctx, n), detail: { alarmName: n } });
    }
  });
  return {};
}

/** Moves an alarm's state and publishes `cloudwatch.alarm.state-changed` when it changes; the evaluator uses it too. */
export function changeAlarmState(ctx: ServiceContext, name: string, value: StateValue, reason: string, reasonData?: string): { from: StateValue; to: StateValue } {
  return ctx.store.tx(() => {
    const row = ctx.store.get('SELECT state_value FROM cloudwatch_alarms WHERE name = ?', name);
    if (row === undefined) throw cloudwatchError('ResourceNotFound', `AlarmName: ${name} not found; expected an existing alarm`);
    const from = str(row, 'state_value') as StateValue;
    const now = ctx.clock.now();
    ctx.store.run(
      `UPDATE cloudwatch_alarms SET state_value = ?, state_reason = ?, state_reason_data = ?, state_updated = ?${from === value ? '' : ', state_transitioned = ?'} WHERE name = ?`,
      ...([value, reason, reasonData ?? null, now, ...(from === value ? [] : [now]), name] as (string | number | null)[]),
    );
    if (from !== value) ctx.bus.publish({ type: 'cloudwatch.alarm.state-changed', resource: alarmArn(ctx, name), detail: { alarmName: name, from, to: value, reason } });
    return { from, to: value };
  });
}

export function setAlarmState(input: Record<string, unknown>, ctx: OperationContext): Record<string, never> {
  const name = requireText(input['AlarmName'], 'AlarmName');
  const value = input['StateValue'];
  if (!(STATES as readonly unknown[]).includes(value)) throw cloudwatchError('InvalidParameterValueException', `StateValue: found ${describeValue(value)}, expected one of ${STATES.join(', ')}`);
  const reason = input['StateReason'];
  if (typeof reason !== 'string' || reason === '') throw cloudwatchError('MissingRequiredParameterException', 'StateReason: found nothing, expected the reason for the change');
  const data = input['StateReasonData'];
  if (data !== undefined) {
    let ok = typeof data === 'string';
    try {
      if (ok) JSON.parse(data as string);
    } catch {
      ok = false;
    }
    if (!ok) throw cloudwatchError('InvalidFormatFault', `StateReasonData: found ${describeValue(data)}, expected JSON text`);
  }
  changeAlarmState(ctx, name, value as StateValue, reason, typeof data === 'string' ? data : undefined);
  return {};
}

/** The current state of named alarms (missing ones are left out), for a deployer checking a deployment group's alarms. */
export function alarmStates(ctx: ServiceContext, names: readonly string[]): Record<string, StateValue> {
  const out: Record<string, StateValue> = {};
  for (const n of names) {
    const row = ctx.store.get('SELECT state_value FROM cloudwatch_alarms WHERE name = ?', n);
    if (row !== undefined) out[n] = str(row, 'state_value') as StateValue;
  }
  return out;
}
