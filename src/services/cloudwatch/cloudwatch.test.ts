import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  GetMetricStatisticsCommand,
  InvalidFormatFault,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  ResourceNotFound,
  SetAlarmStateCommand,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { ManualClock } from '../../core/clock.ts';
import { awsCli, awsCliAvailable, awsCliJson } from '../../../test/helpers/aws-cli.ts';
import { checkShape, loadModel } from '../../../test/helpers/aws-model.ts';
import { callJson, startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';

const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0));
let t: TestDaemon;
let cw: CloudWatchClient;
const model = loadModel('cloudwatch.2010-08-01');

before(async () => {
  t = await startTestDaemon({ clock, engines: false });
  cw = new CloudWatchClient(t.sdk);
});
after(async () => {
  cw.destroy();
  await t.stop();
});

const alarm = (name: string, extra: Partial<PutMetricAlarmCommandInput> = {}): PutMetricAlarmCommandInput => ({
  AlarmName: name,
  Namespace: 'App',
  MetricName: 'Errors',
  Statistic: 'Sum',
  Period: 60,
  EvaluationPeriods: 1,
  Threshold: 5,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  ...extra,
});

test('PutMetricAlarm creates an INSUFFICIENT_DATA alarm; DescribeAlarms filters; SetAlarmState; DeleteAlarms is all or nothing', async () => {
  await cw.send(new PutMetricAlarmCommand(alarm('errors-high', { Dimensions: [{ Name: 'Service', Value: 'api' }] })));
  await cw.send(new PutMetricAlarmCommand(alarm('latency-high', { MetricName: 'Latency', Statistic: 'Average', Threshold: 0.5, ComparisonOperator: 'GreaterThanThreshold' })));
  const all = await cw.send(new DescribeAlarmsCommand({}));
  assert.deepEqual(all.MetricAlarms?.map((a) => a.AlarmName), ['errors-high', 'latency-high']);
  const first = all.MetricAlarms?.[0];
  assert.equal(first?.StateValue, 'INSUFFICIENT_DATA');
  assert.equal(first?.StateReason, 'Unchecked: Initial alarm creation');
  assert.equal(first?.AlarmArn, 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:errors-high');
  assert.equal(first?.DatapointsToAlarm, 1);
  assert.deepEqual(first?.Dimensions, [{ Name: 'Service', Value: 'api' }]);

  await cw.send(new SetAlarmStateCommand({ AlarmName: 'latency-high', StateValue: 'ALARM', StateReason: 'testing', StateReasonData: '{"by":"test"}' }));
  const alarming = await cw.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }));
  assert.deepEqual(alarming.MetricAlarms?.map((a) => a.AlarmName), ['latency-high']);
  assert.equal(alarming.MetricAlarms?.[0]?.StateReasonData, '{"by":"test"}');
  const byPrefix = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'err' }));
  assert.deepEqual(byPrefix.MetricAlarms?.map((a) => a.AlarmName), ['errors-high']);
  await assert.rejects(cw.send(new SetAlarmStateCommand({ AlarmName: 'latency-high', StateValue: 'OK', StateReason: 'x', StateReasonData: 'not json' })), InvalidFormatFault);

  const missing = await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['errors-high', 'nope'] })).then(
    () => assert.fail('expected ResourceNotFound'),
    (e: unknown) => e,
  );
  assert.ok(missing instanceof ResourceNotFound);
  assert.equal((await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['errors-high'] }))).MetricAlarms?.length, 1, 'nothing was deleted');
  await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['errors-high', 'latency-high'] }));
  assert.deepEqual((await cw.send(new DescribeAlarmsCommand({}))).MetricAlarms, []);
});

test('invalid alarms are refused with the SDK-decoded AWS errors', async () => {
  await assert.rejects(cw.send(new PutMetricAlarmCommand(alarm('bad', { Period: 45 }))), InvalidParameterValueException);
  await assert.rejects(cw.send(new PutMetricAlarmCommand(alarm('bad', { EvaluationPeriods: 2, DatapointsToAlarm: 3 }))), InvalidParameterCombinationException);
  await assert.rejects(cw.send(new PutMetricDataCommand({ Namespace: 'AWS/ApplicationELB', MetricData: [{ MetricName: 'x', Value: 1 }] })), InvalidParameterValueException);
});

