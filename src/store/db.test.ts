import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { EventBus, typeFilter, type SlipwayEvent } from '../core/events.ts';
import { num, str, Store, type Migration } from './db.ts';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-db-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function open(t: TestContext, dir: string): Store {
  const store = new Store(dir);
  t.after(() => store.close());
  return store;
}

const items: Migration[] = [
  { id: 'test/001-items', sql: 'CREATE TABLE items (id TEXT PRIMARY KEY, n INTEGER NOT NULL)' },
  // Depends on the first: only works when applied after it.
  { id: 'test/002-items-note', sql: "ALTER TABLE items ADD COLUMN note TEXT NOT NULL DEFAULT ''" },
];

function count(store: Store, table: string): number {
  return num(store.get(`SELECT count(*) AS c FROM ${table}`)!, 'c');
}

test('migrations apply once, in order; a reopen applies nothing new', (t) => {
  const dir = tempDir(t);
  const first = new Store(dir);
  assert.deepEqual(first.migrate(items), ['test/001-items', 'test/002-items-note']);
  first.run('INSERT INTO items (id, n, note) VALUES (?, ?, ?)', 'a', 1, 'kept');
  assert.deepEqual(first.migrate(items), []);
  first.close();

  const second = open(t, dir);
  assert.deepEqual(second.migrate(items), []);
  assert.deepEqual(
    second.all('SELECT id FROM schema_migrations ORDER BY rowid').map((r) => str(r, 'id')),
    ['core/001-events', 'test/001-items', 'test/002-items-note'],
  );
  assert.equal(str(second.get('SELECT note FROM items WHERE id = ?', 'a')!, 'note'), 'kept');
  // A later release adds a migration: only it runs.
  assert.deepEqual(second.migrate([...items, { id: 'test/003-index', sql: 'CREATE INDEX items_n ON items(n)' }]), ['test/003-index']);
});

test('a failing migration rolls back entirely and is not recorded; the ones before it stay', (t) => {
  const store = open(t, tempDir(t));
  const broken: Migration = {
    id: 'test/003-broken',
    sql: 'CREATE TABLE half (x INTEGER); INSERT INTO half VALUES (1); ALTER TABLE no_such_table ADD COLUMN y TEXT;',
  };
  assert.throws(() => store.migrate([...items, broken]), /no such table: no_such_table/);
  assert.equal(store.get("SELECT name FROM sqlite_master WHERE name = 'half'"), undefined, 'its first statements were rolled back');
  assert.equal(store.get("SELECT id FROM schema_migrations WHERE id = 'test/003-broken'"), undefined);
  assert.equal(store.inTransaction, false);
  assert.deepEqual(store.migrate(items), [], 'the migrations before it were recorded');
  const fixed: Migration = { id: 'test/003-broken', sql: 'CREATE TABLE half (x INTEGER)' };
  assert.deepEqual(store.migrate([...items, fixed]), ['test/003-broken']);
});

test('tx commits, rolls back on a throw, and nested calls join the outer transaction', (t) => {
  const store = open(t, tempDir(t));
  store.migrate(items);
  const r = store.tx(() => {
    store.run('INSERT INTO items (id, n) VALUES (?, ?)', 'a', 1);
    assert.equal(store.inTransaction, true);
    return store.tx(() => {
      store.run('INSERT INTO items (id, n) VALUES (?, ?)', 'b', 2);
      return 'done';
    });
  });
  assert.equal(r, 'done');
  assert.equal(store.inTransaction, false);
  assert.equal(count(store, 'items'), 2);

  assert.throws(
    () =>
      store.tx(() => {
        store.run('INSERT INTO items (id, n) VALUES (?, ?)', 'c', 3);
        store.tx(() => store.run('INSERT INTO items (id, n) VALUES (?, ?)', 'd', 4));
        throw new Error('boom');
      }),
    /boom/,
  );
  assert.equal(count(store, 'items'), 2, 'the outer rollback undid the nested writes too');

  // A failing statement (constraint) rolls the whole transaction back.
  assert.throws(() =>
    store.tx(() => {
      store.run('INSERT INTO items (id, n) VALUES (?, ?)', 'e', 5);
      store.run('INSERT INTO items (id, n) VALUES (?, ?)', 'a', 6);
    }),
  );
  assert.equal(store.get("SELECT id FROM items WHERE id = 'e'"), undefined);
  assert.equal(store.inTransaction, false);
});

