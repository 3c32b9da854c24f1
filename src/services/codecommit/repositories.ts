// Repositories: Create/Get/List/UpdateDescription/Delete and their tags; each is a bare git repository in the data dir.
import type {
  CreateRepositoryInput,
  CreateRepositoryOutput,
  DeleteRepositoryInput,
  DeleteRepositoryOutput,
  GetRepositoryInput,
  GetRepositoryOutput,
  ListRepositoriesInput,
  ListRepositoriesOutput,
  ListTagsForResourceInput,
  ListTagsForResourceOutput,
  RepositoryMetadata,
  TagResourceInput,
  UntagResourceInput,
  UpdateRepositoryDescriptionInput,
} from '@aws-sdk/client-codecommit';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SlipwayError } from '../../core/errors.ts';
import { parseArn, uuid } from '../../core/ids.ts';
import { str } from '../../store/db.ts';
import { pageAt } from '../paging.ts';
import type { OperationContext } from '../types.ts';
import { git, repoDir } from './git.ts';
import { checkRepositoryName, cloneUrl, continuationStart, findRepository, getRepository, listRepositoryRows, repositoryArn, type Repository } from './state.ts';

const MAX_TAGS = 50;

/**
 * Pushes are serialised per repository, so a push whose advertised old value is stale lost a race: it is refused
 * here, before any ref moves, with words the user can act on (git itself would only say "failed to update ref").
 */
const PRE_RECEIVE = `#!/bin/sh
# Slipway: refuse ref updates based on a stale view of the branch (a racing push won).
status=0
while read old new ref; do
  cur=$(git rev-parse -q --verify "$ref" || echo 0000000000000000000000000000000000000000)
  if [ "$cur" != "$old" ]; then
    echo "error: $ref is now at $cur, not $old: non-fast-forward (another push won); fetch, merge or rebase, and push again" >&2
    status=1
  fi
done
exit $status
`;

function checkDescription(description: unknown): string | undefined {
  if (description === undefined || description === null) return undefined;
  if (typeof description !== 'string' || description.length > 1000) {
    throw new SlipwayError('InvalidRepositoryDescriptionException', `The repository description is not valid: expected at most 1000 characters, found ${typeof description === 'string' ? description.length : typeof description}.`);
  }
  return description;
}

function checkTags(tags: unknown, required: boolean): Record<string, string> {
  if (tags === undefined || tags === null) {
    if (required) throw new SlipwayError('TagsMapRequiredException', 'A map of tags is required.');
    return {};
  }
  if (typeof tags !== 'object' || Array.isArray(tags)) throw new SlipwayError('InvalidTagsMapException', 'The map of tags is not valid: expected an object of key to value.');
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags)) {
    if (key.length < 1 || key.length > 128 || typeof value !== 'string' || value.length > 256) {
      throw new SlipwayError('InvalidTagsMapException', `The tag ${JSON.stringify(key)} is not valid: expected a key of 1 to 128 characters and a string value of at most 256.`);
    }
    if (key.toLowerCase().startsWith('aws:')) throw new SlipwayError('InvalidSystemTagUsageException', `The tag key ${key} uses the reserved prefix aws:.`);
    out[key] = value;
  }
  return out;
}

export function toMetadata(repo: Repository, ctx: OperationContext): RepositoryMetadata {
  return {
    accountId: ctx.config.accountId,
    repositoryId: repo.id,
    repositoryName: repo.name,
    ...(repo.description === undefined ? {} : { repositoryDescription: repo.description }),
    ...(repo.defaultBranch === undefined ? {} : { defaultBranch: repo.defaultBranch }),
    lastModifiedDate: new Date(repo.lastModified),
    creationDate: new Date(repo.created),
    cloneUrlHttp: cloneUrl(ctx, repo.name),
    // Slipway serves git over HTTPS only; the SSH URL is AWS's form, for display.
    cloneUrlSsh: `ssh://git-codecommit.${ctx.config.region}.amazonaws.com/v1/repos/${repo.name}`,
    Arn: repo.arn,
  };
}

