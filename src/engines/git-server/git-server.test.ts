import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { CodeCommitClient, CreateRepositoryCommand, GetRepositoryCommand } from '@aws-sdk/client-codecommit';
import { CreateServiceSpecificCredentialCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import type { SlipwayEvent } from '../../core/events.ts';
import { typeFilter } from '../../core/events.ts';
import { callJson, startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';

let t: TestDaemon;
let cc: CodeCommitClient;
let iam: IAMClient;
let home: string;
let username = '';
let password = '';

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real git client with no user config, no prompts and no credential helper. */
function gitRun(cwd: string, args: string[], env: Record<string, string> = {}): Promise<GitResult> {
  return new Promise((resolve) => {
    execFile(
      'git',
      ['-c', 'credential.helper=', '-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', ...args],
      {
        cwd,
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C', ...env },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr }),
    );
  });
}

async function gitOk(cwd: string, args: string[]): Promise<string> {
  const r = await gitRun(cwd, args);
  assert.equal(r.code, 0, `git ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

function url(repo: string, user = username, pass = password): string {
  const base = new URL(t.endpoint);
  return `http://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@${base.host}/v1/repos/${repo}`;
}

function workdir(name: string): string {
  const dir = mkdtempSync(join(home, `${name}-`));
  return dir;
}

async function newRepo(name: string): Promise<void> {
  await cc.send(new CreateRepositoryCommand({ repositoryName: name }));
}

/** A local repository with one commit of `files` on main, its remote pointing at `repo`. */
async function localWithCommit(repo: string, files: Record<string, string>, message = 'first'): Promise<string> {
  const dir = workdir(repo);
  await gitOk(dir, ['init', '-q']);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  await gitOk(dir, ['add', '-A']);
  await gitOk(dir, ['commit', '-q', '-m', message]);
  await gitOk(dir, ['remote', 'add', 'origin', url(repo)]);
  return dir;
}

function nextPush(repo: string, ref: string): Promise<SlipwayEvent> {
  return t.daemon.bus.next((e) => typeFilter('codecommit.referenceUpdated')(e) && e.detail['repositoryName'] === repo && e.detail['referenceName'] === ref, AbortSignal.timeout(30_000));
}

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'slipway-git-home-'));
  t = await startTestDaemon();
  cc = new CodeCommitClient(t.sdk);
  iam = new IAMClient(t.sdk);
  await iam.send(new CreateUserCommand({ UserName: 'dev' }));
  const cred = await iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'dev', ServiceName: 'codecommit.amazonaws.com' }));
  username = cred.ServiceSpecificCredential?.ServiceUserName ?? '';
  password = cred.ServiceSpecificCredential?.ServicePassword ?? '';
});

after(async () => {
  cc.destroy();
  iam.destroy();
  await t.stop();
  rmSync(home, { recursive: true, force: true });
});

