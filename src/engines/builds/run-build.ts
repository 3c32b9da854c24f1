// One build from QUEUED to COMPLETED: workspace, container, source, buildspec, command phases, artifacts, and the record of each phase.
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { arn } from '../../core/ids.ts';
import { HOST_IMAGE, updateBuild, type BuildRecord, type BuildStatus, type PhaseType } from '../../services/codebuild/build-state.ts';
import { LABELS, type ContainerRuntime, type Mount } from '../../runtime/types.ts';
import { readBuildspec, type Buildspec, type Phase } from '../../specs/buildspec/read.ts';
import type { EngineContext } from '../types.ts';
import { checkBasicAuth, registryHost } from '../../services/ecr/auth.ts';
import { BuildLog } from './build-log.ts';
import { BuildCache } from './cache.ts';
import { startEngineProxy } from './engine-proxy.ts';
import { ownerOf } from './settle.ts';
import { buildVariables, builtInVariables, exportableNames } from './env.ts';
import { runCommandPhases, type PhaseContext, type PhaseHost } from './phases.ts';
import { containerLauncher, hostLauncher, ShellSession, type DriverLauncher, type StepResult } from './shell.ts';
import { fetchSource, loadBuildspecText } from './source.ts';
import { lendTools } from './tools.ts';
import { uploadArtifacts, uploadReports } from './upload.ts';

const CONTROL_DIR = '/codebuild/slipway';
const EMPTY_CONTEXT: PhaseContext = { statusCode: '', message: '' };

type Interruption = 'TIMED_OUT' | 'STOPPED';

