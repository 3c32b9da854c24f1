// The buildspec cache between builds: key, fallback-keys and action as AWS's S3 cache, archives indexed in SQLite.
import { createHash } from 'node:crypto';
import type { EventBus } from '../../../core/events.ts';
import type { Cache } from '../../../specs/buildspec/model.ts';
import type { BlobStore } from '../../../store/blobs.ts';
import type { Migration, Row, Store } from '../../../store/db.ts';
import { num, str } from '../../../store/db.ts';
import type { CacheRoots } from './cache-archive.ts';
import { cacheEntries, extractCacheTar, writeCacheTar } from './cache-archive.ts';
import { baselineOf, unchangedSince, type CacheBaseline } from './cache-baseline.ts';
import { normalisePattern } from './match.ts';

export const CACHE_MIGRATIONS: readonly Migration[] = [
  {
    id: 'codebuild-cache/001-entries',
    sql: `CREATE TABLE codebuild_cache_entries (
      scope TEXT NOT NULL,
      cache_key TEXT NOT NULL,
      version TEXT NOT NULL,
      digest TEXT NOT NULL,
      size INTEGER NOT NULL,
      files INTEGER NOT NULL,
      project TEXT NOT NULL,
      created INTEGER NOT NULL,
      PRIMARY KEY (scope, cache_key, version)
    );
    CREATE INDEX codebuild_cache_entries_digest ON codebuild_cache_entries(digest);`,
  },
];

/** Keyed caches are shared by every project (as AWS's are within one cache location); unkeyed ones are per project. */
const SHARED_SCOPE = 'key';
const MAX_FALLBACK_KEYS = 5;

export interface CacheOptions extends CacheRoots {
  readonly store: Store;
  readonly blobs: BlobStore;
  /** The project the build belongs to (its name or ARN): unkeyed caches belong to it alone. */
  readonly projectKey: string;
  readonly cache: Cache;
  /** cache.key as the build's shell evaluated it (`npm-$(codebuild-hash-files package-lock.json)`); default: literal. */
  readonly key?: string;
  /** cache.fallback-keys, evaluated likewise; default: literal. */
  readonly fallbackKeys?: readonly string[];
  /** When given, `codebuild.cache.saved` is published in the index transaction. */
  readonly bus?: EventBus;
  readonly now?: () => number;
  /** saveCache: what this build restored (RestoreResult.baseline); an unchanged cache is then not saved again. */
  readonly restored?: CacheBaseline;
}

export type { CacheBaseline } from './cache-baseline.ts';

export interface CacheEntryInfo {
  readonly key: string;
  readonly version: string;
  readonly digest: string;
  readonly size: number;
  readonly files: number;
  readonly project: string;
  readonly created: number;
}

export type RestoreResult =
  | { readonly status: 'skipped'; readonly reason: string }
  | { readonly status: 'miss'; readonly key: string; readonly triedKeys: readonly string[] }
  | {
      readonly status: 'hit' | 'fallback';
      /** The key the restored cache was saved under (for a fallback, the newest key with that prefix). */
      readonly matchedKey: string;
      readonly entry: CacheEntryInfo;
      readonly files: number;
      readonly warnings: readonly string[];
      /** For saveCache's `restored`; absent when the save will not replace this entry (keyed caches). */
      readonly baseline?: CacheBaseline;
    };

export type SaveResult =
  | { readonly status: 'skipped'; readonly reason: string; readonly warnings: readonly string[] }
  /** The files are as restored and the index still holds that archive: nothing is written. */
  | { readonly status: 'unchanged'; readonly entry: CacheEntryInfo; readonly warnings: readonly string[] }
  | { readonly status: 'saved'; readonly entry: CacheEntryInfo; readonly warnings: readonly string[] };

/**
 * The cache version: a hash of the cache paths. AWS treats caches of different paths as distinct even under one
 * key, so changing cache.paths never restores a tree laid out for other paths.
 */
export function cacheVersion(paths: readonly string[]): string {
  const normalised = [...new Set(paths.map(normalisePattern))].sort();
  return createHash('sha256').update(JSON.stringify(normalised)).digest('hex').slice(0, 32);
}

/** Restores the best cache for this build: exact key, else each fallback key by prefix (newest first), in order. */
export async function restoreCache(options: CacheOptions): Promise<RestoreResult> {
  const { cache } = options;
  if (cache.action === 'save') return { status: 'skipped', reason: 'cache action is save: nothing is restored' };
  if (cache.paths.length === 0) return { status: 'skipped', reason: 'cache has no paths' };
  options.store.migrate(CACHE_MIGRATIONS);
  const version = cacheVersion(cache.paths);
  const key = options.key ?? cache.key;
  let found: { row: Row; status: 'hit' | 'fallback' } | undefined;
  const tried: string[] = [];
  if (key === undefined) {
    const row = options.store.get('SELECT * FROM codebuild_cache_entries WHERE scope = ? AND cache_key = ? AND version = ?', projectScope(options.projectKey), '', version);
    tried.push('');
    if (row !== undefined) found = { row, status: 'hit' };
  } else {
    tried.push(key);
    const exact = options.store.get('SELECT * FROM codebuild_cache_entries WHERE scope = ? AND cache_key = ? AND version = ?', SHARED_SCOPE, key, version);
    if (exact !== undefined) found = { row: exact, status: 'hit' };
    // fallback-keys are ignored without a key, as AWS documents.
    for (const prefix of (options.fallbackKeys ?? cache.fallbackKeys).slice(0, MAX_FALLBACK_KEYS)) {
      if (found !== undefined) break;
      tried.push(prefix);
      const row = options.store.get(
        `SELECT * FROM codebuild_cache_entries WHERE scope = ? AND version = ? AND substr(cache_key, 1, length(?)) = ?
         ORDER BY created DESC, rowid DESC LIMIT 1`,
        SHARED_SCOPE,
        version,
        prefix,
        prefix,
      );
      if (row !== undefined) found = { row, status: 'fallback' };
    }
  }
  if (found === undefined) return { status: 'miss', key: key ?? '', triedKeys: tried };
  const entry = entryOf(found.row);
  const restored = await extractCacheTar(options.blobs, entry.digest, options);
  const result = { status: found.status, matchedKey: entry.key, entry, files: restored.files, warnings: restored.warnings };
  // Only an unkeyed cache is ever saved over the entry it came from (a keyed one is never updated).
  if (key !== undefined || cache.action === 'restore') return result;
  const { entries } = await cacheEntries(cache.paths, options);
  // Files the source already had under the cache paths would make the tree differ from the archive: no baseline.
  const baseline = baselineOf({ scope: projectScope(options.projectKey), key: '', version, digest: entry.digest }, entries, restored.restored);
  return baseline === undefined ? result : { ...result, baseline };
}