export async function createRepository(input: CreateRepositoryInput, ctx: OperationContext): Promise<CreateRepositoryOutput> {
  const name = checkRepositoryName(input.repositoryName);
  const description = checkDescription(input.repositoryDescription);
  const tags = checkTags(input.tags, false);
  if (Object.keys(tags).length > MAX_TAGS) throw new SlipwayError('TooManyTagsException', `At most ${MAX_TAGS} tags; found ${Object.keys(tags).length}.`);
  const dir = repoDir(ctx.config.dataDir, name);
  // The row is claimed first, so two racing creates cannot both initialise the directory.
  const id = uuid();
  const now = ctx.clock.now();
  ctx.store.tx(() => {
    if (findRepository(ctx, name) !== undefined) throw new SlipwayError('RepositoryNameExistsException', `Repository named ${name} already exists`);
    ctx.store.run(
      'INSERT INTO codecommit_repositories (name, id, description, default_branch, created, last_modified) VALUES (?, ?, ?, NULL, ?, ?)',
      name,
      id,
      description ?? null,
      now,
      now,
    );
    for (const [key, value] of Object.entries(tags)) ctx.store.run('INSERT INTO codecommit_tags (repository, key, value) VALUES (?, ?, ?)', name, key, value);
  });
  try {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await git(dir, ['init', '--bare', '--quiet']);
    // Pushes may be large: let receive-pack keep big packs as packs, and keep the repository whole if a client dies mid-push.
    await git(dir, ['config', 'receive.unpackLimit', '100']);
    await git(dir, ['config', 'receive.fsckObjects', 'false']);
    await git(dir, ['config', 'core.logAllRefUpdates', 'true']);
    await writeFile(join(dir, 'hooks', 'pre-receive'), PRE_RECEIVE);
    await chmod(join(dir, 'hooks', 'pre-receive'), 0o755);
  } catch (error) {
    ctx.store.run('DELETE FROM codecommit_repositories WHERE name = ?', name);
    throw new SlipwayError('InternalFailure', `Could not create the git repository for ${name}`, { fault: 'server', cause: error });
  }
  const repo = getRepository(ctx, name);
  ctx.bus.publish({ type: 'codecommit.repositoryCreated', resource: repo.arn, detail: { repositoryName: name, repositoryId: id } });
  return { repositoryMetadata: toMetadata(repo, ctx) };
}

export function getRepositoryOp(input: GetRepositoryInput, ctx: OperationContext): GetRepositoryOutput {
  return { repositoryMetadata: toMetadata(getRepository(ctx, input.repositoryName), ctx) };
}

const PAGE = 1000;

export function listRepositories(input: ListRepositoriesInput, ctx: OperationContext): ListRepositoriesOutput {
  const sortBy = input.sortBy ?? 'repositoryName';
  const order = input.order ?? 'ascending';
  if (sortBy !== 'repositoryName' && sortBy !== 'lastModifiedDate') throw new SlipwayError('InvalidSortByException', `The sortBy ${String(sortBy)} is not valid: expected repositoryName or lastModifiedDate.`);
  if (order !== 'ascending' && order !== 'descending') throw new SlipwayError('InvalidOrderException', `The order ${String(order)} is not valid: expected ascending or descending.`);
  const start = continuationStart(input.nextToken);
  const repos = listRepositoryRows(ctx).sort((a, b) =>
    sortBy === 'repositoryName' ? a.name.localeCompare(b.name) : a.lastModified - b.lastModified || a.name.localeCompare(b.name),
  );
  if (order === 'descending') repos.reverse();
  const page = pageAt(repos, start, PAGE);
  return {
    repositories: page.items.map((r) => ({ repositoryName: r.name, repositoryId: r.id })),
    ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
  };
}

