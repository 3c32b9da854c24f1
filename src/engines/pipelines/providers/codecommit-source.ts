// Source/AWS/CodeCommit: zips the branch tip (or the sourceRevisions commit) of a Slipway repository and sets AWS's source variables.
import { branchTip } from '../../../services/codecommit/branches.ts';
import { readCommit } from '../../../services/codecommit/content.ts';
import { gitBuffer, peelToCommit } from '../../../services/codecommit/git.ts';
import { cloneUrl, findRepository } from '../../../services/codecommit/state.ts';
import type { EngineContext } from '../../types.ts';
import { ActionFailure, type ActionProvider } from '../types.ts';
import { zipOf } from './zip.ts';

/** git's `1700000000 +0100` as AWS prints source dates: ISO 8601 in UTC. */
function isoDate(gitDate: string | undefined): string {
  const seconds = Number(gitDate?.split(' ')[0]);
  return Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') : '';
}

export function codecommitSource(ctx: EngineContext): ActionProvider {
  return {
    category: 'Source',
    owner: 'AWS',
    provider: 'CodeCommit',
    // Reading a commit is quick and repeatable: after a restart it simply runs again.
    resumable: true,
    async run(job) {
      const name = job.configuration['RepositoryName'] ?? '';
      const branch = job.configuration['BranchName'] ?? '';
      const format = job.configuration['OutputArtifactFormat'] ?? 'CODE_ZIP';
      if (format !== 'CODE_ZIP' && format !== 'CODEBUILD_CLONE_REF') {
        throw new ActionFailure(`OutputArtifactFormat is ${JSON.stringify(format)}; expected CODE_ZIP or CODEBUILD_CLONE_REF`, 'ConfigurationError');
      }
      const repo = findRepository(ctx, name);
      if (repo === undefined) throw new ActionFailure(`The CodeCommit repository ${name} does not exist in Slipway`, 'ConfigurationError');
      let commitId: string | undefined;
      if (job.sourceRevision !== undefined) {
        if (job.sourceRevision.revisionType !== 'COMMIT_ID') throw new ActionFailure(`A CodeCommit source takes a COMMIT_ID revision override, not ${job.sourceRevision.revisionType}`, 'ConfigurationError');
        commitId = await peelToCommit(repo.dir, job.sourceRevision.revisionValue);
        if (commitId === undefined) throw new ActionFailure(`Commit ${job.sourceRevision.revisionValue} does not exist in repository ${name}`, 'RevisionUnavailable');
      } else {
        commitId = await branchTip(repo, branch);
        if (commitId === undefined) throw new ActionFailure(`The branch ${branch} does not exist in repository ${name}`, 'RevisionUnavailable');
      }
      job.progress({ summary: `Fetching ${name}@${commitId.slice(0, 7)}`, externalExecutionId: commitId });
      const commit = await readCommit(repo, commitId);
      const zip =
        format === 'CODE_ZIP'
          ? await gitBuffer(repo.dir, ['archive', '--format=zip', commitId])
          : await zipOf({ 'codebuild-clone-ref.json': JSON.stringify({ repositoryName: name, cloneUrl: cloneUrl(ctx, name), branchName: branch, commitId }) });
      const message = (commit.message ?? '').trimEnd();
      const out = job.outputArtifactNames[0] ?? 'SourceArtifact';
      return {
        outputArtifacts: { [out]: zip },
        outputVariables: {
          CommitId: commitId,
          CommitMessage: message,
          RepositoryName: name,
          BranchName: branch,
          AuthorDate: isoDate(commit.author?.date),
          CommitterDate: isoDate(commit.committer?.date),
        },
        summary: message.split('\n')[0] ?? '',
        externalExecutionId: commitId,
        revision: { revisionId: commitId, revisionSummary: message.slice(0, 2048) || commitId, created: Date.parse(isoDate(commit.author?.date)) || ctx.clock.now() },
      };
    },
  };
}
