// The buildspec cache for one build: mounts for absolute cache paths, restore before INSTALL, save after the command phases (through ./outputs).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildRecord } from '../../services/codebuild/build-state.ts';
import type { Mount } from '../../runtime/types.ts';
import type { Cache } from '../../specs/buildspec/read.ts';
import type { EngineContext } from '../types.ts';
import { cacheMountPoints, restoreCache, saveCache, type CacheBaseline, type CacheMount, type CacheOptions } from './outputs/index.ts';

type Evaluate = (raw: string) => Promise<string>;

/**
 * As in AWS, the buildspec `cache` applies only when the project has a cache (type LOCAL or S3; Slipway keeps both
 * on this machine); with NO_CACHE it is ignored with a log line.
 */
export class BuildCache {
  readonly #ctx: EngineContext;
  readonly #record: BuildRecord;
  readonly #cache: Cache | undefined;
  readonly #hostSrc: string;
  readonly #hostCacheDir: string;
  readonly #hostMode: boolean;
  #mounts: CacheMount[] = [];
  #restored: CacheBaseline | undefined;

  constructor(ctx: EngineContext, record: BuildRecord, cache: Cache | undefined, hostSrc: string, hostCacheDir: string, hostMode: boolean) {
    this.#ctx = ctx;
    this.#record = record;
    this.#cache = cache;
    this.#hostSrc = hostSrc;
    this.#hostCacheDir = hostCacheDir;
    this.#hostMode = hostMode;
  }

  get enabled(): boolean {
    return this.#cache !== undefined && this.#cache.paths.length > 0 && (this.#record.cache?.type ?? 'NO_CACHE') !== 'NO_CACHE';
  }

  /** Host directories behind the container paths of absolute cache patterns, so their content outlives the container. */
  async mounts(): Promise<Mount[]> {
    if (!this.enabled || this.#hostMode || this.#cache === undefined) return [];
    const points = cacheMountPoints(this.#cache.paths);
    this.#mounts = [];
    for (const [i, path] of points.entries()) {
      const hostDir = join(this.#hostCacheDir, String(i));
      await mkdir(hostDir, { recursive: true });
      this.#mounts.push({ path, hostDir });
    }
    return this.#mounts.map((m) => ({ source: m.hostDir, target: m.path }));
  }

  async #options(evaluate: Evaluate): Promise<CacheOptions | undefined> {
    const cache = this.#cache;
    if (cache === undefined) return undefined;
    const key = cache.key === undefined ? undefined : await evaluate(cache.key);
    const fallbackKeys: string[] = [];
    for (const k of cache.fallbackKeys) fallbackKeys.push(await evaluate(k));
    return {
      srcDir: this.#hostSrc,
      mounts: this.#hostMode ? [{ path: '/', hostDir: '/' }] : this.#mounts,
      store: this.#ctx.store,
      blobs: this.#ctx.blobs,
      projectKey: this.#record.projectName,
      cache,
      ...(key === undefined ? {} : { key }),
      fallbackKeys,
      bus: this.#ctx.bus,
      now: () => this.#ctx.clock.now(),
    };
  }

  async restore(evaluate: Evaluate, log: (text: string) => void): Promise<void> {
    if (this.#cache !== undefined && this.#cache.paths.length > 0 && !this.enabled) {
      log('The buildspec has a cache but the project has none (cache type NO_CACHE): the cache is ignored, as in AWS');
      return;
    }
    const options = this.enabled ? await this.#options(evaluate) : undefined;
    if (options === undefined) return;
    const result = await restoreCache(options);
    if (result.status === 'skipped') log(`Cache not restored: ${result.reason}`);
    else if (result.status === 'miss') log(`No cache found for key ${result.key}`);
    else {
      log(`Restored cache ${result.matchedKey} (${result.files} files)`);
      for (const w of result.warnings) log(w);
      this.#restored = result.baseline;
    }
  }

  async save(evaluate: Evaluate, log: (text: string) => void): Promise<void> {
    const options = this.enabled ? await this.#options(evaluate) : undefined;
    if (options === undefined) return;
    const result = await saveCache(this.#restored === undefined ? options : { ...options, restored: this.#restored });
    for (const w of result.warnings) log(w);
    if (result.status === 'saved') log(`Saved cache ${result.entry.key} (${result.entry.files} files, ${result.entry.size} bytes)`);
    else if (result.status === 'unchanged') log(`Cache not saved: unchanged since it was restored (${result.entry.files} files)`);
    else log(`Cache not saved: ${result.reason}`);
  }
}
