// CodeCommit's stored state (repositories, tags), its name rules, and the ref-update events every writer emits.
import { endpointUrl } from '../../core/config.ts';
import { SlipwayError } from '../../core/errors.ts';
import type { EventBus } from '../../core/events.ts';
import { arn, type AccountContext } from '../../core/ids.ts';
import { num, str, type Migration, type Row, type Store } from '../../store/db.ts';
import { resumeAt } from '../paging.ts';
import type { ServiceContext } from '../types.ts';
import { changedPaths, git, peelToCommit, repoDir } from './git.ts';

export const codecommitMigrations: readonly Migration[] = [
  {
    id: 'codecommit/001-repositories',
    sql: `CREATE TABLE codecommit_repositories (
      name TEXT PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      description TEXT,
      default_branch TEXT,
      created INTEGER NOT NULL,
      last_modified INTEGER NOT NULL
    );
    CREATE TABLE codecommit_tags (
      repository TEXT NOT NULL REFERENCES codecommit_repositories(name) ON DELETE CASCADE,
      key TEXT NOT NULL,
      value TEXT NOT NULL,
      PRIMARY KEY (repository, key)
    );`,
  },
];

export const REFERENCE_UPDATED = 'codecommit.referenceUpdated';

/** AWS's rule: 1–100 of letters, digits, '_', '.', '-'; not ending in .git. */
export const REPOSITORY_NAME = /^[\w.-]{1,100}$/;

/** Checks a repository name with AWS's exceptions (RepositoryNameRequired, InvalidRepositoryName). */
export function checkRepositoryName(name: unknown): string {
  if (name === undefined || name === null || name === '') {
    throw new SlipwayError('RepositoryNameRequiredException', 'A repository name is required, but was not specified.');
  }
  if (typeof name !== 'string' || !REPOSITORY_NAME.test(name) || name.toLowerCase().endsWith('.git')) {
    throw new SlipwayError(
      'InvalidRepositoryNameException',
      `The repository name ${JSON.stringify(name)} is not valid: expected 1 to 100 letters, digits, '.', '_' or '-', not ending in .git.`,
    );
  }
  return name;
}

export interface Repository {
  readonly name: string;
  readonly id: string;
  readonly description: string | undefined;
  readonly defaultBranch: string | undefined;
  readonly created: number;
  readonly lastModified: number;
  readonly dir: string;
  readonly arn: string;
}

export function repositoryArn(account: AccountContext, name: string): string {
  return arn(account, 'codecommit', name);
}

function toRepository(row: Row, ctx: Pick<ServiceContext, 'config'>): Repository {
  const name = str(row, 'name');
  const description = row['description'];
  const branch = row['default_branch'];
  return {
    name,
    id: str(row, 'id'),
    description: description === null || description === undefined ? undefined : String(description),
    defaultBranch: branch === null || branch === undefined ? undefined : String(branch),
    created: num(row, 'created'),
    lastModified: num(row, 'last_modified'),
    dir: repoDir(ctx.config.dataDir, name),
    arn: repositoryArn(ctx.config, name),
  };
}

export function findRepository(ctx: Pick<ServiceContext, 'config' | 'store'>, name: string): Repository | undefined {
  const row = ctx.store.get('SELECT * FROM codecommit_repositories WHERE name = ?', name);
  return row === undefined ? undefined : toRepository(row, ctx);
}

export function repositoryDoesNotExist(name: string): SlipwayError {
  return new SlipwayError('RepositoryDoesNotExistException', `${name} does not exist`);
}

/** The repository by name, or AWS's RepositoryDoesNotExistException. */
export function getRepository(ctx: Pick<ServiceContext, 'config' | 'store'>, rawName: unknown): Repository {
  const name = checkRepositoryName(rawName);
  const repo = findRepository(ctx, name);
  if (repo === undefined) throw repositoryDoesNotExist(name);
  return repo;
}

export function listRepositoryRows(ctx: Pick<ServiceContext, 'config' | 'store'>): Repository[] {
  return ctx.store.all('SELECT * FROM codecommit_repositories').map((r) => toRepository(r, ctx));
}

/**
 * Where clients reach the edge. The git server engine registers the live endpoint (the port is known only once
 * the edge listens); without it the configured host and port are used.
 */
