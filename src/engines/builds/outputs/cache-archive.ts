// Cache archives: cache.paths (relative to the source, or absolute container paths behind host mounts) as a tar blob.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { dirname, posix, resolve } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { SlipwayError } from '../../../core/errors.ts';
import type { BlobInfo, BlobStore } from '../../../store/blobs.ts';
import type { MatchedEntry } from './match.ts';
import { isInside, matchPattern, normalisePattern, removeIfLink, staticBase } from './match.ts';

/** A container path backed by a host directory: `/root/.npm` → `/var/lib/slipway/builds/x/root-npm`. */
export interface CacheMount {
  /** Absolute path inside the build container. */
  readonly path: string;
  /** The host directory holding that path's content. */
  readonly hostDir: string;
}

export interface CacheRoots {
  /** Host directory of CODEBUILD_SRC_DIR: relative cache paths are under it. */
  readonly srcDir: string;
  /** Host directories behind absolute cache paths; in host mode, `[{ path: '/', hostDir: '/' }]`. */
  readonly mounts?: readonly CacheMount[];
}

export interface ArchiveEntry extends MatchedEntry {
  /** `src/<rel>` or `abs/<container path without the leading slash>`. */
  readonly name: string;
}

/**
 * The container directories a runner must back with host directories (bind mounts) so absolute `cache.paths`
 * survive the container: the part of each absolute pattern before its first glob (`/root/.npm/**\/*` → `/root/.npm`).
 */
export function cacheMountPoints(paths: readonly string[]): string[] {
  const out = new Set<string>();
  for (const raw of paths) {
    const p = normalisePattern(raw);
    if (!p.startsWith('/')) continue;
    const base = staticBase(p);
    if (base !== '' && base !== '/') out.add(base);
  }
  return [...out].sort();
}

/** Longest mount containing the container path. */
function mountFor(mounts: readonly CacheMount[], containerPath: string): CacheMount | undefined {
  let best: CacheMount | undefined;
  for (const m of mounts) {
    const root = posix.resolve(m.path);
    if (!isInside(root, containerPath)) continue;
    if (best === undefined || root.length > posix.resolve(best.path).length) best = m;
  }
  return best;
}

/** Every file the cache paths select, named for the archive; absolute paths no mount covers become warnings. */
export async function cacheEntries(paths: readonly string[], roots: CacheRoots): Promise<{ entries: ArchiveEntry[]; warnings: string[] }> {
  const warnings: string[] = [];
  const byName = new Map<string, ArchiveEntry>();
  for (const raw of paths) {
    const p = normalisePattern(raw);
    if (!p.startsWith('/')) {
      // Links stay links wherever they point (node_modules/.bin): a cache restores a tree as it was.
      const found = await matchPattern(resolve(roots.srcDir), p, { keepLinks: true, linkRoot: '/', confine: roots.srcDir });
      warnings.push(...found.warnings);
      for (const e of found.entries) byName.set(`src/${e.rel}`, { ...e, name: `src/${e.rel}` });
      continue;
    }
    const base = staticBase(p);
    const mount = mountFor(roots.mounts ?? [], base === '' ? '/' : base);
    if (mount === undefined) {
      warnings.push(`cache path ${raw}: no host directory backs ${base}; not cached (the runner mounts cacheMountPoints())`);
      continue;
    }
    const mountRoot = posix.resolve(mount.path);
    const inner = mountRoot === '/' ? p.slice(1) : p.slice(mountRoot.length + 1);
    const found = await matchPattern(resolve(mount.hostDir), inner === '' ? '**/*' : inner, { keepLinks: true, linkRoot: '/', confine: mount.hostDir });
    warnings.push(...found.warnings);
    for (const e of found.entries) {
      const name = `abs${posix.join(mountRoot, e.rel)}`;
      byName.set(name, { ...e, name });
    }
  }
  const entries = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { entries, warnings };
}

/** Streams the entries as a tar into the blob store. */
export async function writeCacheTar(entries: readonly ArchiveEntry[], blobs: BlobStore): Promise<BlobInfo> {
  const pack = tar.pack();
  const put = blobs.put(pack as AsyncIterable<Uint8Array>);
  // If the store stops reading (disk full), pending entry writes must fail rather than wait forever.
  put.catch((error: unknown) => pack.destroy(error as Error));
  try {
    for (const e of entries) {
      if (e.kind === 'symlink') {
        pack.entry({ name: e.name, type: 'symlink', linkname: e.linkTarget ?? '', mode: 0o777, mtime: e.mtime });
        continue;
      }
      const sink = pack.entry({ name: e.name, type: 'file', size: e.size, mode: e.mode & 0o7777, mtime: e.mtime });
      await pipeline(createReadStream(e.abs), sink);
    }
    pack.finalize();
  } catch (error) {
    pack.destroy(error as Error);
    await put.catch(() => {});
    throw new SlipwayError('CacheSaveFailed', `Cache archive could not be written: ${(error as Error).message}`, { cause: error });
  }
  return put;
}

