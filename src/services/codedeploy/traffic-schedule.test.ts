import assert from 'node:assert/strict';
import { test } from 'node:test';
import { predefinedConfig } from './deployment-configs.ts';
import { trafficSchedule } from './traffic-schedule.ts';

const routingOf = (name: string) => predefinedConfig(name)?.trafficRoutingConfig;

test('AllAtOnce (and no routing config) is one step to 100% at once', () => {
  assert.deepEqual(trafficSchedule(routingOf('CodeDeployDefault.ECSAllAtOnce')), [{ afterMinutes: 0, greenPercent: 100 }]);
  assert.deepEqual(trafficSchedule(undefined), [{ afterMinutes: 0, greenPercent: 100 }]);
});

test('canary is two steps: the canary share at once, the rest after the interval', () => {
  assert.deepEqual(trafficSchedule(routingOf('CodeDeployDefault.ECSCanary10Percent5Minutes')), [
    { afterMinutes: 0, greenPercent: 10 },
    { afterMinutes: 5, greenPercent: 100 },
  ]);
  assert.deepEqual(trafficSchedule(routingOf('CodeDeployDefault.ECSCanary10Percent15Minutes'))[1], { afterMinutes: 15, greenPercent: 100 });
});

test('linear is equal steps every interval up to 100', () => {
  const steps = trafficSchedule(routingOf('CodeDeployDefault.ECSLinear10PercentEvery3Minutes'));
  assert.equal(steps.length, 10);
  assert.deepEqual(steps[0], { afterMinutes: 0, greenPercent: 10 });
  assert.deepEqual(steps[9], { afterMinutes: 27, greenPercent: 100 });
  assert.ok(steps.every((s, i) => s.greenPercent === (i + 1) * 10 && s.afterMinutes === i * 3));
});

test('a linear share that does not divide 100 ends with a smaller last step', () => {
  assert.deepEqual(trafficSchedule({ type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 30, linearInterval: 2 } }), [
    { afterMinutes: 0, greenPercent: 30 },
    { afterMinutes: 2, greenPercent: 60 },
    { afterMinutes: 4, greenPercent: 90 },
    { afterMinutes: 6, greenPercent: 100 },
  ]);
});
