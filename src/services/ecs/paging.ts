// ECS's nextToken paging for the List operations: the shared offset tokens, with ECS's default page size and error.
import { SlipwayError } from '../../core/errors.ts';
import { pageAt, resumeAt, type Page } from '../paging.ts';

export function page<T>(items: readonly T[], maxResults: number | undefined, nextToken: string | undefined): Page<T> {
  const start = resumeAt(nextToken, (t) => new SlipwayError('InvalidParameterException', `nextToken: found "${t}", expected a token from a previous response`));
  return pageAt(items, start, maxResults ?? 100);
}
