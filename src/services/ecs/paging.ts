// nextToken paging shared by the List operations: the token is the opaque offset into a stable ordering.
import { SlipwayError } from '../../core/errors.ts';

export function page<T>(items: readonly T[], maxResults: number | undefined, nextToken: string | undefined): { items: T[]; nextToken?: string } {
  let start = 0;
  if (nextToken !== undefined) {
    const decoded = Number(Buffer.from(nextToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded < 0) throw new SlipwayError('InvalidParameterException', `nextToken: found "${nextToken}", expected a token from a previous response`);
    start = decoded;
  }
  const size = maxResults ?? 100;
  const slice = items.slice(start, start + size);
  const end = start + slice.length;
  return end < items.length ? { items: slice, nextToken: Buffer.from(String(end)).toString('base64url') } : { items: slice };
}
