// Registered hooks: the /_slipway/hooks API and `slipway hooks`, and invoking each kind (HTTP, command, container).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, watch } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeConfig } from '../../core/config.ts';
import { ensureBusyboxImage } from '../../runtime/base-images.ts';
import { connectRuntime } from '../../runtime/engine.ts';
import type { ContainerRuntime } from '../../runtime/types.ts';
import type { HookRegistration } from '../../services/codedeploy/hooks.ts';
import { hookNameOf } from '../../services/codedeploy/hooks.ts';
import { hooksDelete, hooksList, hooksPut } from '../../cli/hooks.ts';
import { startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import { invokeHook, type HookContext } from './hooks.ts';

let t: TestDaemon;
let runtime: ContainerRuntime | undefined;
const call = { deploymentId: 'd-HOOKTEST1', lifecycleEventHookExecutionId: 'exec-1', lifecycleEventName: 'AfterAllowTestTraffic' };
const signal = new AbortController().signal;

function hookCtx(): HookContext {
  return {
    endpoint: () => 'http://127.0.0.1:7547',
    config: makeConfig({ dataDir: '/tmp/unused' }),
    runtime: async () => {
      if (runtime === undefined) throw new Error('no runtime');
      return runtime;
    },
  };
}

function hook(kind: HookRegistration['kind'], target: string): HookRegistration {
  return { name: 'Validate', kind, target, timeoutSeconds: 60, createTime: 0 };
}

before(async () => {
  t = await startTestDaemon();
  if (process.env['SLIPWAY_SKIP_ENGINE'] !== '1') runtime = await connectRuntime();
});

after(async () => {
  await t.stop();
  await runtime?.close();
});

test('an appspec hook reference resolves to the function name, as Lambda resolves it', () => {
  assert.equal(hookNameOf('Validate'), 'Validate');
  assert.equal(hookNameOf('Validate:live'), 'Validate');
  assert.equal(hookNameOf('arn:aws:lambda:us-east-1:123456789012:function:Validate'), 'Validate');
  assert.equal(hookNameOf('arn:aws:lambda:us-east-1:123456789012:function:Validate:3'), 'Validate');
  assert.equal(hookNameOf('123456789012:function:Validate'), 'Validate');
});

test('hooks are registered, listed and deleted over /_slipway/hooks and with slipway hooks; bad registrations name every problem', async () => {
  const bad = await fetch(`${t.endpoint}/_slipway/hooks/bad%20name`, { method: 'PUT', body: JSON.stringify({ url: 'ftp://x', command: 'true', timeoutSeconds: 7200 }) });
  assert.equal(bad.status, 400);
  const problem = (await bad.json()) as { code: string; message: string };
  assert.equal(problem.code, 'InvalidHook');
  for (const part of ['name: found "bad name"', 'found url and command of url, command, image; expected exactly one', 'url: found "ftp://x"', 'timeoutSeconds: found 7200']) {
    assert.ok(problem.message.includes(part), `${problem.message} names ${part}`);
  }
  const lines: string[] = [];
  const out = (line: string): void => void lines.push(line);
  assert.equal(await hooksPut(t.endpoint, 'Validate', { command: 'exit 0', timeout: 90 }, out), 0);
  assert.equal(await hooksPut(t.endpoint, 'Smoke', { url: 'http://127.0.0.1:9/smoke' }, out), 0);
  lines.length = 0;
  await hooksList(t.endpoint, out);
  assert.deepEqual(
    lines.map((l) => l.split(/\s+/).slice(0, 3)),
    [
      ['Smoke', 'http', 'http://127.0.0.1:9/smoke'],
      ['Validate', 'command', 'exit'],
    ],
  );
  assert.ok(lines[1]?.includes('(timeout 90s)'));
  await hooksDelete(t.endpoint, 'Smoke', out);
  await assert.rejects(hooksDelete(t.endpoint, 'Smoke', out), /No hook is registered as Smoke/);
  const listed = (await (await fetch(`${t.endpoint}/_slipway/hooks/`)).json()) as { hooks: HookRegistration[] };
  assert.deepEqual(
    listed.hooks.map((h) => [h.name, h.kind, h.target, h.timeoutSeconds]),
    [['Validate', 'command', 'exit 0', 90]],
  );
});

test('an HTTP hook gets the Lambda event; its JSON answer is the verdict, a bare 2xx means it reports later, an error fails it', async () => {
  const bodies: unknown[] = [];
  let answer: { status: number; body: string } = { status: 200, body: '{"status":"Succeeded"}' };
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString('utf8')));
    req.on('end', () => {
      bodies.push(JSON.parse(text));
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/hook`;
  try {
    assert.deepEqual(await invokeHook(hookCtx(), hook('http', url), call, signal), { status: 'Succeeded', message: 'The hook Validate answered Succeeded' });
    assert.deepEqual(bodies[0], { DeploymentId: 'd-HOOKTEST1', LifecycleEventHookExecutionId: 'exec-1' });
    answer = { status: 202, body: 'accepted' };
    assert.equal(await invokeHook(hookCtx(), hook('http', url), call, signal), undefined);
    answer = { status: 500, body: 'validation crashed' };
    const failed = await invokeHook(hookCtx(), hook('http', url), call, signal);
    assert.equal(failed?.status, 'Failed');
    assert.match(failed?.message ?? '', /answered 500: validation crashed/);
  } finally {
    server.close();
  }
  const unreachable = await invokeHook(hookCtx(), hook('http', 'http://127.0.0.1:9/closed'), call, signal);
  assert.equal(unreachable?.status, 'Failed');
  assert.match(unreachable?.message ?? '', /could not be reached/);
});

test('a command hook runs with the ids and Slipway endpoint in its environment; its exit status is the verdict', async () => {
  const ok = await invokeHook(hookCtx(), hook('command', 'test "$DeploymentId" = d-HOOKTEST1 && test "$LifecycleEventHookExecutionId" = exec-1 && test "$AWS_ENDPOINT_URL" = http://127.0.0.1:7547'), call, signal);
  assert.equal(ok?.status, 'Succeeded');
  const bad = await invokeHook(hookCtx(), hook('command', 'echo "smoke test: 3 of 10 checks failed" >&2; exit 3'), call, signal);
  assert.equal(bad?.status, 'Failed');
  assert.match(bad?.message ?? '', /exited 3: smoke test: 3 of 10 checks failed/);
});

test('a command hook stopped (timeout, stopped deployment) stops everything it started', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-hook-'));
  try {
    const ready = new Promise<void>((resolve) => {
      const watcher = watch(dir, (_event, file) => {
        if (file === 'pid.ready') {
          watcher.close();
          resolve();
        }
      });
    });
    const controller = new AbortController();
    const running = invokeHook(hookCtx(), hook('command', `sleep 60 & echo $! > ${dir}/pid; mv ${dir}/pid ${dir}/pid.ready; wait`), call, controller.signal);
    await ready;
    const pid = Number(readFileSync(join(dir, 'pid.ready'), 'utf8'));
    assert.ok(alive(pid), 'the command started a background process');
    controller.abort(new Error('deployment stopped'));
    await assert.rejects(running, /deployment stopped/);
    assert.equal(alive(pid), false, 'the background process went with it');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** PF_EXITING in /proc/<pid>/stat's flags: the kernel has started the process's exit, which cannot be undone. */
const PF_EXITING = 0x4;

/**
 * Running: not gone, not a zombie waiting for its reaper, and not in the middle of its exit. A process killed by the
 * hook's SIGTERM closes its pipes early in its exit, so the hook can settle before the kernel marks it a zombie.
 */
function alive(pid: number): boolean {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const state = fields[0];
    const flags = Number(fields[6]);
    return state !== 'Z' && state !== 'X' && (flags & PF_EXITING) === 0;
  } catch {
    return false;
  }
}

test('a container hook runs the image with the same environment; its exit status is the verdict', { skip: process.env['SLIPWAY_SKIP_ENGINE'] === '1' }, async () => {
  const r = runtime as ContainerRuntime;
  const base = await ensureBusyboxImage(r);
  const image = `localhost/slipway-hook-test-${randomBytes(4).toString('hex')}:1`;
  const script = 'test "$DeploymentId" = d-HOOKTEST1 || exit 9; test "$LifecycleEventName" = AfterAllowTestTraffic || exit 8; exit "${HOOK_EXIT:-0}"';
  await r.buildImage({ tag: image, files: { Dockerfile: Buffer.from(`FROM ${base.ref}\nCMD ["sh", "-c", ${JSON.stringify(script)}]\n`) } });
  try {
    assert.equal((await invokeHook(hookCtx(), hook('container', image), call, signal))?.status, 'Succeeded');
    const failing = `${image.slice(0, -2)}:2`;
    await r.buildImage({ tag: failing, files: { Dockerfile: Buffer.from(`FROM ${image}\nENV HOOK_EXIT=5\n`) } });
    const failed = await invokeHook(hookCtx(), hook('container', failing), call, signal);
    assert.equal(failed?.status, 'Failed');
    assert.match(failed?.message ?? '', /exited 5/);
    await r.removeImage(failing);
    assert.deepEqual(await r.list({ 'dev.slipway.role': 'codedeploy-hook', 'dev.slipway.deployment-id': 'd-HOOKTEST1' }), [], 'hook containers are removed');
  } finally {
    await r.removeImage(image).catch(() => undefined);
  }
});
