// Target group traffic metrics per minute (AWS/ApplicationELB names), written by the load-balancer engine, read by CloudWatch.
import { num, str } from '../../store/db.ts';
import type { ServiceContext } from '../types.ts';

/** One minute of one target group, named as CloudWatch's AWS/ApplicationELB metrics. */
export interface TargetGroupMinute {
  readonly targetGroupArn: string;
  /** Start of the minute, milliseconds since the epoch. */
  readonly timestamp: number;
  readonly RequestCount: number;
  readonly HTTPCode_Target_2XX_Count: number;
  readonly HTTPCode_Target_3XX_Count: number;
  readonly HTTPCode_Target_4XX_Count: number;
  readonly HTTPCode_Target_5XX_Count: number;
  readonly HTTPCode_ELB_5XX_Count: number;
  /** Sum and count of TargetResponseTime (seconds): Average = sum / count. */
  readonly TargetResponseTimeSum: number;
  readonly TargetResponseTimeCount: number;
}

export type MetricDelta = Omit<TargetGroupMinute, 'targetGroupArn' | 'timestamp'>;

/** Adds counts to the minute containing `time` (the engine calls this with what changed since its last flush). */
export function addTargetGroupMetrics(ctx: Pick<ServiceContext, 'store'>, targetGroupArn: string, time: number, d: MetricDelta): void {
  const minute = Math.floor(time / 60_000) * 60_000;
  ctx.store.run(
    `INSERT INTO elbv2_target_group_metrics (target_group_arn, minute, request_count, target_2xx, target_3xx, target_4xx, target_5xx, elb_5xx, response_time_sum, response_time_count)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT DO UPDATE SET request_count = request_count + excluded.request_count, target_2xx = target_2xx + excluded.target_2xx,
       target_3xx = target_3xx + excluded.target_3xx, target_4xx = target_4xx + excluded.target_4xx, target_5xx = target_5xx + excluded.target_5xx,
       elb_5xx = elb_5xx + excluded.elb_5xx, response_time_sum = response_time_sum + excluded.response_time_sum, response_time_count = response_time_count + excluded.response_time_count`,
    targetGroupArn,
    minute,
    d.RequestCount,
    d.HTTPCode_Target_2XX_Count,
    d.HTTPCode_Target_3XX_Count,
    d.HTTPCode_Target_4XX_Count,
    d.HTTPCode_Target_5XX_Count,
    d.HTTPCode_ELB_5XX_Count,
    d.TargetResponseTimeSum,
    d.TargetResponseTimeCount,
  );
}

/** Minutes of a target group (or of all, without an ARN) from `start` (inclusive) to `end` (exclusive), oldest first. */
export function readTargetGroupMetrics(ctx: Pick<ServiceContext, 'store'>, query: { targetGroupArn?: string; start: number; end: number }): TargetGroupMinute[] {
  const rows =
    query.targetGroupArn === undefined
      ? ctx.store.all('SELECT * FROM elbv2_target_group_metrics WHERE minute >= ? AND minute < ? ORDER BY minute, target_group_arn', Math.floor(query.start / 60_000) * 60_000, query.end)
      : ctx.store.all(
          'SELECT * FROM elbv2_target_group_metrics WHERE target_group_arn = ? AND minute >= ? AND minute < ? ORDER BY minute',
          query.targetGroupArn,
          Math.floor(query.start / 60_000) * 60_000,
          query.end,
        );
  return rows.map((row) => ({
    targetGroupArn: str(row, 'target_group_arn'),
    timestamp: num(row, 'minute'),
    RequestCount: num(row, 'request_count'),
    HTTPCode_Target_2XX_Count: num(row, 'target_2xx'),
    HTTPCode_Target_3XX_Count: num(row, 'target_3xx'),
    HTTPCode_Target_4XX_Count: num(row, 'target_4xx'),
    HTTPCode_Target_5XX_Count: num(row, 'target_5xx'),
    HTTPCode_ELB_5XX_Count: num(row, 'elb_5xx'),
    TargetResponseTimeSum: num(row, 'response_time_sum'),
    TargetResponseTimeCount: num(row, 'response_time_count'),
  }));
}
