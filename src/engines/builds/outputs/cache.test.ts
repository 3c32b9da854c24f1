import assert from 'node:assert/strict';
import { existsSync, lstatSync, readFileSync, readlinkSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { EventBus, typeFilter, type SlipwayEvent } from '../../../core/events.ts';
import type { Cache } from '../../../specs/buildspec/model.ts';
import { Store } from '../../../store/db.ts';
import { cacheMountPoints } from './cache-archive.ts';
import { cacheVersion, listCaches, restoreCache, saveCache } from './cache.ts';
import { buildspecOf, tempBlobs, tempDir, writeTree } from './test-helpers.ts';

function tempStore(t: TestContext, dir = tempDir(t, 'slipway-outputs-db-')): Store {
  const store = new Store(dir);
  t.after(() => store.close());
  return store;
}

function cacheOf(...lines: string[]): Cache {
  const spec = buildspecOf('cache:', ...lines);
  assert.ok(spec.cache);
  return spec.cache;
}

const NPM_CACHE = cacheOf('  paths:', "    - 'node_modules/**/*'", "    - '/root/.npm/**/*'");

test('save then restore in a fresh source dir: relative and absolute (mounted) paths, modes and links come back', async (t) => {
  const blobs = tempBlobs(t);
  const store = tempStore(t);
  const src1 = writeTree(tempDir(t), {
    'package.json': '{}',
    'node_modules/left-pad/index.js': 'module.exports = 1',
    'node_modules/left-pad/cli.js': { mode: 0o755, content: '#!/usr/bin/env node' },
    'node_modules/.bin/left-pad': { link: '../left-pad/cli.js' },
  });
  const npm1 = writeTree(tempDir(t), { '_cacache/index-v5/aa': 'index' });
  assert.deepEqual(cacheMountPoints(NPM_CACHE.paths), ['/root/.npm']);
  const saved = await saveCache({ store, blobs, projectKey: 'web', cache: NPM_CACHE, srcDir: src1, mounts: [{ path: '/root/.npm', hostDir: npm1 }] });
  assert.equal(saved.status, 'saved');
  assert.equal(saved.status === 'saved' && saved.entry.files, 4);

  const src2 = tempDir(t);
  const npm2 = tempDir(t);
  const restored = await restoreCache({ store, blobs, projectKey: 'web', cache: NPM_CACHE, srcDir: src2, mounts: [{ path: '/root/.npm', hostDir: npm2 }] });
  assert.equal(restored.status, 'hit');
  assert.equal(readFileSync(join(src2, 'node_modules/left-pad/index.js'), 'utf8'), 'module.exports = 1');
  assert.equal(statSync(join(src2, 'node_modules/left-pad/cli.js')).mode & 0o777, 0o755);
  assert.ok(lstatSync(join(src2, 'node_modules/.bin/left-pad')).isSymbolicLink());
  assert.equal(readlinkSync(join(src2, 'node_modules/.bin/left-pad')), '../left-pad/cli.js');
  assert.equal(readFileSync(join(npm2, '_cacache/index-v5/aa'), 'utf8'), 'index');
  assert.equal(existsSync(join(src2, 'package.json')), false, 'only cache paths are archived');

  // Another project does not see an unkeyed cache.
  const other = await restoreCache({ store, blobs, projectKey: 'api', cache: NPM_CACHE, srcDir: tempDir(t) });
  assert.equal(other.status, 'miss');
});

test('the index survives a restart of the store', async (t) => {
  const blobs = tempBlobs(t);
  const dbDir = tempDir(t, 'slipway-outputs-db-');
  const cache = cacheOf('  paths:', "    - 'deps/**/*'");
  const src = writeTree(tempDir(t), { 'deps/a': 'a' });
  const first = new Store(dbDir);
  assert.equal((await saveCache({ store: first, blobs, projectKey: 'p', cache, srcDir: src })).status, 'saved');
  first.close();
  const second = tempStore(t, dbDir);
  const dest = tempDir(t);
  const restored = await restoreCache({ store: second, blobs, projectKey: 'p', cache, srcDir: dest });
  assert.equal(restored.status, 'hit');
  assert.equal(readFileSync(join(dest, 'deps/a'), 'utf8'), 'a');
  assert.equal(listCaches(second).length, 1);
});

test('an unkeyed cache is replaced by each save, and the replaced archive is removed from the blob store', async (t) => {
  const blobs = tempBlobs(t);
  const store = tempStore(t);
  const cache = cacheOf('  paths:', "    - 'deps/**/*'");
  const src = writeTree(tempDir(t), { 'deps/a': 'one' });
  const s1 = await saveCache({ store, blobs, projectKey: 'p', cache, srcDir: src });
  writeTree(src, { 'deps/a': 'two' });
  const s2 = await saveCache({ store, blobs, projectKey: 'p', cache, srcDir: src });
  assert.ok(s1.status === 'saved' && s2.status === 'saved');
  assert.notEqual(s1.entry.digest, s2.entry.digest);
  assert.equal(await blobs.has(s1.entry.digest), false);
  const dest = tempDir(t);
  await restoreCache({ store, blobs, projectKey: 'p', cache, srcDir: dest });
  assert.equal(readFileSync(join(dest, 'deps/a'), 'utf8'), 'two');
});

test('an unkeyed cache unchanged since its restore is not saved again; any change of content (even same size and mtime) is saved', async (t) => {
  const blobs = tempBlobs(t);
  const store = tempStore(t);
  const events: SlipwayEvent[] = [];
  const bus = new EventBus(store, () => 1000);
  bus.subscribe(typeFilter('codebuild.cache.saved'), (e) => events.push(e));
  const cache = cacheOf('  paths:', "    - 'deps/**/*'");
  const first = await saveCache({ store, blobs, bus, projectKey: 'p', cache, srcDir: writeTree(tempDir(t), { 'deps/a': 'one', 'deps/b': 'bee', 'deps/.bin/a': { link: '../a' } }) });
  assert.equal(first.status, 'saved');
  const restoreInto = async (): Promise<{ src: string; restored: Awaited<ReturnType<typeof restoreCache>> }> => {
    const src = tempDir(t);
    return { src, restored: await restoreCache({ store, blobs, projectKey: 'p', cache, srcDir: src }) };
  };

  // Build 2 changes nothing but rewrites one file with the same content (as npm rewrites its hidden lockfile):
  // no archive is written, the entry stays, no saved event.
  const two = await restoreInto();
  assert.ok(two.restored.status === 'hit' && two.restored.baseline !== undefined);
  writeFileSync(join(two.src, 'deps/b'), 'bee');
  utimesSync(join(two.src, 'deps/b'), new Date(), new Date(Date.now() + 60_000));
  const unchanged = await saveCache({ store, blobs, bus, projectKey: 'p', cache, srcDir: two.src, restored: two.restored.baseline });
  assert.equal(unchanged.status, 'unchanged');
  assert.ok(first.status === 'saved' && unchanged.status === 'unchanged' && unchanged.entry.digest === first.entry.digest);
  assert.equal(events.length, 1);

  // Build 3 rewrites a file with content of the same size and puts its mtime back (as npm's fixed mtimes would):
  // the change time still differs, so the cache is saved.
  const three = await restoreInto();
  const a = join(three.src, 'deps/a');
  const before = statSync(a);
  writeFileSync(a, 'two');
  utimesSync(a, before.atime, before.mtime);
  assert.ok(three.restored.status === 'hit');
  const rewritten = await saveCache({ store, blobs, bus, projectKey: 'p', cache, srcDir: three.src, restored: three.restored.baseline });
  assert.equal(rewritten.status, 'saved');
  assert.equal(readFileSync(join((await restoreInto()).src, 'deps/a'), 'utf8'), 'two');

  // A new file, or a removed one, is a change too.
  for (const change of [(src: string) => writeTree(src, { 'deps/c': 'new' }), (src: string) => void writeFileSync(join(src, 'deps/b'), 'bee!')]) {
    const next = await restoreInto();
    change(next.src);
    assert.ok(next.restored.status === 'hit');
    assert.equal((await saveCache({ store, blobs, projectKey: 'p', cache, srcDir: next.src, restored: next.restored.baseline })).status, 'saved');
  }
});

test('no baseline when the source already had files under the cache paths, nor for a keyed cache; after another build saved meanwhile, the save goes on', async (t) => {
  const blobs = tempBlobs(t);
  const store = tempStore(t);
  const cache = cacheOf('  paths:', "    - 'deps/**/*'");
  await saveCache({ store, blobs, projectKey: 'p', cache, srcDir: writeTree(tempDir(t), { 'deps/a': 'one' }) });
  const withExtra = await restoreCache({ store, blobs, projectKey: 'p', cache, srcDir: writeTree(tempDir(t), { 'deps/committed': 'x' }) });
  assert.ok(withExtra.status === 'hit' && withExtra.baseline === undefined);

  const keyed = cacheOf('  key: k', '  paths:', "    - 'deps/**/*'");
  await saveCache({ store, blobs, projectKey: 'p', cache: keyed, srcDir: writeTree(tempDir(t), { 'deps/a': 'one' }) });
  const keyedHit = await restoreCache({ store, blobs, projectKey: 'p', cache: keyed, srcDir: tempDir(t) });
  assert.ok(keyedHit.status === 'hit' && keyedHit.baseline === undefined);

  const src = tempDir(t);
  const mine = await restoreCache({ store, blobs, projectKey: 'p', cache, srcDir: src });
  assert.ok(mine.status === 'hit' && mine.baseline !== undefined);
  await saveCache({ store, blobs, projectKey: 'p', cache, srcDir: writeTree(tempDir(t), { 'deps/a': 'other build' }) });
  assert.equal((await saveCache({ store, blobs, projectKey: 'p', cache, srcDir: src, restored: mine.baseline })).status, 'saved');
});

test('cache.key: exact match, never updated once saved, shared across projects', async (t) => {
  const blobs = tempBlobs(t);
  const store = tempStore(t);
  const events: SlipwayEvent[] = [];
  const bus = new EventBus(store, () => 1000);
  bus.subscribe(typeFilter('codebuild.cache.*'), (e) => events.push(e));
  const cache = cacheOf('  key: npm-key-$(codebuild-hash-files package-lock.json)', '  paths:', "    - 'deps/**/*'");
  const src = writeTree(tempDir(t), { 'deps/a': 'first' });
  const saved = await saveCache({ store, blobs, bus, projectKey: 'p', cache, key: 'npm-key-abc123', srcDir: src });
  assert.equal(saved.status, 'saved');
  assert.deepEqual(
    events.map((e) => [e.type, e.detail['key']]),
    [['codebuild.cache.saved', 'npm-key-abc123']],
  );
  writeTree(src, { 'deps/a': 'second' });
  const again = await saveCache({ store, blobs, projectKey: 'p', cache, key: 'npm-key-abc123', srcDir: src });
  assert.equal(again.status, 'skipped');
  assert.match(again.status === 'skipped' ? again.reason : '', /never updated/);

  const dest = tempDir(t);
  const restored = await restoreCache({ store, blobs, projectKey: 'other-project', cache, key: 'npm-key-abc123', srcDir: dest });
  assert.equal(restored.status, 'hit');
  assert.equal(readFileSync(join(dest, 'deps/a'), 'utf8'), 'first');

  const miss = await restoreCache({ store, blobs, projectKey: 'p', cache, key: 'npm-key-zzz', srcDir: tempDir(t) });
  assert.deepEqual(miss, { status: 'miss', key: 'npm-key-zzz', triedKeys: ['npm-key-zzz'] });
});

test('fallback-keys: tried in order by prefix, the newest match wins; ignored without a key', async (t) => {
  const blobs = tempBlobs(t);
  const store = tempStore(t);
  let now = 1_000;
  const paths = ['  paths:', "    - 'deps/**/*'"];
  const src = writeTree(tempDir(t), { 'deps/a': 'main-old' });
  const save = async (key: string, content: string): Promise<void> => {
    writeTree(src, { 'deps/a': content });
    now += 1_000;
    const r = await saveCache({ store, blobs, projectKey: 'p', cache: cacheOf(`  key: ${key}`, ...paths), srcDir: src, now: () => now });
    assert.equal(r.status, 'saved');
  };
  await save('npm-main-111', 'main-old');
  await save('npm-main-222', 'main-new');
  await save('npm-feature-333', 'feature');

  const cache = cacheOf('  key: npm-feature-999', '  fallback-keys:', '    - npm-main-', '    - npm-', ...paths);
  const dest = tempDir(t);
  const r = await restoreCache({ store, blobs, projectKey: 'p', cache, srcDir: dest });
  assert.equal(r.status, 'fallback');
  assert.equal(r.status === 'fallback' && r.matchedKey, 'npm-main-222');
  assert.equal(readFileSync(join(dest, 'deps/a'), 'utf8'), 'main-new');

  const second = await restoreCache({ store, blobs, projectKey: 'p', cache: cacheOf('  key: npm-x', '  fallback-keys:', '    - nothing-', '    - npm-f', ...paths), srcDir: tempDir(t) });
  assert.equal(second.status === 'fallback' && second.matchedKey, 'npm-feature-333');

  // Different paths are a different cache version: nothing matches even by key.
  const otherPaths = await restoreCache({ store, blobs, projectKey: 'p', cache: cacheOf('  key: npm-main-222', '  paths:', "    - 'other/**/*'"), srcDir: tempDir(t) });
  assert.equal(otherPaths.status, 'miss');
  assert.notEqual(cacheVersion(['deps/**/*']), cacheVersion(['other/**/*']));
  assert.equal(cacheVersion(['./deps/**/*']), cacheVersion(['deps/**/*']));
});

test('action: restore never saves; action: save never restores', async (t) => {
  const blobs = tempBlobs(t);
  const store = tempStore(t);
  const src = writeTree(tempDir(t), { 'deps/a': 'a' });
  const restoreOnly = cacheOf('  key: k1', '  action: restore', '  paths:', "    - 'deps/**/*'");
  assert.equal((await saveCache({ store, blobs, projectKey: 'p', cache: restoreOnly, srcDir: src })).status, 'skipped');
  const saveOnly = cacheOf('  key: k1', '  action: save', '  paths:', "    - 'deps/**/*'");
  assert.equal((await saveCache({ store, blobs, projectKey: 'p', cache: saveOnly, srcDir: src })).status, 'saved');
  assert.equal((await restoreCache({ store, blobs, projectKey: 'p', cache: saveOnly, srcDir: tempDir(t) })).status, 'skipped');
  assert.equal((await restoreCache({ store, blobs, projectKey: 'p', cache: restoreOnly, srcDir: tempDir(t) })).status, 'hit');
});

test('absolute paths without a backing mount are reported, not silently dropped; nothing matched means nothing saved', async (t) => {
  const blobs = tempBlobs(t);
  const store = tempStore(t);
  const cache = cacheOf('  paths:', "    - '/root/.m2/**/*'", "    - 'deps/**/*'");
  const saved = await saveCache({ store, blobs, projectKey: 'p', cache, srcDir: tempDir(t) });
  assert.equal(saved.status, 'skipped');
  assert.match(saved.warnings.join('\n'), /no host directory backs \/root\/\.m2/);
  assert.deepEqual(listCaches(store), []);
});
