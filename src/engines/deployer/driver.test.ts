// The driver's timing on a ManualClock with a fake fleet: canary and linear steps, the ready and termination waits.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TaskSet } from '@aws-sdk/client-ecs';
import { CodeDeployClient, ContinueDeploymentCommand, CreateApplicationCommand, CreateDeploymentCommand, CreateDeploymentGroupCommand, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { ManualClock } from '../../core/clock.ts';
import { appSpecText, ecsGroupInput, PROD_LISTENER, TEST_LISTENER } from '../../services/codedeploy/test-fixtures.ts';
import type { ServiceContext } from '../../services/types.ts';
import { startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import { DeploymentDriver } from './driver.ts';
import type { FleetPort, GreenTaskSetInput, Weight } from './fleet.ts';

const MINUTE = 60_000;

/** ECS and ELBv2 as the driver sees them: task sets that are steady at once, listener weights applied at once. */
class FakeFleet implements FleetPort {
  readonly sets: TaskSet[] = [{ id: 'ecs-svc/1', taskSetArn: 'arn:ts/blue', status: 'PRIMARY', stabilityStatus: 'STEADY_STATE', runningCount: 1, computedDesiredCount: 1, loadBalancers: [{ targetGroupArn: 'arn:tg/tg-blue' }] }];
  readonly listeners = new Map<string, Weight[]>([
    [PROD_LISTENER, [{ targetGroupArn: 'arn:tg/tg-blue', weight: 1 }]],
    [TEST_LISTENER, [{ targetGroupArn: 'arn:tg/tg-blue', weight: 1 }]],
  ]);
  readonly log: string[] = [];
  readonly #clock: ManualClock;
  constructor(clock: ManualClock) {
    this.#clock = clock;
  }
  #at(): string {
    return `${Math.round((this.#clock.now() - START) / MINUTE)}m`;
  }
  targetGroupArn(name: string): string {
    return `arn:tg/${name}`;
  }
  weights(listenerArn: string): Weight[] {
    return this.listeners.get(listenerArn) ?? [];
  }
  async route(listenerArn: string, weights: readonly Weight[]): Promise<void> {
    this.listeners.set(listenerArn, [...weights]);
    const name = listenerArn === PROD_LISTENER ? 'prod' : 'test';
    this.log.push(`${this.#at()} ${name} ${weights.map((w) => `${w.targetGroupArn.slice(7)}=${w.weight}`).join(' ')}`);
  }
  taskSets(): TaskSet[] {
    return this.sets;
  }
  taskSet(_c: string, _s: string, arn: string): TaskSet | undefined {
    return this.sets.find((t) => t.taskSetArn === arn);
  }
  createGreen(input: GreenTaskSetInput): TaskSet {
    const green: TaskSet = { id: 'ecs-svc/2', taskSetArn: 'arn:ts/green', externalId: input.deploymentId, status: 'ACTIVE', stabilityStatus: 'STEADY_STATE', runningCount: 1, computedDesiredCount: 1, loadBalancers: [{ targetGroupArn: input.targetGroupArn }] };
    this.sets.push(green);
    this.log.push(`${this.#at()} green on ${input.targetGroupArn.slice(7)}`);
    return green;
  }
  promote(_c: string, _s: string, arn: string): void {
    for (const t of this.sets) t.status = t.taskSetArn === arn ? 'PRIMARY' : 'ACTIVE';
    this.log.push(`${this.#at()} primary ${arn.slice(7)}`);
  }
  targetHealth(): { id: string; state: string }[] {
    return [{ id: '127.0.0.2', state: 'healthy' }];
  }
  remove(_c: string, _s: string, arn: string): void {
    this.sets.splice(this.sets.findIndex((t) => t.taskSetArn === arn), 1);
    this.log.push(`${this.#at()} removed ${arn.slice(7)}`);
  }
}

const START = Date.UTC(2026, 5, 1, 12);
const clock = new ManualClock(START);
let t: TestDaemon;
let cd: CodeDeployClient;
let ctx: ServiceContext;

before(async () => {
  t = await startTestDaemon({ clock, engines: false });
  cd = new CodeDeployClient(t.sdk);
  const d = t.daemon;
  ctx = { config: d.config, store: d.store, bus: d.bus, clock: d.clock, log: d.log, masker: d.masker };
  await cd.send(new CreateApplicationCommand({ applicationName: 'timing', computePlatform: 'ECS' }));
});

after(async () => {
  cd.destroy();
  await t.stop();
});

async function deploy(group: string, config: string, options: { ready?: boolean } = {}): Promise<{ id: string; fleet: FakeFleet; done: Promise<void> }> {
  const input = ecsGroupInput('timing', group);
  await cd.send(
    new CreateDeploymentGroupCommand({
      ...input,
      deploymentConfigName: config,
      blueGreenDeploymentConfiguration: {
        deploymentReadyOption: options.ready === true ? { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 30 } : { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 5 },
      },
    }),
  );
  const created = await cd.send(new CreateDeploymentCommand({ applicationName: 'timing', deploymentGroupName: group, revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpecText() } } }));
  const id = created.deploymentId ?? '';
  const fleet = new FakeFleet(clock);
  const done = new DeploymentDriver(ctx, fleet, id, new AbortController().signal).run();
  return { id, fleet, done };
}

