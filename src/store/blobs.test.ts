import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { SlipwayError } from '../core/errors.ts';
import { BlobStore, digestOf, parseDigest } from './blobs.ts';

function tempStore(t: TestContext): { store: BlobStore; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-blobs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return { store: new BlobStore(dir), dir };
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function listAll(store: BlobStore): Promise<string[]> {
  const out: string[] = [];
  for await (const d of store.list()) out.push(d);
  return out;
}

function code(expected: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof SlipwayError, `expected a SlipwayError, got ${String(error)}`);
    assert.equal(error.code, expected, error.message);
    return true;
  };
}

function uploadsLeft(dir: string): string[] {
  return readdirSync(join(dir, 'blobs', 'uploads'));
}

test('a blob round-trips by digest, from a buffer and from a stream', async (t) => {
  const { store, dir } = tempStore(t);
  const data = randomBytes(200_000);
  const digest = digestOf(data);

  const fromBuffer = await store.put(data);
  assert.deepEqual(fromBuffer, { digest, size: data.length });
  const hex = parseDigest(digest);
  assert.equal(store.path(digest), join(dir, 'blobs', 'sha256', hex.slice(0, 2), hex));
  assert.equal(await store.has(digest), true);
  assert.equal(await store.stat(digest), data.length);
  assert.deepEqual(await readAll(await store.read(digest)), data);

  const other = Buffer.from('second blob');
  const fromStream = await store.put(Readable.from([other.subarray(0, 3), other.subarray(3)]), digestOf(other));
  assert.equal(fromStream.digest, digestOf(other));
  assert.deepEqual(await readAll(await store.read(fromStream.digest)), other);

  assert.deepEqual((await listAll(store)).sort(), [digest, digestOf(other)].sort());
  assert.deepEqual(uploadsLeft(dir), [], 'no temp file stays behind');

  assert.equal(await store.delete(digest), true);
  assert.equal(await store.delete(digest), false);
  assert.equal(await store.has(digest), false);
  assert.equal(await store.stat(digest), undefined);
  await assert.rejects(store.read(digest), code('BlobNotFound'));
});

test('the same content put twice is stored once', async (t) => {
  const { store, dir } = tempStore(t);
  const data = Buffer.from('layer bytes');
  const a = await store.put(data);
  const b = await store.put(Readable.from([data]));
  assert.deepEqual(a, b);
  assert.deepEqual(await listAll(store), [a.digest]);
  const hex = parseDigest(a.digest);
  assert.deepEqual(readdirSync(join(dir, 'blobs', 'sha256', hex.slice(0, 2))), [hex]);
});

test('a digest mismatch is refused and stores nothing', async (t) => {
  const { store, dir } = tempStore(t);
  const wrong = digestOf('something else');
  await assert.rejects(store.put(Buffer.from('actual'), wrong), (error: unknown) => {
    assert.ok(error instanceof SlipwayError);
    assert.equal(error.code, 'DigestMismatch');
    assert.match(error.message, new RegExp(digestOf('actual')));
    assert.match(error.message, new RegExp(wrong));
    return true;
  });
  await assert.rejects(store.put(Readable.from([Buffer.from('actual')]), wrong), code('DigestMismatch'));
  assert.deepEqual(await listAll(store), []);
  assert.equal(await store.has(digestOf('actual')), false);
  assert.deepEqual(uploadsLeft(dir), []);
});

test('a put whose stream fails part-way stores nothing and leaves no temp file', async (t) => {
  const { store, dir } = tempStore(t);
  async function* broken(): AsyncGenerator<Buffer> {
    yield Buffer.alloc(100_000, 1);
    throw new Error('connection reset');
  }
  await assert.rejects(store.put(broken()), /connection reset/);
  assert.deepEqual(await listAll(store), []);
  assert.deepEqual(uploadsLeft(dir), []);
});

test('digests are validated with a clear error', async (t) => {
  const { store } = tempStore(t);
  for (const bad of ['sha256:abc', `sha256:${'A'.repeat(64)}`, `sha512:${'a'.repeat(64)}`, `${'a'.repeat(64)}`, `sha256:${'a'.repeat(64)}/../x`]) {
    assert.throws(() => store.path(bad), code('InvalidDigest'), bad);
    await assert.rejects(store.put(Buffer.from('x'), bad), code('InvalidDigest'), bad);
  }
  assert.throws(() => parseDigest('sha256:xyz'), /Invalid digest "sha256:xyz": expected "sha256:" followed by 64 lower-case hex characters/);
});

