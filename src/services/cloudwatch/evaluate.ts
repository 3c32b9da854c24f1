// Alarm evaluation over stored datapoints: what an engine calls on each clock tick; state changes become events.
import type { StateValue } from '@aws-sdk/client-cloudwatch';
import { str } from '../../store/db.ts';
import type { ServiceContext } from '../types.ts';
import { changeAlarmState, definitionOf, type AlarmDefinition } from './alarms.ts';
import { aggregate, statisticOf } from './metrics.ts';

export interface AlarmChange {
  readonly alarmName: string;
  readonly from: StateValue;
  readonly to: StateValue;
}

const WORDS: Readonly<Record<string, string>> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

function breaches(def: AlarmDefinition, value: number): boolean {
  switch (def.ComparisonOperator) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= def.Threshold;
    case 'GreaterThanThreshold':
      return value > def.Threshold;
    case 'LessThanThreshold':
      return value < def.Threshold;
    default:
      return value <= def.Threshold;
  }
}

/**
 * The state the alarm's data calls for at `now`: the last EvaluationPeriods *complete* periods (aligned to the epoch,
 * as CloudWatch aligns them), ALARM when at least DatapointsToAlarm breach. Missing periods follow TreatMissingData:
 * breaching/notBreaching count as such, ignore keeps the current state when nothing is there, missing (the default)
 * gives INSUFFICIENT_DATA when no period has data.
 */
export function evaluateAlarm(ctx: ServiceContext, def: AlarmDefinition, current: StateValue, now: number): { state: StateValue; reason: string } {
  const periodMs = def.Period * 1000;
  const lastEnd = Math.floor(now / periodMs) * periodMs;
  const values: (number | undefined)[] = [];
  for (let k = def.EvaluationPeriods; k >= 1; k--) {
    const start = lastEnd - k * periodMs;
    const a = aggregate(ctx, def.Namespace, def.MetricName, def.Dimensions, start, start + periodMs);
    values.push(a === undefined ? undefined : statisticOf(a, def.Statistic));
  }
  const present = values.filter((v): v is number => v !== undefined);
  if (present.length === 0 && (def.TreatMissingData === 'missing' || def.TreatMissingData === 'ignore')) {
    const state = def.TreatMissingData === 'ignore' ? current : 'INSUFFICIENT_DATA';
    return { state, reason: `Insufficient Data: ${def.EvaluationPeriods} datapoints were unknown.` };
  }
  const breaching = values.filter((v) => (v === undefined ? def.TreatMissingData === 'breaching' : breaches(def, v))).length;
  const state: StateValue = breaching >= def.DatapointsToAlarm ? 'ALARM' : 'OK';
  const shown = present.map((v) => String(v)).join(', ');
  const reason = `Threshold Crossed: ${breaching} out of the last ${def.EvaluationPeriods} datapoints [${shown}] ${breaching === 1 ? 'was' : 'were'} ${WORDS[def.ComparisonOperator] ?? def.ComparisonOperator} the threshold (${def.Threshold}) (minimum ${def.DatapointsToAlarm} datapoint${def.DatapointsToAlarm === 1 ? '' : 's'} for OK -> ALARM transition).`;
  return { state, reason };
}

/** Evaluates every alarm at the clock's now; returns (and publishes, as `cloudwatch.alarm.state-changed`) the changes. */
export function evaluateAlarms(ctx: ServiceContext): AlarmChange[] {
  const now = ctx.clock.now();
  const changes: AlarmChange[] = [];
  for (const row of ctx.store.all('SELECT * FROM cloudwatch_alarms ORDER BY name')) {
    const def = definitionOf(row);
    const current = str(row, 'state_value') as StateValue;
    const { state, reason } = evaluateAlarm(ctx, def, current, now);
    if (state !== current) {
      changeAlarmState(ctx, def.AlarmName, state, reason);
      changes.push({ alarmName: def.AlarmName, from: current, to: state });
    }
  }
  return changes;
}
