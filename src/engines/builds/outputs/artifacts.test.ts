import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SlipwayError } from '../../../core/errors.ts';
import type { BlobStore } from '../../../store/blobs.ts';
import type { ArtifactOutput } from './artifacts.ts';
import { collectArtifacts } from './artifacts.ts';
import { artifactsOf, tempBlobs, tempDir, writeTree } from './test-helpers.ts';
import { listZip, readZipEntry } from './zip.ts';

const BUILD_ID = 'my-project:0b7f4a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';

/** The file paths in the stored zip, in archive order. */
async function zipPaths(blobs: BlobStore, out: ArtifactOutput | undefined): Promise<string[]> {
  assert.ok(out !== undefined, 'expected an artifact');
  return (await listZip(blobs, out.blobDigest)).map((e) => e.path);
}

async function primaryPaths(srcDir: string, blobs: BlobStore, ...lines: string[]): Promise<string[]> {
  const got = await collectArtifacts({ srcDir, artifacts: artifactsOf(...lines), blobs, projectName: 'my-project', buildId: BUILD_ID });
  return zipPaths(blobs, got.primary);
}

const SAMPLE = {
  'README.md': 'readme',
  '.env': 'dot file',
  'target/app.jar': 'jar',
  'target/classes/com/a/B.class': 'class',
  'target/classes/com/a/C.class': 'class C',
  'src/main.ts': 'main',
  'src/lib/util.ts': 'util',
  'src/.hidden/x.ts': 'hidden',
};

test("'**/*' takes every file recursively, dot files included, in sorted order", async (t) => {
  const src = writeTree(tempDir(t), SAMPLE);
  const blobs = tempBlobs(t);
  assert.deepEqual(await primaryPaths(src, blobs, '  files:', "    - '**/*'"), [
    '.env',
    'README.md',
    'src/.hidden/x.ts',
    'src/lib/util.ts',
    'src/main.ts',
    'target/app.jar',
    'target/classes/com/a/B.class',
    'target/classes/com/a/C.class',
  ]);
});

test("'dir/*' takes only the files directly in dir; 'dir/**/*' everything under it", async (t) => {
  const src = writeTree(tempDir(t), SAMPLE);
  const blobs = tempBlobs(t);
  assert.deepEqual(await primaryPaths(src, blobs, '  files:', '    - target/*'), ['target/app.jar']);
  assert.deepEqual(await primaryPaths(src, blobs, '  files:', "    - 'target/**/*'"), [
    'target/app.jar',
    'target/classes/com/a/B.class',
    'target/classes/com/a/C.class',
  ]);
  assert.deepEqual(await primaryPaths(src, blobs, '  files:', "    - 'src/**/*.ts'", '    - "*.md"'), [
    'README.md',
    'src/.hidden/x.ts',
    'src/lib/util.ts',
    'src/main.ts',
  ]);
});

test('a plain file, ./-prefixed paths and a plain directory (taken whole)', async (t) => {
  const src = writeTree(tempDir(t), SAMPLE);
  const blobs = tempBlobs(t);
  assert.deepEqual(await primaryPaths(src, blobs, '  files:', '    - target/app.jar', '    - ./README.md'), ['README.md', 'target/app.jar']);
  assert.deepEqual(await primaryPaths(src, blobs, '  files:', '    - src/lib/'), ['src/lib/util.ts']);
  assert.deepEqual(await primaryPaths(src, blobs, '  files:', '    - src'), ['src/.hidden/x.ts', 'src/lib/util.ts', 'src/main.ts']);
});