test('push to a new repository emits codecommit.referenceUpdated with the changed paths; clone gets the files', async (ctx) => {
  await newRepo('app');
  const src = await localWithCommit('app', { 'README.md': 'hello\n', 'src/index.js': 'console.log(1)\n' });
  const event = nextPush('app', 'refs/heads/main');
  const started = performance.now();
  await gitOk(src, ['push', '-q', 'origin', 'main']);
  const pushMs = performance.now() - started;
  const e = await event;
  const head = (await gitOk(src, ['rev-parse', 'HEAD'])).trim();
  assert.equal(e.detail['event'], 'referenceCreated');
  assert.equal(e.detail['referenceType'], 'branch');
  assert.equal(e.detail['commitId'], head);
  assert.equal(e.detail['oldCommitId'], null);
  assert.equal(e.detail['repositoryArn'], 'arn:aws:codecommit:us-east-1:000000000000:app');
  assert.deepEqual(e.detail['changedFiles'], ['README.md', 'src/index.js']);

  // The first branch becomes the default branch, and HEAD of the bare repository follows.
  const meta = await cc.send(new GetRepositoryCommand({ repositoryName: 'app' }));
  assert.equal(meta.repositoryMetadata?.defaultBranch, 'main');

  const dst = workdir('clone');
  const cloneStarted = performance.now();
  await gitOk(dst, ['clone', '-q', url('app'), 'app']);
  const cloneMs = performance.now() - cloneStarted;
  assert.equal((await gitOk(join(dst, 'app'), ['rev-parse', 'HEAD'])).trim(), head);
  assert.ok(existsSync(join(dst, 'app', 'src', 'index.js')));
  ctx.diagnostic(`push ${pushMs.toFixed(0)} ms, clone ${cloneMs.toFixed(0)} ms`);

  // A second push: referenceUpdated with only the paths it changed; fetch brings it to the clone.
  writeFileSync(join(src, 'README.md'), 'hello again\n');
  writeFileSync(join(src, 'new.txt'), 'new\n');
  await gitOk(src, ['add', '-A']);
  await gitOk(src, ['commit', '-q', '-m', 'second']);
  const updated = nextPush('app', 'refs/heads/main');
  await gitOk(src, ['push', '-q', 'origin', 'main']);
  const u = await updated;
  assert.equal(u.detail['event'], 'referenceUpdated');
  assert.equal(u.detail['oldCommitId'], head);
  assert.deepEqual(u.detail['changedFiles'], ['README.md', 'new.txt']);
  await gitOk(join(dst, 'app'), ['fetch', '-q', 'origin']);
  assert.equal((await gitOk(join(dst, 'app'), ['rev-parse', 'origin/main'])).trim(), (await gitOk(src, ['rev-parse', 'HEAD'])).trim());
});

test('shallow clone (--depth 1) gets only the last commit', async () => {
  await newRepo('shallow');
  const src = await localWithCommit('shallow', { 'a.txt': '1\n' });
  for (let i = 2; i <= 4; i++) {
    writeFileSync(join(src, 'a.txt'), `${i}\n`);
    await gitOk(src, ['commit', '-q', '-am', `c${i}`]);
  }
  await gitOk(src, ['push', '-q', 'origin', 'main']);
  const dst = workdir('shallow-clone');
  await gitOk(dst, ['clone', '-q', '--depth', '1', url('shallow'), 'r']);
  assert.equal((await gitOk(join(dst, 'r'), ['rev-list', '--count', 'HEAD'])).trim(), '1');
  assert.equal((await gitOk(join(dst, 'r'), ['rev-parse', '--is-shallow-repository'])).trim(), 'true');
});

test('tag push emits a tag event; branch push and deletion emit created and deleted', async () => {
  await newRepo('refs');
  const src = await localWithCommit('refs', { 'f.txt': 'x\n' });
  await gitOk(src, ['push', '-q', 'origin', 'main']);
  const head = (await gitOk(src, ['rev-parse', 'HEAD'])).trim();

  await gitOk(src, ['tag', '-a', 'v1.0', '-m', 'release']);
  const tagEvent = nextPush('refs', 'refs/tags/v1.0');
  await gitOk(src, ['push', '-q', 'origin', 'v1.0']);
  const tag = await tagEvent;
  assert.equal(tag.detail['referenceType'], 'tag');
  assert.equal(tag.detail['event'], 'referenceCreated');
  assert.equal(tag.detail['commitId'], head, 'an annotated tag is reported by the commit it points at');

  const created = nextPush('refs', 'refs/heads/feature');
  await gitOk(src, ['push', '-q', 'origin', 'main:feature']);
  assert.equal((await created).detail['event'], 'referenceCreated');

  const deleted = nextPush('refs', 'refs/heads/feature');
  await gitOk(src, ['push', '-q', 'origin', '--delete', 'feature']);
  const d = await deleted;
  assert.equal(d.detail['event'], 'referenceDeleted');
  assert.equal(d.detail['oldCommitId'], head);
  assert.equal(d.detail['commitId'], null);
  const remote = await gitOk(src, ['ls-remote', 'origin']);
  assert.doesNotMatch(remote, /refs\/heads\/feature/);
  assert.match(remote, /refs\/tags\/v1\.0/);
});

