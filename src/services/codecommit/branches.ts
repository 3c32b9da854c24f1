// Branches: Get/List/Create/Delete, read and written with git plumbing; writes are serialised with pushes and emit ref events.
import type {
  CreateBranchInput,
  DeleteBranchInput,
  DeleteBranchOutput,
  GetBranchInput,
  GetBranchOutput,
  ListBranchesInput,
  ListBranchesOutput,
} from '@aws-sdk/client-codecommit';
import { SlipwayError } from '../../core/errors.ts';
import { pageAt } from '../paging.ts';
import type { OperationContext } from '../types.ts';
import { git, GitCommandError, listRefs, peelToCommit, withRepoLock, ZERO_ID } from './git.ts';
import { continuationStart, diffRefs, getRepository, recordRefChanges, type Repository } from './state.ts';

/** Runs `fn` under the repository's write lock and records whatever refs it changed as events. */
export async function updateRefs<T>(ctx: OperationContext, repo: Repository, fn: () => Promise<T>): Promise<T> {
  return withRepoLock(repo.dir, async () => {
    const before = await listRefs(repo.dir);
    const result = await fn();
    const after = await listRefs(repo.dir);
    await recordRefChanges(ctx, repo, await diffRefs(repo.dir, before, after), after);
    return result;
  });
}

export async function checkBranchName(repo: Repository, name: unknown): Promise<string> {
  if (name === undefined || name === null || name === '') throw new SlipwayError('BranchNameRequiredException', 'A branch name is required, but was not specified.');
  if (typeof name !== 'string' || name.length > 256) throw new SlipwayError('InvalidBranchNameException', 'The specified branch name is not valid: expected at most 256 characters.');
  try {
    await git(repo.dir, ['check-ref-format', `refs/heads/${name}`]);
  } catch {
    throw new SlipwayError('InvalidBranchNameException', `The specified branch name ${JSON.stringify(name)} is not valid: expected a name git accepts as refs/heads/<name>.`);
  }
  return name;
}

export async function branchTip(repo: Repository, branch: string): Promise<string | undefined> {
  const refs = await listRefs(repo.dir);
  return refs.get(`refs/heads/${branch}`);
}

function branchDoesNotExist(branch: string): SlipwayError {
  return new SlipwayError('BranchDoesNotExistException', `Branch ${branch} does not exist`);
}

export async function getBranch(input: GetBranchInput, ctx: OperationContext): Promise<GetBranchOutput> {
  const repo = getRepository(ctx, input.repositoryName);
  const branch = await checkBranchName(repo, input.branchName);
  const commitId = await branchTip(repo, branch);
  if (commitId === undefined) throw branchDoesNotExist(branch);
  return { branch: { branchName: branch, commitId } };
}

export async function listBranches(input: ListBranchesInput, ctx: OperationContext): Promise<ListBranchesOutput> {
  const repo = getRepository(ctx, input.repositoryName);
  const branches = [...(await listRefs(repo.dir)).keys()].filter((r) => r.startsWith('refs/heads/')).map((r) => r.slice('refs/heads/'.length));
  const page = pageAt(branches, continuationStart(input.nextToken), 100);
  return { branches: page.items, ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }) };
}

/** A full commit id that exists in the repository, with AWS's three distinct errors. */
export async function checkCommitId(repo: Repository, id: unknown, codes = { required: 'CommitIdRequiredException', invalid: 'InvalidCommitIdException', missing: 'CommitDoesNotExistException' }): Promise<string> {
  if (id === undefined || id === null || id === '') throw new SlipwayError(codes.required, 'A commit ID is required, but was not specified.');
  if (typeof id !== 'string' || !/^[0-9a-f]{40}$/.test(id)) throw new SlipwayError(codes.invalid, `The specified commit ID ${JSON.stringify(id)} is not valid: expected a full 40-character SHA-1.`);
  const commit = await peelToCommit(repo.dir, id);
  if (commit === undefined || commit !== id) throw new SlipwayError(codes.missing, `Commit ${id} does not exist in ${repo.name}`);
  return id;
}

export async function createBranch(input: CreateBranchInput, ctx: OperationContext): Promise<Record<string, never>> {
  const repo = getRepository(ctx, input.repositoryName);
  const branch = await checkBranchName(repo, input.branchName);
  const commitId = await checkCommitId(repo, input.commitId);
  await updateRefs(ctx, repo, async () => {
    try {
      // The zero old-value makes git refuse when the branch appeared meanwhile.
      await git(repo.dir, ['update-ref', `refs/heads/${branch}`, commitId, ZERO_ID]);
    } catch (error) {
      if (error instanceof GitCommandError) throw new SlipwayError('BranchNameExistsException', `Branch ${branch} already exists`, { cause: error });
      throw error;
    }
  });
  return {};
}

export async function deleteBranch(input: DeleteBranchInput, ctx: OperationContext): Promise<DeleteBranchOutput> {
  const repo = getRepository(ctx, input.repositoryName);
  const branch = await checkBranchName(repo, input.branchName);
  if (repo.defaultBranch === branch) {
    throw new SlipwayError('DefaultBranchCannotBeDeletedException', `The default branch ${branch} cannot be deleted; make another branch the default first.`);
  }
  return updateRefs(ctx, repo, async () => {
    const commitId = await branchTip(repo, branch);
    // AWS answers a missing branch with an empty result rather than an error.
    if (commitId === undefined) return {};
    await git(repo.dir, ['update-ref', '-d', `refs/heads/${branch}`, commitId]);
    return { deletedBranch: { branchName: branch, commitId } };
  });
}
