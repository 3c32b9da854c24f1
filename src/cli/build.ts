// `slipway build`: runs one CodeBuild build of a local directory on a throwaway in-process Slipway (AWS's local agent's counterpart).
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { makeConfig } from '../core/config.ts';
import { silentLogger } from '../core/log.ts';
import { uuid } from '../core/ids.ts';
import { Daemon } from '../daemon/daemon.ts';
import { DEFAULT_ARTIFACT_BUCKET, extractZip } from '../engines/builds/outputs/index.ts';
import { ensureCodeBuildImage } from '../runtime/base-images.ts';
import { HOST_IMAGE, loadBuild, toBuild, type ArtifactRecord, type BuildRecord } from '../services/codebuild/build-state.ts';
import { startBuildAs, stopBuild } from '../services/codebuild/builds.ts';
import { createProject } from '../services/codebuild/projects.ts';
import type { OperationContext, ServiceContext } from '../services/types.ts';
import { readBuildspec } from '../specs/buildspec/read.ts';

/** The image a build runs in unless -i says otherwise: Slipway's stand-in for the managed image, built locally. */
export const DEFAULT_BUILD_IMAGE = 'aws/codebuild/amazonlinux-x86_64-standard:5.0';

export interface BuildOptions {
  readonly sourceDir: string;
  /** A buildspec file, relative to the working directory (as AWS's codebuild_build.sh -b resolves it). */
  readonly buildspec?: string;
  readonly image?: string;
  /** NAME=VALUE, later ones win over earlier ones and over the env file. */
  readonly env: readonly string[];
  readonly envFile?: string;
  readonly artifactsDir?: string;
  readonly host: boolean;
  readonly json: boolean;
}

export interface BuildIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** Commander's collector for repeated `-e NAME=VALUE`. */
export function collectEnv(value: string, previous: string[]): string[] {
  if (splitAssignment(value) === undefined) throw new InvalidArgumentError(`found ${JSON.stringify(value)}, expected NAME=VALUE`);
  return [...previous, value];
}

function splitAssignment(text: string): { name: string; value: string } | undefined {
  const at = text.indexOf('=');
  if (at <= 0) return undefined;
  return { name: text.slice(0, at), value: text.slice(at + 1) };
}

/**
 * An env file as AWS's local agent reads it: VAR=VAL lines, `#` lines are comments, blank lines ignored, quotes
 * kept as part of the value.
 */
export function parseEnvFile(text: string, file: string): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const pair = splitAssignment(line);
    if (pair === undefined) throw new UsageError(`${file} line ${i + 1}: found ${JSON.stringify(line)}, expected NAME=VALUE`);
    out.push(pair);
  });
  return out;
}

class UsageError extends Error {}

function environment(options: BuildOptions): { name: string; value: string; type: 'PLAINTEXT' }[] {
  const merged = new Map<string, string>();
  if (options.envFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.envFile, 'utf8');
    } catch (error) {
      throw new UsageError(`--env-file ${options.envFile}: ${error instanceof Error ? error.message : String(error)}`);
    }
    for (const { name, value } of parseEnvFile(text, options.envFile)) merged.set(name, value);
  }
  for (const item of options.env) {
    const pair = splitAssignment(item);
    if (pair !== undefined) merged.set(pair.name, pair.value);
  }
  return [...merged].map(([name, value]) => ({ name, value, type: 'PLAINTEXT' as const }));
}

