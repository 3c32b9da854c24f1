// Test support: a runner on a real store and blob store with injected clock and scripted test providers (no daemon).
import assert from 'node:assert/strict';
import type { PipelineDeclaration } from '@aws-sdk/client-codepipeline';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../core/clock.ts';
import { makeConfig } from '../../core/config.ts';
import { EventBus, typeFilter } from '../../core/events.ts';
import { SecretMasker, silentLogger } from '../../core/log.ts';
import { services } from '../../services/api.ts';
import { toExecution, type ExecutionRow } from '../../services/codepipeline/state.ts';
import type { OperationContext } from '../../services/types.ts';
import { BlobStore } from '../../store/blobs.ts';
import { Store } from '../../store/db.ts';
import type { EngineContext } from '../types.ts';
import { startPipelineRunner } from './index.ts';
import { codecommitSource } from './providers/codecommit-source.ts';
import { ecrSource } from './providers/ecr-source.ts';
import { manualApproval } from './providers/manual-approval.ts';
import { zipOf } from './providers/zip.ts';
import type { PipelineRunner } from './runner.ts';
import { ActionFailure, type ActionJob, type ActionProvider, type ActionResult } from './types.ts';

export type Script = (job: ActionJob) => Promise<ActionResult>;

/** A provider whose behaviour each test scripts per action name; by default it works `defaultMs` of clock time. */
export class TestProvider implements ActionProvider {
  readonly category: string;
  readonly owner = 'AWS';
  readonly provider: string;
  resumable = false;
  readonly jobs: ActionJob[] = [];
  readonly #scripts = new Map<string, Script>();
  defaultMs = 1000;

  constructor(category: string, provider: string) {
    this.category = category;
    this.provider = provider;
  }

  on(actionName: string, script: Script): this {
    this.#scripts.set(actionName, script);
    return this;
  }

  started(actionName: string): ActionJob[] {
    return this.jobs.filter((j) => j.actionName === actionName);
  }

  async run(job: ActionJob): Promise<ActionResult> {
    this.jobs.push(job);
    const script = this.#scripts.get(job.actionName);
    if (script !== undefined) return script(job);
    if (this.defaultMs > 0) await job.clock.sleep(this.defaultMs, job.signal);
    const outputs: Record<string, Uint8Array> = {};
    for (const name of job.outputArtifactNames) outputs[name] = await zipOf({ 'made-by.txt': `${job.actionName} in ${job.pipelineExecutionId}` });
    return { outputArtifacts: outputs, outputVariables: { Action: job.actionName } };
  }
}

export interface Harness {
  readonly ctx: EngineContext;
  readonly op: OperationContext;
  readonly clock: ManualClock;
  readonly dataDir: string;
  readonly source: TestProvider;
  readonly build: TestProvider;
  readonly deploy: TestProvider;
  readonly runner: PipelineRunner;
  execution(pipeline: string, id: string): ExecutionRow;
  /** Resolves once `check` holds, re-checking after every CodePipeline event; fails after 10 s of real time with `what`. */
  until(what: string, check: () => boolean): Promise<void>;
  /** Stops the runner and closes the store (the data dir stays, for restart tests). */
  close(): Promise<void>;
  /** close() and remove the data dir. */
  stop(): Promise<void>;
}

export interface HarnessOptions {
  readonly dataDir?: string;
  readonly clock?: ManualClock;
  readonly approvalTimeoutMinutes?: number;
  readonly providers?: { source?: TestProvider; build?: TestProvider; deploy?: TestProvider };
}

