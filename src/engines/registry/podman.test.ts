import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { typeFilter } from '../../core/events.ts';
import { callJson, startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import { createRepository, loginPassword } from './testing.ts';

const exec = promisify(execFile);
const T = 'AmazonEC2ContainerRegistry_V20150921';
let t: TestDaemon;
let dir: string;
let host: string;
const suffix = randomBytes(4).toString('hex');
const localImage = `localhost/slipway-podman-test-${suffix}:v1`;
let available = true;

function withStdin(cmd: string, args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${out}`))));
    child.stdin.end(input);
  });
}

before(async () => {
  try {
    await exec('podman', ['--version']);
  } catch {
    available = false;
    return;
  }
  t = await startTestDaemon();
  host = new URL(t.endpoint).host;
  dir = mkdtempSync(join(tmpdir(), 'slipway-podman-'));
  // A tiny image made locally: busybox from the host and a file unique to this run.
  copyFileSync('/bin/busybox', join(dir, 'busybox'));
  writeFileSync(join(dir, 'unique.txt'), `run ${suffix}\n`);
  writeFileSync(join(dir, 'Containerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nCOPY unique.txt /unique.txt\nCMD ["/bin/busybox", "cat", "/unique.txt"]\n');
  await exec('podman', ['build', '--quiet', '-t', localImage, dir]);
});

after(async () => {
  if (!available) return;
  await exec('podman', ['rmi', '--force', localImage, `${host}/podman/app:v1`]).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
  await t.stop();
});

test('podman login with the ECR token, push, and pull back the same digest; the push emits ecr.image.push', async (ctx) => {
  if (!available) {
    ctx.skip('podman not installed');
    return;
  }
  await createRepository(t.endpoint, 'podman/app');
  const authfile = join(dir, 'auth.json');
  const password = await loginPassword(t.endpoint);
  const wrong = withStdin('podman', ['login', '--username', 'AWS', '--password-stdin', '--tls-verify=false', '--authfile', authfile, host], 'wrong');
  await assert.rejects(wrong, /401|unauthorized|invalid/i);
  await withStdin('podman', ['login', '--username', 'AWS', '--password-stdin', '--tls-verify=false', '--authfile', authfile, host], password);

  const remote = `${host}/podman/app:v1`;
  const pushed = t.daemon.bus.next(typeFilter('ecr.image.push'));
  const digestFile = join(dir, 'digest');
  await exec('podman', ['push', '--quiet', '--tls-verify=false', '--authfile', authfile, '--digestfile', digestFile, localImage, `docker://${remote}`]);
  const digest = readFileSync(digestFile, 'utf8').trim();
  const event = await pushed;
  assert.equal(event.detail['imageDigest'], digest);
  assert.equal(event.detail['imageTag'], 'v1');
  assert.equal(event.detail['repositoryName'], 'podman/app');

  const described = await callJson(t.endpoint, `${T}.DescribeImages`, { repositoryName: 'podman/app' });
  const details = described.body['imageDetails'] as Array<{ imageDigest: string; imageTags: string[]; imageSizeInBytes: number }>;
  assert.equal(details[0]?.imageDigest, digest);
  assert.deepEqual(details[0]?.imageTags, ['v1']);
  assert.ok((details[0]?.imageSizeInBytes ?? 0) > 500_000);

  // Remove every local copy so the pull really comes from the registry.
  await exec('podman', ['rmi', '--force', remote, localImage]);
  await exec('podman', ['pull', '--quiet', '--tls-verify=false', '--authfile', authfile, remote]);
  const { stdout } = await exec('podman', ['image', 'inspect', '--format', '{{json .RepoDigests}}', remote]);
  assert.ok((JSON.parse(stdout) as string[]).includes(`${host}/podman/app@${digest}`), stdout);
  const run = await exec('podman', ['run', '--rm', '--network=none', remote]);
  assert.equal(run.stdout.trim(), `run ${suffix}`);
});

test('podman without a login is refused with 401', async (ctx) => {
  if (!available) {
    ctx.skip('podman not installed');
    return;
  }
  const authfile = join(dir, 'empty-auth.json');
  writeFileSync(authfile, '{"auths":{}}');
  await assert.rejects(
    exec('podman', ['pull', '--quiet', '--tls-verify=false', '--authfile', authfile, `${host}/podman/app:v1`]),
    /401|unauthorized|authentication required/i,
  );
});
