// Registry throughput: skopeo push then pull of a ~200 MB image (random layers made locally), Slipway vs Debian's docker-registry.
// Run: node_modules/.bin/node bench/registry/push-pull.ts [--mb 200] [--layers 4]
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { makeConfig } from '../../src/core/config.ts';
import { silentLogger } from '../../src/core/log.ts';
import { Daemon } from '../../src/daemon/daemon.ts';
import { createRepository, loginPassword } from '../../src/engines/registry/testing.ts';
import { freePort } from '../../test/helpers/ports.ts';

const exec = promisify(execFile);
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const totalMb = arg('mb', 200);
const layerCount = arg('layers', 4);

async function writeRandomBlob(dir: string, bytes: number): Promise<{ digest: string; size: number }> {
  const tmp = join(dir, `tmp-${randomBytes(4).toString('hex')}`);
  const out = createWriteStream(tmp);
  const hash = createHash('sha256');
  for (let left = bytes; left > 0; ) {
    const chunk = randomBytes(Math.min(left, 4 * 1024 * 1024));
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
    left -= chunk.length;
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  const hex = hash.digest('hex');
  renameSync(tmp, join(dir, hex));
  return { digest: `sha256:${hex}`, size: bytes };
}

function writeSmallBlob(dir: string, text: string): { digest: string; size: number } {
  const hex = createHash('sha256').update(text).digest('hex');
  writeFileSync(join(dir, hex), text);
  return { digest: `sha256:${hex}`, size: Buffer.byteLength(text) };
}

async function makeLayout(layout: string): Promise<void> {
  const blobs = join(layout, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const layers = [];
  for (let i = 0; i < layerCount; i++) layers.push(await writeRandomBlob(blobs, Math.round((totalMb * 1024 * 1024) / layerCount)));
  const config = writeSmallBlob(blobs, JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) }, config: {} }));
  const manifest = writeSmallBlob(
    blobs,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...l })),
    }),
  );
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'bench' } }] }),
  );
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

async function pushPull(host: string, creds: string[], layout: string, work: string): Promise<{ push: number; pull: number }> {
  const base = ['--insecure-policy', 'copy', '--preserve-digests'];
  const push = await timed(() => exec('skopeo', [...base, '--dest-tls-verify=false', ...creds.flatMap((c) => ['--dest-creds', c]), `oci:${layout}:bench`, `docker://${host}/bench/image:v1`]));
  const target = join(work, `pull-${host.replace(/[:.]/g, '-')}`);
  const pull = await timed(() => exec('skopeo', [...base, '--src-tls-verify=false', ...creds.flatMap((c) => ['--src-creds', c]), `docker://${host}/bench/image:v1`, `dir:${target}`]));
  rmSync(target, { recursive: true, force: true });
  return { push, pull };
}

async function waitForHttp(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} did not come up`);
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'slipway-bench-registry-'));
  let reference: ChildProcess | undefined;
  let daemon: Daemon | undefined;
  try {
    const layout = join(work, 'layout');
    process.stdout.write(`making a ${totalMb} MB image in ${layerCount} random layers...\n`);
    await makeLayout(layout);

    daemon = await Daemon.start({ config: makeConfig({ dataDir: join(work, 'slipway'), port: 0, host: '127.0.0.1' }), log: silentLogger(), runtime: 'none' });
    await createRepository(daemon.endpoint, 'bench/image');
    const password = await loginPassword(daemon.endpoint);
    const slipway = await pushPull(new URL(daemon.endpoint).host, [`AWS:${password}`], layout, work);

    let ref: { push: number; pull: number } | undefined;
    const bin = ['/usr/bin/docker-registry', '/usr/sbin/docker-registry'].find((p) => existsSync(p));
    if (bin !== undefined) {
      const port = await freePort();
      const config = join(work, 'registry.yml');
      writeFileSync(config, `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(work, 'reference')}\nhttp:\n  addr: 127.0.0.1:${port}\n`);
      reference = spawn(bin, ['serve', config], { stdio: 'ignore' });
      await waitForHttp(`http://127.0.0.1:${port}/v2/`);
      ref = await pushPull(`127.0.0.1:${port}`, [], layout, work);
    }

    const mbps = (s: number): string => `${(totalMb / s).toFixed(0)} MB/s`;
    const row = (name: string, r: { push: number; pull: number }): string =>
      `| ${name.padEnd(22)} | ${r.push.toFixed(2).padStart(7)} s (${mbps(r.push).padStart(9)}) | ${r.pull.toFixed(2).padStart(7)} s (${mbps(r.pull).padStart(9)}) |`;
    const lines = [`push then pull of a ${totalMb} MB image (${layerCount} layers) with skopeo over loopback HTTP`, '', '| registry               | push                  | pull                  |', '|------------------------|-----------------------|-----------------------|', row('Slipway', slipway)];
    if (ref !== undefined) {
      lines.push(row('docker-registry 2.8', ref));
      lines.push(`| ${'ratio Slipway/ref'.padEnd(22)} | ${(slipway.push / ref.push).toFixed(2).padStart(21)} | ${(slipway.pull / ref.pull).toFixed(2).padStart(21)} |`);
    } else {
      lines.push('', 'docker-registry is not installed (apt-get install docker-registry): no reference figures.');
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    reference?.kill();
    await daemon?.stop('bench finished');
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
