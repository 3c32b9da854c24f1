import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SlipwayError } from '../../../core/errors.ts';
import { collectArtifacts } from './artifacts.ts';
import { artifactsOf, tempBlobs, tempDir, writeTree } from './test-helpers.ts';
import { extractZip } from './zip.ts';

test('extractZip restores files, modes, mtimes and internal links', async (t) => {
  const src = writeTree(tempDir(t), {
    'bin/run.sh': { mode: 0o755, content: '#!/bin/sh\n' },
    'doc/a.txt': 'a',
    'doc/b.txt': { link: 'a.txt' },
  });
  const blobs = tempBlobs(t);
  const got = await collectArtifacts({
    srcDir: src,
    artifacts: artifactsOf('  files:', "    - '**/*'", '  enable-symlinks: yes'),
    blobs,
    projectName: 'p',
    buildId: 'p:1',
  });
  assert.ok(got.primary);
  const dest = join(tempDir(t), 'out', 'nested');
  const entries = await extractZip(blobs, got.primary.blobDigest, dest);
  assert.deepEqual(
    entries.map((e) => e.path),
    ['bin/run.sh', 'doc/a.txt', 'doc/b.txt'],
  );
  assert.equal(statSync(join(dest, 'bin/run.sh')).mode & 0o777, 0o755);
  assert.equal(readFileSync(join(dest, 'doc/a.txt'), 'utf8'), 'a');
  assert.ok(lstatSync(join(dest, 'doc/b.txt')).isSymbolicLink());
  assert.equal(readlinkSync(join(dest, 'doc/b.txt')), 'a.txt');
  // Zip timestamps have two-second precision.
  const srcTime = statSync(join(src, 'doc/a.txt')).mtimeMs;
  assert.ok(Math.abs(statSync(join(dest, 'doc/a.txt')).mtimeMs - srcTime) <= 2000);
});

/** A zip whose entry names are rewritten in place (same length), to make archives yazl itself would refuse. */
async function zipWithRenamedEntry(t: Parameters<typeof tempDir>[0], from: string, to: string): Promise<{ blobs: ReturnType<typeof tempBlobs>; digest: string }> {
  assert.equal(from.length, to.length);
  const src = writeTree(tempDir(t), { [from]: 'payload' });
  const blobs = tempBlobs(t);
  const got = await collectArtifacts({ srcDir: src, artifacts: artifactsOf('  files:', "    - '**/*'"), blobs, projectName: 'p', buildId: 'p:1' });
  assert.ok(got.primary);
  const bytes = readFileSync(blobs.path(got.primary.blobDigest));
  const patched = Buffer.from(bytes.toString('latin1').split(from).join(to), 'latin1');
  const info = await blobs.put(patched);
  return { blobs, digest: info.digest };
}

test('extractZip refuses zip-slip entries (../) and writes nothing outside the destination', async (t) => {
  const { blobs, digest } = await zipWithRenamedEntry(t, 'aa/evil.txt', '../evil.txt');
  const parent = tempDir(t);
  const dest = join(parent, 'dest');
  await assert.rejects(extractZip(blobs, digest, dest), (e: unknown) => e instanceof SlipwayError && e.code === 'InvalidArtifact');
  assert.equal(existsSync(join(parent, 'evil.txt')), false);
});

test('extractZip: a missing blob is BlobNotFound; bytes that are not a zip are InvalidArtifact', async (t) => {
  const blobs = tempBlobs(t);
  const dest = tempDir(t);
  await assert.rejects(extractZip(blobs, `sha256:${'0'.repeat(64)}`, dest), (e: unknown) => e instanceof SlipwayError && e.code === 'BlobNotFound');
  const junk = await blobs.put(Buffer.from('not a zip at all'));
  await assert.rejects(extractZip(blobs, junk.digest, dest), (e: unknown) => e instanceof SlipwayError && e.code === 'InvalidArtifact');
});

test('extractZip refuses a symbolic link that points outside the destination', async (t) => {
  const src = writeTree(tempDir(t), { 'l.txt': { link: 'zz/zz/aa' }, 'f.txt': 'f' });
  const blobs = tempBlobs(t);
  const got = await collectArtifacts({
    srcDir: src,
    artifacts: artifactsOf('  files:', "    - '**/*'", '  enable-symlinks: yes'),
    blobs,
    projectName: 'p',
    buildId: 'p:1',
  });
  assert.ok(got.primary);
  const bytes = readFileSync(blobs.path(got.primary.blobDigest));
  const patched = await blobs.put(Buffer.from(bytes.toString('latin1').split('zz/zz/aa').join('../../aa'), 'latin1'));
  const dest = tempDir(t);
  await assert.rejects(extractZip(blobs, patched.digest, dest), /symbolic link to "\.\.\/\.\.\/aa", outside/);
  assert.equal(existsSync(join(dest, 'l.txt')), false);
});

test('large and many files stream through: a 6 MiB file and 1000 small ones round-trip intact', async (t) => {
  const src = tempDir(t);
  const big = randomBytes(6 * 1024 * 1024);
  const files: Record<string, string> = {};
  for (let i = 0; i < 1000; i++) files[`many/${String(i).padStart(4, '0')}.txt`] = `file ${i}`;
  writeTree(src, files);
  writeFileSync(join(src, 'big.bin'), big);
  const blobs = tempBlobs(t);
  const got = await collectArtifacts({ srcDir: src, artifacts: artifactsOf('  files:', "    - '**/*'"), blobs, projectName: 'p', buildId: 'p:1' });
  assert.ok(got.primary);
  assert.equal(got.primary.files.length, 1001);
  const dest = tempDir(t);
  await extractZip(blobs, got.primary.blobDigest, dest);
  assert.ok(readFileSync(join(dest, 'big.bin')).equals(big));
  assert.equal(readFileSync(join(dest, 'many/0999.txt'), 'utf8'), 'file 999');
});
