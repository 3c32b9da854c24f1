import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PipelineDeclaration } from '@aws-sdk/client-codepipeline';
import { createBranch } from '../../services/codecommit/branches.ts';
import { putFile } from '../../services/codecommit/content.ts';
import { createRepository } from '../../services/codecommit/repositories.ts';
import { listActionExecutions } from '../../services/codepipeline/views.ts';
import { createPipeline } from '../../services/codepipeline/pipelines.ts';
import { listPipelineExecutions } from '../../services/codepipeline/executions.ts';
import { pushMatches } from './git-filters.ts';
import { startHarness } from './testing.ts';

test('push filters: branches or tags, file paths, glob includes and excludes, excludes win', () => {
  const git = { sourceActionName: 'Source', push: [{ branches: { includes: ['main', 'release/**'], excludes: ['release/old-*'] }, filePaths: { includes: ['api/**'], excludes: ['**/*.md'] } }, { tags: { includes: ['v*'] } }] };
  const branch = (name: string, files: string[]): boolean => pushMatches(git, { referenceType: 'branch', name, changedFiles: files });
  assert.equal(branch('main', ['api/src/app.ts']), true);
  assert.equal(branch('release/2026/01', ['api/x.js']), true);
  assert.equal(branch('release/old-1', ['api/x.js']), false);
  assert.equal(branch('feature/x', ['api/x.js']), false);
  assert.equal(branch('main', ['api/README.md']), false);
  assert.equal(branch('main', ['web/app.ts', 'api/README.md', 'api/y.ts']), true);
  assert.equal(pushMatches(git, { referenceType: 'tag', name: 'v1.2', changedFiles: [] }), true);
  assert.equal(pushMatches(git, { referenceType: 'tag', name: 'nightly', changedFiles: [] }), false);
  assert.equal(pushMatches({ sourceActionName: 'Source', pullRequest: [{ events: ['OPEN'] }] }, { referenceType: 'branch', name: 'main', changedFiles: ['a'] }), false);
});

function monoPipeline(name: string, trigger?: NonNullable<PipelineDeclaration['triggers']>[number]['gitConfiguration']): PipelineDeclaration {
  return {
    name,
    roleArn: 'arn:aws:iam::000000000000:role/pipeline-role',
    artifactStore: { type: 'S3', location: 'slipway-artifacts' },
    pipelineType: 'V2',
    stages: [
      {
        name: 'Source',
        actions: [
          {
            name: 'Source',
            actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeCommit', version: '1' },
            configuration: { RepositoryName: 'mono', BranchName: 'main' },
            outputArtifacts: [{ name: 'Code' }],
          },
        ],
      },
      { name: 'Build', actions: [{ name: 'Build', actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' }, configuration: { ProjectName: name }, inputArtifacts: [{ name: 'Code' }] }] },
    ],
    ...(trigger === undefined ? {} : { triggers: [{ providerType: 'CodeStarSourceConnection', gitConfiguration: trigger }] }),
  };
}

test('a multi-module repository runs only the pipelines whose files changed; a branch filter takes the pushed commit', async () => {
  const h = startHarness();
  try {
    h.build.defaultMs = 0;
    await createRepository({ repositoryName: 'mono' }, h.op);
    const first = await putFile({ repositoryName: 'mono', branchName: 'main', filePath: 'README.md', fileContent: Buffer.from('mono\n') }, h.op);
    createPipeline({ pipeline: monoPipeline('orders', { sourceActionName: 'Source', push: [{ branches: { includes: ['main'] }, filePaths: { includes: ['orders/**'] } }] }) }, h.op);
    createPipeline({ pipeline: monoPipeline('billing', { sourceActionName: 'Source', push: [{ branches: { includes: ['main'] }, filePaths: { includes: ['billing/**'], excludes: ['**/*.md'] } }] }) }, h.op);
    createPipeline({ pipeline: monoPipeline('releases', { sourceActionName: 'Source', push: [{ branches: { includes: ['release/*'] } }] }) }, h.op);
    createPipeline({ pipeline: monoPipeline('everything') }, h.op);
    const runs = (name: string): string[] => (listPipelineExecutions({ pipelineName: name }, h.op).pipelineExecutionSummaries ?? []).map((e) => `${e.trigger?.triggerType}:${e.status}`);
    const settled = (): boolean => ['orders', 'billing', 'releases', 'everything'].every((n) => runs(n).every((r) => !r.endsWith('InProgress')));
    await h.until('the creation runs end', settled);

    const orders = await putFile({ repositoryName: 'mono', branchName: 'main', filePath: 'orders/app.js', fileContent: Buffer.from('1'), parentCommitId: first.commitId }, h.op);
    const docs = await putFile({ repositoryName: 'mono', branchName: 'main', filePath: 'billing/README.md', fileContent: Buffer.from('2'), parentCommitId: orders.commitId }, h.op);
    const billing = await putFile({ repositoryName: 'mono', branchName: 'main', filePath: 'billing/app.js', fileContent: Buffer.from('3'), parentCommitId: docs.commitId }, h.op);
    await createBranch({ repositoryName: 'mono', branchName: 'release/1', commitId: billing.commitId }, h.op);
    await h.until('the push runs end', () => settled() && runs('releases').length === 2 && runs('everything').length === 4);
    assert.deepEqual(runs('orders'), ['WebhookV2:Succeeded', 'CreatePipeline:Succeeded']);
    assert.deepEqual(runs('billing'), ['WebhookV2:Succeeded', 'CreatePipeline:Succeeded']);
    assert.deepEqual(runs('releases'), ['WebhookV2:Succeeded', 'CreatePipeline:Succeeded']);
    // Three pushes to main start three runs; one that waits while another holds the source stage may be superseded.
    const everything = runs('everything');
    assert.equal(everything[0], 'CloudWatchEvent:Succeeded');
    assert.equal(everything[3], 'CreatePipeline:Succeeded');
    for (const r of everything.slice(1, 3)) assert.match(r, /^CloudWatchEvent:(Succeeded|Superseded)$/);
    const commitOf = (name: string): string | undefined => {
      const id = listPipelineExecutions({ pipelineName: name }, h.op).pipelineExecutionSummaries?.[0]?.pipelineExecutionId;
      return listActionExecutions({ pipelineName: name, filter: { pipelineExecutionId: id ?? '' } }, h.op).actionExecutionDetails?.find((a) => a.actionName === 'Source')?.output?.outputVariables?.['CommitId'];
    };
    assert.equal(commitOf('orders'), orders.commitId);
    assert.equal(commitOf('billing'), billing.commitId);
    assert.equal(commitOf('releases'), billing.commitId);
  } finally {
    await h.stop();
  }
});