test('discard-paths: com/a/B.class becomes B.class (AWS example: target/messageUtil-1.0.jar → messageUtil-1.0.jar)', async (t) => {
  const src = writeTree(tempDir(t), { ...SAMPLE, 'target/messageUtil-1.0.jar': 'jar' });
  const blobs = tempBlobs(t);
  assert.deepEqual(await primaryPaths(src, blobs, '  files:', '    - target/messageUtil-1.0.jar', '  discard-paths: yes'), ['messageUtil-1.0.jar']);
  assert.deepEqual(await primaryPaths(src, blobs, '  files:', "    - 'target/classes/**/*'", '  discard-paths: yes'), ['B.class', 'C.class']);
});

test('discard-paths name collision: the later file replaces the earlier one and a warning says so', async (t) => {
  const src = writeTree(tempDir(t), { 'a/same.txt': 'from a', 'b/same.txt': 'from b' });
  const blobs = tempBlobs(t);
  const got = await collectArtifacts({
    srcDir: src,
    artifacts: artifactsOf('  files:', "    - '**/*'", '  discard-paths: yes'),
    blobs,
    projectName: 'p',
    buildId: BUILD_ID,
  });
  assert.ok(got.primary);
  assert.deepEqual(await zipPaths(blobs, got.primary), ['same.txt']);
  assert.equal((await readZipEntry(blobs, got.primary.blobDigest, 'same.txt'))?.toString(), 'from b');
  assert.match(got.primary.warnings.join('\n'), /same\.txt: b\/same\.txt replaces a\/same\.txt/);
});

// The tree of AWS's base-directory examples (build spec reference, artifacts/base-directory).
const AWS_TREE = {
  'my-build1/my-file1.txt': '1',
  'my-build2/my-file2.txt': '2',
  'my-build2/my-subdirectory/my-file3.txt': '3',
};

test("AWS example: files '*/my-file3.txt' with base-directory my-build2 gives my-subdirectory/my-file3.txt", async (t) => {
  const src = writeTree(tempDir(t), AWS_TREE);
  const blobs = tempBlobs(t);
  assert.deepEqual(await primaryPaths(src, blobs, '  files:', "    - '*/my-file3.txt'", '  base-directory: my-build2'), ['my-subdirectory/my-file3.txt']);
});

test("AWS example: files '**/*', base-directory 'my-build*', discard-paths: yes gives my-file1.txt, my-file2.txt, my-file3.txt", async (t) => {
  const src = writeTree(tempDir(t), AWS_TREE);
  const blobs = tempBlobs(t);
  assert.deepEqual(await primaryPaths(src, blobs, '  files:', "    - '**/*'", "  base-directory: 'my-build*'", '  discard-paths: yes'), [
    'my-file1.txt',
    'my-file2.txt',
    'my-file3.txt',
  ]);
  // Without discard-paths the matched base directories themselves are still left out.
  assert.deepEqual(await primaryPaths(src, blobs, '  files:', "    - '**/*'", "  base-directory: 'my-build*'"), [
    'my-file1.txt',
    'my-file2.txt',
    'my-subdirectory/my-file3.txt',
  ]);
});

test('exclude-paths: relative to base-directory, with AWS documented forms (dot files, dot folders, a folder anywhere)', async (t) => {
  const src = writeTree(tempDir(t), {
    'dist/index.html': 'i',
    'dist/.map': 'm',
    'dist/.cache/x': 'c',
    'dist/tmp/junk.txt': 'j',
    'dist/assets/tmp/junk2.txt': 'j2',
    'dist/assets/app.js': 'a',
  });
  const blobs = tempBlobs(t);
  const paths = await primaryPaths(
    src,
    blobs,
    '  files:',
    "    - '**/*'",
    '  base-directory: dist',
    '  exclude-paths:',
    "    - '**/.*/**/*'",
    "    - '**/.*'",
    "    - '**/tmp/**/*'",
  );
  assert.deepEqual(paths, ['assets/app.js', 'index.html']);
});

