// list() against a stand-in Engine API on a unix socket: a container that vanishes between list and inspect is skipped.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DockerApiRuntime } from './runtime.ts';

/** What the stand-in engine answers for GET /containers/<id>/json: an inspect body, or an HTTP status with a message. */
type InspectAnswer = { readonly status: 200 } | { readonly status: number; readonly message: string };

let dir: string;
let server: Server;
let runtime: DockerApiRuntime;
let listed: string[] = [];
let answers = new Map<string, InspectAnswer>();
const inspected: string[] = [];

function inspectBody(id: string): unknown {
  return {
    Id: id,
    Name: `/${id}`,
    Config: { Image: 'img:1', Labels: { 'slipway.test': 'list' } },
    State: { Status: 'running', Running: true, OOMKilled: false, ExitCode: 0, StartedAt: '2026-01-01T00:00:00Z', FinishedAt: '0001-01-01T00:00:00Z' },
    NetworkSettings: { Ports: {}, Networks: {} },
  };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-list-'));
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://engine');
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && /\/containers\/json$/.test(url.pathname)) {
      reply(200, listed.map((id) => ({ Id: id, Names: [`/${id}`], Labels: { 'slipway.test': 'list' } })));
      return;
    }
    const m = /\/containers\/([^/]+)\/json$/.exec(url.pathname);
    if (req.method === 'GET' && m?.[1] !== undefined) {
      const id = decodeURIComponent(m[1]);
      inspected.push(id);
      const answer = answers.get(id) ?? { status: 404, message: `no such container: ${id}` };
      if (answer.status === 200) reply(200, inspectBody(id));
      else reply(answer.status, { message: 'message' in answer ? answer.message : '' });
      return;
    }
    reply(404, { message: `page not found: ${req.method ?? ''} ${url.pathname}` });
  });
  const socketPath = join(dir, 'engine.sock');
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  runtime = new DockerApiRuntime({ socketPath });
});

after(async () => {
  await runtime.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

test('a container removed between list and inspect (inspect answers 404) is left out, not an error', async () => {
  listed = ['kept-1', 'gone', 'kept-2'];
  answers = new Map([
    ['kept-1', { status: 200 }],
    ['gone', { status: 404, message: 'no such container: gone' }],
    ['kept-2', { status: 200 }],
  ]);
  inspected.length = 0;
  const infos = await runtime.list({ 'slipway.test': 'list' });
  assert.deepEqual(
    infos.map((i) => i.id),
    ['kept-1', 'kept-2'],
  );
  assert.deepEqual(inspected, ['kept-1', 'gone', 'kept-2'], 'every listed container is inspected once');
  assert.equal(infos[0]?.running, true);
});

test('any other inspect failure of a listed container still fails list with the engine error', async () => {
  listed = ['kept-1', 'broken'];
  answers = new Map<string, InspectAnswer>([
    ['kept-1', { status: 200 }],
    ['broken', { status: 500, message: 'storage driver exploded' }],
  ]);
  await assert.rejects(runtime.list({ 'slipway.test': 'list' }), (err: unknown) => {
    assert.ok(err instanceof Error);
    assert.equal((err as Error & { code?: unknown }).code, 'EngineError');
    assert.match(err.message, /inspect of container broken/);
    assert.match(err.message, /storage driver exploded/);
    return true;
  });
});

test('inspect of a container the engine does not know is ContainerNotFound', async () => {
  await assert.rejects(runtime.inspect('never-was'), (err: unknown) => {
    assert.equal((err as Error & { code?: unknown }).code, 'ContainerNotFound');
    return true;
  });
});
