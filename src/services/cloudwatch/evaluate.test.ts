// Alarm evaluation over stored datapoints on a ManualClock, as an engine's clock tick would call it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { ManualClock } from '../../core/clock.ts';
import { typeFilter } from '../../core/events.ts';
import { startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import type { ServiceContext } from '../types.ts';
import { alarmStates } from './alarms.ts';
import { evaluateAlarms } from './evaluate.ts';
import { recordMetricData } from './metrics.ts';

const MINUTE = 60_000;
const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0));
let t: TestDaemon;
let cw: CloudWatchClient;
let ctx: ServiceContext;
const dims = [{ Name: 'TargetGroup', Value: 'targetgroup/tg-green/1' }];

before(async () => {
  t = await startTestDaemon({ clock, engines: false });
  cw = new CloudWatchClient(t.sdk);
  const d = t.daemon;
  ctx = { config: d.config, store: d.store, bus: d.bus, clock: d.clock, log: d.log, masker: d.masker };
});
after(async () => {
  cw.destroy();
  await t.stop();
});

/** Records `value` 5xx responses in the current minute. */
function fiveXx(value: number): void {
  recordMetricData(ctx, 'AWS/ApplicationELB', [{ metricName: 'HTTPCode_Target_5XX_Count', dimensions: dims, value, unit: 'Count' }]);
}

test('2 of 2 complete periods over the threshold go to ALARM, back to OK when they stop; each change is an event', async () => {
  await cw.send(
    new PutMetricAlarmCommand({
      AlarmName: 'green-5xx',
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'HTTPCode_Target_5XX_Count',
      Dimensions: dims,
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 2,
      Threshold: 3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    }),
  );
  fiveXx(5);
  assert.deepEqual(evaluateAlarms(ctx), [{ alarmName: 'green-5xx', from: 'INSUFFICIENT_DATA', to: 'OK' }], 'the current minute is not complete yet');
  await clock.advance(MINUTE);
  fiveXx(2);
  fiveXx(2);
  await clock.advance(MINUTE);
  const changed = t.daemon.bus.next(typeFilter('cloudwatch.alarm.state-changed'));
  assert.deepEqual(evaluateAlarms(ctx), [{ alarmName: 'green-5xx', from: 'OK', to: 'ALARM' }]);
  assert.deepEqual((await changed).detail['to'], 'ALARM');
  assert.deepEqual(alarmStates(ctx, ['green-5xx', 'unknown']), { 'green-5xx': 'ALARM' });
  const described = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['green-5xx'] }))).MetricAlarms?.[0];
  assert.match(described?.StateReason ?? '', /^Threshold Crossed: 2 out of the last 2 datapoints \[5, 4\] were greater than or equal to the threshold \(3\)/);
  assert.equal(described?.StateTransitionedTimestamp?.getTime(), clock.now());
  assert.deepEqual(evaluateAlarms(ctx), [], 'no change, no event');
  await clock.advance(MINUTE);
  assert.deepEqual(evaluateAlarms(ctx), [{ alarmName: 'green-5xx', from: 'ALARM', to: 'OK' }], 'a quiet minute (not breaching when missing) clears it');
});

test('TreatMissingData: missing gives INSUFFICIENT_DATA without data, breaching alarms on silence', async () => {
  const base = { Namespace: 'Quiet', MetricName: 'Requests', Statistic: 'SampleCount' as const, Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'LessThanThreshold' as const };
  await cw.send(new PutMetricAlarmCommand({ ...base, AlarmName: 'quiet-missing' }));
  await cw.send(new PutMetricAlarmCommand({ ...base, AlarmName: 'quiet-breaching', TreatMissingData: 'breaching' }));
  await clock.advance(MINUTE);
  const changes = evaluateAlarms(ctx).filter((c) => c.alarmName.startsWith('quiet-'));
  assert.deepEqual(changes, [{ alarmName: 'quiet-breaching', from: 'INSUFFICIENT_DATA', to: 'ALARM' }]);
  assert.deepEqual(alarmStates(ctx, ['quiet-missing']), { 'quiet-missing': 'INSUFFICIENT_DATA' });
});
