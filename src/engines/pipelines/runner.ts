// The pipeline runner: reacts to CodePipeline events, runs the scheduler, and drives action providers (resuming them after a restart).
import { typeFilter } from '../../core/events.ts';
import { findActionRun, PIPELINE_CHANGED, toActionRun, type ActionRun } from '../../services/codepipeline/state.ts';
import { str } from '../../store/db.ts';
import type { EngineContext } from '../types.ts';
import { ArtifactStore } from './artifacts.ts';
import type { ProviderRegistry } from './providers/registry.ts';
import { publishAction, Scheduler } from './scheduler.ts';
import { ActionFailure, type ActionJob, type ActionProgress, type ActionResult } from './types.ts';

/** The most output-variable bytes one action may produce (CP-limits). */
const MAX_OUTPUT_VARIABLE_BYTES = 122_880;

class Shutdown extends Error {}
class Abandoned extends Error {}
class TimedOut extends Error {}

export class PipelineRunner {
  readonly #ctx: EngineContext;
  readonly #registry: ProviderRegistry;
  readonly #scheduler: Scheduler;
  readonly #artifacts: ArtifactStore;
  readonly #running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  readonly #pending = new Set<string>();
  #stopped = false;
  #cleanup: Promise<void> = Promise.resolve();
  #unsubscribe: () => void = () => {};

  constructor(ctx: EngineContext, registry: ProviderRegistry) {
    this.#ctx = ctx;
    this.#registry = registry;
    this.#artifacts = new ArtifactStore(ctx.blobs, ctx.config.dataDir);
    this.#scheduler = new Scheduler(ctx, (key) => registry.get(key), () => registry.keys());
  }

  /** How many provider runs this process is driving now. */
  get running(): number {
    return this.#running.size;
  }

  get artifacts(): ArtifactStore {
    return this.#artifacts;
  }

