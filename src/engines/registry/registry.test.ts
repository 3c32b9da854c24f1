import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { typeFilter } from '../../core/events.ts';
import { callJson, startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import { blobOf, createRepository, imageManifest, loginPassword, ociErrorCode, RawRegistry } from './testing.ts';

const T = 'AmazonEC2ContainerRegistry_V20150921';
let t: TestDaemon;
let reg: RawRegistry;
const clock = new ManualClock(Date.now());

before(async () => {
  t = await startTestDaemon({ clock });
  reg = new RawRegistry(t.endpoint, await loginPassword(t.endpoint));
  for (const name of ['blobs', 'other', 'manifests', 'immut', 'tagged', 'refs', 'gc', 'chunks', 'lifecycle-days']) await createRepository(t.endpoint, name);
});
after(async () => {
  await t.stop();
});

test('GET /v2/ needs a token: 401 with a Basic challenge without one or with a wrong one, 200 with the API version header', async () => {
  const none = await fetch(`${t.endpoint}/v2/`);
  assert.equal(none.status, 401);
  assert.equal(none.headers.get('www-authenticate'), 'Basic realm="Slipway ECR"');
  assert.equal(await ociErrorCode(none), 'UNAUTHORIZED');
  const wrong = await new RawRegistry(t.endpoint, 'not-a-token').fetch('/v2/');
  assert.equal(wrong.status, 401);
  const ok = await reg.fetch('/v2/');
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('docker-distribution-api-version'), 'registry/2.0');
});

test('monolithic blob upload, HEAD and GET with Range; a repository reads only blobs linked to it; mount links across', async () => {
  const blob = blobOf('hello registry blob');
  const put = await reg.pushBlob('blobs', blob);
  assert.equal(put.status, 201);
  assert.equal(put.headers.get('docker-content-digest'), blob.digest);
  assert.equal(put.headers.get('location'), `/v2/blobs/blobs/${blob.digest}`);
  const head = await reg.fetch(`/v2/blobs/blobs/${blob.digest}`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), String(blob.size));
  const ranged = await reg.fetch(`/v2/blobs/blobs/${blob.digest}`, { headers: { range: 'bytes=6-13' } });
  assert.equal(ranged.status, 206);
  assert.equal(await ranged.text(), 'registry');
  assert.equal(ranged.headers.get('content-range'), `bytes 6-13/${blob.size}`);
  const elsewhere = await reg.fetch(`/v2/other/blobs/${blob.digest}`);
  assert.equal(elsewhere.status, 404);
  assert.equal(await ociErrorCode(elsewhere), 'BLOB_UNKNOWN');
  const mounted = await reg.fetch(`/v2/other/blobs/uploads/?mount=${blob.digest}&from=blobs`, { method: 'POST' });
  assert.equal(mounted.status, 201);
  assert.equal((await reg.fetch(`/v2/other/blobs/${blob.digest}`)).status, 200);
  const notMountable = await reg.fetch(`/v2/blobs/blobs/uploads/?mount=${blobOf('nowhere').digest}&from=other`, { method: 'POST' });
  assert.equal(notMountable.status, 202, 'an unknown mount falls back to an upload session');
});