test('errors carry x-amzn-query-error for the awsQueryCompatible clients', async () => {
  const res = await callJson(t.endpoint, 'GraniteServiceVersion20100801.DeleteAlarms', { AlarmNames: ['nope'] }, '1.0');
  assert.equal(res.status, 404);
  assert.equal(res.body['__type'], 'ResourceNotFound');
  assert.equal(res.headers.get('x-amzn-query-error'), 'ResourceNotFound;Sender');
  const bad = await callJson(t.endpoint, 'GraniteServiceVersion20100801.PutMetricAlarm', { ...alarm('bad'), Period: 7 }, '1.0');
  assert.equal(bad.headers.get('x-amzn-query-error'), 'InvalidParameterValue;Sender');
  const err = await cw.send(new PutMetricAlarmCommand(alarm('bad', { Period: 7 }))).then(
    () => assert.fail('expected an error'),
    (e: unknown) => e as InvalidParameterValueException & { Code?: string },
  );
  assert.equal(err.name, 'InvalidParameterValueException');
  assert.equal(err.Code, 'InvalidParameterValue');
  assert.match(err.message, /Period: found 7, expected 10, 30 or a multiple of 60 seconds/);
});

test('PutMetricData then GetMetricStatistics buckets by period with the asked statistics', async () => {
  const at = (minute: number, second = 0) => new Date(Date.UTC(2026, 5, 1, 11, minute, second));
  await cw.send(
    new PutMetricDataCommand({
      Namespace: 'Shop',
      MetricData: [
        { MetricName: 'Latency', Dimensions: [{ Name: 'Route', Value: '/' }], Timestamp: at(0, 10), Value: 1, Unit: 'Seconds' },
        { MetricName: 'Latency', Dimensions: [{ Name: 'Route', Value: '/' }], Timestamp: at(0, 50), Value: 3, Unit: 'Seconds' },
        { MetricName: 'Latency', Dimensions: [{ Name: 'Route', Value: '/' }], Timestamp: at(1, 5), StatisticValues: { SampleCount: 4, Sum: 8, Minimum: 1, Maximum: 4 }, Unit: 'Seconds' },
        { MetricName: 'Latency', Dimensions: [{ Name: 'Route', Value: '/other' }], Timestamp: at(0, 30), Value: 100 },
      ],
    }),
  );
  const stats = await cw.send(
    new GetMetricStatisticsCommand({ Namespace: 'Shop', MetricName: 'Latency', Dimensions: [{ Name: 'Route', Value: '/' }], StartTime: at(0), EndTime: at(2), Period: 60, Statistics: ['Average', 'Maximum', 'SampleCount'] }),
  );
  assert.equal(stats.Label, 'Latency');
  assert.deepEqual(
    stats.Datapoints?.map((d) => [d.Timestamp?.toISOString(), d.Average, d.Maximum, d.SampleCount, d.Unit]),
    [
      [at(0).toISOString(), 2, 3, 2, 'Seconds'],
      [at(1).toISOString(), 2, 4, 4, 'Seconds'],
    ],
  );
  const wire = await callJson(
    t.endpoint,
    'GraniteServiceVersion20100801.GetMetricStatistics',
    { Namespace: 'Shop', MetricName: 'Latency', Dimensions: [{ Name: 'Route', Value: '/' }], StartTime: at(0).getTime() / 1000, EndTime: at(2).getTime() / 1000, Period: 60, Statistics: ['Sum'] },
    '1.0',
  );
  assert.deepEqual(checkShape(model, 'GetMetricStatisticsOutput', wire.body), []);
  await cw.send(new PutMetricAlarmCommand(alarm('wire')));
  const described = await callJson(t.endpoint, 'GraniteServiceVersion20100801.DescribeAlarms', {}, '1.0');
  assert.deepEqual(checkShape(model, 'DescribeAlarmsOutput', described.body), []);
});

test('the AWS CLI puts and describes an alarm and reports the Query error code', async (ctx) => {
  if (!(await awsCliAvailable())) {
    ctx.skip('aws CLI not installed');
    return;
  }
  await awsCli(t.endpoint, [
    'cloudwatch', 'put-metric-alarm', '--alarm-name', 'cli-alarm', '--namespace', 'App', '--metric-name', 'Errors', '--statistic', 'Sum',
    '--period', '60', '--evaluation-periods', '1', '--threshold', '1', '--comparison-operator', 'GreaterThanOrEqualToThreshold',
  ]);
  const described = await awsCliJson(t.endpoint, ['cloudwatch', 'describe-alarms', '--alarm-names', 'cli-alarm']);
  assert.equal((described['MetricAlarms'] as { StateValue?: string }[])[0]?.StateValue, 'INSUFFICIENT_DATA');
  const err = await awsCli(t.endpoint, ['cloudwatch', 'set-alarm-state', '--alarm-name', 'nope', '--state-value', 'OK', '--state-reason', 'x']).then(
    () => assert.fail('expected the CLI to fail'),
    (e: unknown) => String((e as { stderr?: unknown }).stderr),
  );
  assert.match(err, /\(ResourceNotFound\) when calling the SetAlarmState operation/);
});