test('secondary artifacts: one zip per identifier, each with its own settings, and a primary beside them', async (t) => {
  const src = writeTree(tempDir(t), SAMPLE);
  const blobs = tempBlobs(t);
  const artifacts = artifactsOf(
    '  files:',
    '    - README.md',
    '  secondary-artifacts:',
    '    artifact1:',
    '      files:',
    '        - target/app.jar',
    '      discard-paths: yes',
    '    artifact2:',
    '      files:',
    "        - '**/*'",
    '      base-directory: src',
  );
  const got = await collectArtifacts({ srcDir: src, artifacts, blobs, projectName: 'my-project', buildId: BUILD_ID });
  assert.deepEqual(await zipPaths(blobs, got.primary), ['README.md']);
  assert.deepEqual(
    got.secondary.map((s) => s.artifactIdentifier),
    ['artifact1', 'artifact2'],
  );
  assert.deepEqual(await zipPaths(blobs, got.secondary[0]), ['app.jar']);
  assert.deepEqual(await zipPaths(blobs, got.secondary[1]), ['.hidden/x.ts', 'lib/util.ts', 'main.ts']);
  assert.equal(got.secondary[0]?.buildArtifacts.artifactIdentifier, 'artifact1');
  assert.equal(got.secondary[0]?.location, 'arn:aws:s3:::slipway-artifacts/my-project/0b7f4a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b/artifact1.zip');
  assert.equal(got.primary?.location, 'arn:aws:s3:::slipway-artifacts/my-project/0b7f4a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b/my-project.zip');

  // The project decides which secondaries exist: only those are made, and a missing one is an error.
  const only = await collectArtifacts({ srcDir: src, artifacts, blobs, projectName: 'p', buildId: BUILD_ID, primary: false, secondaryIdentifiers: ['artifact2'] });
  assert.equal(only.primary, undefined);
  assert.deepEqual(
    only.secondary.map((s) => s.artifactIdentifier),
    ['artifact2'],
  );
  await assert.rejects(
    collectArtifacts({ srcDir: src, artifacts, blobs, projectName: 'p', buildId: BUILD_ID, secondaryIdentifiers: ['artifact3'] }),
    (e: unknown) => e instanceof SlipwayError && e.code === 'CLIENT_ERROR' && /artifact3/.test(e.message),
  );
});

test('nothing matched: CLIENT_ERROR "no matching artifact paths found", and no zip is stored for any artifact', async (t) => {
  const src = writeTree(tempDir(t), SAMPLE);
  const blobs = tempBlobs(t);
  const artifacts = artifactsOf('  files:', '    - README.md', '  secondary-artifacts:', '    bin:', '      files:', "        - 'bin/**/*'");
  await assert.rejects(
    collectArtifacts({ srcDir: src, artifacts, blobs, projectName: 'p', buildId: BUILD_ID }),
    (e: unknown) => {
      assert.ok(e instanceof SlipwayError);
      assert.equal(e.code, 'CLIENT_ERROR');
      assert.equal(e.message, 'no matching artifact paths found');
      assert.equal(e.extra['artifactIdentifier'], 'bin');
      return true;
    },
  );
  const stored: string[] = [];
  for await (const d of blobs.list()) stored.push(d);
  assert.deepEqual(stored, []);
  // A base-directory that matches no directory selects nothing either.
  await assert.rejects(
    collectArtifacts({ srcDir: src, artifacts: artifactsOf('  files:', "    - '**/*'", '  base-directory: nowhere*'), blobs, projectName: 'p', buildId: BUILD_ID }),
    /no matching artifact paths found/,
  );
});