export function updateRepositoryDescription(input: UpdateRepositoryDescriptionInput, ctx: OperationContext): Record<string, never> {
  const repo = getRepository(ctx, input.repositoryName);
  const description = checkDescription(input.repositoryDescription);
  ctx.store.tx(() => {
    ctx.store.run('UPDATE codecommit_repositories SET description = ?, last_modified = ? WHERE name = ?', description ?? null, ctx.clock.now(), repo.name);
    ctx.bus.publish({ type: 'codecommit.repositoryUpdated', resource: repo.arn, detail: { repositoryName: repo.name } });
  });
  return {};
}

/** Deleting a repository that does not exist succeeds with no id, as in AWS. */
export async function deleteRepository(input: DeleteRepositoryInput, ctx: OperationContext): Promise<DeleteRepositoryOutput> {
  const name = checkRepositoryName(input.repositoryName);
  const repo = findRepository(ctx, name);
  if (repo === undefined) return {};
  ctx.store.tx(() => {
    ctx.store.run('DELETE FROM codecommit_repositories WHERE name = ?', name);
    ctx.bus.publish({ type: 'codecommit.repositoryDeleted', resource: repo.arn, detail: { repositoryName: name, repositoryId: repo.id } });
  });
  await rm(repo.dir, { recursive: true, force: true });
  return { repositoryId: repo.id };
}

function repositoryFromArn(resourceArn: unknown, ctx: OperationContext): Repository {
  if (resourceArn === undefined || resourceArn === null || resourceArn === '') throw new SlipwayError('ResourceArnRequiredException', 'A resource ARN is required.');
  const parsed = typeof resourceArn === 'string' ? parseArn(resourceArn) : undefined;
  if (parsed === undefined || parsed.service !== 'codecommit' || parsed.accountId !== ctx.config.accountId) {
    throw new SlipwayError('InvalidResourceArnException', `The ARN ${JSON.stringify(resourceArn)} is not valid: expected ${repositoryArn(ctx.config, '<repository-name>')}.`);
  }
  return getRepository(ctx, parsed.resource);
}

export function tagResource(input: TagResourceInput, ctx: OperationContext): Record<string, never> {
  const repo = repositoryFromArn(input.resourceArn, ctx);
  const tags = checkTags(input.tags, true);
  ctx.store.tx(() => {
    for (const [key, value] of Object.entries(tags)) {
      ctx.store.run('INSERT INTO codecommit_tags (repository, key, value) VALUES (?, ?, ?) ON CONFLICT(repository, key) DO UPDATE SET value = excluded.value', repo.name, key, value);
    }
    const count = ctx.store.all('SELECT key FROM codecommit_tags WHERE repository = ?', repo.name).length;
    if (count > MAX_TAGS) throw new SlipwayError('TooManyTagsException', `A repository has at most ${MAX_TAGS} tags; this would make ${count}.`);
  });
  return {};
}

export function untagResource(input: UntagResourceInput, ctx: OperationContext): Record<string, never> {
  const repo = repositoryFromArn(input.resourceArn, ctx);
  if (!Array.isArray(input.tagKeys)) throw new SlipwayError('TagKeysListRequiredException', 'A list of tag keys is required.');
  ctx.store.tx(() => {
    for (const key of input.tagKeys ?? []) ctx.store.run('DELETE FROM codecommit_tags WHERE repository = ? AND key = ?', repo.name, key);
  });
  return {};
}

export function listTagsForResource(input: ListTagsForResourceInput, ctx: OperationContext): ListTagsForResourceOutput {
  const repo = repositoryFromArn(input.resourceArn, ctx);
  const rows = ctx.store.all('SELECT key, value FROM codecommit_tags WHERE repository = ? ORDER BY key', repo.name);
  return { tags: Object.fromEntries(rows.map((r) => [str(r, 'key'), str(r, 'value')])) };
}
