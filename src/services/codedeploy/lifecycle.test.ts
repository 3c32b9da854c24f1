// Drives deployments through their lifecycle with the engine seam (lifecycle.ts) on a ManualClock, the daemon's engines off.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  BatchGetDeploymentTargetsCommand,
  CodeDeployClient,
  ContinueDeploymentCommand,
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentGroupCommand,
  DeploymentTargetDoesNotExistException,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  GetDeploymentTargetCommand,
  LifecycleEventAlreadyCompletedException,
  ListDeploymentTargetsCommand,
  PutLifecycleEventHookExecutionStatusCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { ManualClock } from '../../core/clock.ts';
import { typeFilter, type SlipwayEvent } from '../../core/events.ts';
import { checkShape, loadModel } from '../../../test/helpers/aws-model.ts';
import { callJson, startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import type { ServiceContext } from '../types.ts';
import { LIFECYCLE_EVENTS, type LifecycleEventName } from './deployment-record.ts';
import {
  activeDeploymentIds,
  beginReadyWait,
  beginTerminationWait,
  completeLifecycleEvent,
  deploymentTrafficSchedule,
  failDeployment,
  getDeploymentRecord,
  recordTrafficShift,
  reportTaskSets,
  startDeployment,
  startLifecycleEvent,
  stopDeployment,
  succeedDeployment,
} from './lifecycle.ts';
import { appSpecText, ecsGroupInput } from './test-fixtures.ts';

const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
let t: TestDaemon;
let cd: CodeDeployClient;
let ctx: ServiceContext;
const events: SlipwayEvent[] = [];
const model = loadModel('codedeploy.2014-10-06');
const MINUTE = 60_000;

before(async () => {
  t = await startTestDaemon({ clock, engines: false });
  cd = new CodeDeployClient(t.sdk);
  const d = t.daemon;
  ctx = { config: d.config, store: d.store, bus: d.bus, clock: d.clock, log: d.log, masker: d.masker };
  d.bus.subscribe(typeFilter('codedeploy.*'), (e) => events.push(e));
  await cd.send(new CreateApplicationCommand({ applicationName: 'life', computePlatform: 'ECS' }));
});
after(async () => {
  cd.destroy();
  await t.stop();
});

const revision = (hooks: Record<string, string> = {}) => ({ revisionType: 'AppSpecContent' as const, appSpecContent: { content: appSpecText(undefined, 'web', hooks) } });

function taskSets(greenGroup = 'tg-green', blueGroup = 'tg-blue') {
  return [
    { identifer: 'ecs-svc/blue', taskSetLabel: 'Blue' as const, targetGroup: blueGroup, desiredCount: 2, pendingCount: 0, runningCount: 2, status: 'PRIMARY', trafficWeight: 100 },
    { identifer: 'ecs-svc/green', taskSetLabel: 'Green' as const, targetGroup: greenGroup, desiredCount: 2, pendingCount: 0, runningCount: 2, status: 'ACTIVE', trafficWeight: 0 },
  ];
}

/** What an engine does for an event without a hook (or whose hook the test answers itself): start it, then finish it. */
function runEvent(id: string, name: LifecycleEventName): void {
  startLifecycleEvent(ctx, id, name);
  completeLifecycleEvent(ctx, id, name, 'Succeeded');
}

/** Runs a whole deployment the simple way (all at once, no waits), as the first deployment of a group. */
function runAll(id: string): void {
  startDeployment(ctx, id);
  for (const name of LIFECYCLE_EVENTS) {
    startLifecycleEvent(ctx, id, name);
    if (name === 'Install') reportTaskSets(ctx, id, taskSets());
    if (name === 'AllowTraffic') recordTrafficShift(ctx, id, 100);
    completeLifecycleEvent(ctx, id, name, 'Succeeded');
  }
  beginTerminationWait(ctx, id);
  succeedDeployment(ctx, id);
}

test('a canary deployment with a hook, a ready wait and a termination wait, step by step', async () => {
  await cd.send(
    new CreateDeploymentGroupCommand({
      ...ecsGroupInput('life', 'canary'),
      deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes',
      blueGreenDeploymentConfiguration: {
        deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 30 },
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 5 },
      },
    }),
  );
  const { deploymentId: id = '' } = await cd.send(new CreateDeploymentCommand({ applicationName: 'life', deploymentGroupName: 'canary', revision: revision({ AfterAllowTestTraffic: 'validate-green' }) }));
  assert.deepEqual(activeDeploymentIds(ctx), [id]);
  const t0 = clock.now();
  startDeployment(ctx, id);
  const targets = await cd.send(new ListDeploymentTargetsCommand({ deploymentId: id }));
  assert.deepEqual(targets.targetIds, ['test-cluster:svc-canary']);

  runEvent(id, 'BeforeInstall');
  startLifecycleEvent(ctx, id, 'Install');
  reportTaskSets(ctx, id, taskSets());
  await clock.advance(MINUTE);
  completeLifecycleEvent(ctx, id, 'Install', 'Succeeded');
  runEvent(id, 'AfterInstall');
  runEvent(id, 'AllowTestTraffic');

  // The hook gets an execution id and answers through the API; the answer completes the event.
  const hook = startLifecycleEvent(ctx, id, 'AfterAllowTestTraffic');
  assert.equal(hook.hookFunction, 'validate-green');
  const put = await cd.send(new PutLifecycleEventHookExecutionStatusCommand({ deploymentId: id, lifecycleEventHookExecutionId: hook.lifecycleEventHookExecutionId, status: 'Succeeded' }));
  assert.equal(put.lifecycleEventHookExecutionId, hook.lifecycleEventHookExecutionId);
  const again = cd.send(new PutLifecycleEventHookExecutionStatusCommand({ deploymentId: id, lifecycleEventHookExecutionId: hook.lifecycleEventHookExecutionId, status: 'Failed' }));
  await assert.rejects(again, LifecycleEventAlreadyCompletedException);

  // STOP_DEPLOYMENT: Ready until ContinueDeployment(READY_WAIT).
  beginReadyWait(ctx, id);
  assert.equal(getDeploymentRecord(ctx, id).readyWaitEndsAt, clock.now() + 30 * MINUTE);
  assert.equal((await cd.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo?.status, 'Ready');
  await cd.send(new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'READY_WAIT' }));
  assert.equal((await cd.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo?.status, 'InProgress');

  runEvent(id, 'BeforeAllowTraffic');
  startLifecycleEvent(ctx, id, 'AllowTraffic');
  const schedule = deploymentTrafficSchedule(getDeploymentRecord(ctx, id));
  assert.deepEqual(schedule, [
    { afterMinutes: 0, greenPercent: 10 },
    { afterMinutes: 5, greenPercent: 100 },
  ]);
  const shiftStart = clock.now();
  const seen: number[][] = [];
  for (const step of schedule) {
    await clock.advance(shiftStart + step.afterMinutes * MINUTE - clock.now());
    recordTrafficShift(ctx, id, step.greenPercent);
    const target = await cd.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId: 'test-cluster:svc-canary' }));
    seen.push(target.deploymentTarget?.ecsTarget?.taskSetsInfo?.map((s) => s.trafficWeight ?? -1) ?? []);
  }
  assert.deepEqual(seen, [
    [90, 10],
    [0, 100],
  ]);
  completeLifecycleEvent(ctx, id, 'AllowTraffic', 'Succeeded');
  runEvent(id, 'AfterAllowTraffic');

  beginTerminationWait(ctx, id);
  const waiting = (await cd.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo;
  assert.equal(waiting?.status, 'InProgress');
  assert.equal(waiting?.instanceTerminationWaitTimeStarted, true);
  const continued = t.daemon.bus.next(typeFilter('codedeploy.deployment.continued'));
  await cd.send(new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'TERMINATION_WAIT' }));
  assert.equal((await continued).detail['deploymentWaitType'], 'TERMINATION_WAIT');
  assert.equal(getDeploymentRecord(ctx, id).terminationWaitEndsAt, clock.now());
  succeedDeployment(ctx, id);

  const info = (await cd.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo;
  assert.equal(info?.status, 'Succeeded');
  assert.equal(info?.startTime?.getTime(), t0);
  assert.equal(info?.completeTime?.getTime(), clock.now());
  assert.deepEqual(info?.deploymentOverview, { Pending: 0, InProgress: 0, Succeeded: 1, Failed: 0, Skipped: 0, Ready: 0 });
  const target = (await cd.send(new BatchGetDeploymentTargetsCommand({ deploymentId: id, targetIds: ['test-cluster:svc-canary'] }))).deploymentTargets?.[0];
  const lifecycle = target?.ecsTarget?.lifecycleEvents ?? [];
  assert.deepEqual(lifecycle.map((e) => e.lifecycleEventName), [...LIFECYCLE_EVENTS]);
  assert.ok(lifecycle.every((e) => e.status === 'Succeeded'));
  assert.equal(lifecycle[1]?.endTime?.getTime(), (lifecycle[1]?.startTime?.getTime() ?? 0) + MINUTE, 'Install took the minute the clock moved');
  assert.equal(target?.ecsTarget?.targetArn, 'arn:aws:ecs:us-east-1:000000000000:service/test-cluster/svc-canary');
  const group = await cd.send(new GetDeploymentGroupCommand({ applicationName: 'life', deploymentGroupName: 'canary' }));
  assert.equal(group.deploymentGroupInfo?.lastSuccessfulDeployment?.deploymentId, id);
  assert.deepEqual(activeDeploymentIds(ctx), []);

  const types = events.filter((e) => e.resource === id).map((e) => e.type);
  assert.equal(types[0], 'codedeploy.deployment.created');
  assert.equal(types.at(-1), 'codedeploy.deployment.succeeded');
  assert.equal(types.filter((x) => x === 'codedeploy.lifecycle-event.completed').length, 8);
  assert.equal(types.filter((x) => x === 'codedeploy.deployment.traffic-shifted').length, 2);

  const wire = await callJson(t.endpoint, 'CodeDeploy_20141006.GetDeploymentTarget', { deploymentId: id, targetId: 'test-cluster:svc-canary' });
  assert.deepEqual(checkShape(model, 'GetDeploymentTargetOutput', wire.body), []);
  await assert.rejects(cd.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId: 'other:svc' })), DeploymentTargetDoesNotExistException);
});

