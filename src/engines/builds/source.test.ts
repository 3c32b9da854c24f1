import { CodeCommitClient, CreateBranchCommand, CreateRepositoryCommand, PutFileCommand } from '@aws-sdk/client-codecommit';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createProject, runBuild, startBuildHarness, type BuildHarness } from './testing.ts';

let h: BuildHarness;
let dir: string;

before(async () => {
  h = await startBuildHarness();
  dir = mkdtempSync(join(tmpdir(), 'slipway-build-src-'));
});

after(async () => {
  await h.stop();
  rmSync(dir, { recursive: true, force: true });
});

const BUILDSPEC = 'version: 0.2\nphases:\n  build:\n    commands:\n      - cat app.txt\n      - echo "resolved=$CODEBUILD_RESOLVED_SOURCE_VERSION"\n';

test('CODECOMMIT source: the branch or commit given as sourceVersion is checked out and reported as resolvedSourceVersion', async () => {
  const cc = new CodeCommitClient(h.t.sdk);
  const repo = (await cc.send(new CreateRepositoryCommand({ repositoryName: 'build-src' }))).repositoryMetadata;
  const first = await cc.send(new PutFileCommand({ repositoryName: 'build-src', branchName: 'main', filePath: 'buildspec.yml', fileContent: Buffer.from(BUILDSPEC) }));
  const second = await cc.send(new PutFileCommand({ repositoryName: 'build-src', branchName: 'main', filePath: 'app.txt', fileContent: Buffer.from('v1\n'), parentCommitId: first.commitId }));
  await cc.send(new CreateBranchCommand({ repositoryName: 'build-src', branchName: 'release', commitId: second.commitId }));
  const third = await cc.send(new PutFileCommand({ repositoryName: 'build-src', branchName: 'main', filePath: 'app.txt', fileContent: Buffer.from('v2\n'), parentCommitId: second.commitId }));
  const project = await createProject(h, '', { source: { type: 'CODECOMMIT', location: repo?.cloneUrlHttp ?? '' } });

  const main = await runBuild(h, project, { sourceVersion: 'main' });
  assert.equal(main.build.buildStatus, 'SUCCEEDED', main.log.join('\n'));
  assert.equal(main.build.resolvedSourceVersion, third.commitId);
  assert.deepEqual(main.output, ['v2', `resolved=${third.commitId ?? ''}`]);

  const release = await runBuild(h, project, { sourceVersion: 'release' });
  assert.deepEqual(release.output, ['v1', `resolved=${second.commitId ?? ''}`]);

  const byCommit = await runBuild(h, project, { sourceVersion: second.commitId });
  assert.equal(byCommit.build.resolvedSourceVersion, second.commitId);

  const missing = await runBuild(h, project, { sourceVersion: 'no-such-branch' });
  assert.equal(missing.build.buildStatus, 'FAILED');
  assert.match(missing.build.phases?.find((p) => p.phaseType === 'DOWNLOAD_SOURCE')?.contexts?.[0]?.message ?? '', /no-such-branch/);
});