test('zip contents read back byte for byte; checksums match the stored blob; modes are kept', async (t) => {
  const src = writeTree(tempDir(t), { 'bin/run.sh': { mode: 0o755, content: '#!/bin/sh\necho hi\n' }, 'data.txt': 'x'.repeat(100_000) });
  const blobs = tempBlobs(t);
  const got = await collectArtifacts({ srcDir: src, artifacts: artifactsOf('  files:', "    - '**/*'"), blobs, projectName: 'p', buildId: BUILD_ID });
  const out = got.primary;
  assert.ok(out);
  assert.equal((await readZipEntry(blobs, out.blobDigest, 'data.txt'))?.toString(), 'x'.repeat(100_000));
  const bytes = readFileSync(blobs.path(out.blobDigest));
  assert.equal(out.sha256sum, createHash('sha256').update(bytes).digest('hex'));
  assert.equal(out.md5sum, createHash('md5').update(bytes).digest('hex'));
  assert.equal(out.size, bytes.length);
  assert.deepEqual(out.buildArtifacts, { location: out.location, sha256sum: out.sha256sum, md5sum: out.md5sum });
  const entries = await listZip(blobs, out.blobDigest);
  assert.equal(entries.find((e) => e.path === 'bin/run.sh')?.mode, 0o100755);
  assert.deepEqual(
    out.files.map((f) => [f.path, f.size]),
    [
      ['bin/run.sh', 18],
      ['data.txt', 100_000],
    ],
  );
  // The same tree zips to the same bytes.
  const again = await collectArtifacts({ srcDir: src, artifacts: artifactsOf('  files:', "    - '**/*'"), blobs, projectName: 'p', buildId: BUILD_ID });
  assert.equal(again.primary?.blobDigest, out.blobDigest);
});

test('symbolic links: followed by default (never out of the source directory); kept as links inside the tree with enable-symlinks: yes', async (t) => {
  const outside = writeTree(tempDir(t), { 'secret.txt': 'outside' });
  const src = writeTree(tempDir(t), {
    'lib/real.txt': 'real',
    'lib/alias.txt': { link: 'real.txt' },
    'lib/out.txt': { link: `${outside}/secret.txt` },
    'lib/broken.txt': { link: 'missing.txt' },
    'linked-dir': { link: 'lib' },
  });
  const blobs = tempBlobs(t);
  const followed = await collectArtifacts({ srcDir: src, artifacts: artifactsOf('  files:', "    - 'lib/**/*'"), blobs, projectName: 'p', buildId: BUILD_ID });
  assert.ok(followed.primary);
  const entries = await listZip(blobs, followed.primary.blobDigest);
  // A link leaving the source directory is not followed: on the host it would name a host file, not the container's.
  assert.deepEqual(
    entries.map((e) => [e.path, e.kind]),
    [
      ['lib/alias.txt', 'file'],
      ['lib/real.txt', 'file'],
    ],
  );
  assert.equal((await readZipEntry(blobs, followed.primary.blobDigest, 'lib/alias.txt'))?.toString(), 'real');
  const warnings = followed.primary.warnings.join('\n');
  assert.match(warnings, /lib\/broken\.txt: symbolic link to missing\.txt, which does not exist/);
  assert.match(warnings, /lib\/out\.txt: resolves to .*secret\.txt, outside the source directory; skipped/);

  // Host mode follows it, as CodeBuild does inside its own build environment.
  const hostMode = await collectArtifacts({ srcDir: src, artifacts: artifactsOf('  files:', "    - 'lib/**/*'"), blobs, projectName: 'p', buildId: BUILD_ID, followLinksOutside: true });
  assert.ok(hostMode.primary);
  assert.equal((await readZipEntry(blobs, hostMode.primary.blobDigest, 'lib/out.txt'))?.toString(), 'outside');

  const kept = await collectArtifacts({
    srcDir: src,
    artifacts: artifactsOf('  files:', "    - '**/*'", '  enable-symlinks: yes'),
    blobs,
    projectName: 'p',
    buildId: BUILD_ID,
  });
  assert.ok(kept.primary);
  const keptEntries = await listZip(blobs, kept.primary.blobDigest);
  assert.deepEqual(
    keptEntries.map((e) => [e.path, e.kind]),
    [
      ['lib/alias.txt', 'symlink'],
      ['lib/broken.txt', 'symlink'],
      ['lib/real.txt', 'file'],
      ['linked-dir', 'symlink'],
    ],
  );
  assert.equal((await readZipEntry(blobs, kept.primary.blobDigest, 'lib/alias.txt'))?.toString(), 'real.txt');
});