  /** Resumes what a previous run of Slipway left in progress, then follows events. */
  start(): void {
    this.#unsubscribe = this.#ctx.bus.subscribe(typeFilter('codepipeline.*'), (event) => {
      const pipeline = event.detail['pipeline'];
      if (event.type === PIPELINE_CHANGED && event.detail['change'] === 'deleted') this.#abortDeleted(event.detail['artifacts']);
      if (typeof pipeline === 'string') this.schedule(pipeline);
    });
    const runs = this.#ctx.store.all(
      `SELECT a.id FROM codepipeline_action_runs a JOIN codepipeline_executions e ON e.id = a.execution_id
       WHERE a.status = 'InProgress' AND e.status IN ('InProgress', 'Stopping') ORDER BY a.seq`,
    );
    for (const row of runs) {
      const run = findActionRun(this.#ctx, str(row, 'id'));
      if (run === undefined) continue;
      const provider = this.#registry.get(typeKey(run));
      if (provider?.resumable === true) {
        this.#launch(run.id);
      } else {
        this.#fail(run, new ActionFailure(`Slipway restarted while this action ran, and the ${typeKey(run)} provider cannot pick a run up again; retry the stage to run it anew`));
      }
    }
    for (const row of this.#ctx.store.all("SELECT DISTINCT pipeline FROM codepipeline_executions WHERE status IN ('InProgress', 'Stopping')")) {
      this.schedule(str(row, 'pipeline'));
    }
  }

  /** Stops following events and aborts providers without recording anything: the next start resumes them. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe();
    for (const { controller } of this.#running.values()) controller.abort(new Shutdown('Slipway is stopping'));
    await Promise.allSettled([...this.#running.values()].map((r) => r.done));
  }

  /** A deleted pipeline takes its runs with it: their providers are told to stop. */
  #abortDeleted(artifacts: unknown): void {
    for (const [id, { controller }] of this.#running) {
      if (findActionRun(this.#ctx, id) === undefined) controller.abort(new Abandoned('The pipeline was deleted'));
    }
    // Sealed artifacts are unique blobs (random IVs): nothing else can share them.
    for (const digest of Array.isArray(artifacts) ? artifacts : []) {
      if (typeof digest !== 'string') continue;
      this.#cleanup = this.#cleanup.then(() =>
        this.#ctx.blobs.delete(digest).then(
          () => {},
          (error: unknown) => this.#ctx.log.warn({ digest, error: error instanceof Error ? error.message : String(error) }, 'could not delete a pipeline artifact'),
        ),
      );
    }
  }

  /** Resolves once the artifact deletions asked for so far are done. */
  cleaned(): Promise<void> {
    return this.#cleanup;
  }

  /** Asks for a scheduler pass over the pipeline once the current work yields (events arrive in bursts). */
  schedule(pipeline: string): void {
    if (this.#stopped || this.#pending.has(pipeline)) return;
    this.#pending.add(pipeline);
    queueMicrotask(() => {
      this.#pending.delete(pipeline);
      if (this.#stopped) return;
      try {
        const { launches, aborts } = this.#scheduler.reconcile(pipeline);
        for (const id of aborts) this.#running.get(id)?.controller.abort(new Abandoned('The action was abandoned'));
        for (const id of launches) this.#launch(id);
      } catch (error) {
        this.#ctx.log.error({ pipeline, error: error instanceof Error ? error.message : String(error) }, 'pipeline scheduler pass failed');
      }
    });
  }

  #launch(id: string): void {
    const run = findActionRun(this.#ctx, id);
    if (run === undefined || this.#running.has(id)) return;
    const controller = new AbortController();
    const done = this.#run(run, controller).finally(() => this.#running.delete(id));
    this.#running.set(id, { controller, done });
  }

  async #run(run: ActionRun, controller: AbortController): Promise<void> {
    const provider = this.#registry.get(typeKey(run));
    if (provider === undefined) {
      this.#fail(run, new ActionFailure(`Slipway has no provider for action type ${typeKey(run)}`));
      return;
    }
    const timer = new AbortController();
    const timeout = this.#sleepUntil(run.deadline, timer.signal).then(() => {
      controller.abort(new TimedOut(`The action timed out after ${Math.round((run.deadline - run.started) / 60_000)} minutes`));
    }, () => {});
    let outcome: { ok: true; result: ActionResult } | { ok: false; error: unknown };
    try {
      const result = await Promise.race([
        provider.run(this.#job(run, controller.signal)),
        new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true })),
      ]);
      outcome = { ok: true, result };
    } catch (error) {
      outcome = { ok: false, error: controller.signal.aborted ? controller.signal.reason : error };
    } finally {
      timer.abort();
      await timeout;
    }
    if (this.#stopped) return;
    if (outcome.ok) {
      await this.#succeed(run, outcome.result).catch((error: unknown) => this.#fail(run, failureOf(error)));
      return;
    }
    const { error } = outcome;
    if (error instanceof Shutdown || error instanceof Abandoned) return;
    this.#fail(run, error instanceof TimedOut ? new ActionFailure(error.message, 'JobFailed') : failureOf(error));
  }

  /** Sleeps in steps a timer can hold (setTimeout overflows past 24.8 days; action timeouts go to 60). */
  async #sleepUntil(deadline: number, signal: AbortSignal): Promise<void> {
    for (let left = deadline - this.#ctx.clock.now(); left > 0; left = deadline - this.#ctx.clock.now()) {
      await this.#ctx.clock.sleep(Math.min(left, 2 ** 31 - 1), signal);
    }
  }

  #job(run: ActionRun, signal: AbortSignal): ActionJob {
    const ctx = this.#ctx;
    const e = ctx.store.get('SELECT source_revisions, rollback_target FROM codepipeline_executions WHERE id = ?', run.executionId);
    const overrides = JSON.parse(e === undefined ? '[]' : str(e, 'source_revisions')) as Array<{ actionName: string; revisionType: string; revisionValue: string }>;
    const override = run.stageIndex === 0 ? overrides.find((o) => o.actionName === run.actionName) : undefined;
    // Each source artifact's revision, from the source actions that produced it (CodeBuild's resolved source version).
    const revisions = new Map<string, string>();
    // A ROLLBACK execution carries the revisions of the execution it rolls back to.
    const sources = e === undefined || str(e, 'rollback_target') === '' ? run.executionId : str(e, 'rollback_target');
    for (const row of ctx.store.all("SELECT * FROM codepipeline_action_runs WHERE execution_id = ? AND stage_index = 0 AND status = 'Succeeded'", sources)) {
      const source = toActionRun(row);
      const id = source.output?.revision?.revisionId;
      if (id !== undefined) for (const a of source.input.outputArtifacts) revisions.set(a.name, id);
    }
    return {
      actionExecutionId: run.id,
      pipelineName: run.pipeline,
      pipelineExecutionId: run.executionId,
      stageName: run.stageName,
      actionName: run.actionName,
      actionTypeId: run.input.actionTypeId,
      configuration: run.input.resolvedConfiguration,
      inputArtifacts: run.input.inputArtifacts.map(({ name }) => ({
        name,
        ...(revisions.has(name) ? { revisionId: revisions.get(name) } : {}),
        read: async () => {
          const row = ctx.store.get('SELECT digest FROM codepipeline_artifacts WHERE execution_id = ? AND name = ?', run.executionId, name);
          if (row === undefined) throw new ActionFailure(`Input artifact ${name} was not found in execution ${run.executionId}`);
          return this.#artifacts.read(str(row, 'digest'));
        },
      })),
      outputArtifactNames: run.input.outputArtifacts.map((a) => a.name),
      ...(override === undefined ? {} : { sourceRevision: { revisionType: override.revisionType, revisionValue: override.revisionValue } }),
      ...(run.token === '' ? {} : { token: run.token }),
      ...(run.externalState === undefined ? {} : { resumeState: run.externalState }),
      signal,
      clock: ctx.clock,
      progress: (p: ActionProgress) => this.#progress(run, p),
      persist: (state) => {
        if (!this.#stopped) ctx.store.run("UPDATE codepipeline_action_runs SET external_state = ? WHERE id = ? AND status = 'InProgress'", JSON.stringify(state), run.id);
      },
    };
  }

  #progress(run: ActionRun, p: ActionProgress): void {
    if (this.#stopped) return;
    this.#ctx.store.tx(() => {
      const changed = this.#ctx.store.run(
        `UPDATE codepipeline_action_runs SET summary = COALESCE(?, summary), percent = COALESCE(?, percent), external_id = COALESCE(?, external_id),
         external_url = COALESCE(?, external_url), updated = ? WHERE id = ? AND status = 'InProgress'`,
        p.summary ?? null,
        p.percentComplete ?? null,
        p.externalExecutionId ?? null,
        p.externalExecutionUrl ?? null,
        this.#ctx.clock.now(),
        run.id,
      ).changes;
      if (changed > 0) publishAction(this.#ctx, run, 'InProgress', { progress: p });
    });
  }

  async #succeed(run: ActionRun, result: ActionResult): Promise<void> {
    const outputs = result.outputArtifacts ?? {};
    const missing = run.input.outputArtifacts.map((a) => a.name).filter((n) => outputs[n] === undefined);
    if (missing.length > 0) throw new ActionFailure(`The action did not produce its output artifact${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
    const variables = result.outputVariables ?? {};
    const bytes = Buffer.byteLength(JSON.stringify(variables));
    if (bytes > MAX_OUTPUT_VARIABLE_BYTES) throw new ActionFailure(`The action's output variables take ${bytes} bytes; at most ${MAX_OUTPUT_VARIABLE_BYTES} are allowed`);
    const stored: Array<{ name: string; digest: string; size: number }> = [];
    for (const { name } of run.input.outputArtifacts) {
      const info = await this.#artifacts.put(outputs[name] ?? new Uint8Array());
      stored.push({ name, ...info });
    }
    if (this.#stopped) return;
    this.#ctx.store.tx(() => {
      const current = findActionRun(this.#ctx, run.id);
      if (current?.status !== 'InProgress') return;
      for (const s of stored) {
        this.#ctx.store.run(
          'INSERT INTO codepipeline_artifacts (execution_id, name, digest, size, action_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT(execution_id, name) DO UPDATE SET digest = excluded.digest, size = excluded.size, action_id = excluded.action_id',
          run.executionId,
          s.name,
          s.digest,
          s.size,
          run.id,
        );
      }
      const output = { outputArtifacts: stored.map((s) => ({ name: s.name })), outputVariables: variables, ...(result.revision === undefined ? {} : { revision: result.revision }) };
      this.#ctx.store.run(
        `UPDATE codepipeline_action_runs SET status = 'Succeeded', output = ?, summary = COALESCE(?, summary), external_id = COALESCE(?, external_id), external_url = COALESCE(?, external_url), updated = ? WHERE id = ?`,
        JSON.stringify(output),
        result.summary ?? null,
        result.externalExecutionId ?? null,
        result.externalExecutionUrl ?? null,
        this.#ctx.clock.now(),
        run.id,
      );
      publishAction(this.#ctx, run, 'Succeeded');
    });
  }

  #fail(run: ActionRun, failure: ActionFailure): void {
    if (this.#stopped) return;
    this.#ctx.store.tx(() => {
      const changed = this.#ctx.store.run(
        "UPDATE codepipeline_action_runs SET status = 'Failed', error_code = ?, error_message = ?, updated = ? WHERE id = ? AND status = 'InProgress'",
        failure.code,
        failure.message,
        this.#ctx.clock.now(),
        run.id,
      ).changes;
      if (changed > 0) publishAction(this.#ctx, run, 'Failed', { error: { code: failure.code, message: failure.message } });
    });
  }
}

function typeKey(run: ActionRun): string {
  const t = run.input.actionTypeId;
  return `${t.category}/${t.owner}/${t.provider}`;
}

function failureOf(error: unknown): ActionFailure {
  if (error instanceof ActionFailure) return error;
  return new ActionFailure(error instanceof Error ? error.message : String(error));
}

