// Git plumbing against the bare repositories in `<dataDir>/git`: ref snapshots, changed paths, per-repository serialisation.
import { execFile } from 'node:child_process';
import { join } from 'node:path';

/** git's id of the empty tree: diffing against it lists every file of a commit. */
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
export const ZERO_ID = '0000000000000000000000000000000000000000';

export function gitRoot(dataDir: string): string {
  return join(dataDir, 'git');
}

export function repoDir(dataDir: string, name: string): string {
  return join(gitRoot(dataDir), `${name}.git`);
}

/** A git command that exited non-zero: its exit code and stderr, so callers can map it to an AWS error. */
export class GitCommandError extends Error {
  readonly exitCode: number;
  readonly stderr: string;

  constructor(args: readonly string[], exitCode: number, stderr: string) {
    super(`git ${args.join(' ')} exited with ${exitCode}: ${stderr.trim()}`);
    this.name = 'GitCommandError';
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/** Environment for every git child: no user or system config, no prompts, a fixed identity for commits Slipway makes. */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? '/tmp',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
    ...extra,
  };
}

export interface GitOptions {
  readonly input?: Buffer | string;
  readonly env?: Record<string, string>;
}

/** Runs git in `dir` (a bare repository) and returns stdout as bytes. */
export function gitBuffer(dir: string, args: readonly string[], options: GitOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      { cwd: dir, env: gitEnv({ GIT_DIR: dir, ...options.env }), encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null) {
          const code = typeof error.code === 'number' ? error.code : 1;
          reject(new GitCommandError(args, code, stderr.toString('utf8')));
        } else {
          resolve(stdout);
        }
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

export async function git(dir: string, args: readonly string[], options: GitOptions = {}): Promise<string> {
  return (await gitBuffer(dir, args, options)).toString('utf8');
}

/** Every ref (branches and tags) with the object it points at. */
export async function listRefs(dir: string): Promise<Map<string, string>> {
  const out = await git(dir, ['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads', 'refs/tags']);
  const refs = new Map<string, string>();
  for (const line of out.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0) refs.set(line.slice(space + 1), line.slice(0, space));
  }
  return refs;
}

/** The commit an object id (possibly an annotated tag) finally points at, or undefined when it is no commit. */
export async function peelToCommit(dir: string, id: string): Promise<string | undefined> {
  try {
    return (await git(dir, ['rev-parse', '--verify', '--quiet', `${id}^{commit}`])).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Paths that differ between two commits; from the empty tree when `before` is missing. */
export async function changedPaths(dir: string, before: string | undefined, after: string): Promise<string[]> {
  const out = await git(dir, ['diff-tree', '-r', '-z', '--no-commit-id', '--name-only', before ?? EMPTY_TREE, after]);
  return out.split('\0').filter((p) => p !== '');
}

/**
 * One writer per repository at a time (pushes, PutFile, CreateBranch …), so a before/after ref comparison
 * sees exactly the changes of one update. Keyed by the repository's directory.
 */
const tails = new Map<string, Promise<void>>();

export async function withRepoLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const previous = tails.get(dir) ?? Promise.resolve();
  let release: () => void = () => {};
  const mine = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => mine);
  tails.set(dir, tail);
  await previous;
  try {
    return await fn();
  } finally {
    release();
    if (tails.get(dir) === tail) tails.delete(dir);
  }
}
