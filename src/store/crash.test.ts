// Acceptance: SIGKILL in the middle of writes, reopen, and prove nothing acknowledged is lost and nothing torn is visible.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { BlobStore } from './blobs.ts';
import { num, str, Store } from './db.ts';

const writer = join(import.meta.dirname, 'testdata', 'crash-writer.ts');

interface Round {
  readonly start: number;
  readonly acked: number[];
  readonly blobs: Map<number, string>;
  readonly upload: string;
  readonly ms: number;
}

/** Runs the writer until it has acknowledged `killAfter` commits, SIGKILLs it, and collects every line it got out. */
async function runAndKill(dataDir: string, killAfter: number): Promise<Round> {
  const started = performance.now();
  const child = spawn(process.execPath, [writer, dataDir], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const acked: number[] = [];
  const blobs = new Map<number, string>();
  let upload = '';
  let start = 0;
  let killed = false;
  // Lines already in the pipe when the kill lands are still read: they were acknowledged before it.
  for await (const line of createInterface({ input: child.stdout })) {
    const [word, a = '', b = ''] = line.split(' ');
    if (word === 'acked') acked.push(Number(a));
    else if (word === 'blob') blobs.set(Number(a), b);
    else if (word === 'upload') upload = a;
    else if (word === 'ready') start = Number(a);
    if (!killed && acked.length >= killAfter) killed = child.kill('SIGKILL');
  }
  const [code, signal] = await exited;
  assert.equal(signal, 'SIGKILL', `the writer was to be killed, but exited with code ${code}: ${stderr}`);
  return { start, acked, blobs, upload, ms: performance.now() - started };
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

test('SIGKILL in the middle of writes: the store reopens consistent, every time', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-crash-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const allAcked = new Set<number>();
  const allBlobs = new Map<number, string>();
  let lastMax = 0;
  let tornPuts = 0;

  for (const killAfter of [300, 450, 600]) {
    const round = await runAndKill(dataDir, killAfter);
    assert.ok(round.acked.length >= killAfter);
    assert.equal(round.start, lastMax + 1, 'the writer reopened the store and continued after the last committed order');
    for (const n of round.acked) allAcked.add(n);
    for (const [n, d] of round.blobs) allBlobs.set(n, d);

    const reopenStarted = performance.now();
    const store = new Store(dataDir);
    try {
      assert.equal(str(store.get('PRAGMA integrity_check')!, 'integrity_check'), 'ok');

      // The two tables moved together: no half transaction.
      const orders = store.all('SELECT n, amount FROM orders ORDER BY n').map((r) => [num(r, 'n'), num(r, 'amount')]);
      const ledger = store.all('SELECT n, debit FROM ledger ORDER BY n').map((r) => [num(r, 'n'), num(r, 'debit')]);
      assert.deepEqual(ledger, orders);

      // Every acknowledged commit is there; at most the one commit in flight at the kill (committed, not yet acked) is extra.
      const present = new Set(orders.map(([n]) => n!));
      for (const n of allAcked) assert.ok(present.has(n), `acknowledged order ${n} is missing after the crash`);
      for (let n = 1; n <= lastMax; n++) assert.ok(present.has(n), `order ${n}, found on the previous reopen, is missing`);
      // (A commit that was unacked at an earlier kill is still there now: it was found on that reopen.)
      const extra = [...present].filter((n) => n >= round.start && !allAcked.has(n));
      assert.ok(extra.length <= 1, `unacknowledged orders present: ${extra.join(', ')}`);
      assert.deepEqual([...present], Array.from({ length: present.size }, (_, i) => i + 1), 'orders are 1..N with no hole');
      lastMax = present.size;

      // The event log: one event per order, seqs gap-free from 1.
      const events = store.since(0, 1_000_000);
      assert.deepEqual(
        events.map((e) => e.seq),
        Array.from({ length: events.length }, (_, i) => i + 1),
      );
      assert.deepEqual(
        events.map((e) => e.detail['n']),
        orders.map(([n]) => n),
      );

      // Blobs: every file under its digest hashes to its name; every recorded blob is whole.
      const blobStore = new BlobStore(dataDir);
      const shardRoot = join(dataDir, 'blobs', 'sha256');
      let files = 0;
      for (const shard of readdirSync(shardRoot)) {
        for (const name of readdirSync(join(shardRoot, shard))) {
          assert.match(name, /^[0-9a-f]{64}$/);
          assert.ok(name.startsWith(shard));
          assert.equal(sha256File(join(shardRoot, shard, name)), name, `blob file ${name} is torn`);
          files++;
        }
      }
      const refs = store.all('SELECT n, digest FROM blob_refs ORDER BY n');
      for (const [n, digest] of allBlobs) assert.ok(refs.some((r) => num(r, 'n') === n && str(r, 'digest') === digest), `acknowledged blob ${n} is not recorded`);
      for (const r of refs) assert.equal(await blobStore.has(str(r, 'digest')), true, `recorded blob ${str(r, 'digest')} is missing`);

      // Interrupted uploads are not blobs, and start-up cleaning removes them all.
      const leftovers = readdirSync(join(dataDir, 'blobs', 'uploads'));
      assert.ok(leftovers.includes(round.upload), 'the mid-way upload is still there before cleaning');
      tornPuts += leftovers.filter((name) => name.startsWith('put-')).length;
      const removed = await blobStore.cleanStaleUploads(0);
      assert.equal(removed, leftovers.length);
      assert.deepEqual(readdirSync(join(dataDir, 'blobs', 'uploads')), []);
      await assert.rejects(blobStore.uploadSize(round.upload), /is not in progress/);

      t.diagnostic(
        `kill after ${killAfter}: writer ran ${round.ms.toFixed(0)} ms from n=${round.start}; ${round.acked.length} acks seen, ` +
          `${orders.length} orders = ${ledger.length} ledger rows = ${events.length} events in total (${extra.length} committed unacked); ` +
          `${files} blob files whole, ${refs.length} recorded; ${removed} upload leftovers cleaned; reopen+verify ${(performance.now() - reopenStarted).toFixed(0)} ms`,
      );
    } finally {
      store.close();
    }
  }
  assert.ok(tornPuts > 0, 'some kill landed while a blob was being written (else the blob checks proved little)');
});
