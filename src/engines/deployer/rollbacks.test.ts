import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CreateDeploymentConfigCommand, GetDeploymentCommand, StopDeploymentCommand, UpdateDeploymentGroupCommand } from '@aws-sdk/client-codedeploy';
import type { SlipwayEvent } from '../../core/events.ts';
import { startLoad, type Load } from '../../../test/e2e/load.ts';
import { APPLICATION, GROUP, startBlueGreen, type BlueGreenWorld } from './testing.ts';

// Rollbacks on the real engine under constant production load: a failing AfterAllowTestTraffic hook, StopDeployment
// and an alarm during shifting each return all traffic to blue with 0 failed requests.
let w: BlueGreenWorld;
let cw: CloudWatchClient;
let hookServer: Server;
const hookCalls: { body: Record<string, unknown>; testServed: string }[] = [];

before(async () => {
  w = await startBlueGreen({ settings: { deploymentMinuteMs: 4000 } });
  cw = new CloudWatchClient(w.t.sdk);
  await w.cd.send(new CreateDeploymentConfigCommand({ deploymentConfigName: 'Linear20PercentEvery1Minute', computePlatform: 'ECS', trafficRoutingConfig: { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 20, linearInterval: 1 } } }));
  // A validation hook as a team would write it: it looks at the test listener, and here it always says the release is bad.
  hookServer = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      void w.version(w.testPort).then((testServed) => {
        hookCalls.push({ body: JSON.parse(text) as Record<string, unknown>, testServed });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'Failed' }));
      });
    });
  });
  await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
  const address = hookServer.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const res = await fetch(`${w.t.endpoint}/_slipway/hooks/ValidateTestTraffic`, { method: 'PUT', body: JSON.stringify({ url: `http://127.0.0.1:${port}/validate`, timeoutSeconds: 120 }) });
  assert.equal(res.status, 200, await res.text());
});

after(async () => {
  cw.destroy();
  hookServer.close();
  await w.close();
});

/** Runs `work` under production load: 0 failed requests; with `blueOnly`, production never answered from green. */
async function underLoad(blueOnly: boolean, work: (load: Load) => Promise<void>): Promise<void> {
  const load = startLoad(`http://127.0.0.1:${w.prodPort}/`, 4);
  try {
    await load.after(20);
    await work(load);
    await load.after(20);
  } finally {
    const stats = await load.stop();
    assert.equal(stats.failed, 0, `failed requests: ${stats.failures.join('; ')}`);
    if (blueOnly) assert.deepEqual(Object.keys(stats.versions), ['v1'], 'production only ever served blue');
  }
}

/** The deployment ended (`ended`, subscribed before acting) as `status` with `code`, its rollback succeeded, production serves v1. */
async function assertRolledBack(id: string, ended: Promise<SlipwayEvent>, status: string, code: string): Promise<void> {
  const end = await ended;
  assert.equal(end.detail['status'], status, JSON.stringify(end.detail));
  const rollbackId = String(end.detail['rollbackDeploymentId']);
  const rolledBack = w.next((e) => e.resource === rollbackId && /succeeded|failed/.test(e.type));
  const now = (await w.cd.send(new GetDeploymentCommand({ deploymentId: rollbackId }))).deploymentInfo?.status;
  if (now !== 'Succeeded') assert.equal((await rolledBack).type, 'codedeploy.deployment.succeeded');
  else rolledBack.catch(() => undefined);
  const info = (await w.cd.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo;
  assert.equal(info?.errorInformation?.code, code);
  assert.equal(info?.rollbackInfo?.rollbackDeploymentId, rollbackId);
  assert.equal(await w.version(w.prodPort), 'v1');
  assert.equal(await w.version(w.testPort), 'v1', 'the test listener is back on blue too');
}

test('a failing AfterAllowTestTraffic hook rolls back before production sees green', { timeout: 300_000 }, async () => {
  await underLoad(true, async () => {
    const v2 = await w.taskDefinition('v2');
    const id = await w.deploy(v2, { hooks: { AfterAllowTestTraffic: 'arn:aws:lambda:us-east-1:000000000000:function:ValidateTestTraffic' } });
    await assertRolledBack(id, w.ended(id), 'Failed', 'HOOK_EXECUTION_FAILURE');
    assert.equal(hookCalls.length, 1);
    assert.equal(hookCalls[0]?.body['DeploymentId'], id);
    assert.equal(typeof hookCalls[0]?.body['LifecycleEventHookExecutionId'], 'string');
    assert.equal(hookCalls[0]?.testServed, 'v2', 'the hook saw green on the test listener');
  });
});

test('StopDeployment while production shifts rolls back', { timeout: 300_000 }, async () => {
  // Production sees green while it shifts: that is the step being stopped.
  await underLoad(false, async () => {
    const v3 = await w.taskDefinition('v3');
    const id = await w.deploy(v3, { configName: 'Linear20PercentEvery1Minute' });
    await w.next((e) => e.resource === id && e.type === 'codedeploy.deployment.traffic-shifted' && e.detail['greenPercent'] === 20);
    const ended = w.ended(id);
    await w.cd.send(new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }));
    await assertRolledBack(id, ended, 'Stopped', 'MANUAL_STOP');
  });
});

test('an alarm going to ALARM during shifting stops the deployment and rolls back', { timeout: 300_000 }, async () => {
  await cw.send(
    new PutMetricAlarmCommand({ AlarmName: 'web-5xx', Namespace: 'AWS/ApplicationELB', MetricName: 'HTTPCode_Target_5XX_Count', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 10, ComparisonOperator: 'GreaterThanThreshold' }),
  );
  await w.cd.send(new UpdateDeploymentGroupCommand({ applicationName: APPLICATION, currentDeploymentGroupName: GROUP, alarmConfiguration: { enabled: true, alarms: [{ name: 'web-5xx' }] } }));
  await underLoad(false, async () => {
    const v4 = await w.taskDefinition('v4');
    const id = await w.deploy(v4, { configName: 'Linear20PercentEvery1Minute' });
    await w.next((e) => e.resource === id && e.type === 'codedeploy.deployment.traffic-shifted' && e.detail['greenPercent'] === 20);
    const ended = w.ended(id);
    await cw.send(new SetAlarmStateCommand({ AlarmName: 'web-5xx', StateValue: 'ALARM', StateReason: 'testing the rollback' }));
    await assertRolledBack(id, ended, 'Stopped', 'ALARM_ACTIVE');
  });
});