test('a nested tx that throws is undone on its own, even when the outer one catches and commits', (t) => {
  const store = open(t, tempDir(t));
  store.migrate(items);
  const bus = new EventBus(store, () => 1000);
  const heard: string[] = [];
  bus.subscribe(typeFilter('item.*'), (e) => heard.push(e.resource));
  store.tx(() => {
    store.run('INSERT INTO items (id, n) VALUES (?, ?)', 'outer', 1);
    bus.publish({ type: 'item.created', resource: 'outer' });
    try {
      store.tx(() => {
        store.run('INSERT INTO items (id, n) VALUES (?, ?)', 'inner', 2);
        bus.publish({ type: 'item.created', resource: 'inner' });
        throw new Error('inner step failed');
      });
    } catch {
      // the caller handles the inner failure and carries on
    }
    store.run('INSERT INTO items (id, n) VALUES (?, ?)', 'after', 3);
    bus.publish({ type: 'item.created', resource: 'after' });
  });
  assert.deepEqual(
    store.all('SELECT id FROM items ORDER BY n').map((r) => str(r, 'id')),
    ['outer', 'after'],
  );
  assert.deepEqual(
    bus.since(0).map((e) => [e.seq, e.resource]),
    [
      [1, 'outer'],
      [2, 'after'],
    ],
    'the inner event is gone and seqs stay gap-free',
  );
  assert.deepEqual(heard, ['outer', 'after'], 'the inner event was never delivered');
});

test('tx refuses an async function instead of committing before it finishes', async (t) => {
  const store = open(t, tempDir(t));
  store.migrate(items);
  let late: Promise<void> | undefined;
  assert.throws(
    () =>
      store.tx(() => {
        store.run('INSERT INTO items (id, n) VALUES (?, ?)', 'sync-part', 1);
        late = Promise.resolve();
        return late;
      }),
    (error: Error & { code?: string }) => error.code === 'AsyncTransaction',
  );
  await late;
  assert.equal(count(store, 'items'), 0);
  assert.equal(store.inTransaction, false);
});

test('after-commit hooks run once, in order, only when the transaction commits', (t) => {
  const store = open(t, tempDir(t));
  const ran: string[] = [];
  store.tx(() => {
    store.afterCommit(() => ran.push('a'));
    store.tx(() => store.afterCommit(() => ran.push('b')));
    assert.deepEqual(ran, [], 'not before the commit');
  });
  assert.deepEqual(ran, ['a', 'b']);

  assert.throws(() =>
    store.tx(() => {
      store.afterCommit(() => ran.push('rolled back'));
      throw new Error('no');
    }),
  );
  store.tx(() => store.afterCommit(() => ran.push('c')));
  assert.deepEqual(ran, ['a', 'b', 'c'], 'a rolled-back hook never runs, not even with the next commit');

  store.afterCommit(() => ran.push('now'));
  assert.deepEqual(ran, ['a', 'b', 'c', 'now'], 'outside a transaction a hook runs at once');
});

