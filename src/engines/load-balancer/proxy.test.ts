import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { createListener, type Listener } from './listener.ts';
import { TargetGroup } from './target-group.ts';
import { call, cleanupAfterTests, type Handler, keepAlive, startTarget } from './testing.ts';

const cleanups = cleanupAfterTests();

const clock = new ManualClock();
const agent = keepAlive();
cleanups.push(() => agent.destroy());

/** A listener forwarding to one group of one target running `handler`. */
async function through(handler?: Handler, idleTimeoutMs?: number): Promise<{ l: Listener; g: TargetGroup }> {
  const t = await startTarget('t', handler);
  cleanups.push(() => t.close());
  const g = new TargetGroup({ name: 'g', clock });
  cleanups.push(() => g.close());
  g.register([t]);
  const l = await createListener({ host: '127.0.0.1', port: 0, clock, defaultAction: { type: 'forward', targetGroups: [{ group: g, weight: 1 }] }, ...(idleTimeoutMs ? { idleTimeoutMs } : {}) });
  cleanups.push(() => l.close());
  return { l, g };
}

test('X-Forwarded-For/-Proto/-Port are added and hop-by-hop headers are not passed on', async () => {
  const { l } = await through((req, res) => res.end(JSON.stringify(req.headers)));
  const r = await call(l.port, { agent, headers: { 'x-forwarded-for': '203.0.113.9', connection: 'keep-alive, x-private', 'x-private': 'secret', 'keep-alive': 'timeout=5', te: 'trailers', 'x-app': 'kept' } });
  const seen = JSON.parse(r.body) as Record<string, string>;
  assert.equal(seen['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
  assert.equal(seen['x-forwarded-proto'], 'http');
  assert.equal(seen['x-forwarded-port'], String(l.port));
  assert.match(seen['x-amzn-trace-id'] ?? '', /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  assert.equal(seen['x-app'], 'kept');
  for (const h of ['x-private', 'keep-alive', 'te']) assert.equal(seen[h], undefined, h);
  assert.equal(r.headers['connection'], 'keep-alive'); // the client's connection stays open for the next request
});

test('a chunked upload and a chunked download stream through, chunk by chunk', async () => {
  let uploadedFirst!: () => void;
  const firstUploaded = new Promise<void>((r) => (uploadedFirst = r));
  let downloadedFirst!: () => void;
  const firstDownloaded = new Promise<void>((r) => (downloadedFirst = r));
  const { l } = await through((req, res) => {
    const chunks: string[] = [];
    req.setEncoding('utf8');
    req.on('data', (d: string) => {
      chunks.push(d);
      if (chunks.length === 1) uploadedFirst();
    });
    req.on('end', () => {
      res.writeHead(200, { 'x-upload-te': String(req.headers['transfer-encoding']) });
      res.write(`got ${chunks.join('').length} bytes;`);
      // The second chunk goes only once the client has the first: a buffering proxy would deadlock here.
      void firstDownloaded.then(() => res.end('done'));
    });
  });
  const reply = await new Promise<{ te: string; upTe: string; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: l.port, method: 'POST', path: '/up', headers: { 'transfer-encoding': 'chunked' }, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
        downloadedFirst();
      });
      res.on('end', () => resolve({ te: String(res.headers['transfer-encoding']), upTe: String(res.headers['x-upload-te']), body }));
    });
    req.on('error', reject);
    req.write('a'.repeat(1000));
    // Likewise the upload's second chunk waits for the target to have the first.
    void firstUploaded.then(() => req.end('b'.repeat(500)));
  });
  assert.deepEqual(reply, { te: 'chunked', upTe: 'chunked', body: 'got 1500 bytes;done' });
});

test('WebSocket upgrade passes through and echoes', async () => {
  const { l, g } = await through();
  const ws = new globalThis.WebSocket(`ws://127.0.0.1:${l.port}/chat`);
  const echoed = await new Promise<string>((resolve, reject) => {
    ws.addEventListener('open', () => ws.send('hello'));
    ws.addEventListener('message', (e) => resolve(String(e.data)));
    ws.addEventListener('error', () => reject(new Error('websocket failed')));
  });
  assert.equal(echoed, 'echo: hello');
  assert.equal(g.describeTargetHealth()[0]?.inFlight, 1); // an open WebSocket counts as in flight (draining waits for it)
  const closed = new Promise<void>((r) => ws.addEventListener('close', () => r()));
  ws.close();
  await closed;
});

