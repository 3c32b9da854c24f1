import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import { blobOf, createRepository, loginPassword, type Blob } from './testing.ts';

const exec = promisify(execFile);
let t: TestDaemon;
let dir: string;
let host: string;
let creds: string;
let available = true;

/** Writes blobs into an OCI layout and returns a descriptor-ready blob. */
function writeBlob(layout: string, blob: Blob): Blob {
  writeFileSync(join(layout, 'blobs', 'sha256', blob.digest.slice(7)), blob.body);
  return blob;
}

/** An OCI image layout built by hand: one image per architecture, and an index over them when there are several. */
function makeLayout(layout: string, tag: string, arches: readonly string[]): { top: Blob; images: Blob[] } {
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const images = arches.map((arch) => {
    const layer = writeBlob(layout, blobOf(randomBytes(40_000)));
    const config = writeBlob(
      layout,
      blobOf(JSON.stringify({ architecture: arch, os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] }, config: {} })),
    );
    return writeBlob(
      layout,
      blobOf(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
          layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer.digest, size: layer.size }],
        }),
      ),
    );
  });
  let top = images[0] as Blob;
  let topType = 'application/vnd.oci.image.manifest.v1+json';
  if (images.length > 1) {
    topType = 'application/vnd.oci.image.index.v1+json';
    top = writeBlob(
      layout,
      blobOf(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: topType,
          manifests: images.map((m, i) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: m.digest, size: m.size, platform: { architecture: arches[i], os: 'linux' } })),
        }),
      ),
    );
  }
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: topType, digest: top.digest, size: top.size, annotations: { 'org.opencontainers.image.ref.name': tag } }] }),
  );
  return { top, images };
}

before(async () => {
  try {
    await exec('skopeo', ['--version']);
  } catch {
    available = false;
    return;
  }
  t = await startTestDaemon();
  host = new URL(t.endpoint).host;
  creds = `AWS:${await loginPassword(t.endpoint)}`;
  dir = mkdtempSync(join(tmpdir(), 'slipway-skopeo-'));
  await createRepository(t.endpoint, 'skopeo/single');
  await createRepository(t.endpoint, 'skopeo/multi');
});

after(async () => {
  if (!available) return;
  rmSync(dir, { recursive: true, force: true });
  await t.stop();
});

async function skopeo(...args: string[]): Promise<string> {
  const { stdout } = await exec('skopeo', ['--insecure-policy', ...args]);
  return stdout;
}

test('skopeo copy of a single image to the registry and back preserves every digest byte for byte', async (ctx) => {
  if (!available) {
    ctx.skip('skopeo not installed');
    return;
  }
  const src = join(dir, 'single');
  const { top } = makeLayout(src, 'v1', ['amd64']);
  await skopeo('copy', '--preserve-digests', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${src}:v1`, `docker://${host}/skopeo/single:v1`);
  const raw = await skopeo('inspect', '--raw', '--tls-verify=false', '--creds', creds, `docker://${host}/skopeo/single:v1`);
  assert.equal(raw, top.body.toString('utf8'));
  const back = join(dir, 'single-back');
  await skopeo('copy', '--preserve-digests', '--src-tls-verify=false', '--src-creds', creds, `docker://${host}/skopeo/single:v1`, `oci:${back}:v1`);
  const index = JSON.parse(readFileSync(join(back, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
  assert.equal(index.manifests[0]?.digest, top.digest);
  assert.ok(readFileSync(join(back, 'blobs', 'sha256', top.digest.slice(7))).equals(top.body));
});

test('skopeo copy --all of a multi-arch index built by hand round-trips the index and both images', async (ctx) => {
  if (!available) {
    ctx.skip('skopeo not installed');
    return;
  }
  const src = join(dir, 'multi');
  const { top, images } = makeLayout(src, 'multi', ['amd64', 'arm64']);
  await skopeo('copy', '--all', '--preserve-digests', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${src}:multi`, `docker://${host}/skopeo/multi:multi`);
  const raw = await skopeo('inspect', '--raw', '--tls-verify=false', '--creds', creds, `docker://${host}/skopeo/multi:multi`);
  assert.equal(raw, top.body.toString('utf8'));
  const back = join(dir, 'multi-back');
  await skopeo('copy', '--all', '--preserve-digests', '--src-tls-verify=false', '--src-creds', creds, `docker://${host}/skopeo/multi:multi`, `oci:${back}:multi`);
  for (const blob of [top, ...images]) {
    assert.ok(readFileSync(join(back, 'blobs', 'sha256', blob.digest.slice(7))).equals(blob.body), `${blob.digest} differs`);
  }
  const arm = await skopeo('inspect', '--raw', '--tls-verify=false', '--creds', creds, `docker://${host}/skopeo/multi@${images[1]?.digest ?? ''}`);
  assert.equal(arm, images[1]?.body.toString('utf8'));
});
