// One task's containers: start in dependsOn order, watch exits and health, ship logs, stop with stopTimeout then kill.
import { mkdir, rm } from 'node:fs/promises';
import type { ContainerDefinition, RegisterTaskDefinitionRequest } from '@aws-sdk/client-ecs';
import type { ContainerInfo, ContainerRuntime } from '../../runtime/types.ts';
import {
  getTask,
  loadTaskDefinitionBody,
  requestStop,
  updateTask,
  type StopCode,
  type TaskContainer,
  type TaskRecord,
  type TaskStatus,
} from '../../services/ecs/task-store.ts';
import type { ServiceContext } from '../../services/types.ts';
import { allocateAddress, isBindFailure } from './addresses.ts';
import { CONTAINER_LABEL, containerSpec, localImage, resolveSecrets, taskVolumesDir, volumeSource } from './containers.ts';
import { dependencyVerdict, taskHealth } from './container-rules.ts';
import { runHealthProbe } from './health.ts';
import { awslogsTarget, shipLogs } from './logs.ts';

export interface RunnerHooks {
  /** The task reached RUNNING (or was adopted RUNNING): register its targets. */
  onRunning(task: TaskRecord): void;
  /** Before its containers stop: deregister targets and wait out draining. */
  beforeStop(task: TaskRecord): Promise<void>;
  /** The task is STOPPED, or its health or a container changed: reconcile. */
  onChange(task: TaskRecord): void;
}

export interface RunnerContext {
  readonly ctx: ServiceContext;
  readonly runtime: ContainerRuntime;
  readonly instanceId: string;
  readonly hooks: RunnerHooks;
}

/** Fargate's startTimeout default: a dependency that misses its condition this long stops the task. */
const START_TIMEOUT_S = 180;
const STOP_TIMEOUT_S = 30;

export class TaskRunner {
  readonly arn: string;
  readonly #r: RunnerContext;
  readonly #watch = new AbortController();
  #containers: TaskContainer[] = [];
  #defs = new Map<string, ContainerDefinition>();
  #td: RegisterTaskDefinitionRequest | undefined;
  #started: string[] = [];
  #stopping: Promise<void> | undefined;
  #waiters: Array<() => void> = [];
  /** Whether the loopback address could not be bound and ports went to ephemeral ports on 127.0.0.1. */
  #fallback = false;
  /** Set when the engine stops: the flow in progress ends at its next write, and the next start adopts the task. */
  #detached = false;
  /** A container create/start in flight: stop waits for it, so a container started meanwhile is not left running. */
  #inflight: Promise<unknown> | undefined;

  constructor(r: RunnerContext, arn: string) {
    this.#r = r;
    this.arn = arn;
  }

  get stopping(): boolean {
    return this.#stopping !== undefined;
  }

  #task(): TaskRecord {
    const t = getTask(this.#r.ctx, this.arn);
    if (t === undefined) throw new Error(`task ${this.arn} vanished from the store`);
    return t;
  }

  #load(t: TaskRecord): void {
    this.#td = loadTaskDefinitionBody(this.#r.ctx, t.taskDefinitionArn);
    this.#containers = t.containers.map((c) => ({ ...c }));
    for (const def of this.#td?.containerDefinitions ?? []) this.#defs.set(def.name ?? '', def);
  }

