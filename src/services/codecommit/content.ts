// Repository content through the API: GetCommit, GetFile, GetFolder, GetDifferences and PutFile, all git plumbing on the bare repository.
import type {
  Commit,
  Difference,
  File,
  Folder,
  GetCommitInput,
  GetCommitOutput,
  GetDifferencesInput,
  GetDifferencesOutput,
  GetFileInput,
  GetFileOutput,
  GetFolderInput,
  GetFolderOutput,
  PutFileInput,
  PutFileOutput,
  SubModule,
  SymbolicLink,
  UserInfo,
} from '@aws-sdk/client-codecommit';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlipwayError } from '../../core/errors.ts';
import { pageAt } from '../paging.ts';
import type { OperationContext } from '../types.ts';
import { branchTip, checkBranchName, checkCommitId, updateRefs } from './branches.ts';
import { EMPTY_TREE, git, gitBuffer, GitCommandError, listRefs, peelToCommit, ZERO_ID } from './git.ts';
import { continuationStart, getRepository, type Repository } from './state.ts';

/** GetFile returns at most 6 MB, as AWS does. */
const MAX_FILE_BYTES = 6 * 1024 * 1024;

const MODES: Readonly<Record<string, 'NORMAL' | 'EXECUTABLE' | 'SYMLINK'>> = { '100644': 'NORMAL', '100755': 'EXECUTABLE', '120000': 'SYMLINK' };
const MODE_BITS = { NORMAL: '100644', EXECUTABLE: '100755', SYMLINK: '120000' } as const;

/** `Name <email> 1700000000 +0000` → AWS's UserInfo, whose date keeps git's "seconds offset" form. */
function userInfo(line: string): UserInfo {
  const m = /^(.*) <([^>]*)> (\d+ [+-]\d{4})$/.exec(line);
  return m === null ? { name: line } : { name: m[1] ?? '', email: m[2] ?? '', date: m[3] ?? '' };
}

export async function readCommit(repo: Repository, id: string): Promise<Commit> {
  const text = await git(repo.dir, ['cat-file', 'commit', id]);
  const blank = text.indexOf('\n\n');
  const header = blank < 0 ? text : text.slice(0, blank);
  const message = blank < 0 ? '' : text.slice(blank + 2);
  const parents: string[] = [];
  const commit: Commit = { commitId: id, parents, message, additionalData: '' };
  for (const line of header.split('\n')) {
    const space = line.indexOf(' ');
    const key = line.slice(0, space);
    const value = line.slice(space + 1);
    if (key === 'tree') commit.treeId = value;
    else if (key === 'parent') parents.push(value);
    else if (key === 'author') commit.author = userInfo(value);
    else if (key === 'committer') commit.committer = userInfo(value);
  }
  return commit;
}

export async function getCommit(input: GetCommitInput, ctx: OperationContext): Promise<GetCommitOutput> {
  const repo = getRepository(ctx, input.repositoryName);
  const id = await checkCommitId(repo, input.commitId, { required: 'CommitIdRequiredException', invalid: 'InvalidCommitIdException', missing: 'CommitIdDoesNotExistException' });
  return { commit: await readCommit(repo, id) };
}

/** A branch, tag or commit id → commit id; missing means the default branch (HEAD). */
async function resolveCommit(repo: Repository, specifier: unknown): Promise<string> {
  const spec = specifier === undefined || specifier === null || specifier === '' ? 'HEAD' : specifier;
  if (typeof spec !== 'string' || spec.startsWith('-')) throw new SlipwayError('InvalidCommitException', `The commit specifier ${JSON.stringify(spec)} is not valid.`);
  const id = await peelToCommit(repo.dir, spec);
  if (id === undefined) {
    throw new SlipwayError('CommitDoesNotExistException', spec === 'HEAD' ? `${repo.name} has no commits yet` : `Commit ${spec} does not exist in ${repo.name}`);
  }
  return id;
}

function normalisePath(raw: unknown, code = 'PathRequiredException'): string {
  if (raw === undefined || raw === null) throw new SlipwayError(code, 'A path is required, but was not specified.');
  if (typeof raw !== 'string') throw new SlipwayError('InvalidPathException', 'The path is not valid: expected a string.');
  const path = raw.replace(/^\/+/, '').replace(/\/+$/, '');
  if (path.split('/').some((part) => part === '..' || part === '.') || path.includes('\0')) {
    throw new SlipwayError('InvalidPathException', `The path ${JSON.stringify(raw)} is not valid: expected no '.' or '..' parts.`);
  }
  return path;
}

interface TreeEntry {
  readonly mode: string;
  readonly type: string;
  readonly id: string;
  readonly path: string;
}

async function lsTree(repo: Repository, treeish: string, path?: string): Promise<TreeEntry[]> {
  const out = await git(repo.dir, ['ls-tree', '-z', treeish, ...(path === undefined ? [] : ['--', path])]);
  return out
    .split('\0')
    .filter((l) => l !== '')
    .map((l) => {
      const tab = l.indexOf('\t');
      const [mode = '', type = '', id = ''] = l.slice(0, tab).split(' ');
      return { mode, type, id, path: l.slice(tab + 1) };
    });
}

