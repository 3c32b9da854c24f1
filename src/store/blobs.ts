// Content-addressed blob files (image layers, artifacts, logs): streamed, hashed, fsynced, then renamed into place.
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { mkdir, open, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { SlipwayError } from '../core/errors.ts';
import { parseDigest } from './blob-digest.ts';
import { fsyncDir, hashStream, isNotFound, mismatch, readdirIfAny, uploadNotFound, writeAll } from './blob-files.ts';

export { digestOf, isDigest, parseDigest } from './blob-digest.ts';

export interface BlobInfo {
  /** `sha256:<64 lower-case hex>`. */
  readonly digest: string;
  readonly size: number;
}

/** A byte range; `end` is inclusive, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** What `put` and `appendUpload` accept: bytes already in memory, or a stream that is never buffered whole. */
export type BlobSource = Readable | AsyncIterable<Uint8Array> | Uint8Array;

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Temp files of `put` start with this; upload sessions are named by their bare id. */
const PUT_PREFIX = 'put-';

interface UploadState {
  /** Hash of the first `size` bytes of the file; undefined after a failed append or a restart (re-hashed at commit). */
  hash: Hash | undefined;
  size: number;
  /** Serialises appends, commit and abort of one upload. */
  queue: Promise<unknown>;
}

export class BlobStore {
  readonly root: string;
  readonly #blobDir: string;
  readonly #uploadDir: string;
  readonly #uploads = new Map<string, UploadState>();
  /** Temp files this process is writing right now: never cleaned from under it. */
  readonly #busy = new Set<string>();
  #ready: Promise<void> | undefined;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'blobs');
    this.#blobDir = join(this.root, 'sha256');
    this.#uploadDir = join(this.root, 'uploads');
  }

  /** The file a blob lives in (whether or not it is present). */
  path(digest: string): string {
    const hex = parseDigest(digest);
    return join(this.#blobDir, hex.slice(0, 2), hex);
  }

  async has(digest: string): Promise<boolean> {
    return (await this.stat(digest)) !== undefined;
  }

  /** The blob's size in bytes, or undefined when it is absent. */
  async stat(digest: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(digest))).size;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Stores the content under its sha256; with `expectedDigest`, content that hashes otherwise is refused and nothing is stored. */
  async put(source: BlobSource, expectedDigest?: string): Promise<BlobInfo> {
    if (expectedDigest !== undefined) parseDigest(expectedDigest);
    await this.#ensureDirs();
    const name = `${PUT_PREFIX}${randomUUID()}`;
    const tmp = join(this.#uploadDir, name);
    this.#busy.add(name);
    try {
      const handle = await open(tmp, 'wx');
      let written: { hash: Hash; size: number };
      try {
        written = await writeAll(handle, source, createHash('sha256'), 0);
        await handle.sync();
      } finally {
        await handle.close();
      }
      const digest = `sha256:${written.hash.digest('hex')}`;
      if (expectedDigest !== undefined && digest !== expectedDigest) {
        throw mismatch(digest, written.size, expectedDigest);
      }
      await this.#install(tmp, digest);
      return { digest, size: written.size };
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    } finally {
      this.#busy.delete(name);
    }
  }

  /** Streams the blob (or `range` of it); `BlobNotFound` when absent, `InvalidRange` when the range does not fit. */
  async read(digest: string, range?: ByteRange): Promise<Readable> {
    let handle: FileHandle;
    try {
      handle = await open(this.path(digest), 'r');
    } catch (error) {
      if (isNotFound(error)) throw new SlipwayError('BlobNotFound', `Blob ${digest} is not in the blob store`, { cause: error });
      throw error;
    }
    try {
      if (range !== undefined) {
        const { size } = await handle.stat();
        const ok = Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end) && range.start >= 0 && range.start <= range.end && range.end < size;
        if (!ok) {
          throw new SlipwayError('InvalidRange', `Range ${range.start}-${range.end} does not fit blob ${digest}: expected 0 <= start <= end <= ${size - 1}`);
        }
      }
    } catch (error) {
      await handle.close();
      throw error;
    }
    // The open handle keeps the bytes readable even if the blob is deleted meanwhile.
    // 1 MiB reads: layers are large and sequential; the 64 KiB default costs many more syscalls and writes.
    const highWaterMark = 1024 * 1024;
    return handle.createReadStream(range === undefined ? { highWaterMark } : { highWaterMark, start: range.start, end: range.end });
  }

  /** Removes a blob; false when it was not there. */
  async delete(digest: string): Promise<boolean> {
    try {
      await unlink(this.path(digest));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** Every stored digest (for garbage collection); files that are not blobs are skipped. */
  async *list(): AsyncGenerator<string> {
    for (const shard of (await readdirIfAny(this.#blobDir)).sort()) {
      if (!/^[0-9a-f]{2}$/.test(shard)) continue;
      for (const name of (await readdirIfAny(join(this.#blobDir, shard))).sort()) {
        if (/^[0-9a-f]{64}$/.test(name) && name.startsWith(shard)) yield `sha256:${name}`;
      }
    }
  }

  // Upload sessions: a blob sent in chunks over many requests (OCI chunked upload), resumable across restarts.

  /** Starts an empty upload and returns its id. */
  async startUpload(): Promise<string> {
    await this.#ensureDirs();
    const id = randomUUID();
    const handle = await open(join(this.#uploadDir, id), 'wx');
    await handle.close();
    this.#uploads.set(id, { hash: createHash('sha256'), size: 0, queue: Promise.resolve() });
    return id;
  }

  /** Appends bytes; with `expectedOffset`, refuses (`UploadOffsetMismatch`) unless the upload has exactly that size. Returns the new size. */
  async appendUpload(id: string, source: BlobSource, expectedOffset?: number): Promise<number> {
    return this.#withUpload(id, async (state, file) => {
      const handle = await open(file, 'r+');
      this.#busy.add(id);
      try {
        const { size } = await handle.stat();
        if (expectedOffset !== undefined && expectedOffset !== size) {
          throw new SlipwayError('UploadOffsetMismatch', `Upload ${id} has ${size} bytes; the chunk was sent for offset ${expectedOffset}`, {
            extra: { size },
          });
        }
        const known = state.hash !== undefined && state.size === size ? state.hash : undefined;
        const hash = known ?? (size === 0 ? createHash('sha256') : undefined);
        state.hash = undefined; // until the append completes, the hash may not match the file
        const written = await writeAll(handle, source, hash ?? createHash('sha256'), size);
        await handle.sync();
        state.size = written.size;
        state.hash = hash === undefined ? undefined : written.hash;
        return written.size;
      } catch (error) {
        // A failed append may have written part of its bytes: the file size stays the truth, the hash is redone at commit.
        state.size = -1;
        throw error;
      } finally {
        this.#busy.delete(id);
        await handle.close();
      }
    });
  }

  /** Bytes received so far. */
  async uploadSize(id: string): Promise<number> {
    const file = this.#uploadFile(id);
    try {
      return (await stat(file)).size;
    } catch (error) {
      if (isNotFound(error)) throw uploadNotFound(id, error);
      throw error;
    }
  }

  /** Stores the upload as a blob when it hashes to `expectedDigest`; on `DigestMismatch` nothing is stored and the upload stays. */
  async commitUpload(id: string, expectedDigest: string): Promise<BlobInfo> {
    parseDigest(expectedDigest);
    return this.#withUpload(id, async (state, file) => {
      this.#busy.add(id);
      try {
        const handle = await open(file, 'r');
        let size: number;
        let digest: string;
        try {
          size = (await handle.stat()).size;
          let hash = state.hash !== undefined && state.size === size ? state.hash.copy() : undefined;
          // No hash state (restart, failed append): hash what is on disk.
          hash ??= await hashStream(handle.createReadStream({ autoClose: false, start: 0 }));
          digest = `sha256:${hash.digest('hex')}`;
          if (digest === expectedDigest) await handle.sync();
        } finally {
          await handle.close();
        }
        if (digest !== expectedDigest) throw mismatch(digest, size, expectedDigest);
        await this.#install(file, digest);
        this.#uploads.delete(id);
        return { digest, size };
      } finally {
        this.#busy.delete(id);
      }
    });
  }

  /** Discards an upload; aborting one that is gone is not an error. */
  async abortUpload(id: string): Promise<void> {
    const file = this.#uploadFile(id);
    const state = this.#uploads.get(id);
    if (state !== undefined) await state.queue.catch(() => {});
    this.#uploads.delete(id);
    await rm(file, { force: true });
  }

  /**
   * Removes what interrupted writes left: every `put` temp file this process is not writing, and upload
   * sessions untouched for `olderThanMs`. Called at start-up; returns how many files were removed.
   */
  async cleanStaleUploads(olderThanMs: number, now: number = Date.now()): Promise<number> {
    let removed = 0;
    for (const name of await readdirIfAny(this.#uploadDir)) {
      if (this.#busy.has(name)) continue;
      const file = join(this.#uploadDir, name);
      if (!name.startsWith(PUT_PREFIX)) {
        let mtime: number;
        try {
          mtime = (await stat(file)).mtimeMs;
        } catch (error) {
          if (isNotFound(error)) continue;
          throw error;
        }
        if (now - mtime < olderThanMs) continue;
        this.#uploads.delete(name);
      }
      await rm(file, { force: true, recursive: true });
      removed++;
    }
    return removed;
  }

  #uploadFile(id: string): string {
    if (!UPLOAD_ID.test(id)) throw uploadNotFound(id);
    return join(this.#uploadDir, id);
  }

  /** Runs `fn` after every earlier operation on the same upload; recovers state for uploads from before a restart. */
  async #withUpload<T>(id: string, fn: (state: UploadState, file: string) => Promise<T>): Promise<T> {
    const file = this.#uploadFile(id);
    let state = this.#uploads.get(id);
    if (state === undefined) {
      try {
        await stat(file);
      } catch (error) {
        if (isNotFound(error)) throw uploadNotFound(id, error);
        throw error;
      }
      state = this.#uploads.get(id) ?? { hash: undefined, size: -1, queue: Promise.resolve() };
      this.#uploads.set(id, state);
    }
    const s = state;
    const run = s.queue.catch(() => {}).then(async () => {
      // Aborted or committed while waiting in the queue.
      if (this.#uploads.get(id) !== s) throw uploadNotFound(id);
      return fn(s, file);
    });
    s.queue = run;
    return run;
  }

  /** Moves a fully written, fsynced temp file to its digest's path (atomic rename), then makes the rename durable. */
  async #install(tmp: string, digest: string): Promise<void> {
    const target = this.path(digest);
    const shard = join(target, '..');
    await mkdir(shard, { recursive: true });
    // Same bytes under the same name: when two writers race, either rename leaves a whole, correct file.
    await rename(tmp, target);
    await fsyncDir(shard);
  }

  #ensureDirs(): Promise<void> {
    this.#ready ??= (async () => {
      await mkdir(this.#blobDir, { recursive: true });
      await mkdir(this.#uploadDir, { recursive: true });
    })();
    const ready = this.#ready;
    ready.catch(() => {
      if (this.#ready === ready) this.#ready = undefined;
    });
    return ready;
  }
}