test('name: used only with overrideArtifactName, evaluated by the caller-supplied shell hook', async (t) => {
  const src = writeTree(tempDir(t), SAMPLE);
  const blobs = tempBlobs(t);
  const artifacts = artifactsOf('  files:', '    - README.md', '  name: build-$(date +%Y)');
  const plain = await collectArtifacts({ srcDir: src, artifacts, blobs, projectName: 'p', buildId: BUILD_ID, primaryName: 'web' });
  assert.equal(plain.primary?.name, 'web');
  const named = await collectArtifacts({
    srcDir: src,
    artifacts,
    blobs,
    projectName: 'p',
    buildId: BUILD_ID,
    overrideArtifactName: true,
    evaluateName: async (raw) => raw.replace('$(date +%Y)', '2026'),
  });
  assert.equal(named.primary?.name, 'build-2026');
  assert.match(named.primary?.location ?? '', /\/build-2026\.zip$/);
  assert.equal(named.primary?.buildArtifacts.overrideArtifactName, true);
});

test("the file list is logged as CodeBuild's agent logs it, including the pattern that matched nothing", async (t) => {
  const src = writeTree(tempDir(t), SAMPLE);
  const blobs = tempBlobs(t);
  const got = await collectArtifacts({ srcDir: src, artifacts: artifactsOf('  files:', '    - README.md', '    - missing.json'), blobs, projectName: 'p', buildId: BUILD_ID });
  assert.deepEqual(got.primary?.log, [
    'Expanding base directory path: .',
    'Assembling file list',
    'Expanding .',
    'Expanding file paths for base directory .',
    'Assembling file list',
    'Expanding README.md',
    'Expanding missing.json',
    'Skipping invalid file path missing.json',
    'Found 1 file(s)',
  ]);
  await assert.rejects(
    collectArtifacts({ srcDir: src, artifacts: artifactsOf('  files:', '    - imagedefinitions.json'), blobs, projectName: 'p', buildId: BUILD_ID }),
    (e: unknown) => {
      assert.ok(e instanceof SlipwayError);
      assert.deepEqual((e.extra['log'] as string[]).slice(-2), ['Expanding imagedefinitions.json', 'Skipping invalid file path imagedefinitions.json']);
      return true;
    },
  );
});

test('a base directory or path component that links out of the source directory is not read', async (t) => {
  const outside = writeTree(tempDir(t), { 'passwd': 'host secret' });
  const src = writeTree(tempDir(t), { 'dist': { link: outside }, 'ok.txt': 'ok' });
  const blobs = tempBlobs(t);
  await assert.rejects(
    collectArtifacts({ srcDir: src, artifacts: artifactsOf('  files:', "    - '**/*'", '  base-directory: dist'), blobs, projectName: 'p', buildId: BUILD_ID }),
    /no matching artifact paths found/,
  );
  const got = await collectArtifacts({ srcDir: src, artifacts: artifactsOf('  files:', '    - dist/passwd', '    - ok.txt'), blobs, projectName: 'p', buildId: BUILD_ID });
  assert.deepEqual(await zipPaths(blobs, got.primary), ['ok.txt']);
});

test('s3-prefix replaces the project name in the location', async (t) => {
  const src = writeTree(tempDir(t), SAMPLE);
  const blobs = tempBlobs(t);
  const got = await collectArtifacts({ srcDir: src, artifacts: artifactsOf('  files:', '    - README.md', '  s3-prefix: releases/web/'), blobs, projectName: 'p', buildId: BUILD_ID });
  assert.equal(got.primary?.location, 'arn:aws:s3:::slipway-artifacts/releases/web/0b7f4a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b/p.zip');
});