test('a failing hook fails the deployment; the rollback is its own deployment, back to the previous revision', async () => {
  await cd.send(new CreateDeploymentGroupCommand(ecsGroupInput('life', 'rollback')));
  const first = await cd.send(new CreateDeploymentCommand({ applicationName: 'life', deploymentGroupName: 'rollback', revision: revision() }));
  runAll(first.deploymentId ?? '');
  const { deploymentId: id = '' } = await cd.send(new CreateDeploymentCommand({ applicationName: 'life', deploymentGroupName: 'rollback', revision: revision({ AfterAllowTestTraffic: 'check' }) }));
  startDeployment(ctx, id);
  for (const name of ['BeforeInstall', 'Install', 'AfterInstall', 'AllowTestTraffic'] as const) runEvent(id, name);
  const hook = startLifecycleEvent(ctx, id, 'AfterAllowTestTraffic');
  await cd.send(new PutLifecycleEventHookExecutionStatusCommand({ deploymentId: id, lifecycleEventHookExecutionId: hook.lifecycleEventHookExecutionId, status: 'Failed' }));
  const { rollbackDeploymentId } = failDeployment(ctx, id, { code: 'HOOK_EXECUTION_FAILURE', message: 'The AfterAllowTestTraffic hook check failed' });
  assert.match(rollbackDeploymentId ?? '', /^d-/);

  const failed = (await cd.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo;
  assert.equal(failed?.status, 'Failed');
  assert.equal(failed?.errorInformation?.code, 'HOOK_EXECUTION_FAILURE');
  assert.equal(failed?.rollbackInfo?.rollbackDeploymentId, rollbackDeploymentId);
  const lifecycle = (await cd.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId: 'test-cluster:svc-rollback' }))).deploymentTarget?.ecsTarget?.lifecycleEvents ?? [];
  assert.deepEqual(
    lifecycle.map((e) => e.status),
    ['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded', 'Failed', 'Skipped', 'Skipped', 'Skipped'],
  );
  assert.equal(lifecycle[4]?.diagnostics?.errorCode, 'ScriptFailed');

  const rollback = (await cd.send(new GetDeploymentCommand({ deploymentId: rollbackDeploymentId }))).deploymentInfo;
  assert.equal(rollback?.status, 'Created');
  assert.equal(rollback?.creator, 'codeDeployRollback');
  assert.equal(rollback?.rollbackInfo?.rollbackTriggeringDeploymentId, id);
  const firstInfo = (await cd.send(new GetDeploymentCommand({ deploymentId: first.deploymentId }))).deploymentInfo;
  assert.deepEqual(rollback?.revision, firstInfo?.revision);
  assert.deepEqual(getDeploymentRecord(ctx, rollbackDeploymentId ?? '').appSpec?.hooks, [], "the rollback carries the previous deployment's appspec");
  assert.deepEqual(activeDeploymentIds(ctx), [rollbackDeploymentId]);
  runAll(rollbackDeploymentId ?? '');
  assert.equal((await cd.send(new GetDeploymentCommand({ deploymentId: rollbackDeploymentId }))).deploymentInfo?.status, 'Succeeded');
});

