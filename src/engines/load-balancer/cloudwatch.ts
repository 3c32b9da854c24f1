// The load balancer's traffic as CloudWatch's AWS/ApplicationELB metrics, so alarms (and CodeDeploy's alarm rollback) see it.
import type { Dimension } from '@aws-sdk/client-cloudwatch';
import { recordMetricData, type MetricInput } from '../../services/cloudwatch/metrics.ts';
import type { MetricDelta } from '../../services/elbv2/metrics.ts';
import type { ServiceContext } from '../../services/types.ts';

export const ELB_NAMESPACE = 'AWS/ApplicationELB';

/** CloudWatch names resources by the end of their ARN: `targetgroup/<name>/<id>`, `app/<name>/<id>`. */
export function dimensionValue(arn: string): string {
  const resource = arn.split(':').slice(5).join(':');
  return resource.startsWith('loadbalancer/') ? resource.slice('loadbalancer/'.length) : resource;
}

/**
 * One flush of a group's counts, published per load balancer forwarding to it (by default action or rule; `balancers`
 * as the engine last saw them, so a group just retired still counts), under the dimension sets AWS uses:
 * {LoadBalancer, TargetGroup} and {LoadBalancer}. Counts are Sums; TargetResponseTime carries the flush's sum, count
 * and extremes (the mean stands in for them when the engine has none).
 */
export function publishGroupMetrics(
  ctx: ServiceContext,
  targetGroupArn: string,
  balancers: readonly string[],
  time: number,
  d: MetricDelta,
  extremes?: { readonly minimum: number; readonly maximum: number },
): void {
  const counts: [string, number][] = [
    ['RequestCount', d.RequestCount],
    ['HTTPCode_Target_2XX_Count', d.HTTPCode_Target_2XX_Count],
    ['HTTPCode_Target_3XX_Count', d.HTTPCode_Target_3XX_Count],
    ['HTTPCode_Target_4XX_Count', d.HTTPCode_Target_4XX_Count],
    ['HTTPCode_Target_5XX_Count', d.HTTPCode_Target_5XX_Count],
    ['HTTPCode_ELB_5XX_Count', d.HTTPCode_ELB_5XX_Count],
  ];
  const data: MetricInput[] = [];
  for (const lb of balancers) {
    const sets: Dimension[][] = [
      [
        { Name: 'LoadBalancer', Value: dimensionValue(lb) },
        { Name: 'TargetGroup', Value: dimensionValue(targetGroupArn) },
      ],
      [{ Name: 'LoadBalancer', Value: dimensionValue(lb) }],
    ];
    for (const dimensions of sets) {
      for (const [metricName, value] of counts) if (value > 0) data.push({ metricName, dimensions, time, value, unit: 'Count' });
      if (d.TargetResponseTimeCount > 0) {
        const mean = d.TargetResponseTimeSum / d.TargetResponseTimeCount;
        data.push({ metricName: 'TargetResponseTime', dimensions, time, unit: 'Seconds', statistics: { sampleCount: d.TargetResponseTimeCount, sum: d.TargetResponseTimeSum, minimum: extremes?.minimum ?? mean, maximum: extremes?.maximum ?? mean } });
      }
    }
  }
  if (data.length > 0) recordMetricData(ctx, ELB_NAMESPACE, data);
}