export async function getFile(input: GetFileInput, ctx: OperationContext): Promise<GetFileOutput> {
  const repo = getRepository(ctx, input.repositoryName);
  const path = normalisePath(input.filePath);
  if (path === '') throw new SlipwayError('InvalidPathException', 'The path is not valid: expected a file path, found the root folder.');
  const commitId = await resolveCommit(repo, input.commitSpecifier);
  const entry = (await lsTree(repo, commitId, path))[0];
  if (entry === undefined || entry.type !== 'blob' || entry.path !== path) throw new SlipwayError('FileDoesNotExistException', `The file ${path} does not exist at commit ${commitId}`);
  const size = Number((await git(repo.dir, ['cat-file', '-s', entry.id])).trim());
  if (size > MAX_FILE_BYTES) throw new SlipwayError('FileTooLargeException', `The file ${path} is ${size} bytes; GetFile returns at most ${MAX_FILE_BYTES}. Clone the repository to read it.`);
  const content = await gitBuffer(repo.dir, ['cat-file', 'blob', entry.id]);
  return { commitId, blobId: entry.id, filePath: path, fileMode: MODES[entry.mode] ?? 'NORMAL', fileSize: size, fileContent: new Uint8Array(content) };
}

export async function getFolder(input: GetFolderInput, ctx: OperationContext): Promise<GetFolderOutput> {
  const repo = getRepository(ctx, input.repositoryName);
  const path = normalisePath(input.folderPath);
  const commitId = await resolveCommit(repo, input.commitSpecifier);
  let treeId: string;
  try {
    treeId = (await git(repo.dir, ['rev-parse', '--verify', '--quiet', `${commitId}^{tree}${path === '' ? '' : `:${path}`}`])).trim();
    if ((await git(repo.dir, ['cat-file', '-t', treeId])).trim() !== 'tree') throw new Error('not a tree');
  } catch {
    throw new SlipwayError('FolderDoesNotExistException', `The folder ${path || '/'} does not exist at commit ${commitId}`);
  }
  const files: File[] = [];
  const subFolders: Folder[] = [];
  const symbolicLinks: SymbolicLink[] = [];
  const subModules: SubModule[] = [];
  for (const e of await lsTree(repo, treeId)) {
    const absolutePath = path === '' ? e.path : `${path}/${e.path}`;
    if (e.type === 'tree') subFolders.push({ treeId: e.id, absolutePath, relativePath: e.path });
    else if (e.type === 'commit') subModules.push({ commitId: e.id, absolutePath, relativePath: e.path });
    else if (e.mode === '120000') symbolicLinks.push({ blobId: e.id, absolutePath, relativePath: e.path, fileMode: 'SYMLINK' });
    else files.push({ blobId: e.id, absolutePath, relativePath: e.path, fileMode: MODES[e.mode] ?? 'NORMAL' });
  }
  return { commitId, folderPath: path === '' ? '/' : path, treeId, subFolders, files, symbolicLinks, subModules };
}

export async function getDifferences(input: GetDifferencesInput, ctx: OperationContext): Promise<GetDifferencesOutput> {
  const repo = getRepository(ctx, input.repositoryName);
  if (input.afterCommitSpecifier === undefined || input.afterCommitSpecifier === null || input.afterCommitSpecifier === '') {
    throw new SlipwayError('CommitRequiredException', 'A commit specifier (afterCommitSpecifier) is required, but was not specified.');
  }
  const afterId = await resolveCommit(repo, input.afterCommitSpecifier);
  const beforeId = input.beforeCommitSpecifier === undefined || input.beforeCommitSpecifier === null ? EMPTY_TREE : await resolveCommit(repo, input.beforeCommitSpecifier);
  const maxResults = input.MaxResults ?? 100;
  if (!Number.isInteger(maxResults) || maxResults < 1) throw new SlipwayError('InvalidMaxResultsException', `MaxResults must be a positive integer; found ${String(maxResults)}.`);
  const start = continuationStart(input.NextToken);
  const beforePath = input.beforePath === undefined ? undefined : normalisePath(input.beforePath);
  const afterPath = input.afterPath === undefined ? undefined : normalisePath(input.afterPath);
  const out = await git(repo.dir, ['diff-tree', '-r', '-z', '--no-renames', '--raw', '--no-commit-id', beforeId, afterId]);
  const parts = out.split('\0');
  const all: Difference[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const meta = parts[i] ?? '';
    const path = parts[i + 1] ?? '';
    const [oldMode = '', newMode = '', oldId = '', newId = '', status = ''] = meta.replace(/^:/, '').split(' ');
    const changeType = status.startsWith('A') ? 'A' : status.startsWith('D') ? 'D' : 'M';
    const within = (prefix: string | undefined): boolean => prefix === undefined || prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
    if (!within(beforePath) && !within(afterPath)) continue;
    all.push({
      changeType,
      ...(changeType === 'A' || oldId === ZERO_ID ? {} : { beforeBlob: { blobId: oldId, path, mode: oldMode } }),
      ...(changeType === 'D' || newId === ZERO_ID ? {} : { afterBlob: { blobId: newId, path, mode: newMode } }),
    });
  }
  const page = pageAt(all, start, maxResults);
  return { differences: page.items, ...(page.nextToken === undefined ? {} : { NextToken: page.nextToken }) };
}

