// Metric data: PutMetricData, GetMetricStatistics, and the engines' way in (recordMetricData) and out (aggregate).
import type { Datapoint, Dimension, GetMetricStatisticsOutput, Statistic, StandardUnit } from '@aws-sdk/client-cloudwatch';
import { describeValue } from '../../core/errors.ts';
import { num, str } from '../../store/db.ts';
import type { OperationContext, ServiceContext } from '../types.ts';
import { cloudwatchError } from './errors.ts';

export const STATISTICS: readonly Statistic[] = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];

/** One observation or a pre-aggregated set, as an engine reports it (time in ms; default now). */
export interface MetricInput {
  readonly metricName: string;
  readonly dimensions?: readonly Dimension[];
  readonly time?: number;
  readonly value?: number;
  readonly statistics?: { readonly sampleCount: number; readonly sum: number; readonly minimum: number; readonly maximum: number };
  readonly unit?: StandardUnit;
}

export interface Aggregate {
  readonly sampleCount: number;
  readonly sum: number;
  readonly minimum: number;
  readonly maximum: number;
}

/** Dimensions identify a metric regardless of order: stored sorted by name. */
export function dimensionsKey(dimensions: readonly Dimension[] | undefined): string {
  return JSON.stringify([...(dimensions ?? [])].sort((a, b) => (a.Name ?? '').localeCompare(b.Name ?? '')).map((d) => [d.Name, d.Value]));
}

/** The engines' way to publish metrics (e.g. the load balancer's AWS/ApplicationELB counts); one transaction, no event per datapoint. */
export function recordMetricData(ctx: ServiceContext, namespace: string, data: readonly MetricInput[]): void {
  ctx.store.tx(() => {
    for (const d of data) {
      const s = d.statistics ?? { sampleCount: 1, sum: d.value ?? 0, minimum: d.value ?? 0, maximum: d.value ?? 0 };
      ctx.store.run(
        'INSERT INTO cloudwatch_datapoints (namespace, metric_name, dimensions, time, sample_count, sum, minimum, maximum, unit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        namespace,
        d.metricName,
        dimensionsKey(d.dimensions),
        d.time ?? ctx.clock.now(),
        s.sampleCount,
        s.sum,
        s.minimum,
        s.maximum,
        d.unit ?? null,
      );
    }
  });
}

/** Everything stored for one metric in [start, end) ms, folded into one aggregate; undefined when there is nothing. */
export function aggregate(ctx: ServiceContext, namespace: string, metricName: string, dimensions: readonly Dimension[] | undefined, start: number, end: number): Aggregate | undefined {
  const row = ctx.store.get(
    `SELECT COUNT(*) AS n, SUM(sample_count) AS c, SUM(sum) AS s, MIN(minimum) AS lo, MAX(maximum) AS hi FROM cloudwatch_datapoints
     WHERE namespace = ? AND metric_name = ? AND dimensions = ? AND time >= ? AND time < ?`,
    namespace,
    metricName,
    dimensionsKey(dimensions),
    start,
    end,
  );
  if (row === undefined || num(row, 'n') === 0) return undefined;
  return { sampleCount: num(row, 'c'), sum: num(row, 's'), minimum: num(row, 'lo'), maximum: num(row, 'hi') };
}

export function statisticOf(a: Aggregate, statistic: Statistic): number {
  switch (statistic) {
    case 'SampleCount':
      return a.sampleCount;
    case 'Sum':
      return a.sum;
    case 'Minimum':
      return a.minimum;
    case 'Maximum':
      return a.maximum;
    default:
      return a.sampleCount === 0 ? 0 : a.sum / a.sampleCount;
  }
}

function finite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Epoch seconds on the wire (the JSON protocol's timestamps) → ms. */
function wireTime(v: unknown, field: string, required: boolean): number | undefined {
  if (v === undefined || v === null) {
    if (required) throw cloudwatchError('MissingRequiredParameterException', `${field}: found nothing, expected a timestamp`);
    return undefined;
  }
  if (!finite(v)) throw cloudwatchError('InvalidParameterValueException', `${field}: found ${describeValue(v)}, expected a timestamp`);
  return Math.round(v * 1000);
}

function readDimensions(v: unknown, field: string): Dimension[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.length > 30) throw cloudwatchError('InvalidParameterValueException', `${field}: found ${describeValue(v)}, expected at most 30 {Name, Value}`);
  return v.map((d: unknown, i) => {
    const { Name, Value } = (d ?? {}) as { Name?: unknown; Value?: unknown };
    if (typeof Name !== 'string' || Name === '' || typeof Value !== 'string' || Value === '') {
      throw cloudwatchError('InvalidParameterValueException', `${field}[${i}]: expected a non-empty Name and Value`);
    }
    return { Name, Value };
  });
}

function requireString(v: unknown, field: string): string {
  if (v === undefined || v === null || v === '') throw cloudwatchError('MissingRequiredParameterException', `${field}: found nothing, expected a value (the member is required)`);
  if (typeof v !== 'string' || v.length > 255) throw cloudwatchError('InvalidParameterValueException', `${field}: found ${describeValue(v)}, expected 1 to 255 characters`);
  return v;
}

