// DOWNLOAD_SOURCE: puts a build's source in its workspace (CodeCommit clone, local directory copy, or nothing) and finds its buildspec.
import { cp, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SlipwayError } from '../../core/errors.ts';
import type { BuildRecord } from '../../services/codebuild/build-state.ts';
import { gitEnv, repoDir } from '../../services/codecommit/git.ts';
import { findRepository } from '../../services/codecommit/state.ts';
import type { EngineContext } from '../types.ts';

export interface FetchedSource {
  /** The commit checked out, for Git sources. */
  readonly resolvedSourceVersion?: string;
  /** What was fetched, for the log. */
  readonly description: string;
}

/** The local directory of a NO_SOURCE project with a location (Slipway's local-directory source). */
export function localDirectory(location: string | undefined): string | undefined {
  if (location === undefined || location === '') return undefined;
  if (location.startsWith('file://')) return fileURLToPath(location);
  return isAbsolute(location) ? location : undefined;
}

/**
 * A Slipway CodeCommit URL (`<endpoint>/v1/repos/<name>`) of an existing repository is read straight from the data
 * dir, as a build's service role would be trusted; any other URL is cloned over the network.
 */
function cloneSourceOf(ctx: EngineContext, location: string): string {
  try {
    const url = new URL(location);
    const match = /^\/v1\/repos\/([^/]+?)(?:\.git)?\/?$/.exec(url.pathname);
    if (match?.[1] !== undefined) {
      const name = decodeURIComponent(match[1]);
      if (findRepository(ctx, name) !== undefined) return repoDir(ctx.config.dataDir, name);
    }
  } catch {
    // Not a URL: git is given it as it is.
  }
  return location;
}

async function runGit(dir: string, args: string[]): Promise<string> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd: dir, env: gitEnv(), maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) reject(new SlipwayError('CLIENT_ERROR', `git ${args.join(' ')}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

/**
 * gitCloneDepth as AWS applies it: 0 (or absent) clones the whole history, N > 0 fetches only the last N commits of
 * what is built. git ignores --depth for a plain local path, so a repository in the data dir is cloned as file://.
 */
function cloneArgs(from: string, depth: number): string[] {
  if (depth <= 0) return ['clone', '--quiet', '--no-checkout', from, '.'];
  const url = isAbsolute(from) ? pathToFileURL(from).href : from;
  // Every branch at that depth, so a sourceVersion naming another branch is found as with a full clone.
  return ['clone', '--quiet', '--no-checkout', `--depth=${depth}`, '--no-single-branch', url, '.'];
}

async function resolveVersion(srcDir: string, version: string): Promise<string | undefined> {
  const name = version.replace(/^refs\/heads\//, '');
  const candidates = [`refs/remotes/origin/${name}`, `refs/tags/${name.replace(/^refs\/tags\//, '')}`, version];
  for (const c of candidates) {
    const found = await runGit(srcDir, ['rev-parse', '--verify', '--quiet', `${c}^{commit}`]).then(
      (out) => out.trim(),
      () => '',
    );
    if (found !== '') return found;
  }
  return undefined;
}

async function cloneCodeCommit(ctx: EngineContext, record: BuildRecord, srcDir: string): Promise<FetchedSource> {
  const location = record.source.location ?? '';
  const from = cloneSourceOf(ctx, location);
  const depth = record.source.gitCloneDepth ?? 0;
  await runGit(srcDir, cloneArgs(from, depth));
  const version = record.sourceVersion;
  let target = 'HEAD';
  if (version !== undefined && version !== '') {
    let found = await resolveVersion(srcDir, version);
    if (found === undefined && depth > 0) {
      // A tag or commit outside the shallow history: fetch just it, at the same depth (a local repository's
      // upload-pack is told to serve any commit; a remote one may refuse an unadvertised commit, as on AWS).
      const fetched = await runGit(srcDir, ['-c', 'uploadpack.allowAnySHA1InWant=true', 'fetch', '--quiet', `--depth=${depth}`, 'origin', version]).then(
        () => true,
        () => false,
      );
      if (fetched) found = await resolveVersion(srcDir, 'FETCH_HEAD');
    }
    if (found === undefined) {
      throw new SlipwayError('CLIENT_ERROR', `repository ${location} has no branch, tag or commit ${version} (sourceVersion)`);
    }
    target = found;
  }
  await runGit(srcDir, ['checkout', '--quiet', '--detach', target]);
  const resolved = (await runGit(srcDir, ['rev-parse', 'HEAD'])).trim();
  const history = depth > 0 ? `, last ${depth} commit${depth === 1 ? '' : 's'} (gitCloneDepth)` : '';
  return { resolvedSourceVersion: resolved, description: `${location} at ${resolved}${history}` };
}

export async function fetchSource(ctx: EngineContext, record: BuildRecord, srcDir: string): Promise<FetchedSource> {
  const { type, location } = record.source;
  if (type === 'CODECOMMIT') return cloneCodeCommit(ctx, record, srcDir);
  const local = localDirectory(location);
  if ((type === 'NO_SOURCE' || type === 'CODEPIPELINE') && local !== undefined) {
    const info = await stat(local).catch(() => undefined);
    if (info?.isDirectory() !== true) throw new SlipwayError('CLIENT_ERROR', `source location ${local}: no such directory`);
    await cp(local, srcDir, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    // A pipeline's input artifact: its source revision (the commit the Source action fetched) is the resolved version,
    // as CODEBUILD_RESOLVED_SOURCE_VERSION is in a CodePipeline build on AWS.
    if (type === 'CODEPIPELINE' && record.sourceVersion !== undefined) return { resolvedSourceVersion: record.sourceVersion, description: `pipeline artifact at ${record.sourceVersion}` };
    return { description: `local directory ${local}` };
  }
  if (type === 'NO_SOURCE') return { description: 'no source' };
  throw new SlipwayError('CLIENT_ERROR', `source type ${type ?? 'none'} without a location: Slipway fetches CODECOMMIT, NO_SOURCE and local directories`);
}

/** An inline buildspec is YAML text; otherwise it is a path in the source (default buildspec.yml). */
export async function loadBuildspecText(record: BuildRecord, srcDir: string): Promise<{ text: string; file: string }> {
  const given = record.source.buildspec?.trim() ?? '';
  if (given.includes('\n') || /^version\s*:/.test(given)) return { text: given, file: 'buildspec (inline)' };
  const relative = given === '' ? 'buildspec.yml' : given;
  const path = join(srcDir, relative);
  try {
    return { text: await readFile(path, 'utf8'), file: relative };
  } catch {
    throw new SlipwayError('YAML_FILE_ERROR', `YAML_FILE_ERROR: stat ${relative}: no such file or directory in the source (CODEBUILD_SRC_DIR)`);
  }
}