/** Lets the driver run until it sleeps on the clock, then moves the clock. */
async function advance(minutes: number): Promise<void> {
  await clock.whenSleepers();
  await clock.advance(minutes * MINUTE);
}

test('canary 10% for 5 minutes: green on the other group, test traffic, 90/10, then 0/100; blue removed after the termination wait', async () => {
  const start = clock.now();
  const { id, fleet, done } = await deploy('canary', 'CodeDeployDefault.ECSCanary10Percent5Minutes');
  await advance(5);
  await advance(5);
  await done;
  const at = (line: string): string => line.replace(/^(\d+)m/, (_m, n: string) => `${Number(n) - Math.round((start - START) / MINUTE)}m`);
  assert.deepEqual(fleet.log.map(at), [
    '0m green on tg-green',
    '0m test tg-green=1',
    '0m prod tg-blue=90 tg-green=10',
    '5m prod tg-green=1',
    '5m primary green',
    '10m removed blue',
  ]);
  const info = (await cd.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo;
  assert.equal(info?.status, 'Succeeded');
});

test('linear 10% every minute: ten equal steps one minute apart', async () => {
  const start = clock.now();
  const { fleet, done } = await deploy('linear', 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes');
  for (let i = 0; i < 9; i++) await advance(1);
  await advance(5);
  await done;
  const prod = fleet.log.filter((l) => l.includes(' prod ')).map((l) => `${Math.round(Number(l.split('m')[0]) - (start - START) / MINUTE)}:${l.split(' ').slice(2).join(' ')}`);
  assert.deepEqual(prod, [
    ...Array.from({ length: 9 }, (_, i) => `${i}:tg-blue=${90 - i * 10} tg-green=${(i + 1) * 10}`),
    '9:tg-green=1',
  ]);
});

test('STOP_DEPLOYMENT: Ready after test traffic, production moves only after ContinueDeployment(READY_WAIT)', async () => {
  const { id, fleet, done } = await deploy('ready', 'CodeDeployDefault.ECSAllAtOnce', { ready: true });
  await clock.whenSleepers();
  assert.equal((await cd.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo?.status, 'Ready');
  assert.ok(!fleet.log.some((l) => l.includes(' prod ')), 'no production traffic before READY_WAIT is continued');
  await cd.send(new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'READY_WAIT' }));
  await clock.whenSleepers();
  assert.ok(fleet.log.some((l) => l.endsWith('prod tg-green=1')));
  // The termination wait ends early on ContinueDeployment(TERMINATION_WAIT).
  await cd.send(new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'TERMINATION_WAIT' }));
  await done;
  assert.equal((await cd.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo?.status, 'Succeeded');
});
