import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createApp } from '../src/server.ts';
import { VERSION } from '../src/version.ts';

async function withApp(fn: (base: string) => Promise<void>, healthy = true): Promise<void> {
  const app = createApp(undefined, () => healthy);
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  try {
    await fn(`http://127.0.0.1:${(app.address() as AddressInfo).port}`);
  } finally {
    await new Promise((resolve) => app.close(resolve));
  }
}

test('GET / answers the version', () =>
  withApp(async (base) => {
    const res = await fetch(`${base}/`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { service: 'test-api', version: VERSION });
  }));

test('GET /health-check answers 200 when healthy and 503 when not', async () => {
  await withApp(async (base) => assert.equal((await fetch(`${base}/health-check`)).status, 200));
  await withApp(async (base) => assert.equal((await fetch(`${base}/health-check`)).status, 503), false);
});

test('unknown paths are 404', () =>
  withApp(async (base) => {
    assert.equal((await fetch(`${base}/nope`)).status, 404);
  }));