test('gitCloneDepth (project) and gitCloneDepthOverride (StartBuild): a shallow clone of that many commits; 0 clones the whole history', async () => {
  const cc = new CodeCommitClient(h.t.sdk);
  const repo = (await cc.send(new CreateRepositoryCommand({ repositoryName: 'shallow-src' }))).repositoryMetadata;
  const spec = 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo "commits=$(git rev-list --count HEAD)"\n';
  const c1 = await cc.send(new PutFileCommand({ repositoryName: 'shallow-src', branchName: 'main', filePath: 'buildspec.yml', fileContent: Buffer.from(spec) }));
  const c2 = await cc.send(new PutFileCommand({ repositoryName: 'shallow-src', branchName: 'main', filePath: 'a.txt', fileContent: Buffer.from('2\n'), parentCommitId: c1.commitId }));
  await cc.send(new CreateBranchCommand({ repositoryName: 'shallow-src', branchName: 'release', commitId: c2.commitId }));
  const c3 = await cc.send(new PutFileCommand({ repositoryName: 'shallow-src', branchName: 'main', filePath: 'a.txt', fileContent: Buffer.from('3\n'), parentCommitId: c2.commitId }));
  await cc.send(new PutFileCommand({ repositoryName: 'shallow-src', branchName: 'main', filePath: 'a.txt', fileContent: Buffer.from('4\n'), parentCommitId: c3.commitId }));
  assert.ok(c3.commitId !== undefined);
  // Host mode: the build needs a git command, which the busybox image lacks.
  const project = await createProject(h, '', { image: 'slipway:host', source: { type: 'CODECOMMIT', location: repo?.cloneUrlHttp ?? '', gitCloneDepth: 1 } });
  const commits = async (overrides: Parameters<typeof runBuild>[2] = {}): Promise<string | undefined> => {
    const { build, output, log } = await runBuild(h, project, overrides);
    assert.equal(build.buildStatus, 'SUCCEEDED', log.join('\n'));
    return output.find((l) => l.startsWith('commits='));
  };
  assert.equal(await commits(), 'commits=1');
  assert.equal(await commits({ gitCloneDepthOverride: 0 }), 'commits=4');
  assert.equal(await commits({ gitCloneDepthOverride: 2 }), 'commits=2');
  assert.equal(await commits({ sourceVersion: 'release' }), 'commits=1');
  // A commit below the shallow history of every branch is fetched by itself, at the same depth.
  const old = await runBuild(h, project, { sourceVersion: c3.commitId, gitCloneDepthOverride: 1 });
  assert.equal(old.build.resolvedSourceVersion, c3.commitId, old.log.join('\n'));
  assert.ok(old.output.includes('commits=1'), old.log.join('\n'));
  assert.equal(old.build.source?.gitCloneDepth, 1);
});

test('a local directory source (NO_SOURCE with a location) is copied into CODEBUILD_SRC_DIR and its buildspec.yml is read', async () => {
  writeFileSync(join(dir, 'buildspec.yml'), BUILDSPEC);
  writeFileSync(join(dir, 'app.txt'), 'local\n');
  const project = await createProject(h, '', { source: { type: 'NO_SOURCE', location: dir } });
  const { build, output } = await runBuild(h, project);
  assert.equal(build.buildStatus, 'SUCCEEDED');
  assert.deepEqual(output, ['local', 'resolved=']);
});

test('a pipeline artifact (CODEPIPELINE with a location) resolves to the source revision the pipeline passes as sourceVersion', async () => {
  const artifact = mkdtempSync(join(dir, 'artifact-'));
  writeFileSync(join(artifact, 'buildspec.yml'), BUILDSPEC);
  writeFileSync(join(artifact, 'app.txt'), 'from the pipeline\n');
  const project = await createProject(h, '', { source: { type: 'CODEPIPELINE' }, artifacts: { type: 'CODEPIPELINE' } });
  const commit = '0123456789abcdef0123456789abcdef01234567';
  const { build, output } = await runBuild(h, project, { sourceTypeOverride: 'CODEPIPELINE', sourceLocationOverride: artifact, sourceVersion: commit });
  assert.equal(build.buildStatus, 'SUCCEEDED');
  assert.equal(build.resolvedSourceVersion, commit);
  assert.deepEqual(output, ['from the pipeline', `resolved=${commit}`]);
});

test('a missing buildspec file fails DOWNLOAD_SOURCE with YAML_FILE_ERROR', async () => {
  const empty = mkdtempSync(join(dir, 'empty-'));
  const project = await createProject(h, '', { source: { type: 'NO_SOURCE', location: empty } });
  const { build } = await runBuild(h, project);
  assert.equal(build.buildStatus, 'FAILED');
  assert.equal(build.phases?.find((p) => p.phaseType === 'DOWNLOAD_SOURCE')?.contexts?.[0]?.statusCode, 'YAML_FILE_ERROR');
});
