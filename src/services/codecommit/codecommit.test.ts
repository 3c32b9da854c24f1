import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  BranchDoesNotExistException,
  BranchNameExistsException,
  CodeCommitClient,
  CommitIdDoesNotExistException,
  CreateBranchCommand,
  CreateRepositoryCommand,
  DefaultBranchCannotBeDeletedException,
  DeleteBranchCommand,
  DeleteRepositoryCommand,
  FileDoesNotExistException,
  GetBranchCommand,
  GetCommitCommand,
  GetDifferencesCommand,
  GetFileCommand,
  GetFolderCommand,
  GetRepositoryCommand,
  InvalidRepositoryNameException,
  ListBranchesCommand,
  ListRepositoriesCommand,
  ListTagsForResourceCommand,
  ParentCommitIdOutdatedException,
  PutFileCommand,
  RepositoryDoesNotExistException,
  RepositoryNameExistsException,
  RepositoryNameRequiredException,
  SameFileContentException,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateRepositoryDescriptionCommand,
} from '@aws-sdk/client-codecommit';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { typeFilter } from '../../core/events.ts';
import { checkShape, loadModel } from '../../../test/helpers/aws-model.ts';
import { callJson, startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';

let t: TestDaemon;
let cc: CodeCommitClient;
const model = loadModel('codecommit.2015-04-13');
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

before(async () => {
  t = await startTestDaemon();
  cc = new CodeCommitClient(t.sdk);
});
after(async () => {
  cc.destroy();
  await t.stop();
});

test('CreateRepository, GetRepository, ListRepositories, UpdateRepositoryDescription, DeleteRepository', async () => {
  const created = await cc.send(new CreateRepositoryCommand({ repositoryName: 'svc', repositoryDescription: 'the service', tags: { team: 'a' } }));
  const meta = created.repositoryMetadata;
  assert.equal(meta?.repositoryName, 'svc');
  assert.equal(meta?.Arn, 'arn:aws:codecommit:us-east-1:000000000000:svc');
  assert.equal(meta?.cloneUrlHttp, `${t.endpoint}/v1/repos/svc`);
  assert.equal(meta?.defaultBranch, undefined, 'no default branch before any branch exists');
  assert.ok(meta?.creationDate instanceof Date);
  assert.ok(existsSync(join(t.dataDir, 'git', 'svc.git', 'HEAD')));

  await assert.rejects(cc.send(new CreateRepositoryCommand({ repositoryName: 'svc' })), RepositoryNameExistsException);
  await assert.rejects(cc.send(new CreateRepositoryCommand({ repositoryName: 'bad name' })), InvalidRepositoryNameException);
  await assert.rejects(cc.send(new CreateRepositoryCommand({ repositoryName: 'ends.git' })), InvalidRepositoryNameException);
  await assert.rejects(cc.send(new CreateRepositoryCommand({ repositoryName: 'x'.repeat(101) })), InvalidRepositoryNameException);
  await assert.rejects(cc.send(new GetRepositoryCommand({ repositoryName: '' })), RepositoryNameRequiredException);
  await assert.rejects(cc.send(new GetRepositoryCommand({ repositoryName: 'nope' })), RepositoryDoesNotExistException);

  await cc.send(new CreateRepositoryCommand({ repositoryName: 'another' }));
  const list = await cc.send(new ListRepositoriesCommand({ sortBy: 'repositoryName', order: 'descending' }));
  assert.deepEqual(list.repositories?.map((r) => r.repositoryName), ['svc', 'another']);

  await cc.send(new UpdateRepositoryDescriptionCommand({ repositoryName: 'svc', repositoryDescription: 'changed' }));
  assert.equal((await cc.send(new GetRepositoryCommand({ repositoryName: 'svc' }))).repositoryMetadata?.repositoryDescription, 'changed');

  const deleted = await cc.send(new DeleteRepositoryCommand({ repositoryName: 'another' }));
  assert.equal(typeof deleted.repositoryId, 'string');
  assert.equal(existsSync(join(t.dataDir, 'git', 'another.git')), false);
  assert.deepEqual(await cc.send(new DeleteRepositoryCommand({ repositoryName: 'another' })).then((r) => r.repositoryId), undefined);
});

test('TagResource, UntagResource and ListTagsForResource by repository ARN', async () => {
  const { repositoryMetadata } = await cc.send(new CreateRepositoryCommand({ repositoryName: 'tagged', tags: { a: '1' } }));
  const resourceArn = repositoryMetadata?.Arn ?? '';
  await cc.send(new TagResourceCommand({ resourceArn, tags: { b: '2', a: 'one' } }));
  assert.deepEqual((await cc.send(new ListTagsForResourceCommand({ resourceArn }))).tags, { a: 'one', b: '2' });
  await cc.send(new UntagResourceCommand({ resourceArn, tagKeys: ['a'] }));
  assert.deepEqual((await cc.send(new ListTagsForResourceCommand({ resourceArn }))).tags, { b: '2' });
  await assert.rejects(cc.send(new ListTagsForResourceCommand({ resourceArn: 'arn:aws:codecommit:us-east-1:000000000000:missing' })), RepositoryDoesNotExistException);
});

test('PutFile builds commits on a branch (first one creates it), emits ref events, and GetFile/GetFolder/GetCommit read them', async () => {
  await cc.send(new CreateRepositoryCommand({ repositoryName: 'content' }));
  const firstEvent = t.daemon.bus.next((e) => typeFilter('codecommit.referenceUpdated')(e) && e.detail['repositoryName'] === 'content', AbortSignal.timeout(10_000));
  const first = await cc.send(new PutFileCommand({ repositoryName: 'content', branchName: 'main', filePath: 'src/app.js', fileContent: text('one\n'), commitMessage: 'add app', name: 'Ada', email: 'ada@example.com' }));
  const e = await firstEvent;
  assert.equal(e.detail['event'], 'referenceCreated');
  assert.equal(e.detail['commitId'], first.commitId);
  assert.deepEqual(e.detail['changedFiles'], ['src/app.js']);
  assert.equal((await cc.send(new GetRepositoryCommand({ repositoryName: 'content' }))).repositoryMetadata?.defaultBranch, 'main');

  await assert.rejects(
    cc.send(new PutFileCommand({ repositoryName: 'content', branchName: 'main', filePath: 'b.sh', fileContent: text('x'), parentCommitId: '0'.repeat(40) })),
    (err: Error) => err.name === 'ParentCommitDoesNotExistException',
  );
  const second = await cc.send(new PutFileCommand({ repositoryName: 'content', branchName: 'main', filePath: 'run.sh', fileContent: text('#!/bin/sh\n'), fileMode: 'EXECUTABLE', parentCommitId: first.commitId }));
  await assert.rejects(
    cc.send(new PutFileCommand({ repositoryName: 'content', branchName: 'main', filePath: 'c.txt', fileContent: text('c'), parentCommitId: first.commitId })),
    ParentCommitIdOutdatedException,
  );
  await assert.rejects(
    cc.send(new PutFileCommand({ repositoryName: 'content', branchName: 'main', filePath: 'run.sh', fileContent: text('#!/bin/sh\n'), fileMode: 'EXECUTABLE', parentCommitId: second.commitId })),
    SameFileContentException,
  );

  const file = await cc.send(new GetFileCommand({ repositoryName: 'content', filePath: '/src/app.js' }));
  assert.equal(new TextDecoder().decode(file.fileContent), 'one\n');
  assert.equal(file.commitId, second.commitId);
  assert.equal(file.fileMode, 'NORMAL');
  assert.equal(file.fileSize, 4);
  const old = await cc.send(new GetFileCommand({ repositoryName: 'content', filePath: 'run.sh', commitSpecifier: 'main' }));
  assert.equal(old.fileMode, 'EXECUTABLE');
  await assert.rejects(cc.send(new GetFileCommand({ repositoryName: 'content', filePath: 'run.sh', commitSpecifier: first.commitId })), FileDoesNotExistException);

  const root = await cc.send(new GetFolderCommand({ repositoryName: 'content', folderPath: '/' }));
  assert.deepEqual(root.subFolders?.map((f) => f.absolutePath), ['src']);
  assert.deepEqual(root.files?.map((f) => [f.relativePath, f.fileMode]), [['run.sh', 'EXECUTABLE']]);
  const sub = await cc.send(new GetFolderCommand({ repositoryName: 'content', folderPath: 'src' }));
  assert.deepEqual(sub.files?.map((f) => f.absolutePath), ['src/app.js']);

  const commit = await cc.send(new GetCommitCommand({ repositoryName: 'content', commitId: first.commitId }));
  assert.equal(commit.commit?.message, 'add app\n');
  assert.equal(commit.commit?.author?.name, 'Ada');
  assert.equal(commit.commit?.author?.email, 'ada@example.com');
  assert.match(commit.commit?.author?.date ?? '', /^\d+ \+0000$/);
  assert.deepEqual(commit.commit?.parents, []);
  assert.equal(commit.commit?.treeId, first.treeId);
  await assert.rejects(cc.send(new GetCommitCommand({ repositoryName: 'content', commitId: 'f'.repeat(40) })), CommitIdDoesNotExistException);

  const diff = await cc.send(new GetDifferencesCommand({ repositoryName: 'content', beforeCommitSpecifier: first.commitId, afterCommitSpecifier: 'main' }));
  assert.deepEqual(diff.differences?.map((d) => [d.changeType, d.afterBlob?.path, d.afterBlob?.mode]), [['A', 'run.sh', '100755']]);
  const all = await cc.send(new GetDifferencesCommand({ repositoryName: 'content', afterCommitSpecifier: 'main', MaxResults: 1 }));
  assert.equal(all.differences?.length, 1);
  assert.equal(typeof all.NextToken, 'string');
});

test('CreateBranch, GetBranch, ListBranches and DeleteBranch (the default branch is protected)', async () => {
  await cc.send(new CreateRepositoryCommand({ repositoryName: 'branchy' }));
  const put = await cc.send(new PutFileCommand({ repositoryName: 'branchy', branchName: 'main', filePath: 'a', fileContent: text('a') }));
  const created = t.daemon.bus.next((e) => e.type === 'codecommit.referenceUpdated' && e.detail['referenceName'] === 'refs/heads/dev', AbortSignal.timeout(10_000));
  await cc.send(new CreateBranchCommand({ repositoryName: 'branchy', branchName: 'dev', commitId: put.commitId }));
  assert.equal((await created).detail['event'], 'referenceCreated');
  await assert.rejects(cc.send(new CreateBranchCommand({ repositoryName: 'branchy', branchName: 'dev', commitId: put.commitId })), BranchNameExistsException);
  await assert.rejects(cc.send(new CreateBranchCommand({ repositoryName: 'branchy', branchName: 'bad..name', commitId: put.commitId })), (err: Error) => err.name === 'InvalidBranchNameException');
  assert.deepEqual((await cc.send(new GetBranchCommand({ repositoryName: 'branchy', branchName: 'dev' }))).branch, { branchName: 'dev', commitId: put.commitId });
  assert.deepEqual((await cc.send(new ListBranchesCommand({ repositoryName: 'branchy' }))).branches, ['dev', 'main']);
  await assert.rejects(cc.send(new DeleteBranchCommand({ repositoryName: 'branchy', branchName: 'main' })), DefaultBranchCannotBeDeletedException);
  const deleted = await cc.send(new DeleteBranchCommand({ repositoryName: 'branchy', branchName: 'dev' }));
  assert.deepEqual(deleted.deletedBranch, { branchName: 'dev', commitId: put.commitId });
  await assert.rejects(cc.send(new GetBranchCommand({ repositoryName: 'branchy', branchName: 'dev' })), BranchDoesNotExistException);
});

test('responses on the wire match the AWS model shapes, errors are model errors', async () => {
  const target = (op: string): string => `CodeCommit_20150413.${op}`;
  const check = async (op: string, input: unknown): Promise<Record<string, unknown>> => {
    const res = await callJson(t.endpoint, target(op), input);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const output = model.operations[op]?.output?.shape;
    if (output !== undefined) assert.deepEqual(checkShape(model, output, res.body), [], op);
    return res.body;
  };
  await check('CreateRepository', { repositoryName: 'wire', tags: { k: 'v' } });
  const put = await check('PutFile', { repositoryName: 'wire', branchName: 'main', filePath: 'dir/f.txt', fileContent: Buffer.from('hi').toString('base64') });
  await check('GetRepository', { repositoryName: 'wire' });
  await check('ListRepositories', {});
  await check('GetBranch', { repositoryName: 'wire', branchName: 'main' });
  await check('ListBranches', { repositoryName: 'wire' });
  await check('CreateBranch', { repositoryName: 'wire', branchName: 'b', commitId: put['commitId'] });
  await check('DeleteBranch', { repositoryName: 'wire', branchName: 'b' });
  await check('GetCommit', { repositoryName: 'wire', commitId: put['commitId'] });
  await check('GetFile', { repositoryName: 'wire', filePath: 'dir/f.txt' });
  await check('GetFolder', { repositoryName: 'wire', folderPath: 'dir' });
  await check('GetDifferences', { repositoryName: 'wire', afterCommitSpecifier: 'main' });
  await check('ListTagsForResource', { resourceArn: 'arn:aws:codecommit:us-east-1:000000000000:wire' });
  await check('TagResource', { resourceArn: 'arn:aws:codecommit:us-east-1:000000000000:wire', tags: { x: 'y' } });
  await check('UpdateRepositoryDescription', { repositoryName: 'wire', repositoryDescription: 'd' });
  await check('DeleteRepository', { repositoryName: 'wire' });
  for (const [op, input, code] of [
    ['GetRepository', { repositoryName: 'wire' }, 'RepositoryDoesNotExistException'],
    ['GetBranch', { repositoryName: 'wire' }, 'RepositoryDoesNotExistException'],
    ['CreateRepository', {}, 'RepositoryNameRequiredException'],
  ] as const) {
    const res = await callJson(t.endpoint, target(op), input);
    assert.equal(res.status, 400);
    assert.equal(res.body['__type'], code);
    assert.ok(model.operations[op]?.errors?.some((e) => e.shape === code), `${code} is an error of ${op}`);
  }
});