export function putMetricData(input: Record<string, unknown>, ctx: OperationContext): Record<string, never> {
  const namespace = requireString(input['Namespace'], 'Namespace');
  if (namespace.startsWith('AWS/')) throw cloudwatchError('InvalidParameterValueException', `Namespace: found "${namespace}", expected a namespace not starting with AWS/ (reserved for AWS services)`);
  const data = input['MetricData'];
  if (!Array.isArray(data) || data.length === 0) throw cloudwatchError('MissingRequiredParameterException', 'MetricData: found nothing, expected 1 to 1000 metric datums');
  if (data.length > 1000) throw cloudwatchError('InvalidParameterValueException', `MetricData: found ${data.length} datums, expected at most 1000`);
  const out: MetricInput[] = [];
  data.forEach((raw: unknown, i) => {
    const d = (raw ?? {}) as Record<string, unknown>;
    const field = `MetricData[${i}]`;
    const metricName = requireString(d['MetricName'], `${field}.MetricName`);
    const dimensions = readDimensions(d['Dimensions'], `${field}.Dimensions`);
    const time = wireTime(d['Timestamp'], `${field}.Timestamp`, false);
    const unit = d['Unit'] as StandardUnit | undefined;
    const base = { metricName, dimensions, ...(time === undefined ? {} : { time }), ...(unit === undefined ? {} : { unit }) };
    const kinds = ['Value', 'StatisticValues', 'Values'].filter((k) => d[k] !== undefined && d[k] !== null);
    if (kinds.length !== 1) throw cloudwatchError('InvalidParameterCombinationException', `${field}: found ${kinds.length === 0 ? 'none' : kinds.join(' and ')}, expected exactly one of Value, StatisticValues, Values`);
    if (kinds[0] === 'Value') {
      if (!finite(d['Value'])) throw cloudwatchError('InvalidParameterValueException', `${field}.Value: found ${describeValue(d['Value'])}, expected a number`);
      out.push({ ...base, value: d['Value'] });
    } else if (kinds[0] === 'StatisticValues') {
      const s = d['StatisticValues'] as Record<string, unknown>;
      const [sampleCount, sum, minimum, maximum] = [s['SampleCount'], s['Sum'], s['Minimum'], s['Maximum']];
      if (!finite(sampleCount) || !finite(sum) || !finite(minimum) || !finite(maximum)) {
        throw cloudwatchError('MissingRequiredParameterException', `${field}.StatisticValues: expected numbers for SampleCount, Sum, Minimum and Maximum`);
      }
      out.push({ ...base, statistics: { sampleCount, sum, minimum, maximum } });
    } else {
      const values = d['Values'] as unknown[];
      const counts = (d['Counts'] as unknown[] | undefined) ?? values.map(() => 1);
      if (!Array.isArray(values) || values.length === 0 || counts.length !== values.length || ![...values, ...counts].every(finite)) {
        throw cloudwatchError('InvalidParameterValueException', `${field}.Values: expected numbers, with Counts of the same length when given`);
      }
      values.forEach((v, k) => out.push({ ...base, statistics: { sampleCount: counts[k] as number, sum: (v as number) * (counts[k] as number), minimum: v as number, maximum: v as number } }));
    }
  });
  recordMetricData(ctx, namespace, out);
  return {};
}

export function getMetricStatistics(input: Record<string, unknown>, ctx: OperationContext): GetMetricStatisticsOutput {
  const namespace = requireString(input['Namespace'], 'Namespace');
  const metricName = requireString(input['MetricName'], 'MetricName');
  const dimensions = readDimensions(input['Dimensions'], 'Dimensions');
  const start = wireTime(input['StartTime'], 'StartTime', true) ?? 0;
  const end = wireTime(input['EndTime'], 'EndTime', true) ?? 0;
  const period = input['Period'];
  if (typeof period !== 'number' || !Number.isInteger(period) || period < 1 || (period >= 60 ? period % 60 !== 0 : ![1, 5, 10, 30].includes(period))) {
    throw cloudwatchError('InvalidParameterValueException', `Period: found ${describeValue(period)}, expected 1, 5, 10, 30 or a multiple of 60 seconds`);
  }
  if (start >= end) throw cloudwatchError('InvalidParameterValueException', 'StartTime: expected a time before EndTime');
  if (input['ExtendedStatistics'] !== undefined) throw cloudwatchError('InvalidParameterValueException', 'ExtendedStatistics: percentiles are not supported by Slipway; use Statistics');
  const statistics = input['Statistics'];
  if (!Array.isArray(statistics) || statistics.length === 0) throw cloudwatchError('MissingRequiredParameterException', `Statistics: found nothing, expected one or more of ${STATISTICS.join(', ')}`);
  for (const s of statistics) if (!(STATISTICS as readonly unknown[]).includes(s)) throw cloudwatchError('InvalidParameterValueException', `Statistics: found ${describeValue(s)}, expected one of ${STATISTICS.join(', ')}`);
  const rows = ctx.store.all(
    'SELECT time, unit FROM cloudwatch_datapoints WHERE namespace = ? AND metric_name = ? AND dimensions = ? AND time >= ? AND time < ? ORDER BY time',
    namespace,
    metricName,
    dimensionsKey(dimensions),
    start,
    end,
  );
  const periodMs = period * 1000;
  const buckets = [...new Set(rows.map((r) => start + Math.floor((num(r, 'time') - start) / periodMs) * periodMs))];
  const unit = (rows.map((r) => str(r, 'unit')).find((u) => u !== '') ?? 'None') as StandardUnit;
  const datapoints: Datapoint[] = buckets.map((b) => {
    const a = aggregate(ctx, namespace, metricName, dimensions, b, Math.min(b + periodMs, end));
    const point: Datapoint = { Timestamp: new Date(b), Unit: unit };
    if (a !== undefined) for (const s of statistics as Statistic[]) point[s] = statisticOf(a, s);
    return point;
  });
  return { Label: metricName, Datapoints: datapoints };
}
