// Blob store file helpers: bounded streaming writes with hashing, directory fsync, and the store's own errors.
import { createHash, type Hash } from 'node:crypto';
import { open, readdir, type FileHandle } from 'node:fs/promises';
import { SlipwayError } from '../core/errors.ts';
import type { BlobSource } from './blobs.ts';

/** Writes `source` at `position` onward, hashing what was written; awaits each write, so memory stays bounded. */
export async function writeAll(handle: FileHandle, source: BlobSource, hash: Hash, position: number): Promise<{ hash: Hash; size: number }> {
  let at = position;
  const write = async (chunk: Uint8Array): Promise<void> => {
    let done = 0;
    while (done < chunk.byteLength) {
      const { bytesWritten } = await handle.write(chunk, done, chunk.byteLength - done, at + done);
      done += bytesWritten;
    }
    hash.update(chunk);
    at += chunk.byteLength;
  };
  if (source instanceof Uint8Array) {
    await write(source);
  } else {
    for await (const chunk of source as AsyncIterable<unknown>) {
      if (typeof chunk === 'string') await write(Buffer.from(chunk));
      else if (chunk instanceof Uint8Array) await write(chunk);
      else throw new SlipwayError('InvalidBlobSource', `A blob stream yielded ${typeof chunk}; expected bytes (Buffer or Uint8Array)`);
    }
  }
  return { hash, size: at };
}

export async function hashStream(stream: AsyncIterable<unknown>): Promise<Hash> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Uint8Array);
  return hash;
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems refuse fsync on a directory; the rename itself is still atomic.
    if (!isCode(error, 'EINVAL') && !isCode(error, 'EISDIR') && !isCode(error, 'EPERM')) throw error;
  } finally {
    await handle.close();
  }
}

export async function readdirIfAny(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

export function mismatch(found: string, size: number, expected: string): SlipwayError {
  return new SlipwayError('DigestMismatch', `Blob content hashes to ${found} (${size} bytes); expected ${expected}. Nothing was stored.`, {
    extra: { found, expected, size },
  });
}

export function uploadNotFound(id: string, cause?: unknown): SlipwayError {
  const shown = id.length > 60 ? `${id.slice(0, 57)}...` : id;
  return new SlipwayError('UploadNotFound', `Upload ${JSON.stringify(shown)} is not in progress: it was never started, or was committed, aborted or cleaned up`, {
    cause,
  });
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

export function isNotFound(error: unknown): boolean {
  return isCode(error, 'ENOENT');
}
