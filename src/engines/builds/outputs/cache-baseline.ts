// Whether an unkeyed cache changed since the build restored it, decided from file metadata and, for the few files whose metadata moved, their content.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ArchiveEntry } from './cache-archive.ts';

/** One restored file or link as it was on disk right after the restore. */
interface BaselineFile {
  /** Everything lstat says that a write, rename, chmod or touch changes: any difference means "look closer". */
  readonly stat: string;
  /** What must stay equal for the file to count as unchanged whatever its times say. */
  readonly shape: string;
  /** SHA-256 of the content as restored (small files only; a big file whose stat moved counts as changed). */
  readonly sha256: string | undefined;
}

/**
 * An unkeyed cache as this build restored it: the index entry it came from and every restored file's metadata.
 * Taken only when the files under the cache paths are exactly the archive's, nothing more or less.
 */
export interface CacheBaseline {
  readonly scope: string;
  readonly key: string;
  readonly version: string;
  readonly digest: string;
  readonly files: ReadonlyMap<string, BaselineFile>;
}

function shapeOf(e: ArchiveEntry): string {
  return `${e.kind}\0${e.linkTarget ?? ''}\0${e.size}\0${e.mode}`;
}

// The change time is the part a build cannot set back (npm gives unpacked files one fixed mtime, so a package
// replaced by another of the same size keeps size and mtime); a replaced file also gets a new inode.
function statOf(e: ArchiveEntry): string {
  return `${shapeOf(e)}\0${e.mtime.getTime()}\0${e.ctimeMs}\0${e.ino}`;
}

/**
 * The baseline of a restore: `entries` is a scan of the cache paths just after it, `restored` what the archive
 * held (name → content hash). Undefined when they differ (the source had other files under the cache paths).
 */
export function baselineOf(
  identity: Omit<CacheBaseline, 'files'>,
  entries: readonly ArchiveEntry[],
  restored: ReadonlyMap<string, string | undefined>,
): CacheBaseline | undefined {
  if (entries.length !== restored.size) return undefined;
  const files = new Map<string, BaselineFile>();
  for (const e of entries) {
    if (!restored.has(e.name)) return undefined;
    files.set(e.name, { stat: statOf(e), shape: shapeOf(e), sha256: restored.get(e.name) });
  }
  return { ...identity, files };
}

/**
 * True when `entries` (a scan at save time) hold what the baseline restored: the same names, and each file either
 * with the same metadata or, when only its times or inode moved (a tool rewrote it), the same content. So npm
 * rewriting `node_modules/.package-lock.json` with the same text is no change; one changed byte is.
 */
export async function unchangedSince(baseline: CacheBaseline, entries: readonly ArchiveEntry[]): Promise<boolean> {
  if (entries.length !== baseline.files.size) return false;
  const recheck: Array<{ entry: ArchiveEntry; sha256: string }> = [];
  for (const e of entries) {
    const before = baseline.files.get(e.name);
    if (before === undefined) return false;
    if (before.stat === statOf(e)) continue;
    if (before.shape !== shapeOf(e) || e.kind !== 'file' || before.sha256 === undefined) return false;
    recheck.push({ entry: e, sha256: before.sha256 });
  }
  for (const { entry, sha256 } of recheck) {
    const content = await readFile(entry.abs).catch(() => undefined);
    if (content === undefined || createHash('sha256').update(content).digest('hex') !== sha256) return false;
  }
  return true;
}
