// The example's working copy: the app's files in a git repository under the data dir, pushed to its CodeCommit remote.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SlipwayError } from '../core/errors.ts';

/** The files of examples/ecs-bluegreen that make up the application repository (the setup program stays out). */
export const REPOSITORY_FILES = ['app', 'Dockerfile', 'buildspec.yml', 'appspec.yaml', 'taskdef.json'] as const;

export interface GitCredentials {
  readonly username: string;
  readonly password: string;
}

/** Runs git in `cwd` without the user's global config getting in the way of credentials or prompts. */
export function git(cwd: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      ['-c', 'init.defaultBranch=main', '-c', 'advice.detachedHead=false', ...args],
      { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error === null) resolve(stdout);
        else reject(new SlipwayError('GitFailed', `git ${args.join(' ')} in ${cwd} failed: ${stderr.trim() || error.message}`, { cause: error }));
      },
    );
  });
}

export interface WorkingCopy {
  readonly dir: string;
  /** True when this call made the first commit (a fresh working copy); false when it was already there. */
  readonly created: boolean;
}

/**
 * Makes (once) the working copy at `dir`: the example's files, one commit, `origin` at the clone URL and a credential
 * store inside the data dir, so `git push` from there needs no further setup.
 */
export async function ensureWorkingCopy(options: { dir: string; sourceDir: string; cloneUrl: string; branch: string; credentials: () => Promise<GitCredentials> }): Promise<WorkingCopy> {
  const { dir } = options;
  if (existsSync(join(dir, '.git'))) return { dir, created: false };
  mkdirSync(dir, { recursive: true });
  for (const file of REPOSITORY_FILES) cpSync(join(options.sourceDir, file), join(dir, file), { recursive: true, filter: (src) => !src.includes('node_modules') });
  await git(dir, ['init', '-q', '-b', options.branch]);
  await git(dir, ['config', 'user.name', 'Slipway example']);
  await git(dir, ['config', 'user.email', 'example@slipway.invalid']);
  const creds = await options.credentials();
  const url = new URL(options.cloneUrl);
  const store = join(dir, '.git', 'slipway-credentials');
  writeFileSync(store, `${url.protocol}//${encodeURIComponent(creds.username)}:${encodeURIComponent(creds.password)}@${url.host}\n`, { mode: 0o600 });
  await git(dir, ['config', 'credential.helper', `store --file=${store}`]);
  await git(dir, ['remote', 'add', 'origin', options.cloneUrl]);
  await git(dir, ['add', '-A']);
  await git(dir, ['commit', '-q', '-m', 'test-api v1']);
  return { dir, created: true };
}

/** The commit the remote branch points at, or undefined when the branch does not exist there yet. */
export async function remoteHead(dir: string, branch: string): Promise<string | undefined> {
  const out = await git(dir, ['ls-remote', 'origin', `refs/heads/${branch}`]);
  return out.split(/\s/)[0] || undefined;
}

export async function push(dir: string, branch: string): Promise<string> {
  await git(dir, ['push', '-q', 'origin', `${branch}:${branch}`]);
  return (await git(dir, ['rev-parse', 'HEAD'])).trim();
}