/** A failure before the command phases (provisioning, source, buildspec, variables): the phase fails with this context. */
class SetupFailure extends Error {
  readonly context: PhaseContext;
  constructor(statusCode: string, message: string) {
    super(message);
    this.context = { statusCode, message };
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export class BuildRun implements PhaseHost {
  readonly #ctx: EngineContext;
  readonly record: BuildRecord;
  readonly log: BuildLog;
  readonly #workspace: string;
  readonly #hostSrc: string;
  readonly #hostControl: string;
  readonly #hostMode: boolean;
  readonly #abort = new AbortController();
  #interruption: Interruption | undefined;
  #runtime: ContainerRuntime | undefined;
  #containerId: string | undefined;
  #stopHost: (() => void) | undefined;
  #session: ShellSession | undefined;
  #env: Record<string, string> = {};
  #srcDir = '';
  #succeeding = true;
  #openPhase: PhaseType | undefined;

  constructor(ctx: EngineContext, record: BuildRecord) {
    this.#ctx = ctx;
    this.record = record;
    this.log = new BuildLog(ctx, record);
    const uuid = record.id.slice(record.id.indexOf(':') + 1);
    this.#workspace = join(ctx.config.dataDir, 'builds', uuid);
    this.#hostSrc = join(this.#workspace, 'src');
    this.#hostControl = join(this.#workspace, 'control');
    this.#hostMode = record.environment.image === HOST_IMAGE;
  }

  /** StopBuild or the build timeout: the container (or host shells) stop, the open phase records `reason`. */
  interrupt(reason: Interruption): void {
    if (this.#interruption !== undefined || this.record.buildComplete) return;
    this.#interruption = reason;
    this.#abort.abort(new Error(reason));
    this.log.agent(reason === 'TIMED_OUT' ? `Build timed out after ${this.record.timeoutInMinutes} minutes` : 'Build was stopped (StopBuild)');
    this.#stopHost?.();
    if (this.#runtime !== undefined && this.#containerId !== undefined) {
      void this.#runtime.stop(this.#containerId, { timeoutSeconds: 0 }).catch(() => undefined);
    }
  }

  interrupted(): boolean {
    return this.#interruption !== undefined;
  }

  agent(text: string): void {
    this.log.agent(text);
  }

  #save(event: string, detail: Record<string, unknown> = {}): void {
    updateBuild(
      this.#ctx,
      this.record.id,
      event,
      (stored) => {
        const stopRequested = stored.stopRequested;
        Object.assign(stored, this.record);
        if (stopRequested === true) stored.stopRequested = true;
      },
      detail,
    );
  }

  startPhase(type: PhaseType): void {
    this.record.phases.push({ phaseType: type, startTime: this.#ctx.clock.now() });
    this.record.currentPhase = type;
    this.#openPhase = type;
    this.#save('phase-change', { phaseType: type });
  }

  endPhase(status: BuildStatus, context: PhaseContext = EMPTY_CONTEXT): void {
    const phase = this.record.phases.at(-1);
    if (phase === undefined || phase.endTime !== undefined) return;
    phase.phaseStatus = status;
    phase.endTime = this.#ctx.clock.now();
    phase.contexts = [context];
    this.#openPhase = undefined;
    this.log.agent(`Phase complete: ${phase.phaseType} State: ${status}`);
    this.log.agent(`Phase context status code: ${context.statusCode} Message: ${context.message}`);
    this.#save('phase-change', { phaseType: phase.phaseType, phaseStatus: status });
  }

  async markFailing(): Promise<void> {
    this.#succeeding = false;
    this.#env['CODEBUILD_BUILD_SUCCEEDING'] = '0';
    await Promise.resolve();
  }

  async runCommand(command: string, phase: Phase | undefined, buildspec: Buildspec): Promise<StepResult> {
    const session = this.#session;
    if (session === undefined) throw new Error('unreachable: the shell session starts before the command phases');
    const user = this.#hostMode ? undefined : (phase?.runAs ?? buildspec.runAs);
    const body = buildspec.shellPerCommand ? `(\n${command}\n)` : command;
    // Reserved and kept by Slipway: post_build reads it to tell whether build failed.
    const text = `export CODEBUILD_BUILD_SUCCEEDING=${this.#succeeding ? 1 : 0}\n${body}`;
    return session.run(text, user === undefined ? {} : { user });
  }

  /** Runs the whole build; never throws (failures are recorded on the build). */
  async execute(): Promise<void> {
    const timeoutMs = this.record.timeoutInMinutes * 60_000;
    const timer = this.#ctx.clock.sleep(timeoutMs, this.#abort.signal).then(
      () => this.interrupt('TIMED_OUT'),
      () => undefined,
    );
    let outcome: BuildStatus;
    try {
      outcome = await this.#phases();
    } catch (err) {
      this.log.agent(`Slipway fault: ${messageOf(err)}`);
      if (this.#openPhase !== undefined) this.endPhase('FAULT', { statusCode: 'SLIPWAY_FAULT', message: messageOf(err) });
      outcome = 'FAULT';
    }
    if (this.#interruption !== undefined) {
      outcome = this.#interruption;
      if (this.#openPhase !== undefined) {
        this.endPhase(outcome, outcome === 'TIMED_OUT' ? { statusCode: 'BUILD_TIMED_OUT', message: 'Build has timed out.' } : { statusCode: 'BUILD_STOPPED', message: 'Build was stopped.' });
      }
    }
    this.agent('Entering phase FINALIZING');
    this.startPhase('FINALIZING');
    await this.#teardown();
    this.endPhase('SUCCEEDED');
    // COMPLETED starts when FINALIZING ends and has no end of its own; the build ends then too (as AWS reports it).
    const end = this.record.phases.at(-1)?.endTime ?? this.#ctx.clock.now();
    this.record.phases.push({ phaseType: 'COMPLETED', startTime: end });
    Object.assign(this.record, { currentPhase: 'COMPLETED', buildStatus: outcome, buildComplete: true, endTime: end });
    this.log.flush();
    this.#save('completed', { buildStatus: outcome });
    this.#abort.abort(new Error('build completed'));
    await timer;
  }

  async #phases(): Promise<BuildStatus> {
    const now = this.#ctx.clock.now();
    const queued = this.record.phases.find((p) => p.phaseType === 'QUEUED' && p.endTime === undefined);
    if (queued !== undefined) Object.assign(queued, { phaseStatus: 'SUCCEEDED', endTime: now, contexts: [EMPTY_CONTEXT] });
    this.record.buildStatus = 'IN_PROGRESS';
    this.startPhase('PROVISIONING');
    this.agent(`Running on Slipway ${this.#hostMode ? 'host mode (not isolated)' : `image ${this.record.environment.image ?? ''}`}`);
    try {
      await this.#provision();
    } catch (err) {
      return this.#setupFailed(err, 'CLIENT_ERROR');
    }
    if (this.interrupted()) return 'FAILED';
    this.endPhase('SUCCEEDED');

    this.agent('Entering phase DOWNLOAD_SOURCE');
    this.startPhase('DOWNLOAD_SOURCE');
    let buildspec: Buildspec;
    try {
      buildspec = await this.#download();
    } catch (err) {
      return this.#setupFailed(err, 'CLIENT_ERROR');
    }
    if (this.interrupted()) return 'FAILED';
    this.endPhase('SUCCEEDED');

    const flow = await runCommandPhases(this, buildspec);
    if (this.interrupted()) return 'FAILED';
    await this.#collectExported(buildspec);
    if (flow.uploadArtifacts) {
      this.agent('Entering phase UPLOAD_ARTIFACTS');
      this.startPhase('UPLOAD_ARTIFACTS');
      try {
        await uploadReports(this.#ctx, this.record, buildspec, this.#hostSrc, this.log);
        await uploadArtifacts(this.#ctx, this.record, buildspec, this.#hostSrc, this.log, (raw) => this.#evaluate(raw));
        await this.#cache?.save((raw) => this.#evaluate(raw), (text) => this.agent(text));
        this.endPhase('SUCCEEDED');
      } catch (err) {
        this.endPhase('FAILED', { statusCode: 'CLIENT_ERROR', message: messageOf(err) });
        return 'FAILED';
      }
    }
    return flow.failed ? 'FAILED' : 'SUCCEEDED';
  }

  #setupFailed(err: unknown, fallbackCode: string): BuildStatus {
    if (this.interrupted()) return 'FAILED';
    const context = err instanceof SetupFailure ? err.context : { statusCode: (err as { code?: string }).code ?? fallbackCode, message: messageOf(err) };
    this.agent(context.message);
    this.endPhase('FAILED', context);
    return 'FAILED';
  }

  async #provision(): Promise<void> {
    await mkdir(this.#hostSrc, { recursive: true });
    // Writable by every run-as user: their shells save state and exported values here.
    await mkdir(this.#hostControl, { recursive: true, mode: 0o777 });
    await chmod(this.#hostControl, 0o777);
    await mkdir(join(this.#workspace, 'tools'), { recursive: true });
    await ShellSession.prepare(this.#hostControl);
    let runtime: ContainerRuntime | undefined;
    if (!this.#hostMode) {
      try {
        runtime = await this.#ctx.runtime();
      } catch (err) {
        throw new SetupFailure('CLIENT_ERROR', `No container runtime for the build: ${messageOf(err)}`);
      }
    }
    const privileged = this.record.environment.privilegedMode === true;
    let engineSocket: string | undefined;
    if (privileged && runtime?.socketPath !== undefined) {
      engineSocket = join(this.#workspace, 'docker.sock');
      this.#proxy = await startEngineProxy({
        engineSocket: runtime.socketPath,
        socketPath: engineSocket,
        registryHost: () => registryHost(this.#ctx),
        checkLogin: (user, password) => checkBasicAuth(this.#ctx, `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`) === 'valid',
      });
    }
    const tools = await lendTools(join(this.#workspace, 'tools'), privileged, engineSocket);
    for (const note of tools.notes) this.agent(note);
    if (runtime === undefined) {
      this.#srcDir = this.#hostSrc;
      this.#env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', SLIPWAY_EXTRA_PATH: join(this.#workspace, 'tools'), SLIPWAY_ENDPOINT: this.#ctx.endpoint() };
      return;
    }
    const image = this.record.environment.image ?? '';
    if (!(await runtime.imageExists(image))) {
      throw new SetupFailure(
        'BUILD_CONTAINER_UNABLE_TO_PULL_IMAGE',
        `Unable to pull customer's container image. Slipway never pulls: image ${image} is not on this machine's container engine; build or tag it locally`,
      );
    }
    this.#srcDir = `/codebuild/output/src${this.record.buildNumber}/src`;
    this.#runtime = runtime;
    this.#toolMounts = tools.mounts;
    // The build shares the host's network, so the edge's loopback address answers the aws shim.
    this.#env = { SLIPWAY_EXTRA_PATH: tools.extraPath, SLIPWAY_ENDPOINT: this.#ctx.endpoint() };
  }

  #toolMounts: Mount[] = [];
  #proxy: { close(): Promise<void> } | undefined;
  #cache: BuildCache | undefined;

  /** The build container, made once the buildspec is known (its absolute cache paths become mounts). */
  async #startContainer(runtime: ContainerRuntime, cacheMounts: readonly Mount[]): Promise<string> {
    const id = await runtime.create({
      image: this.record.environment.image ?? '',
      name: `slipway-build-${this.record.id.slice(this.record.id.indexOf(':') + 1)}`,
      // The container idles on its open stdin; the build's shells are execs in it.
      entrypoint: ['/bin/sh', '-c', 'while read -r _; do :; done'],
      command: [],
      openStdin: true,
      mounts: [{ source: this.#hostSrc, target: this.#srcDir }, { source: this.#hostControl, target: CONTROL_DIR }, ...this.#toolMounts, ...cacheMounts],
      network: 'host',
      privileged: this.record.environment.privilegedMode === true,
      workingDir: this.#srcDir,
      labels: { [LABELS.owner]: ownerOf(this.#ctx), [LABELS.role]: 'build', [LABELS.resource]: this.record.arn },
    });
    this.#containerId = id;
    await runtime.start(id);
    if (this.interrupted()) await runtime.stop(id, { timeoutSeconds: 0 });
    return id;
  }

  async #download(): Promise<Buildspec> {
    this.agent(`CODEBUILD_SRC_DIR=${this.#srcDir}`);
    let fetched;
    try {
      fetched = await fetchSource(this.#ctx, this.record, this.#hostSrc);
    } catch (err) {
      throw new SetupFailure('CLIENT_ERROR', messageOf(err));
    }
    this.agent(`Source: ${fetched.description}`);
    if (fetched.resolvedSourceVersion !== undefined) this.record.resolvedSourceVersion = fetched.resolvedSourceVersion;
    const { text, file } = await loadBuildspecText(this.record, this.#hostSrc).catch((err: unknown) => {
      throw new SetupFailure('YAML_FILE_ERROR', messageOf(err));
    });
    this.agent(`YAML location is ${file.includes('inline') ? file : `${this.#srcDir}/${file}`}`);
    let buildspec: Buildspec;
    try {
      buildspec = readBuildspec(text, file);
    } catch (err) {
      throw new SetupFailure('YAML_FILE_ERROR', messageOf(err));
    }
    this.agent('Processing environment variables');
    const builtIns = builtInVariables(this.record, {
      srcDir: this.#srcDir,
      region: this.#ctx.config.region,
      accountId: this.#ctx.config.accountId,
      projectArn: arn(this.#ctx.config, 'codebuild', `project/${this.record.projectName}`),
      ...(this.record.resolvedSourceVersion === undefined ? {} : { resolvedSourceVersion: this.record.resolvedSourceVersion }),
    });
    if (this.#hostMode) builtIns['HOME'] = process.env['HOME'] ?? '/root';
    try {
      this.#env = { ...this.#env, ...buildVariables(this.#ctx, this.record, buildspec, builtIns) };
    } catch (err) {
      throw new SetupFailure('CLIENT_ERROR', messageOf(err));
    }
    this.#cache = new BuildCache(this.#ctx, this.record, buildspec.cache, this.#hostSrc, join(this.#workspace, 'cache'), this.#hostMode);
    const shell = buildspec.env.shell === 'bash' ? 'bash' : '/bin/sh';
    let launcher: DriverLauncher;
    if (this.#runtime !== undefined) {
      const id = await this.#startContainer(this.#runtime, await this.#cache.mounts());
      launcher = containerLauncher(this.#runtime, id, shell, CONTROL_DIR, this.#srcDir);
    } else {
      const host = hostLauncher(shell === '/bin/sh' ? 'sh' : shell, this.#hostControl, this.#hostSrc);
      this.#stopHost = () => host.stop();
      launcher = host;
    }
    const session = new ShellSession(launcher, this.#hostControl, () => ({ ...this.#env }), (line, silent) => {
      if (!silent) this.log.output(line);
    });
    this.#session = session;
    this.agent(`Moving to directory ${this.#srcDir}`);
    await this.#cache.restore((raw) => this.#evaluate(raw), (text) => this.agent(text));
    const phases = Object.entries(buildspec.phases);
    this.agent(`Phases found in YAML: ${phases.length}`);
    for (const [name, phase] of phases) this.agent(` ${name.toUpperCase()}: ${phase.commands.length} commands`);
    return buildspec;
  }

  /** A buildspec value the shell evaluates (`cache.key: npm-$(date +%F)`), as AWS does; without a shell, literal. */
  async #evaluate(raw: string): Promise<string> {
    if (this.#session === undefined) return raw;
    const file = `evaluated-${randomUUID()}`;
    const inShell = `${this.#hostMode ? this.#hostControl : CONTROL_DIR}/${file}`;
    const result = await this.#session.run(`cat > ${shellQuote(inShell)} <<SLIPWAY_VALUE_END\n${raw}\nSLIPWAY_VALUE_END`, { silent: true });
    if (result.status !== 0) return raw;
    const value = await readFile(join(this.#hostControl, file), 'utf8').catch(() => `${raw}\n`);
    return value.replace(/\n$/, '');
  }

  async #collectExported(buildspec: Buildspec): Promise<void> {
    const names = exportableNames(this.record, buildspec);
    if (names.length === 0 || this.#session === undefined) return;
    const dir = `${this.#hostMode ? this.#hostControl : CONTROL_DIR}/exported`;
    const lines = [`mkdir -p ${shellQuote(dir)}`, ...names.map((n) => `if [ -n "\${${n}+x}" ]; then printf '%s' "$${n}" > ${shellQuote(`${dir}/${n}`)}; fi`)];
    await this.#session.run(lines.join('\n'), { silent: true });
    const out: { name: string; value: string }[] = [];
    for (const name of names) {
      const value = await readFile(join(this.#hostControl, 'exported', name), 'utf8').catch(() => undefined);
      if (value !== undefined) out.push({ name, value });
    }
    this.record.exportedEnvironmentVariables = out;
  }

  async #teardown(): Promise<void> {
    if (this.#session !== undefined && this.#interruption === undefined) await this.#session.close().catch(() => undefined);
    if (this.#runtime !== undefined && this.#containerId !== undefined) {
      await this.#runtime.remove(this.#containerId, { force: true }).catch((err: unknown) => this.agent(`Could not remove the build container: ${messageOf(err)}`));
    }
    await this.#proxy?.close();
    await rm(this.#workspace, { recursive: true, force: true }).catch(() => undefined);
  }
}