test('a wrong password or no credentials is refused with 401 and a Basic challenge, and nothing is written', async () => {
  await newRepo('locked');
  const noAuth = await fetch(`${t.endpoint}/v1/repos/locked/info/refs?service=git-receive-pack`);
  assert.equal(noAuth.status, 401);
  assert.equal(noAuth.headers.get('www-authenticate'), 'Basic realm="Slipway CodeCommit"');

  const src = await localWithCommit('locked', { 'f.txt': 'x\n' });
  await gitOk(src, ['remote', 'set-url', 'origin', url('locked', username, 'wrong-password')]);
  const r = await gitRun(src, ['push', 'origin', 'main']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Authentication failed|401/);
  const r2 = await gitRun(workdir('noclone'), ['clone', url('locked', 'nobody-at-000000000000', 'x'), 'x']);
  assert.notEqual(r2.code, 0);
  const refs = readdirSync(join(t.dataDir, 'git', 'locked.git', 'refs', 'heads'));
  assert.deepEqual(refs, []);
});

test('pushing to or cloning a repository that does not exist fails naming it, with 404, and creates nothing', async () => {
  const src = await localWithCommit('ghost', { 'f.txt': 'x\n' });
  const r = await gitRun(src, ['push', 'origin', 'main']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /ghost/);
  assert.match(r.stderr, /not found/);
  const c = await gitRun(workdir('ghost-clone'), ['clone', url('ghost'), 'g']);
  assert.notEqual(c.code, 0);
  assert.match(c.stderr, /repository '.*ghost.*' not found/);
  const auth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const res = await fetch(`${t.endpoint}/v1/repos/ghost/info/refs?service=git-upload-pack`, { headers: { authorization: auth } });
  assert.equal(res.status, 404);
  assert.match(await res.text(), /ghost/);
  assert.equal(existsSync(join(t.dataDir, 'git', 'ghost.git')), false);
  const got = await callJson(t.endpoint, 'CodeCommit_20150413.GetRepository', { repositoryName: 'ghost' });
  assert.equal(got.body['__type'], 'RepositoryDoesNotExistException');
});

test('two pushes racing on one branch: one wins, the other is rejected, the repository stays whole', async (ctx) => {
  await newRepo('race');
  const base = await localWithCommit('race', { 'f.txt': 'base\n' });
  await gitOk(base, ['push', '-q', 'origin', 'main']);
  const clones = await Promise.all(
    ['a', 'b'].map(async (who) => {
      const dir = workdir(`race-${who}`);
      await gitOk(dir, ['clone', '-q', url('race'), 'r']);
      const repo = join(dir, 'r');
      writeFileSync(join(repo, `${who}.txt`), `${who}\n`);
      await gitOk(repo, ['add', '-A']);
      await gitOk(repo, ['commit', '-q', '-m', `from ${who}`]);
      return repo;
    }),
  );
  const results = await Promise.all(clones.map((dir) => gitRun(dir, ['push', 'origin', 'main'])));
  const winners = results.filter((r) => r.code === 0);
  const losers = results.filter((r) => r.code !== 0);
  assert.equal(winners.length, 1, results.map((r) => r.stderr).join('\n---\n'));
  assert.equal(losers.length, 1);
  assert.match(losers[0]?.stderr ?? '', /non-fast-forward|fetch first/);
  ctx.diagnostic(`loser: ${(losers[0]?.stderr ?? '').split('\n').filter((l) => l.includes('!') || l.includes('remote: error')).join(' | ')}`);
  const bare = join(t.dataDir, 'git', 'race.git');
  await gitOk(bare, ['fsck', '--strict']);
  const winnerDir = clones[results.findIndex((r) => r.code === 0)] ?? '';
  assert.equal((await gitOk(bare, ['rev-parse', 'refs/heads/main'])).trim(), (await gitOk(winnerDir, ['rev-parse', 'HEAD'])).trim());
});