test('chunked upload: several PATCHes with Content-Range, status, then PUT with the digest', async () => {
  const data = Buffer.alloc(300_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 251;
  const blob = blobOf(data);
  const start = await reg.fetch('/v2/chunks/blobs/uploads/', { method: 'POST' });
  assert.equal(start.status, 202);
  let location = start.headers.get('location') ?? '';
  assert.match(location, /^\/v2\/chunks\/blobs\/uploads\/[0-9a-f-]{36}$/);
  for (let offset = 0; offset < data.length; offset += 100_000) {
    const chunk = data.subarray(offset, offset + 100_000);
    const res = await reg.fetch(location, {
      method: 'PATCH',
      headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${offset + chunk.length - 1}` },
      body: chunk,
    });
    assert.equal(res.status, 202);
    assert.equal(res.headers.get('range'), `0-${offset + chunk.length - 1}`);
    location = res.headers.get('location') ?? '';
  }
  const wrongOffset = await reg.fetch(location, { method: 'PATCH', headers: { 'content-range': '5-9' }, body: Buffer.alloc(5) });
  assert.equal(wrongOffset.status, 416);
  assert.equal(wrongOffset.headers.get('range'), `0-${data.length - 1}`);
  const status = await reg.fetch(location);
  assert.equal(status.status, 204);
  assert.equal(status.headers.get('range'), `0-${data.length - 1}`);
  const done = await reg.fetch(`${location}?digest=${blob.digest}`, { method: 'PUT' });
  assert.equal(done.status, 201);
  const got = await reg.fetch(`/v2/chunks/blobs/${blob.digest}`);
  assert.ok(Buffer.from(await got.arrayBuffer()).equals(data));
});

test('DIGEST_INVALID on a mismatched upload, and nothing becomes visible', async () => {
  const claimed = blobOf('what the client claims');
  const res = await reg.fetch(`/v2/blobs/blobs/uploads/?digest=${claimed.digest}`, { method: 'POST', body: 'something else' });
  assert.equal(res.status, 400);
  assert.equal(await ociErrorCode(res), 'DIGEST_INVALID');
  assert.equal((await reg.fetch(`/v2/blobs/blobs/${claimed.digest}`, { method: 'HEAD' })).status, 404);
  assert.equal((await reg.fetch(`/v2/blobs/blobs/${blobOf('something else').digest}`, { method: 'HEAD' })).status, 404);
});

test('an interrupted or cancelled upload leaves nothing visible', async () => {
  const blob = blobOf(Buffer.alloc(200_000, 3));
  const start = await reg.fetch('/v2/blobs/blobs/uploads/', { method: 'POST' });
  const location = start.headers.get('location') ?? '';
  // The client dies half-way through its PATCH body.
  await new Promise<void>((resolve) => {
    const url = new URL(location, t.endpoint);
    const req = request(url, { method: 'PATCH', headers: { authorization: reg.auth, 'content-length': String(blob.size) } });
    req.on('error', () => resolve());
    req.write(blob.body.subarray(0, 50_000), () => setImmediate(() => req.destroy()));
    req.on('close', () => resolve());
  });
  assert.equal((await reg.fetch(`/v2/blobs/blobs/${blob.digest}`, { method: 'HEAD' })).status, 404);
  const cancel = await reg.fetch(location, { method: 'DELETE' });
  assert.equal(cancel.status, 204);
  const after = await reg.fetch(location);
  assert.equal(after.status, 404);
  assert.equal(await ociErrorCode(after), 'BLOB_UPLOAD_UNKNOWN');
  assert.equal((await reg.fetch(`/v2/blobs/blobs/${blob.digest}`, { method: 'HEAD' })).status, 404);
});

test('manifests by tag and digest: exact bytes back, digest headers, Accept negotiation; error paths', async () => {
  const { manifest } = await reg.pushImage('manifests', 'v1', 'm1');
  const got = await reg.fetch('/v2/manifests/manifests/v1', { headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' } });
  assert.equal(got.status, 200);
  assert.equal(got.headers.get('content-type'), 'application/vnd.oci.image.manifest.v1+json');
  assert.equal(got.headers.get('docker-content-digest'), manifest.digest);
  assert.ok(Buffer.from(await got.arrayBuffer()).equals(manifest.body));
  assert.equal((await reg.fetch(`/v2/manifests/manifests/${manifest.digest}`, { method: 'HEAD' })).headers.get('content-length'), String(manifest.size));
  const dockerOnly = await reg.fetch('/v2/manifests/manifests/v1', { headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
  assert.equal(dockerOnly.status, 404);

  const missing = await reg.fetch('/v2/manifests/manifests/nope');
  assert.equal(missing.status, 404);
  assert.equal(await ociErrorCode(missing), 'MANIFEST_UNKNOWN');
  const unknownBlob = await reg.pushManifest('manifests', 'bad', imageManifest(blobOf('no config'), [blobOf('no layer')]));
  assert.equal(unknownBlob.status, 400);
  assert.equal(await ociErrorCode(unknownBlob), 'MANIFEST_BLOB_UNKNOWN');
  const garbage = await reg.pushManifest('manifests', 'bad', blobOf('{not json'));
  assert.equal(await ociErrorCode(garbage), 'MANIFEST_INVALID');
  const wrongDigest = await reg.pushManifest('manifests', blobOf('x').digest, manifest);
  assert.equal(wrongDigest.status, 400);
  assert.equal(await ociErrorCode(wrongDigest), 'DIGEST_INVALID');
  assert.equal((await reg.fetch('/v2/manifests/tags/list')).status, 200);
});

test('a push to a repository that does not exist fails with NAME_UNKNOWN and creates nothing', async () => {
  const blob = await reg.pushBlob('ghost', blobOf('ghost layer'));
  assert.equal(blob.status, 404);
  assert.equal(await ociErrorCode(blob), 'NAME_UNKNOWN');
  const manifest = await reg.pushManifest('ghost', 'latest', imageManifest(blobOf('c'), []));
  assert.equal(await ociErrorCode(manifest), 'NAME_UNKNOWN');
  const described = await callJson(t.endpoint, `${T}.DescribeRepositories`, { repositoryNames: ['ghost'] });
  assert.equal(described.body['__type'], 'RepositoryNotFoundException');
});

test('an IMMUTABLE repository refuses to move a tag with TAG_INVALID and a clear message', async () => {
  await reg.pushImage('immut', 'release', 'i1');
  await callJson(t.endpoint, `${T}.PutImageTagMutability`, { repositoryName: 'immut', imageTagMutability: 'IMMUTABLE' });
  const again = await reg.pushImage('immut', 'release', 'i1');
  assert.ok(again.manifest.digest.startsWith('sha256:'), 'pushing the same image again is fine');
  await assert.rejects(reg.pushImage('immut', 'release', 'i2'), /TAG_INVALID.*cannot be overwritten because the repository is immutable/);
});

test('tags list paginates with n, last and a Link header', async () => {
  for (const tag of ['c', 'a', 'b', 'd']) await reg.pushImage('tagged', tag, 'same');
  const first = await reg.fetch('/v2/tagged/tags/list?n=2');
  assert.deepEqual(await first.json(), { name: 'tagged', tags: ['a', 'b'] });
  assert.equal(first.headers.get('link'), '</v2/tagged/tags/list?n=2&last=b>; rel="next"');
  const second = await reg.fetch('/v2/tagged/tags/list?n=2&last=b');
  assert.deepEqual(await second.json(), { name: 'tagged', tags: ['c', 'd'] });
  assert.equal(second.headers.get('link'), null);
});

test('referrers: OCI-Subject on PUT, listed and filtered by artifactType; an index needs its children', async () => {
  const { manifest: subject } = await reg.pushImage('refs', 'app', 'subject');
  const empty = blobOf('{}');
  await reg.pushBlob('refs', empty);
  const sbom = blobOf(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/spdx+json',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: empty.digest, size: empty.size },
      layers: [{ mediaType: 'application/vnd.oci.empty.v1+json', digest: empty.digest, size: empty.size }],
      subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: subject.digest, size: subject.size },
      annotations: { 'org.example': 'sbom' },
    }),
  );
  const put = await reg.pushManifest('refs', sbom.digest, sbom);
  assert.equal(put.status, 201);
  assert.equal(put.headers.get('oci-subject'), subject.digest);
  const listed = await reg.fetch(`/v2/refs/referrers/${subject.digest}`);
  assert.equal(listed.headers.get('content-type'), 'application/vnd.oci.image.index.v1+json');
  const index = (await listed.json()) as { manifests: Array<{ digest: string; artifactType: string; annotations: Record<string, string> }> };
  assert.deepEqual(index.manifests.map((m) => [m.digest, m.artifactType, m.annotations['org.example']]), [[sbom.digest, 'application/spdx+json', 'sbom']]);
  const filtered = await reg.fetch(`/v2/refs/referrers/${subject.digest}?artifactType=application/other`);
  assert.equal(filtered.headers.get('oci-filters-applied'), 'artifactType');
  assert.deepEqual(((await filtered.json()) as { manifests: unknown[] }).manifests, []);

  const indexOf = (digests: string[]): ReturnType<typeof blobOf> =>
    blobOf(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: digests.map((digest) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 1 })) }));
  const bad = await reg.pushManifest('refs', 'multi', indexOf([blobOf('absent').digest]), 'application/vnd.oci.image.index.v1+json');
  assert.equal(await ociErrorCode(bad), 'MANIFEST_BLOB_UNKNOWN');
  const good = await reg.pushManifest('refs', 'multi', indexOf([subject.digest]), 'application/vnd.oci.image.index.v1+json');
  assert.equal(good.status, 201);
});

test('deleting a manifest emits ecr.image.delete and garbage collection removes blobs no repository links', async () => {
  const { manifest, layers } = await reg.pushImage('gc', 'doomed', 'gc-only', 5000);
  const layer = layers[0];
  assert.ok(layer !== undefined);
  assert.ok(await t.daemon.blobs.has(layer.digest));
  const deleted = t.daemon.bus.next(typeFilter('ecr.image.delete'));
  const collected = t.daemon.bus.next((e) => e.type === 'ecr.gc.completed' && e.detail['reason'] !== 'start-up');
  const res = await reg.fetch(`/v2/gc/manifests/${manifest.digest}`, { method: 'DELETE' });
  assert.equal(res.status, 202);
  assert.equal((await deleted).detail['imageDigest'], manifest.digest);
  const gc = await collected;
  assert.ok(Number(gc.detail['blobsDeleted']) >= 2, JSON.stringify(gc.detail));
  assert.equal(await t.daemon.blobs.has(layer.digest), false);
  assert.equal((await reg.fetch(`/v2/gc/manifests/${manifest.digest}`)).status, 404);
});

test('tokens expire after 12 hours on the injected clock; a sinceImagePushed rule expires old images after a push', async () => {
  const policy = JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }, action: { type: 'expire' } }] });
  await callJson(t.endpoint, `${T}.PutLifecyclePolicy`, { repositoryName: 'lifecycle-days', lifecyclePolicyText: policy });
  const { manifest: old } = await reg.pushImage('lifecycle-days', 'old', 'old');
  await clock.advance(12 * 60 * 60 * 1000 + 1);
  const expired = await reg.fetch('/v2/');
  assert.equal(expired.status, 401);
  assert.match(String(((await expired.json()) as { errors: Array<{ message: string }> }).errors[0]?.message), /expired/);
  await clock.advance(12 * 60 * 60 * 1000);
  reg = new RawRegistry(t.endpoint, await loginPassword(t.endpoint));
  await reg.pushImage('lifecycle-days', 'new', 'new');
  const list = await callJson(t.endpoint, `${T}.ListImages`, { repositoryName: 'lifecycle-days' });
  const ids = list.body['imageIds'] as Array<{ imageDigest: string; imageTag: string }>;
  assert.deepEqual(ids.map((i) => i.imageTag), ['new']);
  assert.ok(!ids.some((i) => i.imageDigest === old.digest));
});
