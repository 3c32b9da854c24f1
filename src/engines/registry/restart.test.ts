import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { SlipwayEvent } from '../../core/events.ts';
import { startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import { blobOf, createRepository, loginPassword, RawRegistry } from './testing.ts';

/** The start-up collection runs as the daemon starts: it may already be in the log, or still to come. */
function startupGc(t: TestDaemon, afterSeq: number): Promise<SlipwayEvent> {
  return t.daemon.bus.after(afterSeq, (e) => e.type === 'ecr.gc.completed');
}

test('tokens and images survive a restart; the start-up collection removes blobs no repository links', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-registry-restart-'));
  let t: TestDaemon | undefined;
  try {
    t = await startTestDaemon({ dataDir });
    await createRepository(t.endpoint, 'kept');
    const password = await loginPassword(t.endpoint);
    const { manifest, layers } = await new RawRegistry(t.endpoint, password).pushImage('kept', 'v1', 'kept', 4096);
    // A blob stored but never linked, as a crash between storing and linking would leave.
    const orphan = await t.daemon.blobs.put(blobOf('orphan bytes').body);
    const first = await startupGc(t, 0);
    await t.stop();

    t = await startTestDaemon({ dataDir });
    const gc = await startupGc(t, first.seq);
    assert.ok(Number(gc.detail['blobsDeleted']) >= 1, JSON.stringify(gc.detail));
    assert.equal(await t.daemon.blobs.has(orphan.digest), false);
    const reg = new RawRegistry(t.endpoint, password);
    const got = await reg.fetch('/v2/kept/manifests/v1');
    assert.equal(got.status, 200);
    assert.ok(Buffer.from(await got.arrayBuffer()).equals(manifest.body));
    assert.equal((await reg.fetch(`/v2/kept/blobs/${layers[0]?.digest ?? ''}`, { method: 'HEAD' })).status, 200);
  } finally {
    await t?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