/** The buildspec the build will run (the -b file, else the directory's buildspec.yml), for its secondary artifact ids. */
function secondaryIdentifiers(text: string | undefined): string[] {
  if (text === undefined) return [];
  try {
    return Object.keys(readBuildspec(text).artifacts?.secondaryArtifacts ?? {});
  } catch {
    // The build reports the buildspec's error itself (DOWNLOAD_SOURCE fails with YAML_FILE_ERROR).
    return [];
  }
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function projectName(dir: string): string {
  const base = basename(dir).replace(/[^A-Za-z0-9_-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return `local-${base === '' ? 'build' : base}`.slice(0, 150);
}

/** Exit status: 0 when the build SUCCEEDED, 1 when it ended otherwise, 2 when it could not be run. */
export async function build(options: BuildOptions, io: BuildIo): Promise<number> {
  const log = options.json ? io.err : io.out;
  const sourceDir = resolve(options.sourceDir);
  let buildspecText: string | undefined;
  let env: { name: string; value: string; type: 'PLAINTEXT' }[];
  try {
    if (!statSync(sourceDir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`source directory ${sourceDir}: not found or not a directory`);
    if (options.buildspec !== undefined) {
      const file = resolve(options.buildspec);
      buildspecText = readIfExists(file);
      if (buildspecText === undefined) throw new UsageError(`-b ${options.buildspec}: cannot read ${file}`);
    }
    env = environment(options);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`slipway build: ${error.message}`);
    return 2;
  }

  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-build-'));
  let daemon: Daemon | undefined;
  // Ctrl-C stops the build (FINALIZING still runs, the data dir is removed); a second one exits at once.
  let interrupted = false;
  let stopping: (() => void) | undefined;
  const onSignal = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    stopping?.();
  };
  process.on('SIGINT', onSignal);
  try {
    daemon = await Daemon.start({ config: makeConfig({ dataDir, port: 0, host: '127.0.0.1' }), log: silentLogger(), runtime: options.host ? 'none' : 'auto' });
    const ctx: ServiceContext = { config: daemon.config, store: daemon.store, bus: daemon.bus, clock: daemon.clock, log: daemon.log, masker: daemon.masker };
    const op = (): OperationContext => ({ ...ctx, request: { requestId: uuid() } });
    let image = options.image ?? DEFAULT_BUILD_IMAGE;
    if (options.host) image = HOST_IMAGE;
    else {
      await daemon.whenRuntimeSettled();
      let runtime;
      try {
        runtime = daemon.runtime;
      } catch (error) {
        io.err(`slipway build: no container engine (${error instanceof Error ? error.message : String(error)}); start podman or Docker, or run with --host`);
        return 2;
      }
      if (options.image === undefined) await ensureCodeBuildImage(runtime);
    }

    const secondary = secondaryIdentifiers(buildspecText ?? readIfExists(join(sourceDir, 'buildspec.yml')));
    const name = projectName(sourceDir);
    createProject(
      {
        name,
        source: { type: 'NO_SOURCE', location: sourceDir },
        // S3 is what makes the engine zip artifacts; the zips stay in the throwaway data dir's blob store.
        artifacts: { type: 'S3', location: DEFAULT_ARTIFACT_BUCKET },
        secondaryArtifacts: secondary.map((artifactIdentifier) => ({ type: 'S3', location: DEFAULT_ARTIFACT_BUCKET, artifactIdentifier })),
        environment: { type: 'LINUX_CONTAINER', image, computeType: 'BUILD_GENERAL1_SMALL' },
        serviceRole: `arn:aws:iam::${daemon.config.accountId}:role/slipway-build`,
      },
      op(),
    );

    // Subscribed before StartBuild, so no line or state change can slip past.
    const ref: { id?: string } = {};
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((r) => (finish = r));
    const off = daemon.bus.subscribe(
      (e) => e.type.startsWith('codebuild.build.') && ref.id !== undefined && e.detail['id'] === ref.id,
      (e) => {
        if (e.type === 'codebuild.build.log' && Array.isArray(e.detail['lines'])) for (const line of e.detail['lines'] as unknown[]) log(String(line).trimEnd());
        else if (ref.id !== undefined && loadBuild(ctx, ref.id)?.buildComplete === true) finish();
      },
    );
    const started = startBuildAs(
      ctx,
      {
        projectName: name,
        ...(buildspecText === undefined ? {} : { buildspecOverride: buildspecText }),
        ...(options.image === undefined ? {} : { imageOverride: image }),
        ...(env.length === 0 ? {} : { environmentVariablesOverride: env }),
      },
      'slipway-build',
    );
    const id = started.id ?? '';
    ref.id = id;
    stopping = () => {
      log('Interrupted: stopping the build…');
      stopBuild({ id }, op());
    };
    if (interrupted) stopping();
    if (loadBuild(ctx, id)?.buildComplete === true) finish();
    await finished;
    off();

    const record = loadBuild(ctx, id);
    if (record === undefined) throw new Error(`build ${id} vanished from the store`);
    if (options.artifactsDir !== undefined) await extractArtifacts(daemon, record, resolve(options.artifactsDir), log);
    log(`Build ${id} ${record.buildStatus}.`);
    // Timestamps come out as ISO strings, as the AWS CLI v2 prints them.
    if (options.json) io.out(JSON.stringify(toBuild(record, ctx), null, 2));
    return record.buildStatus === 'SUCCEEDED' ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    if (daemon !== undefined) await daemon.stop('slipway build finished');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function extractArtifacts(daemon: Daemon, record: BuildRecord, dir: string, log: (line: string) => void): Promise<void> {
  const extract = async (artifact: ArtifactRecord | undefined, dest: string, label: string): Promise<void> => {
    if (artifact?.sha256sum === undefined || artifact.sha256sum === '') return;
    const files = (await extractZip(daemon.blobs, `sha256:${artifact.sha256sum}`, dest)).filter((f) => f.kind !== 'directory');
    log(`Artifact ${label}: ${files.length} file(s) extracted to ${dest}`);
  };
  await extract(record.artifacts, dir, 'primary');
  for (const a of record.secondaryArtifacts) if (a.artifactIdentifier !== undefined) await extract(a, join(dir, a.artifactIdentifier), a.artifactIdentifier);
  if (record.artifacts === undefined && record.secondaryArtifacts.length === 0) log('No artifacts were uploaded (the buildspec has no artifacts, or the build ended before UPLOAD_ARTIFACTS).');
}

