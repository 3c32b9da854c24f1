import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test, type TestContext } from 'node:test';
import { pathToFileURL } from 'node:url';
import { SlipwayError } from '../core/errors.ts';
import { acquireDaemonLock, isAlive, lockPath, readDaemonLock, type DaemonLockInfo } from './lock.ts';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-lock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const me = (port = 4566): DaemonLockInfo => ({ pid: process.pid, host: '127.0.0.1', port, startedAt: 1_700_000_000_000 });

/** The pid of a process that has certainly exited (spawned, awaited). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
  assert.ok(child.pid !== undefined);
  assert.equal(isAlive(child.pid), false);
  return child.pid;
}

test('a second acquire refuses with AlreadyRunning naming the pid, endpoint and data dir', (t) => {
  const dir = tempDir(t);
  const lock = acquireDaemonLock(dir, me());
  t.after(() => lock.release());
  assert.deepEqual(readDaemonLock(dir), me());
  assert.match(readFileSync(lockPath(dir), 'utf8'), /"nonce":"[0-9a-f-]{36}"/);
  assert.throws(
    () => acquireDaemonLock(dir, me(9999)),
    (error: unknown) => {
      assert.ok(error instanceof SlipwayError);
      assert.equal(error.code, 'AlreadyRunning');
      assert.match(error.message, new RegExp(`pid ${process.pid}`));
      assert.match(error.message, /http:\/\/127\.0\.0\.1:4566/);
      assert.ok(error.message.includes(dir), error.message);
      return true;
    },
  );
  assert.deepEqual(readDaemonLock(dir), me(), 'the refused starter did not touch the lock');
});

test('update replaces the info atomically; release removes the file and is idempotent', (t) => {
  const dir = tempDir(t);
  const lock = acquireDaemonLock(dir, me(0));
  lock.update(me(43210));
  assert.deepEqual(readDaemonLock(dir), me(43210));
  lock.release();
  assert.equal(existsSync(lockPath(dir)), false);
  assert.equal(readDaemonLock(dir), undefined);
  lock.release();
  assert.deepEqual(readdirSync(dir), [], 'no temp files are left');
  const again = acquireDaemonLock(dir, me());
  again.release();
});

test('a lock left by a dead process is taken over', async (t) => {
  const dir = tempDir(t);
  const pid = await deadPid();
  writeFileSync(lockPath(dir), JSON.stringify({ pid, host: '127.0.0.1', port: 1234, startedAt: 1 }));
  assert.equal(readDaemonLock(dir), undefined, 'a stale lock names no running daemon');
  const lock = acquireDaemonLock(dir, me());
  assert.deepEqual(readDaemonLock(dir), me());
  lock.release();
  assert.equal(existsSync(lockPath(dir)), false);
});

test('an unreadable lock file (no daemon wrote it) is taken over', (t) => {
  const dir = tempDir(t);
  writeFileSync(lockPath(dir), '');
  const lock = acquireDaemonLock(dir, me());
  assert.deepEqual(readDaemonLock(dir), me());
  lock.release();
});

test('release after a takeover by another holder leaves the new holder its lock', async (t) => {
  const dir = tempDir(t);
  const first = acquireDaemonLock(dir, { ...me(), pid: await deadPid() });
  // Its pid is dead, so a new starter takes over; the old holder's late release must not remove the new lock.
  const second = acquireDaemonLock(dir, me(5555));
  first.release();
  assert.deepEqual(readDaemonLock(dir), me(5555));
  second.release();
});

const lockModule = pathToFileURL(join(import.meta.dirname, 'lock.ts')).href;
/** A starter in its own process: says `ready`, waits for `go`, tries the lock, reports, holds it until stdin closes. */
const starter = `
import { createInterface } from 'node:readline';
const { acquireDaemonLock } = await import(${JSON.stringify(lockModule)});
const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\\n');
for await (const line of lines) {
  if (line !== 'go') continue;
  try {
    acquireDaemonLock(process.argv[1], { pid: process.pid, host: '127.0.0.1', port: 7000, startedAt: Date.now() });
    process.stdout.write('won\\n');
  } catch (error) {
    process.stdout.write((error.code ?? 'error:' + error.message) + '\\n');
  }
}
`;

async function race(dir: string, count: number): Promise<{ results: string[]; children: ChildProcessWithoutNullStreams[] }> {
  const children = Array.from({ length: count }, () => spawn(process.execPath, ['--input-type=module', '-e', starter, dir], { stdio: 'pipe' }));
  const lines = children.map((c) => createInterface({ input: c.stdout })[Symbol.asyncIterator]());
  const next = async (i: number): Promise<string> => {
    const r = await lines[i]!.next();
    if (r.done === true) throw new Error(`starter ${i} exited early: ${String(children[i]!.stderr.read())}`);
    return r.value;
  };
  await Promise.all(children.map(async (_, i) => assert.equal(await next(i), 'ready')));
  for (const c of children) c.stdin.write('go\n');
  const results = await Promise.all(children.map((_, i) => next(i)));
  return { results, children };
}

async function finish(children: ChildProcessWithoutNullStreams[]): Promise<void> {
  await Promise.all(
    children.map(async (c) => {
      const exited = once(c, 'exit');
      c.stdin.end();
      await exited;
    }),
  );
}

for (const stale of [false, true]) {
  test(`concurrent starters in separate processes: exactly one wins (${stale ? 'over a stale lock' : 'no lock yet'})`, async (t) => {
    for (let round = 0; round < 3; round++) {
      const dir = tempDir(t);
      if (stale) writeFileSync(lockPath(dir), JSON.stringify({ pid: await deadPid(), host: '127.0.0.1', port: 1, startedAt: 1 }));
      const { results, children } = await race(dir, 4);
      try {
        assert.equal(results.filter((r) => r === 'won').length, 1, `results: ${results.join(', ')}`);
        assert.equal(results.filter((r) => r === 'AlreadyRunning').length, 3, `results: ${results.join(', ')}`);
        const winner = children[results.indexOf('won')]!;
        assert.equal(readDaemonLock(dir)?.pid, winner.pid);
      } finally {
        await finish(children);
      }
      // The winner exited without releasing: its lock is now stale and the next starter takes it over.
      const next = acquireDaemonLock(dir, me());
      next.release();
      assert.deepEqual(readdirSync(dir), []);
    }
  });
}