test('events published in a rolled-back transaction are neither persisted nor delivered', async (t) => {
  const store = open(t, tempDir(t));
  let now = 5000;
  const bus = new EventBus(store, () => now++);
  const heard: SlipwayEvent[] = [];
  bus.subscribe(() => true, (e) => heard.push(e));

  const committed = bus.next(typeFilter('test.kept'));
  store.tx(() => {
    bus.publish({ type: 'test.kept', resource: 'r1', detail: { n: 1 } });
    assert.equal(heard.length, 0, 'delivery waits for the commit');
  });
  assert.equal((await committed).seq, 1);

  assert.throws(() =>
    store.tx(() => {
      bus.publish({ type: 'test.lost', resource: 'r2' });
      bus.publish({ type: 'test.lost', resource: 'r3' });
      throw new Error('rolled back');
    }),
  );
  const after = bus.publish({ type: 'test.kept', resource: 'r4' });
  assert.equal(after.seq, 2, 'the rolled-back events left no gap in the seqs');
  assert.deepEqual(
    heard.map((e) => [e.seq, e.type, e.resource]),
    [
      [1, 'test.kept', 'r1'],
      [2, 'test.kept', 'r4'],
    ],
  );
  const persisted = store.since(0, 100);
  assert.deepEqual(persisted, [
    { seq: 1, time: 5000, type: 'test.kept', resource: 'r1', detail: { n: 1 } },
    { seq: 2, time: 5003, type: 'test.kept', resource: 'r4', detail: {} },
  ]);
});

test('since() pages through the log in order without gaps or repeats, and survives a reopen', (t) => {
  const dir = tempDir(t);
  const store = new Store(dir);
  const bus = new EventBus(store, () => 1);
  for (let i = 1; i <= 25; i++) bus.publish({ type: 'test.page', resource: `r${i}`, detail: { i } });
  store.close();

  const reopened = open(t, dir);
  const pages: number[][] = [];
  let cursor = 0;
  for (;;) {
    const page = reopened.since(cursor, 10);
    if (page.length === 0) break;
    pages.push(page.map((e) => e.seq));
    cursor = page[page.length - 1]!.seq;
  }
  assert.deepEqual(pages.map((p) => p.length), [10, 10, 5]);
  assert.deepEqual(pages.flat(), Array.from({ length: 25 }, (_, i) => i + 1));
  assert.deepEqual(reopened.since(24, 10).map((e) => e.detail), [{ i: 25 }]);
  assert.deepEqual(reopened.since(25, 10), []);
  // Appends continue the same sequence after a reopen.
  assert.equal(new EventBus(reopened, () => 2).publish({ type: 'test.page', resource: 'r26' }).seq, 26);
});

test('after() finds a matching event already logged (past the first page) or waits for the next one', async (t) => {
  const store = open(t, tempDir(t));
  const bus = new EventBus(store, () => 1);
  for (let i = 1; i <= 1500; i++) bus.publish({ type: 'test.filler', resource: `r${i}` });
  bus.publish({ type: 'test.wanted', resource: 'logged' });
  assert.equal((await bus.after(0, typeFilter('test.wanted'))).resource, 'logged');
  const mark = bus.lastSeq();
  const later = bus.after(mark, typeFilter('test.wanted'));
  bus.publish({ type: 'test.wanted', resource: 'published' });
  assert.equal((await later).resource, 'published');
});

test('kv keeps JSON values by key, overwrites, and persists across a reopen', (t) => {
  const dir = tempDir(t);
  const store = new Store(dir);
  assert.equal(store.getKv('missing'), undefined);
  store.setKv('instance-id', 'abc');
  store.setKv('settings', { port: 4566, tags: ['a', 'b'], nested: { ok: true } });
  store.setKv('instance-id', 'def');
  store.setKv('zero', 0);
  store.close();

  const reopened = open(t, dir);
  assert.equal(reopened.getKv<string>('instance-id'), 'def');
  assert.deepEqual(reopened.getKv('settings'), { port: 4566, tags: ['a', 'b'], nested: { ok: true } });
  assert.equal(reopened.getKv('zero'), 0);
  assert.throws(() => reopened.tx(() => {
    reopened.setKv('zero', 1);
    throw new Error('undo');
  }));
  assert.equal(reopened.getKv('zero'), 0);
});

test('the store runs in WAL mode with full sync, so an acknowledged commit survives a crash', (t) => {
  const store = open(t, tempDir(t));
  assert.equal(str(store.get('PRAGMA journal_mode')!, 'journal_mode'), 'wal');
  assert.equal(num(store.get('PRAGMA synchronous')!, 'synchronous'), 2);
  assert.equal(str(store.get('PRAGMA integrity_check')!, 'integrity_check'), 'ok');
});
