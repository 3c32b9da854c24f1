// V2 trigger push filters (AWS-SEMANTICS §2.4): branches, tags and file paths, glob includes and excludes, excludes win.
import type { GitConfiguration, GitPushFilter } from '@aws-sdk/client-codepipeline';
import picomatch from 'picomatch';

interface Criteria {
  readonly includes?: readonly string[];
  readonly excludes?: readonly string[];
}

export interface Push {
  readonly referenceType: 'branch' | 'tag';
  /** Branch or tag name, without refs/heads/ or refs/tags/. */
  readonly name: string;
  readonly changedFiles: readonly string[];
}

function matches(value: string, criteria: Criteria): boolean {
  const glob = (patterns: readonly string[] | undefined): boolean => (patterns ?? []).some((p) => picomatch.isMatch(value, p, { dot: true }));
  if (glob(criteria.excludes)) return false;
  return criteria.includes === undefined || criteria.includes.length === 0 || glob(criteria.includes);
}

function filterMatches(filter: GitPushFilter, push: Push): boolean {
  if (filter.tags !== undefined) {
    if (push.referenceType !== 'tag' || !matches(push.name, filter.tags)) return false;
  } else if (filter.branches !== undefined) {
    if (push.referenceType !== 'branch' || !matches(push.name, filter.branches)) return false;
  } else {
    return false;
  }
  if (filter.filePaths !== undefined) return push.changedFiles.some((f) => matches(f, filter.filePaths ?? {}));
  return true;
}

/** True when any of the trigger's push filters accepts the push (a trigger with pull-request filters only never does). */
export function pushMatches(git: GitConfiguration, push: Push): boolean {
  return (git.push ?? []).some((f) => filterMatches(f, push));
}