test('range reads return exactly the inclusive byte range and refuse ranges outside the blob', async (t) => {
  const { store } = tempStore(t);
  const data = Buffer.from('0123456789abcdefghij');
  const { digest } = await store.put(data);
  assert.equal((await readAll(await store.read(digest, { start: 0, end: 0 }))).toString(), '0');
  assert.equal((await readAll(await store.read(digest, { start: 5, end: 9 }))).toString(), '56789');
  assert.equal((await readAll(await store.read(digest, { start: 10, end: 19 }))).toString(), 'abcdefghij');
  await assert.rejects(store.read(digest, { start: 10, end: 20 }), code('InvalidRange'));
  await assert.rejects(store.read(digest, { start: 5, end: 4 }), code('InvalidRange'));
  await assert.rejects(store.read(digest, { start: -1, end: 4 }), code('InvalidRange'));
});

test('a chunked upload across several appends commits to the right digest', async (t) => {
  const { store, dir } = tempStore(t);
  const data = randomBytes(300_000);
  const id = await store.startUpload();
  assert.equal(await store.uploadSize(id), 0);
  let offset = 0;
  for (const size of [1, 65_536, 100_000, 134_463]) {
    const chunk = data.subarray(offset, offset + size);
    offset = await store.appendUpload(id, Readable.from([chunk.subarray(0, 7), chunk.subarray(7)]), offset);
    assert.equal(await store.uploadSize(id), offset);
  }
  assert.equal(offset, data.length);
  assert.equal(await store.has(digestOf(data)), false, 'nothing is visible before commit');
  const info = await store.commitUpload(id, digestOf(data));
  assert.deepEqual(info, { digest: digestOf(data), size: data.length });
  assert.deepEqual(await readAll(await store.read(info.digest)), data);
  assert.deepEqual(uploadsLeft(dir), []);
  await assert.rejects(store.uploadSize(id), code('UploadNotFound'));
  await assert.rejects(store.appendUpload(id, Buffer.from('x')), code('UploadNotFound'));
});

test('an upload resumed by a new process re-hashes from disk at commit', async (t) => {
  const { store, dir } = tempStore(t);
  const id = await store.startUpload();
  await store.appendUpload(id, Buffer.from('before restart, '));
  const restarted = new BlobStore(dir); // no in-memory hash state
  assert.equal(await restarted.uploadSize(id), 16);
  await restarted.appendUpload(id, Buffer.from('after restart'), 16);
  const expected = digestOf('before restart, after restart');
  await assert.rejects(restarted.commitUpload(id, digestOf('nope')), code('DigestMismatch'));
  assert.equal(await restarted.has(digestOf('nope')), false);
  assert.deepEqual(await restarted.commitUpload(id, expected), { digest: expected, size: 29 });
});

test('an append at the wrong offset is refused and changes nothing', async (t) => {
  const { store } = tempStore(t);
  const id = await store.startUpload();
  await store.appendUpload(id, Buffer.from('abc'), 0);
  await assert.rejects(store.appendUpload(id, Buffer.from('def'), 0), (error: unknown) => {
    assert.ok(error instanceof SlipwayError);
    assert.equal(error.code, 'UploadOffsetMismatch');
    assert.match(error.message, /has 3 bytes; the chunk was sent for offset 0/);
    assert.equal(error.extra['size'], 3);
    return true;
  });
  assert.equal(await store.uploadSize(id), 3);
  await store.appendUpload(id, Buffer.from('def'), 3);
  assert.deepEqual(await store.commitUpload(id, digestOf('abcdef')), { digest: digestOf('abcdef'), size: 6 });
});

test('a failed append keeps what reached the disk, and the commit re-hashes it', async (t) => {
  const { store } = tempStore(t);
  const id = await store.startUpload();
  async function* broken(): AsyncGenerator<Buffer> {
    yield Buffer.from('part');
    throw new Error('client went away');
  }
  await assert.rejects(store.appendUpload(id, broken()), /client went away/);
  assert.equal(await store.uploadSize(id), 4);
  await store.appendUpload(id, Buffer.from('ial'), 4);
  assert.deepEqual(await store.commitUpload(id, digestOf('partial')), { digest: digestOf('partial'), size: 7 });
});

