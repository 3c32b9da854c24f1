// SQLite state (node:sqlite): versioned migrations, one transaction per state change, the persisted event log.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type SQLInputValue, type SQLOutputValue } from 'node:sqlite';
import { SlipwayError } from '../core/errors.ts';
import type { EventSink, SlipwayEvent } from '../core/events.ts';

/** A migration is applied once per data dir, in registration order; ids are namespaced (`ssm/001-parameters`). */
export interface Migration {
  readonly id: string;
  readonly sql: string;
}

const CORE_MIGRATIONS: readonly Migration[] = [
  {
    id: 'core/001-events',
    sql: `CREATE TABLE events (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      time INTEGER NOT NULL,
      type TEXT NOT NULL,
      resource TEXT NOT NULL,
      detail TEXT NOT NULL
    );
    CREATE INDEX events_type ON events(type);
    CREATE INDEX events_resource ON events(resource);
    CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  },
];

export type Row = Record<string, SQLOutputValue>;

/** Reads a column as a string ('' for null). */
export function str(row: Row, key: string): string {
  const v = row[key];
  if (v === null || v === undefined) return '';
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return String(v);
}

/** Reads a column as a number (NaN for null). */
export function num(row: Row, key: string): number {
  const v = row[key];
  return v === null || v === undefined || v instanceof Uint8Array ? Number.NaN : Number(v);
}

/** A transaction cannot span an await: it would commit before the async work ran (or hold the write lock across it). */
function refuseAsync<T>(result: T): T {
  if (typeof (result as { then?: unknown } | null)?.then === 'function') {
    throw new SlipwayError('AsyncTransaction', 'Store.tx was given a function that returned a promise; expected a synchronous function (do async work before or after the transaction)', {
      fault: 'server',
    });
  }
  return result;
}

export class Store implements EventSink {
  readonly db: DatabaseSync;
  readonly path: string;
  #depth = 0;
  #afterCommit: Array<() => void> = [];

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.path = join(dataDir, 'state.sqlite');
    this.db = new DatabaseSync(this.path);
    // WAL + synchronous=FULL: a commit that returned is on disk, even across SIGKILL or power loss.
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)');
    this.migrate(CORE_MIGRATIONS);
  }

  /** Applies the migrations not yet applied, each in its own transaction. Returns the ids applied now. */
  migrate(migrations: readonly Migration[]): string[] {
    const applied = new Set(
      this.db
        .prepare('SELECT id FROM schema_migrations')
        .all()
        .map((r) => str(r, 'id')),
    );
    const done: string[] = [];
    for (const m of migrations) {
      if (applied.has(m.id)) continue;
      this.tx(() => {
        this.db.exec(m.sql);
        this.db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)').run(m.id, Date.now());
      });
      done.push(m.id);
    }
    return done;
  }

  /**
   * Runs `fn` in one transaction; after-commit hooks run once it commits. A nested call runs in a savepoint of
   * the outer one: if it throws, its writes and hooks are undone even when the caller catches and carries on.
   */
  tx<T>(fn: () => T): T {
    if (this.#depth > 0) {
      const savepoint = `tx_${this.#depth}`;
      const hooks = this.#afterCommit.length;
      this.db.exec(`SAVEPOINT ${savepoint}`);
      this.#depth++;
      try {
        const result = refuseAsync(fn());
        this.db.exec(`RELEASE ${savepoint}`);
        return result;
      } catch (error) {
        this.#afterCommit.length = hooks;
        if (this.db.isTransaction) this.db.exec(`ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`);
        throw error;
      } finally {
        this.#depth--;
      }
    }
    this.db.exec('BEGIN IMMEDIATE');
    this.#depth = 1;
    let result: T;
    try {
      result = refuseAsync(fn());
      this.db.exec('COMMIT');
    } catch (error) {
      this.#afterCommit = [];
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    } finally {
      this.#depth = 0;
    }
    const hooks = this.#afterCommit;
    this.#afterCommit = [];
    for (const hook of hooks) hook();
    return result;
  }

  get inTransaction(): boolean {
    return this.#depth > 0;
  }

  all(sql: string, ...params: SQLInputValue[]): Row[] {
    return this.db.prepare(sql).all(...params);
  }

  get(sql: string, ...params: SQLInputValue[]): Row | undefined {
    return this.db.prepare(sql).get(...params);
  }

  run(sql: string, ...params: SQLInputValue[]): { changes: number; lastInsertRowid: number } {
    const r = this.db.prepare(sql).run(...params);
    return { changes: Number(r.changes), lastInsertRowid: Number(r.lastInsertRowid) };
  }

  // EventSink

  append(event: { type: string; resource: string; time: number; detail: Readonly<Record<string, unknown>> }): number {
    return this.tx(
      () =>
        this.run(
          'INSERT INTO events (time, type, resource, detail) VALUES (?, ?, ?, ?)',
          event.time,
          event.type,
          event.resource,
          JSON.stringify(event.detail),
        ).lastInsertRowid,
    );
  }

  since(seq: number, limit: number): SlipwayEvent[] {
    return this.all('SELECT seq, time, type, resource, detail FROM events WHERE seq > ? ORDER BY seq LIMIT ?', seq, limit).map(
      (r) => ({
        seq: num(r, 'seq'),
        time: num(r, 'time'),
        type: str(r, 'type'),
        resource: str(r, 'resource'),
        detail: JSON.parse(str(r, 'detail')) as Record<string, unknown>,
      }),
    );
  }

  lastSeq(): number {
    const row = this.get('SELECT max(seq) AS seq FROM events');
    return typeof row?.['seq'] === 'number' ? row['seq'] : 0;
  }

  afterCommit(fn: () => void): void {
    if (this.#depth > 0) this.#afterCommit.push(fn);
    else fn();
  }

  /** A JSON value kept under a key (small settings such as the instance id). */
  getKv<T>(key: string): T | undefined {
    const row = this.get('SELECT value FROM kv WHERE key = ?', key);
    return row === undefined ? undefined : (JSON.parse(str(row, 'value')) as T);
  }

  setKv(key: string, value: unknown): void {
    this.run('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', key, JSON.stringify(value));
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