test('StopDeployment during traffic shifting rolls back when asked; an alarm stops with ALARM_ACTIVE', async () => {
  await cd.send(new CreateDeploymentGroupCommand({ ...ecsGroupInput('life', 'stops'), autoRollbackConfiguration: { enabled: false, events: [] } }));
  const { deploymentId: id = '' } = await cd.send(new CreateDeploymentCommand({ applicationName: 'life', deploymentGroupName: 'stops', revision: revision() }));
  startDeployment(ctx, id);
  for (const name of ['BeforeInstall', 'Install', 'AfterInstall', 'AllowTestTraffic', 'AfterAllowTestTraffic', 'BeforeAllowTraffic'] as const) runEvent(id, name);
  startLifecycleEvent(ctx, id, 'AllowTraffic');
  const stopped = t.daemon.bus.next(typeFilter('codedeploy.deployment.stopped'));
  const res = await cd.send(new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }));
  assert.equal(res.status, 'Pending');
  const event = await stopped;
  assert.equal(event.detail['errorCode'], 'MANUAL_STOP');
  const rollbackId = String(event.detail['rollbackDeploymentId']);
  const info = (await cd.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo;
  assert.equal(info?.status, 'Stopped');
  assert.equal(info?.rollbackInfo?.rollbackDeploymentId, rollbackId);
  runAll(rollbackId);

  const { deploymentId: second = '' } = await cd.send(new CreateDeploymentCommand({ applicationName: 'life', deploymentGroupName: 'stops', revision: revision() }));
  startDeployment(ctx, second);
  runEvent(second, 'BeforeInstall');
  startLifecycleEvent(ctx, second, 'Install');
  const byAlarm = stopDeployment(ctx, second, 'alarm', { alarms: ['high-5xx'] });
  assert.equal(byAlarm.rollbackDeploymentId, undefined, 'the group does not roll back on alarms');
  const alarmed = (await cd.send(new GetDeploymentCommand({ deploymentId: second }))).deploymentInfo;
  assert.equal(alarmed?.status, 'Stopped');
  assert.equal(alarmed?.errorInformation?.code, 'ALARM_ACTIVE');
  assert.match(alarmed?.errorInformation?.message ?? '', /high-5xx/);
});