const endpoints = new WeakMap<Store, () => string>();

export function registerEndpoint(store: Store, endpoint: () => string): void {
  endpoints.set(store, endpoint);
}

export function cloneUrl(ctx: Pick<ServiceContext, 'config' | 'store'>, name: string): string {
  const endpoint = endpoints.get(ctx.store)?.() ?? endpointUrl(ctx.config);
  return `${endpoint}/v1/repos/${name}`;
}

export interface RefChange {
  readonly referenceName: string;
  readonly referenceType: 'branch' | 'tag';
  readonly event: 'referenceCreated' | 'referenceUpdated' | 'referenceDeleted';
  readonly oldCommitId: string | undefined;
  readonly commitId: string | undefined;
  readonly changedFiles: string[];
}

/** Compares two ref snapshots of one repository: what a push (or API write) created, moved or deleted. */
export async function diffRefs(dir: string, before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): Promise<RefChange[]> {
  const names = new Set([...before.keys(), ...after.keys()]);
  const changes: RefChange[] = [];
  for (const referenceName of [...names].sort()) {
    const oldId = before.get(referenceName);
    const newId = after.get(referenceName);
    if (oldId === newId) continue;
    const referenceType = referenceName.startsWith('refs/tags/') ? 'tag' : 'branch';
    const event = oldId === undefined ? 'referenceCreated' : newId === undefined ? 'referenceDeleted' : 'referenceUpdated';
    const oldCommit = oldId === undefined ? undefined : await peelToCommit(dir, oldId);
    const newCommit = newId === undefined ? undefined : await peelToCommit(dir, newId);
    // A deleted ref changes no files; a created one "adds" every file of its commit.
    const changedFiles = newCommit === undefined ? [] : await changedPaths(dir, oldCommit, newCommit);
    changes.push({ referenceName, referenceType, event, oldCommitId: oldCommit ?? oldId, commitId: newCommit ?? newId, changedFiles });
  }
  return changes;
}

/**
 * Records ref changes in one transaction: one `codecommit.referenceUpdated` event per ref, the repository's
 * last-modified time, and its default branch (the first branch that exists, as CodeCommit does).
 */
export async function recordRefChanges(
  ctx: Pick<ServiceContext, 'config' | 'store' | 'clock'> & { bus: EventBus },
  repo: Repository,
  changes: readonly RefChange[],
  after: ReadonlyMap<string, string>,
): Promise<void> {
  if (changes.length === 0) return;
  let defaultBranch = repo.defaultBranch;
  if (defaultBranch === undefined || !after.has(`refs/heads/${defaultBranch}`)) {
    const created = changes.find((c) => c.referenceType === 'branch' && c.event !== 'referenceDeleted');
    const candidate = created?.referenceName ?? [...after.keys()].find((r) => r.startsWith('refs/heads/'));
    const next = candidate?.slice('refs/heads/'.length);
    if (next !== undefined && next !== defaultBranch) {
      // HEAD of the bare repository follows, so a clone checks out the default branch.
      await git(repo.dir, ['symbolic-ref', 'HEAD', `refs/heads/${next}`]);
      defaultBranch = next;
    }
  }
  ctx.store.tx(() => {
    ctx.store.run(
      'UPDATE codecommit_repositories SET last_modified = ?, default_branch = ? WHERE name = ?',
      ctx.clock.now(),
      defaultBranch ?? null,
      repo.name,
    );
    for (const c of changes) {
      ctx.bus.publish({
        type: REFERENCE_UPDATED,
        resource: repo.arn,
        detail: {
          repositoryName: repo.name,
          repositoryArn: repo.arn,
          repositoryId: repo.id,
          referenceName: c.referenceName,
          referenceType: c.referenceType,
          event: c.event,
          oldCommitId: c.oldCommitId ?? null,
          commitId: c.commitId ?? null,
          changedFiles: c.changedFiles,
        },
      });
    }
  });
}

/** Where a CodeCommit listing resumes: 0 without a token, InvalidContinuationTokenException for a token it did not issue. */
export function continuationStart(token: string | null | undefined): number {
  return resumeAt(token === null || token === undefined ? undefined : String(token), () => new SlipwayError('InvalidContinuationTokenException', 'The continuation token is not valid.'));
}