  #changed(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const fn of w) fn();
  }

  #save(update: { lastStatus?: TaskStatus; address?: string; startedAt?: number; stoppedAt?: number } = {}): TaskRecord | undefined {
    if (this.#detached) throw new Error(`scheduler stopped: task ${this.arn} is left as it is for the next start to adopt`);
    const t = updateTask(this.#r.ctx, this.arn, { ...update, containers: this.#containers, healthStatus: taskHealth(this.#containers, this.#defs) });
    this.#changed();
    return t;
  }

  #container(name: string): TaskContainer | undefined {
    return this.#containers.find((c) => c.name === name);
  }

  /** Stops the task for a reason found while starting or running (AWS's stoppedReason words). */
  async fail(reason: string, code: StopCode): Promise<void> {
    requestStop(this.#r.ctx, this.arn, reason, code);
    await this.stop();
  }

  async start(): Promise<void> {
    const { ctx } = this.#r;
    const t = this.#task();
    this.#load(t);
    if (this.#td === undefined) return this.fail(`TaskDefinitionNotFound: ${t.taskDefinitionArn} is no longer registered`, 'TaskFailedToStart');
    const secrets = new Map<string, Record<string, string>>();
    try {
      for (const def of this.#defs.values()) secrets.set(def.name ?? '', resolveSecrets(ctx, def));
    } catch (error) {
      return this.fail(`ResourceInitializationError: unable to pull secrets or registry auth: ${message(error)}`, 'TaskFailedToStart');
    }
    try {
      for (const volume of this.#td.volumes ?? []) {
        if (volume.host?.sourcePath === undefined) await mkdir(volumeSource(ctx.config.dataDir, t.id, volume), { recursive: true });
      }
    } catch (error) {
      return this.fail(`ResourceInitializationError: failed to create task volumes: ${message(error)}`, 'TaskFailedToStart');
    }
    let address: string | undefined;
    if (this.#td.networkMode === 'awsvpc') address = allocateAddress(ctx, this.#r.instanceId);
    this.#save({ lastStatus: 'PENDING', ...(address === undefined ? {} : { address }) });
    const deadline = ctx.clock.now() + START_TIMEOUT_S * 1000;
    const pending = [...this.#defs.values()];
    while (pending.length > 0) {
      if (this.#stopping !== undefined) return;
      const verdicts = pending.map((def) => ({ def, verdict: dependencyVerdict(def, this.#containers, this.#started) }));
      const blocked = verdicts.find((v) => v.verdict.startsWith('never:'));
      if (blocked !== undefined) {
        return this.fail(`Task failed to start: container ${blocked.def.name ?? ''} ${blocked.verdict.slice('never:'.length)}`, 'TaskFailedToStart');
      }
      const ready = verdicts.filter((v) => v.verdict === 'ready').map((v) => v.def);
      if (ready.length === 0) {
        if (ctx.clock.now() >= deadline) return this.fail('Task failed to start: a container dependency did not reach its condition within the start timeout', 'TaskFailedToStart');
        await this.#nextChange(deadline);
        continue;
      }
      for (const def of ready) {
        pending.splice(pending.indexOf(def), 1);
        const ok = await this.#startContainer(def, secrets.get(def.name ?? '') ?? {});
        if (!ok) return;
      }
    }
    if (this.#stopping !== undefined) return;
    const running = this.#save({ lastStatus: 'RUNNING', startedAt: ctx.clock.now() });
    if (running !== undefined) this.#r.hooks.onRunning(running);
  }

  #nextChange(deadline: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = new AbortController();
      this.#waiters.push(() => {
        timer.abort();
        resolve();
      });
      this.#r.ctx.clock.sleep(Math.max(0, deadline - this.#r.ctx.clock.now()), timer.signal).then(resolve, () => undefined);
    });
  }

  /** Creates and starts one container; false when the task failed instead. */
  async #startContainer(def: ContainerDefinition, secrets: Record<string, string>): Promise<boolean> {
    const { ctx, runtime } = this.#r;
    const name = def.name ?? '';
    const t = this.#task();
    const override = t.overrides.containerOverrides?.find((o) => o.name === name);
    const avoid = new Set<string>();
    for (let attempt = 0; ; attempt++) {
      const address = this.#fallback ? undefined : t.address === undefined ? undefined : this.#task().address;
      const built = containerSpec({
        task: t,
        taskDefinition: this.#td ?? { family: '', containerDefinitions: [] },
        def,
        ...(override === undefined ? {} : { override }),
        secrets,
        instanceId: this.#r.instanceId,
        region: ctx.config.region,
        dataDir: ctx.config.dataDir,
        ...(address === undefined ? {} : { address }),
      });
      const spec = { ...built, image: await localImage(ctx, runtime, built.image) };
      let id: string | undefined;
      try {
        const starting = (async () => {
          id = await runtime.create(spec);
          const c = this.#container(name);
          if (c !== undefined) c.runtimeId = id;
          await runtime.start(id);
        })();
        this.#inflight = starting.catch(() => undefined);
        await starting;
      } catch (error) {
        if (id !== undefined) await runtime.remove(id, { force: true }).catch(() => undefined);
        const c = this.#container(name);
        if (c !== undefined) delete c.runtimeId;
        if (address !== undefined && (spec.ports?.length ?? 0) > 0 && isBindFailure(error) && attempt < 2 && this.#started.length === 0) {
          // Another process holds this address:port: try another address once, then ephemeral ports on 127.0.0.1.
          avoid.add(address);
          if (attempt === 0) this.#save({ address: allocateAddress(ctx, this.#r.instanceId, avoid) });
          else {
            this.#fallback = true;
            this.#save({ address: '127.0.0.1' });
          }
          continue;
        }
        const code = (error as { code?: unknown }).code;
        const kind = code === 'ImageNotFound' || /no such image|image not known|not found/i.test(message(error)) ? 'CannotPullContainerError' : 'CannotStartContainerError';
        await this.fail(`${kind}: ${message(error)}`, 'TaskFailedToStart');
        return false;
      }
      // A stop that came meanwhile stops this container too (its runtimeId is recorded).
      if (this.#stopping !== undefined || id === undefined) return false;
      await this.#attach(def, id, ctx.clock.now());
      return true;
    }
  }

  /** Records a running container and starts watching it: exit, health probe, logs. */
  async #attach(def: ContainerDefinition, id: string, startedAt: number, sinceSeconds?: number): Promise<void> {
    const { ctx, runtime } = this.#r;
    const name = def.name ?? '';
    const c = this.#container(name);
    if (c === undefined) return;
    let info: ContainerInfo | undefined;
    try {
      info = await runtime.inspect(id);
    } catch {
      info = undefined;
    }
    c.runtimeId = id;
    // Marked RUNNING even when it already exited (a fast job): #exited below records the exit and its consequences.
    c.lastStatus = 'RUNNING';
    const exitedAlready = info !== undefined && !info.running;
    c.networkBindings = (info?.ports ?? []).map((p) => ({ bindIP: p.hostIp, containerPort: p.containerPort, hostPort: p.hostPort, protocol: p.protocol }));
    if (!this.#started.includes(name)) this.#started.push(name);
    this.#save();
    const signal = this.#watch.signal;
    const target = awslogsTarget(def, this.#task().id);
    if (target !== undefined) void shipLogs(ctx, runtime, id, target, signal, sinceSeconds);
    if (def.healthCheck !== undefined && !exitedAlready) {
      const check = def.healthCheck;
      void runHealthProbe({
        clock: ctx.clock,
        runtime,
        containerId: id,
        check,
        startedAt,
        signal,
        onChange: (status) => {
          if (this.#detached) return;
          const current = this.#container(name);
          if (current === undefined || current.lastStatus === 'STOPPED') return;
          current.healthStatus = status;
          const t = this.#save();
          if (t !== undefined) this.#r.hooks.onChange(t);
        },
      });
    }
    if (exitedAlready) {
      this.#exited(name, info?.exitCode ?? -1);
      return;
    }
    runtime.wait(id, { signal }).then(
      ({ exitCode }) => {
        if (!signal.aborted || this.#stopping !== undefined) this.#exited(name, exitCode);
      },
      () => {
        if (!signal.aborted) this.#exited(name, -1);
      },
    );
  }

  #exited(name: string, exitCode: number): void {
    if (this.#detached) return;
    const c = this.#container(name);
    if (c === undefined || c.lastStatus === 'STOPPED') {
      this.#changed();
      return;
    }
    c.lastStatus = 'STOPPED';
    c.exitCode = exitCode;
    if (c.healthStatus !== undefined) c.healthStatus = 'UNKNOWN';
    const t = this.#save();
    if (this.#stopping !== undefined) return;
    if (c.essential) {
      this.fail('Essential container in task exited', 'EssentialContainerExited').catch((error: unknown) =>
        this.#r.ctx.log.debug({ task: this.arn, error: message(error) }, 'stop after an essential exit ended early'),
      );
    } else if (t !== undefined) {
      this.#r.hooks.onChange(t);
    }
  }

  /**
   * Re-adopts a task's containers after a restart of Slipway. Running essential containers mean the task goes on
   * (its watchers restart); a task whose essential containers are gone or exited is stopped with the reason.
   */
  async adopt(found: readonly ContainerInfo[]): Promise<void> {
    const t = this.#task();
    this.#load(t);
    const byName = new Map(found.map((info) => [info.labels[CONTAINER_LABEL] ?? '', info]));
    for (const c of this.#containers) {
      const info = byName.get(c.name);
      if (info !== undefined) c.runtimeId = info.id;
    }
    if (t.desiredStatus === 'STOPPED') return this.stop();
    if (found.length === 0 && (t.lastStatus === 'PROVISIONING' || t.lastStatus === 'PENDING')) {
      this.#containers = t.containers.map((c) => ({ ...c, lastStatus: 'PENDING' }));
      return this.start();
    }
    const essentialsUp = this.#containers.filter((c) => c.essential).every((c) => byName.get(c.name)?.running === true);
    if (t.lastStatus !== 'RUNNING' || !essentialsUp) {
      for (const c of this.#containers) {
        const info = byName.get(c.name);
        if (info === undefined) continue;
        c.lastStatus = info.running ? 'RUNNING' : 'STOPPED';
        if (info.exitCode !== undefined && !info.running) c.exitCode = info.exitCode;
      }
      this.#save();
      const exited = this.#containers.some((c) => c.essential && byName.get(c.name)?.running === false);
      return this.fail(
        exited ? 'Essential container in task exited' : `Task stopped: its containers were ${t.lastStatus === 'RUNNING' ? 'gone' : 'still starting'} when Slipway restarted`,
        exited ? 'EssentialContainerExited' : 'TaskFailedToStart',
      );
    }
    const now = this.#r.ctx.clock.now();
    for (const c of this.#containers) {
      const info = byName.get(c.name);
      const def = this.#defs.get(c.name);
      if (info === undefined || def === undefined) continue;
      // Health restarts from UNKNOWN-free state it had; log shipping resumes from now.
      await this.#attach(def, info.id, info.startedAt ?? now, Math.floor(Date.now() / 1000));
    }
    this.#r.hooks.onRunning(this.#task());
  }

  /** Stops the task's containers (reverse start order, stopTimeout then kill), removes them, and records STOPPED. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    this.#changed();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const { ctx, runtime, hooks } = this.#r;
    await this.#inflight;
    let t = this.#task();
    if (this.#containers.length === 0) this.#load(t);
    // DEACTIVATING too: a restart may have interrupted the deregistration.
    if (t.lastStatus === 'RUNNING' || t.lastStatus === 'DEACTIVATING') {
      this.#save({ lastStatus: 'DEACTIVATING' });
      await hooks.beforeStop(this.#task()).catch((error: unknown) => ctx.log.warn({ task: this.arn, error: message(error) }, 'target deregistration failed'));
    }
    this.#save({ lastStatus: 'STOPPING' });
    const order = [...this.#containers].reverse();
    for (const c of order) {
      if (c.runtimeId === undefined || c.lastStatus === 'STOPPED') continue;
      const timeout = this.#defs.get(c.name)?.stopTimeout ?? STOP_TIMEOUT_S;
      try {
        await runtime.stop(c.runtimeId, { timeoutSeconds: timeout });
        const info = await runtime.inspect(c.runtimeId);
        c.lastStatus = 'STOPPED';
        if (info.exitCode !== undefined) c.exitCode = info.exitCode;
      } catch {
        c.lastStatus = 'STOPPED';
      }
      if (c.healthStatus !== undefined) c.healthStatus = 'UNKNOWN';
    }
    this.#watch.abort();
    this.#save({ lastStatus: 'DEPROVISIONING' });
    for (const c of this.#containers) {
      if (c.runtimeId !== undefined) await runtime.remove(c.runtimeId, { force: true }).catch(() => undefined);
      if (c.lastStatus !== 'STOPPED') c.lastStatus = 'STOPPED';
    }
    await rm(taskVolumesDir(ctx.config.dataDir, t.id), { recursive: true, force: true }).catch(() => undefined);
    t = this.#save({ lastStatus: 'STOPPED', stoppedAt: ctx.clock.now() }) ?? t;
    hooks.onChange(t);
  }

  /** Ends watchers without touching containers: the daemon is stopping and the next start adopts them. */
  detach(): void {
    this.#detached = true;
    this.#watch.abort();
    this.#changed();
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