/**
 * Unpacks a cache tar into the roots. Each entry must land inside its root (no `..`); links are made after all
 * files so none is written through a link from the archive; names no root covers are skipped with a warning.
 */
export async function extractCacheTar(blobs: BlobStore, digest: string, roots: CacheRoots): Promise<{ files: number; warnings: string[]; restored: Map<string, string | undefined> }> {
  const warnings: string[] = [];
  /**
   * Each restored file or link by archive name, in archive order, with the SHA-256 of a small file's content
   * (hashed from the buffer it is written from: no second read); for a baseline (cache-baseline.ts).
   */
  const restored = new Map<string, string | undefined>();
  const links: Array<{ target: string; link: string }> = [];
  let files = 0;
  const made = new Set<string>();
  const ensureDir = async (dir: string): Promise<void> => {
    if (made.has(dir)) return;
    await mkdir(dir, { recursive: true });
    made.add(dir);
  };
  const writes = new WritePool(PARALLEL_WRITES);
  const extract = tar.extract();
  const source = await blobs.read(digest);
  const piping = pipeline(source, extract);
  piping.catch(() => {});
  try {
    for await (const entry of extract) {
      const dest = destinationOf(entry.header.name, roots, warnings);
      const type = entry.header.type;
      if (dest === undefined || (type !== 'file' && type !== 'symlink' && type !== 'directory')) {
        entry.resume();
        continue;
      }
      if (type === 'directory') {
        await ensureDir(dest);
        entry.resume();
        continue;
      }
      await ensureDir(dirname(dest));
      if (type === 'symlink') {
        restored.set(entry.header.name, undefined);
        links.push({ target: entry.header.linkname ?? '', link: dest });
        entry.resume();
        continue;
      }
      const { mode = 0o644, mtime, size = 0 } = entry.header;
      // The archive is read in order, but small files are written in parallel (caches are mostly many small files:
      // one write at a time made restoring node_modules slower than installing it); big ones stream.
      if (size <= SMALL_FILE_BYTES) {
        const content = await buffer(entry);
        restored.set(entry.header.name, createHash('sha256').update(content).digest('hex'));
        await writes.add(async () => {
          await removeIfLink(dest);
          await writeFile(dest, content, { mode });
          if (mtime !== undefined) await utimes(dest, mtime, mtime);
        });
      } else {
        restored.set(entry.header.name, undefined);
        await removeIfLink(dest);
        await pipeline(entry, createWriteStream(dest, { mode }));
        if (mtime !== undefined) await utimes(dest, mtime, mtime);
      }
      files++;
    }
    await writes.drain();
    await piping;
  } catch (error) {
    source.destroy();
    await writes.drain().catch(() => {});
    if (error instanceof SlipwayError) throw error;
    throw new SlipwayError('CacheRestoreFailed', `Cache ${digest} could not be restored: ${(error as Error).message}`, { cause: error });
  }
  for (const { target, link } of links) {
    await rm(link, { force: true, recursive: true });
    await symlink(target, link);
    files++;
  }
  return { files, warnings, restored };
}

const SMALL_FILE_BYTES = 1024 * 1024;
const PARALLEL_WRITES = 16;

/** At most `limit` writes in flight; the first failure surfaces from add() or drain(). */
class WritePool {
  readonly #limit: number;
  readonly #inFlight = new Set<Promise<void>>();
  #failure: Error | undefined;

  constructor(limit: number) {
    this.#limit = limit;
  }

  #check(): void {
    const failure = this.#failure;
    if (failure !== undefined) throw failure;
  }

  async add(write: () => Promise<void>): Promise<void> {
    this.#check();
    const p: Promise<void> = write().then(
      () => void this.#inFlight.delete(p),
      (error: unknown) => {
        this.#inFlight.delete(p);
        this.#failure ??= error instanceof Error ? error : new Error(String(error));
      },
    );
    this.#inFlight.add(p);
    if (this.#inFlight.size >= this.#limit) await Promise.race(this.#inFlight);
    this.#check();
  }

  async drain(): Promise<void> {
    await Promise.all(this.#inFlight);
    this.#check();
  }
}

function destinationOf(name: string, roots: CacheRoots, warnings: string[]): string | undefined {
  let root: string;
  let rel: string;
  if (name.startsWith('src/')) {
    root = resolve(roots.srcDir);
    rel = name.slice('src/'.length);
  } else if (name.startsWith('abs/')) {
    const containerPath = posix.resolve('/', name.slice('abs'.length));
    const mount = mountFor(roots.mounts ?? [], containerPath);
    if (mount === undefined) {
      warnings.push(`${containerPath}: no host directory backs it in this build; not restored`);
      return undefined;
    }
    root = resolve(mount.hostDir);
    rel = posix.relative(posix.resolve(mount.path), containerPath);
  } else {
    warnings.push(`${name}: not a Slipway cache entry; skipped`);
    return undefined;
  }
  const dest = resolve(root, rel);
  if (!isInside(root, dest) || dest === root) {
    throw new SlipwayError('CacheRestoreFailed', `Cache entry ${JSON.stringify(name)} would be written outside ${root}; refused`);
  }
  return dest;
}