export function startHarness(options: HarnessOptions = {}): Harness {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'slipway-pipelines-'));
  const clock = options.clock ?? new ManualClock(Date.UTC(2026, 0, 5, 9));
  const store = new Store(dataDir);
  for (const s of services) if (s.migrations) store.migrate(s.migrations);
  const bus = new EventBus(store, () => clock.now());
  const ctx: EngineContext = {
    config: makeConfig({ dataDir, port: 0 }),
    store,
    bus,
    clock,
    log: silentLogger(),
    masker: new SecretMasker(),
    blobs: new BlobStore(dataDir),
    endpoint: () => 'http://127.0.0.1:1',
    runtime: () => Promise.reject(new Error('no container runtime in pipeline runner tests')),
  };
  const source = options.providers?.source ?? new TestProvider('Source', 'S3');
  // Sources finish at once unless a test scripts them: most tests are about what happens after.
  if (options.providers?.source === undefined) source.defaultMs = 0;
  const build = options.providers?.build ?? new TestProvider('Build', 'CodeBuild');
  const deploy = options.providers?.deploy ?? new TestProvider('Deploy', 'ECS');
  const approval = manualApproval(ctx, options.approvalTimeoutMinutes === undefined ? {} : { timeoutMinutes: options.approvalTimeoutMinutes });
  // Test providers under the S3 source, CodeBuild and ECS keys; the real CodeCommit and ECR sources beside them.
  const engine = startPipelineRunner(ctx, { providers: [source, build, deploy, approval, codecommitSource(ctx), ecrSource(ctx)] });
  const op: OperationContext = { ...ctx, request: { requestId: 'test', accessKeyId: 'AKIATEST' } };
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await engine.stop?.();
    store.close();
  };
  return {
    ctx,
    op,
    clock,
    dataDir,
    source,
    build,
    deploy,
    runner: engine.runner,
    execution(pipeline, id) {
      const row = store.get('SELECT * FROM codepipeline_executions WHERE pipeline = ? AND id = ?', pipeline, id);
      if (row === undefined) throw new Error(`no execution ${id}`);
      return toExecution(row);
    },
    until(what, check) {
      if (check()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          done = true;
          off();
          reject(new Error(`timed out waiting until ${what}`));
        }, 10_000);
        let done = false;
        const recheck = (): void => {
          if (done || !check()) return;
          done = true;
          clearTimeout(timer);
          off();
          resolve();
        };
        // Events are delivered as they commit, before the runner launches what the same pass started: look again after.
        const off = bus.subscribe(typeFilter('codepipeline.*'), () => {
          recheck();
          setImmediate(recheck);
        });
      });
    },
    close,
    async stop() {
      await close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const ROLE = 'arn:aws:iam::000000000000:role/pipeline-role';

/** Source (test S3 source, namespace Src) → Build (actions given) → Deploy (test ECS deploy of BuildOut when present). */
export function testPipeline(name: string, build: NonNullable<PipelineDeclaration['stages']>[number]['actions'], extra: Partial<PipelineDeclaration> = {}): PipelineDeclaration {
  return {
    name,
    roleArn: ROLE,
    artifactStore: { type: 'S3', location: 'slipway-artifacts' },
    stages: [
      {
        name: 'Source',
        actions: [
          {
            name: 'Fetch',
            actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' },
            configuration: { S3Bucket: 'b', S3ObjectKey: 'app.zip' },
            outputArtifacts: [{ name: 'Src' }],
            namespace: 'SourceVariables',
          },
        ],
      },
      { name: 'Build', actions: build ?? [] },
    ],
    ...extra,
  };
}

/** `web`: CodeCommit `app` on main (artifact Code) → Deploy with the ECS provider (action `Web`) configured so. */
export function ecsDeployPipeline(configuration: Record<string, string>): PipelineDeclaration {
  return {
    name: 'web',
    roleArn: 'arn:aws:iam::000000000000:role/p',
    artifactStore: { type: 'S3', location: 'slipway-artifacts' },
    stages: [
      { name: 'Source', actions: [{ name: 'Src', actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeCommit', version: '1' }, configuration: { RepositoryName: 'app', BranchName: 'main' }, outputArtifacts: [{ name: 'Code' }] }] },
      { name: 'Deploy', actions: [{ name: 'Web', actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'ECS', version: '1' }, configuration, inputArtifacts: [{ name: 'Code' }] }] },
    ],
  };
}

export function buildAction(name: string, extra: Record<string, unknown> = {}): NonNullable<NonNullable<PipelineDeclaration['stages']>[number]['actions']>[number] {
  return {
    name,
    actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
    configuration: { ProjectName: name },
    inputArtifacts: [{ name: 'Src' }],
    ...extra,
  };
}

/**
 * A Deploy action's job as the runner hands it to a provider: one input artifact `BuildArtifact` zipped from `files`;
 * the summaries it reports are collected.
 */
export function deployJob(
  h: Pick<Harness, 'clock'>,
  provider: string,
  files: Record<string, string | Uint8Array>,
  configuration: Record<string, string>,
  signal = new AbortController().signal,
): ActionJob & { summaries: string[] } {
  const summaries: string[] = [];
  return {
    actionExecutionId: 'a-1',
    pipelineName: 'p',
    pipelineExecutionId: 'e-1',
    stageName: 'Deploy',
    actionName: 'Deploy',
    actionTypeId: { category: 'Deploy', owner: 'AWS', provider, version: '1' },
    configuration,
    inputArtifacts: [{ name: 'BuildArtifact', read: () => zipOf(files) }],
    outputArtifactNames: [],
    signal,
    clock: h.clock,
    progress: (p) => summaries.push(p.summary ?? ''),
    persist: () => {},
    summaries,
  };
}

/** The ActionFailure a provider's run rejects with (fails the test when it resolves or rejects with anything else). */
export async function actionFailure(p: Promise<unknown>): Promise<ActionFailure> {
  const error = await p.then(
    () => assert.fail('expected the action to fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ActionFailure, String(error));
  return error;
}