test('an aborted upload leaves nothing, and unknown upload ids are refused', async (t) => {
  const { store, dir } = tempStore(t);
  const id = await store.startUpload();
  await store.appendUpload(id, Buffer.from('half a layer'));
  await store.abortUpload(id);
  assert.deepEqual(uploadsLeft(dir), []);
  assert.deepEqual(await listAll(store), []);
  await assert.rejects(store.commitUpload(id, digestOf('half a layer')), code('UploadNotFound'));
  await store.abortUpload(id); // twice is fine
  await assert.rejects(store.uploadSize('../../state.sqlite'), code('UploadNotFound'));
  await assert.rejects(store.appendUpload('not-an-id', Buffer.from('x')), code('UploadNotFound'));
});

test('cleanStaleUploads removes abandoned uploads and put temp files, keeping recent uploads', async (t) => {
  const { store, dir } = tempStore(t);
  const old = await store.startUpload();
  await store.appendUpload(old, Buffer.from('old'));
  const recent = await store.startUpload();
  const { writeFileSync, utimesSync } = await import('node:fs');
  const hourAgo = (Date.now() - 3_600_000) / 1000;
  utimesSync(join(dir, 'blobs', 'uploads', old), hourAgo, hourAgo);
  writeFileSync(join(dir, 'blobs', 'uploads', 'put-00000000-0000-0000-0000-000000000000'), 'torn put from a crash');

  assert.equal(await store.cleanStaleUploads(60_000), 2);
  assert.deepEqual(uploadsLeft(dir), [recent]);
  await assert.rejects(store.appendUpload(old, Buffer.from('x')), code('UploadNotFound'));
  assert.equal(await store.cleanStaleUploads(0), 1);
  assert.deepEqual(uploadsLeft(dir), []);
});

test('a 50 MB streamed put never holds the blob in memory', async (t) => {
  const { store } = tempStore(t);
  const total = 50 * 1024 * 1024;
  const chunkSize = 64 * 1024;
  const expected = createHash('sha256');
  // Chunks are views into one random pool, so the source itself allocates nothing: RSS growth is the store's.
  const pool = randomBytes(1024 * 1024);
  const before = process.memoryUsage().rss;
  let peak = before;
  async function* layer(): AsyncGenerator<Buffer> {
    for (let i = 0; i * chunkSize < total; i++) {
      const at = (i * 4099) % (pool.length - chunkSize);
      const chunk = pool.subarray(at, at + chunkSize);
      expected.update(chunk);
      peak = Math.max(peak, process.memoryUsage().rss);
      yield chunk;
    }
  }
  const started = performance.now();
  const info = await store.put(Readable.from(layer()));
  const ms = performance.now() - started;
  const growth = peak - before;
  t.diagnostic(`50 MB put in ${ms.toFixed(0)} ms; RSS growth ${(growth / 1024 / 1024).toFixed(1)} MB`);
  assert.equal(info.size, total);
  assert.equal(info.digest, `sha256:${expected.digest('hex')}`);
  assert.equal(statSync(store.path(info.digest)).size, total);
  assert.ok(growth < total / 4, `RSS grew by ${growth} bytes while streaming ${total} bytes`);
});

test('concurrent puts of the same content all succeed and leave one whole blob', async (t) => {
  const { store, dir } = tempStore(t);
  const data = randomBytes(1_000_000);
  const digest = digestOf(data);
  const results = await Promise.all(
    Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? store.put(data, digest) : store.put(Readable.from([data.subarray(0, 4096), data.subarray(4096)]), digest))),
  );
  for (const r of results) assert.deepEqual(r, { digest, size: data.length });
  assert.deepEqual(await listAll(store), [digest]);
  assert.deepEqual(await readAll(await store.read(digest)), data);
  assert.deepEqual(uploadsLeft(dir), []);
});

test('concurrent appends to one upload are applied one after another', async (t) => {
  const { store } = tempStore(t);
  const id = await store.startUpload();
  const parts = Array.from({ length: 10 }, (_, i) => Buffer.alloc(10_000, i));
  await Promise.all(parts.map((p) => store.appendUpload(id, p)));
  assert.equal(await store.uploadSize(id), 100_000);
  const info = await store.commitUpload(id, digestOf(Buffer.concat(parts)));
  assert.equal(info.size, 100_000);
});