function decodeContent(content: unknown): Buffer {
  if (content === undefined || content === null) throw new SlipwayError('FileContentRequiredException', 'The file content is required, but was not specified.');
  // On the wire (JSON protocol) blobs are base64 text; in-process callers may pass bytes.
  if (typeof content === 'string') return Buffer.from(content, 'base64');
  if (content instanceof Uint8Array) return Buffer.from(content);
  throw new SlipwayError('FileContentRequiredException', 'The file content is not valid: expected base64 text.');
}

export async function putFile(input: PutFileInput, ctx: OperationContext): Promise<PutFileOutput> {
  const repo = getRepository(ctx, input.repositoryName);
  const branch = await checkBranchName(repo, input.branchName);
  const path = normalisePath(input.filePath);
  if (path === '') throw new SlipwayError('InvalidPathException', 'The path is not valid: expected a file path, found the root folder.');
  const content = decodeContent(input.fileContent);
  if (content.length > MAX_FILE_BYTES) throw new SlipwayError('FileContentSizeLimitExceededException', `The file is ${content.length} bytes; PutFile takes at most ${MAX_FILE_BYTES}.`);
  const mode = input.fileMode ?? 'NORMAL';
  if (!(mode in MODE_BITS)) throw new SlipwayError('InvalidFileModeException', `The file mode ${String(mode)} is not valid: expected NORMAL, EXECUTABLE or SYMLINK.`);
  const name = input.name ?? 'Slipway';
  const email = input.email ?? 'slipway@localhost';
  if (name.length > 1024) throw new SlipwayError('NameLengthExceededException', 'The name is longer than 1024 characters.');
  if (email !== '' && !/^[^\s<>]+@[^\s<>]+$/.test(email)) throw new SlipwayError('InvalidEmailException', `The email ${JSON.stringify(email)} is not valid.`);
  const message = input.commitMessage ?? `Added ${path}`;
  if (message.length > 102400) throw new SlipwayError('CommitMessageLengthExceededException', 'The commit message is longer than 100 KB.');

  return updateRefs(ctx, repo, async () => {
    const tip = await branchTip(repo, branch);
    const hasBranches = [...(await listRefs(repo.dir)).keys()].some((r) => r.startsWith('refs/heads/'));
    if (tip === undefined && hasBranches) throw new SlipwayError('BranchDoesNotExistException', `Branch ${branch} does not exist`);
    if (tip !== undefined) {
      const parent = await checkCommitId(repo, input.parentCommitId, {
        required: 'ParentCommitIdRequiredException',
        invalid: 'InvalidParentCommitIdException',
        missing: 'ParentCommitDoesNotExistException',
      });
      if (parent !== tip) throw new SlipwayError('ParentCommitIdOutdatedException', `The parent commit ID ${parent} is not the tip of ${branch} (${tip}); read the branch again and retry.`);
    }
    const blobId = (await git(repo.dir, ['hash-object', '-w', '--stdin'], { input: content })).trim();
    const bits = MODE_BITS[mode];
    if (tip !== undefined) {
      const existing = (await lsTree(repo, tip, path))[0];
      if (existing !== undefined && existing.path === path) {
        if (existing.type === 'tree') throw new SlipwayError('FileNameConflictsWithDirectoryNameException', `${path} is a folder at ${tip}; a file cannot replace it.`);
        if (existing.id === blobId && existing.mode === bits) throw new SlipwayError('SameFileContentException', `The file ${path} already has this content and mode at ${tip}.`);
      }
    }
    // A private index builds the new tree without touching any working copy.
    const scratch = await mkdtemp(join(tmpdir(), 'slipway-putfile-'));
    const env = { GIT_INDEX_FILE: join(scratch, 'index') };
    try {
      if (tip !== undefined) await git(repo.dir, ['read-tree', tip], { env });
      try {
        await git(repo.dir, ['update-index', '--add', '--cacheinfo', `${bits},${blobId},${path}`], { env });
      } catch (error) {
        if (error instanceof GitCommandError) {
          throw new SlipwayError('DirectoryNameConflictsWithFileNameException', `${path} conflicts with a file of the same name as one of its folders.`, { cause: error });
        }
        throw error;
      }
      const treeId = (await git(repo.dir, ['write-tree'], { env })).trim();
      const when = `${Math.floor(ctx.clock.now() / 1000)} +0000`;
      const identity = { GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: email, GIT_AUTHOR_DATE: when, GIT_COMMITTER_DATE: when };
      const commitId = (await git(repo.dir, ['commit-tree', treeId, ...(tip === undefined ? [] : ['-p', tip]), '-F', '-'], { input: message.endsWith('\n') ? message : `${message}\n`, env: identity })).trim();
      await git(repo.dir, ['update-ref', `refs/heads/${branch}`, commitId, tip ?? ZERO_ID]);
      return { commitId, blobId, treeId };
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
}
