// A scheduler on a fresh store, the fake runtime, fake load balancer targets and a manual clock, for unit tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerDefinition, RegisterTaskDefinitionRequest } from '@aws-sdk/client-ecs';
import { ManualClock } from '../../core/clock.ts';
import { makeConfig } from '../../core/config.ts';
import { EventBus } from '../../core/events.ts';
import { SecretMasker, silentLogger } from '../../core/log.ts';
import { FakeRuntime } from '../../runtime/fake/runtime.ts';
import type { ContainerRuntime, ContainerSpec } from '../../runtime/types.ts';
import { services } from '../../services/api.ts';
import { createCluster } from '../../services/ecs/clusters.ts';
import { getTask, liveTasks, type TaskRecord } from '../../services/ecs/task-store.ts';
import { registerTaskDefinition } from '../../services/ecs/task-definitions.ts';
import type { OperationContext } from '../../services/types.ts';
import { BlobStore } from '../../store/blobs.ts';
import { Store } from '../../store/db.ts';
import type { EngineContext } from '../types.ts';
import { startScheduler, type Scheduler } from './index.ts';
import { FakeTargets } from './targets.ts';

export interface SchedulerHarness {
  readonly ctx: EngineContext;
  readonly op: OperationContext;
  readonly clock: ManualClock;
  readonly runtime: FakeRuntime;
  readonly targets: FakeTargets;
  readonly dataDir: string;
  /** Every ContainerSpec the scheduler created, in order. */
  readonly specs: ContainerSpec[];
  scheduler: Scheduler;
  /** Turns the event loop (and, with `stepMs`, the clock) until `check` holds; throws with `what` when it never does. */
  until(what: string, check: () => boolean, stepMs?: number): Promise<void>;
  task(arn: string): TaskRecord;
  live(serviceArn?: string): TaskRecord[];
  /** Registers a task definition with the given containers (awsvpc, Fargate sizes). */
  register(family: string, containers: ContainerDefinition[], extra?: Partial<RegisterTaskDefinitionRequest>): string;
  /** Stops the scheduler (containers keep running) and starts a new one on the same store and runtime. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The task definition the real-engine tests register: Fargate-sized, awsvpc, one container `app` of `image` on port
 * 8080 that stops within 2 s; `app` overrides or adds container fields (command, environment, health check).
 */
export function fargateTaskDefinition(family: string, image: string, app: Partial<ContainerDefinition> = {}): RegisterTaskDefinitionRequest {
  return {
    family,
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    containerDefinitions: [{ name: 'app', image, portMappings: [{ containerPort: 8080 }], stopTimeout: 2, ...app }],
  };
}

export async function startSchedulerHarness(): Promise<SchedulerHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-scheduler-'));
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 9));
  const store = new Store(dataDir);
  for (const s of services) if (s.migrations) store.migrate(s.migrations);
  store.setKv('instance-id', `test-${dataDir.slice(-6)}`);
  const bus = new EventBus(store, () => clock.now());
  const runtime = new FakeRuntime({ clock });
  const specs: ContainerSpec[] = [];
  const create = runtime.create.bind(runtime);
  runtime.create = (spec) => {
    specs.push(spec);
    return create(spec);
  };
  const targets = new FakeTargets();
  const ctx: EngineContext = {
    config: makeConfig({ dataDir, port: 0 }),
    store,
    bus,
    clock,
    log: silentLogger(),
    masker: new SecretMasker(),
    blobs: new BlobStore(dataDir),
    endpoint: () => 'http://127.0.0.1:1',
    runtime: () => Promise.resolve(runtime),
  };
  const op: OperationContext = { ...ctx, request: { requestId: 'test', accessKeyId: 'AKIATEST' } };
  createCluster({}, op);
  const start = (): Scheduler => startScheduler(ctx, { targets, tickMs: 1000, maxDrainMs: 5000 });
  const h: SchedulerHarness = {
    ctx,
    op,
    clock,
    runtime,
    targets,
    dataDir,
    specs,
    scheduler: start(),
    async until(what, check, stepMs) {
      for (let i = 0; i < 3000; i++) {
        if (check()) return;
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (stepMs !== undefined && i % 5 === 4) await clock.advance(stepMs);
      }
      throw new Error(`never happened: ${what}`);
    },
    task(arn) {
      const t = getTask(ctx, arn);
      if (t === undefined) throw new Error(`no task ${arn}`);
      return t;
    },
    live: (serviceArn) => liveTasks(ctx, serviceArn),
    register(family, containers, extra = {}) {
      const out = registerTaskDefinition({ ...fargateTaskDefinition(family, ''), containerDefinitions: containers, ...extra }, op);
      return out.taskDefinition?.taskDefinitionArn ?? '';
    },
    async restart() {
      await h.scheduler.stop?.();
      h.scheduler = start();
      await h.scheduler.ready;
    },
    async stop() {
      await h.scheduler.stop?.();
      for (const c of await runtime.list({})) await runtime.remove(c.id, { force: true });
      store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await h.scheduler.ready;
  return h;
}

/** Re-checks after every event on the bus (at least every 2 s) until `check` returns a value; fails naming `what` after `ms`. */
export async function eventuallyOn<T>(bus: EventBus, what: string, check: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const next = bus.next(() => true, AbortSignal.timeout(Math.max(1, Math.min(2000, deadline - Date.now())))).catch(() => undefined);
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await next;
  }
}

/** Removes the task containers a failed test left behind (passing tests scale to 0, so there are none) and the test image. */
export async function removeTaskLeftovers(runtime: ContainerRuntime, instanceId: string, image: string): Promise<void> {
  const mine = await runtime.list({ 'dev.slipway.owner': instanceId, 'dev.slipway.role': 'ecs-task' }).catch(() => []);
  for (const c of mine) await runtime.remove(c.id, { force: true }).catch(() => undefined);
  await runtime.removeImage(image).catch(() => undefined);
}