test('503 when no target group has a registered target', async () => {
  const empty = new TargetGroup({ name: 'empty', clock });
  cleanups.push(() => empty.close());
  const l = await createListener({ host: '127.0.0.1', port: 0, clock, defaultAction: { type: 'forward', targetGroups: [{ group: empty, weight: 1 }] } });
  cleanups.push(() => l.close());
  const r = await call(l.port, { agent });
  assert.equal(r.status, 503);
  assert.equal(r.headers['server'], 'awselb/2.0');
  assert.match(r.body, /^503 Service Temporarily Unavailable: no target group of this listener has a registered target/);
  assert.equal(l.metrics().HTTPCode_ELB_503_Count, 1);
  assert.equal(empty.metrics().HTTPCode_ELB_5XX_Count, 1);
});

test('502 when the target resets the connection', async () => {
  const { l, g } = await through((req) => req.socket.destroy());
  const r = await call(l.port, { agent });
  assert.equal(r.status, 502);
  assert.match(r.body, /^502 Bad Gateway: the connection to the target failed or was reset/);
  assert.equal(g.metrics().HTTPCode_ELB_502_Count, 1);
  assert.equal(g.describeTargetHealth()[0]?.inFlight, 0);
});

test('502 when the only target refuses the connection (no other target to try)', async () => {
  const t = await startTarget('gone');
  await t.close();
  const g = new TargetGroup({ name: 'refused', clock });
  cleanups.push(() => g.close());
  g.register([t]);
  const l = await createListener({ host: '127.0.0.1', port: 0, clock, defaultAction: { type: 'forward', targetGroups: [{ group: g, weight: 1 }] } });
  cleanups.push(() => l.close());
  assert.equal((await call(l.port, { agent })).status, 502);
});

test('504 when the target does not answer within the idle timeout', async () => {
  const { l, g } = await through(() => undefined, 150);
  const r = await call(l.port, { agent });
  assert.equal(r.status, 504);
  assert.match(r.body, /^504 Gateway Time-out: the target did not answer within the idle timeout \(0.15 s\)/);
  assert.equal(g.metrics().HTTPCode_ELB_504_Count, 1);
  assert.equal(g.metrics().HTTPCode_ELB_5XX_Count, 1);
});

test('target status codes are counted by class', async () => {
  const { l, g } = await through((req, res) => {
    res.statusCode = Number(req.url?.slice(1));
    res.end();
  });
  for (const code of [200, 204, 302, 404, 418, 500]) assert.equal((await call(l.port, { agent, path: `/${code}` })).status, code);
  const m = g.metrics();
  assert.deepEqual([m.RequestCount, m.HTTPCode_Target_2XX_Count, m.HTTPCode_Target_3XX_Count, m.HTTPCode_Target_4XX_Count, m.HTTPCode_Target_5XX_Count, m.HTTPCode_ELB_5XX_Count], [6, 2, 1, 2, 1, 0]);
  assert.equal(m.TargetResponseTime.length, 6);
});

test('a client that leaves mid-download releases the target: in-flight goes back to 0', async () => {
  let closedAtTarget!: () => void;
  const targetSawClose = new Promise<void>((r) => (closedAtTarget = r));
  const { l, g } = await through((req, res) => {
    res.write('first part');
    res.on('close', () => closedAtTarget()); // never ends by itself: only the client leaving ends it
  });
  await new Promise<void>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: l.port, agent: false }, (res) => {
      res.once('data', () => {
        assert.equal(g.describeTargetHealth()[0]?.inFlight, 1);
        req.destroy();
        resolve();
      });
    });
    req.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
    req.end();
  });
  await targetSawClose;
  assert.equal(g.describeTargetHealth()[0]?.inFlight, 0);
});