test('a 20 MB push goes up as a chunked, streamed request body', async (ctx) => {
  await newRepo('big');
  const src = await localWithCommit('big', { 'small.txt': 's\n' });
  // 20 MB of incompressible data: the pack goes up as a chunked body.
  const { randomBytes } = await import('node:crypto');
  for (let i = 0; i < 4; i++) writeFileSync(join(src, `blob-${i}.bin`), randomBytes(5 * 1024 * 1024));
  await gitOk(src, ['add', '-A']);
  await gitOk(src, ['commit', '-q', '-m', 'big']);
  const event = nextPush('big', 'refs/heads/main');
  const started = performance.now();
  await gitOk(src, ['-c', 'http.postBuffer=65536', 'push', '-q', 'origin', 'main']);
  const ms = performance.now() - started;
  ctx.diagnostic(`20 MB push ${ms.toFixed(0)} ms`);
  assert.equal((await event).detail['changedFiles'] instanceof Array, true);
  const dst = workdir('big-clone');
  await gitOk(dst, ['clone', '-q', url('big'), 'r']);
  assert.equal(readdirSync(join(dst, 'r')).filter((f) => f.endsWith('.bin')).length, 4);
});

test('`slipway credentials create --user NAME` creates the user and a credential that git can push with', async () => {
  const { main } = await import('../../cli/main.ts');
  const lines: string[] = [];
  const code = await main(['credentials', 'create', '--user', 'ci-bot', '--endpoint', t.endpoint], { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  assert.equal(code, 0, lines.join('\n'));
  assert.match(lines[0] ?? '', /Created IAM user ci-bot/);
  const user = /username\s+(\S+)/.exec(lines.join('\n'))?.[1] ?? '';
  const pass = /password\s+(\S+)/.exec(lines.join('\n'))?.[1] ?? '';
  assert.equal(user, 'ci-bot-at-000000000000');
  await newRepo('cli');
  const src = await localWithCommit('cli', { 'x.txt': 'x\n' });
  await gitOk(src, ['remote', 'set-url', 'origin', url('cli', user, pass)]);
  await gitOk(src, ['push', '-q', 'origin', 'main']);
  // A second run for the same user reuses the user and makes its second credential.
  const again: string[] = [];
  assert.equal(await main(['credentials', 'create', '--user', 'ci-bot', '--endpoint', t.endpoint, '--json'], { out: (l) => again.push(l), err: (l) => again.push(l) }), 0);
  assert.equal((JSON.parse(again[0] ?? '{}') as { ServiceUserName?: string }).ServiceUserName, 'ci-bot+1-at-000000000000');
});

test('a gzip-encoded upload-pack request body is inflated by http-backend', async () => {
  await newRepo('gz');
  const src = await localWithCommit('gz', { 'g.txt': 'g\n' });
  await gitOk(src, ['push', '-q', 'origin', 'main']);
  const head = (await gitOk(src, ['rev-parse', 'HEAD'])).trim();
  const { gzipSync } = await import('node:zlib');
  const pkt = (line: string): string => `${(line.length + 4).toString(16).padStart(4, '0')}${line}`;
  const body = gzipSync(Buffer.from(`${pkt(`want ${head}\n`)}0000${pkt('done\n')}`));
  const res = await fetch(`${t.endpoint}/v1/repos/gz/git-upload-pack`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
      'content-type': 'application/x-git-upload-pack-request',
      'content-encoding': 'gzip',
    },
    body,
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/x-git-upload-pack-result');
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.ok(bytes.includes(Buffer.from('PACK')), bytes.subarray(0, 80).toString('latin1'));
});
