// Crash-test writer: commits paired rows + an event per transaction and streams blobs, until it is SIGKILLed.
// Usage: node crash-writer.ts <dataDir>. Prints `acked <n>` after each commit and `blob <n> <digest>` after each
// blob is stored and recorded; both are printed only once the write is durable.
import { createHash } from 'node:crypto';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { EventBus } from '../../core/events.ts';
import { BlobStore } from '../blobs.ts';
import { num, Store } from '../db.ts';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: crash-writer.ts <dataDir>');

const store = new Store(dataDir);
store.migrate([
  {
    id: 'crash/001-orders-ledger',
    sql: `CREATE TABLE orders (n INTEGER PRIMARY KEY, amount INTEGER NOT NULL, customer TEXT NOT NULL);
      CREATE TABLE ledger (n INTEGER PRIMARY KEY, debit INTEGER NOT NULL, memo TEXT NOT NULL);
      CREATE TABLE blob_refs (n INTEGER PRIMARY KEY, digest TEXT NOT NULL, size INTEGER NOT NULL);`,
  },
]);
const bus = new EventBus(store, () => Date.now());
const blobs = new BlobStore(dataDir);
const out = (line: string): void => void process.stdout.write(`${line}\n`); // a pipe: written synchronously on Linux

// An upload left mid-way, as a client disconnecting mid-push would leave it.
const upload = await blobs.startUpload();
await blobs.appendUpload(upload, Buffer.alloc(100_000, 7));
out(`upload ${upload}`);

const start = num(store.get('SELECT coalesce(max(n), 0) + 1 AS n FROM orders')!, 'n');
out(`ready ${start}`);

/** Deterministic content for blob n: 64 KiB chunks, 64 KiB to 1 MiB in all, so a kill often lands mid-blob. */
async function* blobContent(n: number): AsyncGenerator<Buffer> {
  const chunks = 1 + (n % 16);
  for (let i = 0; i < chunks; i++) {
    const seed = createHash('sha256').update(`${n}/${i}`).digest();
    yield Buffer.alloc(64 * 1024, seed);
    await yieldToIo();
  }
}

const inFlight = new Set<Promise<void>>();
for (let n = start; n < start + 1_000_000; n++) {
  const amount = (n * 7919) % 10_000;
  store.tx(() => {
    store.run('INSERT INTO orders (n, amount, customer) VALUES (?, ?, ?)', n, amount, `customer-${n % 97}`);
    bus.publish({ type: 'crash.order', resource: `order/${n}`, detail: { n, amount } });
    store.run('INSERT INTO ledger (n, debit, memo) VALUES (?, ?, ?)', n, amount, `order ${n}`);
  });
  out(`acked ${n}`);

  if (n % 3 === 0 && inFlight.size < 4) {
    const p: Promise<void> = blobs.put(blobContent(n)).then((info) => {
      store.tx(() => store.run('INSERT INTO blob_refs (n, digest, size) VALUES (?, ?, ?)', n, info.digest, info.size));
      out(`blob ${n} ${info.digest}`);
      inFlight.delete(p);
    });
    inFlight.add(p);
  }
  await yieldToIo();
}
process.exit(3); // never reached in the test: the parent kills it first