/**
 * Saves the cache paths. A keyed cache is written once and never replaced (AWS: "a unique cache copy that will
 * not be updated once created"); an unkeyed cache is the project's latest and is replaced by every save, except
 * when `restored` shows the files are exactly as this build restored them (status `unchanged`, nothing written).
 */
export async function saveCache(options: CacheOptions): Promise<SaveResult> {
  const { cache, store } = options;
  if (cache.action === 'restore') return { status: 'skipped', reason: 'cache action is restore: nothing is saved', warnings: [] };
  if (cache.paths.length === 0) return { status: 'skipped', reason: 'cache has no paths', warnings: [] };
  store.migrate(CACHE_MIGRATIONS);
  const version = cacheVersion(cache.paths);
  const key = options.key ?? cache.key;
  const scope = key === undefined ? projectScope(options.projectKey) : SHARED_SCOPE;
  const cacheKey = key ?? '';
  const existing = () => store.get('SELECT * FROM codebuild_cache_entries WHERE scope = ? AND cache_key = ? AND version = ?', scope, cacheKey, version);
  if (key !== undefined && existing() !== undefined) {
    return { status: 'skipped', reason: `a cache is already saved under key ${JSON.stringify(key)}; keyed caches are never updated`, warnings: [] };
  }
  const { entries, warnings } = await cacheEntries(cache.paths, options);
  if (entries.length === 0) return { status: 'skipped', reason: 'no files matched the cache paths', warnings };
  const restored = options.restored;
  if (restored !== undefined && restored.scope === scope && restored.key === cacheKey && restored.version === version && (await unchangedSince(restored, entries))) {
    const current = existing();
    // Unless another build of the project saved since this one restored: then the save goes on (the last save wins).
    if (current !== undefined && str(current, 'digest') === restored.digest) return { status: 'unchanged', entry: entryOf(current), warnings };
  }
  const blob = await writeCacheTar(entries, options.blobs);
  const now = options.now?.() ?? Date.now();
  const entry: CacheEntryInfo = { key: cacheKey, version, digest: blob.digest, size: blob.size, files: entries.length, project: options.projectKey, created: now };
  let replaced: string | undefined;
  const result = store.tx((): SaveResult => {
    const before = existing();
    // Another build saved this key while we archived: the first one stays, as AWS keeps the first copy.
    if (key !== undefined && before !== undefined) return { status: 'skipped', reason: `a cache was saved under key ${JSON.stringify(key)} meanwhile`, warnings };
    store.run(
      `INSERT INTO codebuild_cache_entries (scope, cache_key, version, digest, size, files, project, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(scope, cache_key, version) DO UPDATE SET digest = excluded.digest, size = excluded.size, files = excluded.files,
         project = excluded.project, created = excluded.created`,
      scope,
      cacheKey,
      version,
      entry.digest,
      entry.size,
      entry.files,
      entry.project,
      entry.created,
    );
    options.bus?.publish({ type: 'codebuild.cache.saved', resource: options.projectKey, detail: { key: cacheKey, version, digest: entry.digest, size: entry.size } });
    if (before !== undefined) {
      const old = str(before, 'digest');
      if (old !== entry.digest) replaced = old;
    }
    return { status: 'saved', entry, warnings };
  });
  // After the commit, and awaited: the save is over only when the archive it replaced is gone.
  if (replaced !== undefined) await releaseBlob(store, options.blobs, replaced);
  if (result.status === 'skipped') await releaseBlob(store, options.blobs, blob.digest);
  return result;
}

/** Every cache in the index, newest first (for a listing, a clean-up, or the blob garbage collector's roots). */
export function listCaches(store: Store): CacheEntryInfo[] {
  store.migrate(CACHE_MIGRATIONS);
  return store.all('SELECT * FROM codebuild_cache_entries ORDER BY created DESC, rowid DESC').map(entryOf);
}

/** Deletes a blob no cache entry refers to any more (blobs are content-addressed: another entry may share it). */
async function releaseBlob(store: Store, blobs: BlobStore, digest: string): Promise<void> {
  if (store.get('SELECT 1 AS x FROM codebuild_cache_entries WHERE digest = ?', digest) !== undefined) return;
  await blobs.delete(digest).catch(() => false);
}

function projectScope(projectKey: string): string {
  return `project:${projectKey}`;
}

function entryOf(row: Row): CacheEntryInfo {
  return {
    key: str(row, 'cache_key'),
    version: str(row, 'version'),
    digest: str(row, 'digest'),
    size: num(row, 'size'),
    files: num(row, 'files'),
    project: str(row, 'project'),
    created: num(row, 'created'),
  };
}
