// Blob digests: the `sha256:<hex>` names of blobs, parsed and computed.
import { createHash } from 'node:crypto';
import { SlipwayError } from '../core/errors.ts';

const DIGEST = /^sha256:([0-9a-f]{64})$/;

/** Returns the hex part of a digest, or throws `InvalidDigest` naming what was found. */
export function parseDigest(digest: string): string {
  const m = DIGEST.exec(digest);
  if (m?.[1] === undefined) {
    const shown = digest.length > 80 ? `${digest.slice(0, 77)}...` : digest;
    throw new SlipwayError('InvalidDigest', `Invalid digest ${JSON.stringify(shown)}: expected "sha256:" followed by 64 lower-case hex characters`);
  }
  return m[1];
}

export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

/** The digest of bytes in memory (small manifests, tests). */
export function digestOf(data: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
