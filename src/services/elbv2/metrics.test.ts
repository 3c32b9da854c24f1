// Target group metrics reach the store every minute of the injected clock, named as AWS/ApplicationELB's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, ElasticLoadBalancingV2Client, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricStatisticsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { ManualClock } from '../../core/clock.ts';
import { startTestDaemon } from '../../../test/helpers/daemon.ts';
import { ROUTING_APPLIED_EVENT } from './listeners.ts';
import { readTargetGroupMetrics } from './metrics.ts';
import { freePort, get, startTarget } from './testing.ts';

test('each minute the engine adds RequestCount, target status classes and TargetResponseTime to the store and to CloudWatch, where alarms see them', async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
  const t = await startTestDaemon({ clock });
  const elb = new ElasticLoadBalancingV2Client(t.sdk);
  const cw = new CloudWatchClient(t.sdk);
  const app = await startTarget('metrics-app');
  try {
    const arn = (await elb.send(new CreateTargetGroupCommand({ Name: 'metrics', Protocol: 'HTTP', Port: 80, VpcId: 'vpc-1', TargetType: 'ip' }))).TargetGroups?.[0]?.TargetGroupArn ?? '';
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: '127.0.0.1', Port: app.port }] }));
    const lbArn = (await elb.send(new CreateLoadBalancerCommand({ Name: 'metrics' }))).LoadBalancers?.[0]?.LoadBalancerArn ?? '';
    const port = await freePort();
    const seq = t.daemon.bus.lastSeq();
    const listenerArn = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: port, DefaultActions: [{ Type: 'forward', TargetGroupArn: arn }] })))
      .Listeners?.[0]?.ListenerArn;
    await t.daemon.bus.after(seq, (e) => e.type === ROUTING_APPLIED_EVENT && e.resource === listenerArn);
    for (let i = 0; i < 3; i++) assert.equal((await get(port)).status, 200);
    app.setStatus(503);
    for (let i = 0; i < 2; i++) assert.equal((await get(port)).status, 503);
    assert.deepEqual(readTargetGroupMetrics(t.daemon, { targetGroupArn: arn, start: 0, end: Number.MAX_SAFE_INTEGER }), [], 'nothing before the first minute ends');

    await clock.advance(60_000);
    const [minute, ...rest] = readTargetGroupMetrics(t.daemon, { targetGroupArn: arn, start: 0, end: Number.MAX_SAFE_INTEGER });
    assert.deepEqual(rest, []);
    assert.equal(minute?.timestamp, Date.UTC(2026, 0, 1, 12, 0, 0), 'counted in the minute the requests were served');
    assert.equal(minute?.RequestCount, 5);
    assert.equal(minute?.HTTPCode_Target_2XX_Count, 3);
    assert.equal(minute?.HTTPCode_Target_5XX_Count, 2);
    assert.equal(minute?.TargetResponseTimeCount, 5);
    assert.ok((minute?.TargetResponseTimeSum ?? 0) > 0);

    // The same counts in CloudWatch as AWS/ApplicationELB, by {LoadBalancer, TargetGroup} and {LoadBalancer}; an alarm
    // on the target 5XX count goes to ALARM at the next evaluation.
    const dims = [
      { Name: 'LoadBalancer', Value: lbArn.split(':loadbalancer/')[1] ?? '' },
      { Name: 'TargetGroup', Value: arn.split(':').slice(5).join(':') },
    ];
    const range = { StartTime: new Date(Date.UTC(2026, 0, 1, 12, 0, 0)), EndTime: new Date(Date.UTC(2026, 0, 1, 12, 1, 0)), Period: 60, Statistics: ['Sum' as const] };
    const sum = async (MetricName: string, Dimensions: typeof dims): Promise<number | undefined> =>
      (await cw.send(new GetMetricStatisticsCommand({ Namespace: 'AWS/ApplicationELB', MetricName, Dimensions, ...range }))).Datapoints?.[0]?.Sum;
    assert.equal(await sum('RequestCount', dims), 5);
    assert.equal(await sum('HTTPCode_Target_5XX_Count', dims), 2);
    assert.equal(await sum('RequestCount', dims.slice(0, 1)), 5);
    const latency = (await cw.send(new GetMetricStatisticsCommand({ Namespace: 'AWS/ApplicationELB', MetricName: 'TargetResponseTime', Dimensions: dims, ...range, Statistics: ['SampleCount', 'Minimum', 'Average', 'Maximum'] }))).Datapoints?.[0];
    assert.equal(latency?.SampleCount, 5);
    assert.ok((latency?.Minimum ?? 0) > 0 && (latency?.Minimum ?? 0) <= (latency?.Average ?? 0) && (latency?.Average ?? 0) <= (latency?.Maximum ?? 0), JSON.stringify(latency));
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'web-5xx',
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'HTTPCode_Target_5XX_Count',
        Dimensions: dims,
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    for (let i = 0; i < 2; i++) assert.equal((await get(port)).status, 503);
    const alarmed = t.daemon.bus.next((e) => e.type === 'cloudwatch.alarm.state-changed' && e.detail['to'] === 'ALARM', AbortSignal.timeout(10_000));
    await clock.advance(61_000);
    await alarmed;
    assert.equal((await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['web-5xx'] }))).MetricAlarms?.[0]?.StateValue, 'ALARM');
  } finally {
    cw.destroy();
    elb.destroy();
    await t.stop();
    await app.close();
  }
});
