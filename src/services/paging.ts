// Offset paging shared by the List/Describe operations: a token is the base64url of an offset into a stable ordering.

export interface Page<T> {
  readonly items: T[];
  readonly nextToken?: string;
}

/** The token of the page that starts at `offset`. */
export function offsetToken(offset: number): string {
  return Buffer.from(String(offset)).toString('base64url');
}

/** The offset a token from `offsetToken` names; undefined for anything else (each service words its own error). */
export function tokenOffset(token: string): number | undefined {
  const offset = Number(Buffer.from(token, 'base64url').toString('utf8'));
  return Number.isInteger(offset) && offset >= 0 ? offset : undefined;
}

/** Where a listing resumes: 0 without a token, else the token's offset; `invalid` is the service's error for a token it never issued. */
export function resumeAt(token: string | undefined, invalid: (token: string) => Error): number {
  if (token === undefined) return 0;
  const offset = tokenOffset(token);
  if (offset === undefined) throw invalid(token);
  return offset;
}

/** At most `max` items from `offset`, with the next page's token when items remain. */
export function pageAt<T>(items: readonly T[], offset: number, max: number): Page<T> {
  const slice = items.slice(offset, offset + max);
  const end = offset + slice.length;
  return end < items.length ? { items: slice, nextToken: offsetToken(end) } : { items: slice };
}
