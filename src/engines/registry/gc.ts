// Garbage collection of blobs: links nobody's manifest uses expire after a grace period; files no repository links are deleted.
//
// Triggers: every `ecr.image.delete` and `ecr.repository.delete` (BatchDeleteImage, registry DELETE, DeleteRepository,
// lifecycle expiry) schedules a run; one also runs at start-up. Runs are serialised and coalesced. Each run ends with an
// `ecr.gc.completed` event, which tests await.
import { num, str } from '../../store/db.ts';
import type { RegistryContext } from './http.ts';

/** A link no manifest uses is kept this long, so a push between its blob uploads and its manifest PUT is never broken. */
export const LINK_GRACE_MS = 60 * 60 * 1000;

export interface GcResult {
  readonly linksRemoved: number;
  readonly uploadsRemoved: number;
  readonly blobsDeleted: number;
  readonly bytesFreed: number;
}

export async function collectGarbage(ctx: RegistryContext): Promise<GcResult> {
  const cutoff = ctx.clock.now() - LINK_GRACE_MS;
  const { linksRemoved, staleUploads } = ctx.store.tx(() => {
    const links = ctx.store.run(
      `DELETE FROM ecr_blob_links WHERE linked_at < ?
         AND NOT EXISTS (SELECT 1 FROM ecr_manifest_refs r WHERE r.repo = ecr_blob_links.repo AND r.child = ecr_blob_links.digest)`,
      cutoff,
    ).changes;
    const uploads = ctx.store.all('SELECT id FROM ecr_uploads WHERE started_at < ?', cutoff).map((r) => str(r, 'id'));
    for (const id of uploads) ctx.store.run('DELETE FROM ecr_uploads WHERE id = ?', id);
    return { linksRemoved: links, staleUploads: uploads };
  });
  for (const id of staleUploads) await ctx.blobs.abortUpload(id);
  const linked = new Set(ctx.store.all('SELECT DISTINCT digest FROM ecr_blob_links').map((r) => str(r, 'digest')));
  let blobsDeleted = 0;
  let bytesFreed = 0;
  for await (const digest of ctx.blobs.list()) {
    if (linked.has(digest) || ctx.inFlight.has(digest)) continue;
    // Re-check against the store: a link may have been made since the snapshot above.
    const row = ctx.store.get('SELECT count(*) AS n FROM ecr_blob_links WHERE digest = ?', digest);
    if (row !== undefined && num(row, 'n') > 0) continue;
    const size = (await ctx.blobs.stat(digest)) ?? 0;
    if (ctx.inFlight.has(digest)) continue;
    if (await ctx.blobs.delete(digest)) {
      blobsDeleted++;
      bytesFreed += size;
    }
  }
  return { linksRemoved, uploadsRemoved: staleUploads.length, blobsDeleted, bytesFreed };
}

/** Serialises runs: a request while one runs queues exactly one more. */
export class GarbageCollector {
  readonly #ctx: RegistryContext;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(ctx: RegistryContext) {
    this.#ctx = ctx;
  }

  schedule(reason: string): void {
    if (this.#stopped) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#running = this.#loop(reason).finally(() => (this.#running = undefined));
  }

  async #loop(reason: string): Promise<void> {
    let why = reason;
    do {
      this.#again = false;
      try {
        const result = await collectGarbage(this.#ctx);
        if (this.#stopped) return;
        this.#ctx.bus.publish({ type: 'ecr.gc.completed', resource: `arn:aws:ecr:${this.#ctx.config.region}:${this.#ctx.config.accountId}:registry`, detail: { reason: why, ...result } });
      } catch (error) {
        if (!this.#stopped) this.#ctx.log.error({ err: error }, 'registry garbage collection failed');
      }
      why = 'coalesced';
    } while (this.#again && !this.#stopped);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#running;
  }
}
