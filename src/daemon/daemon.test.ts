import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { test } from 'node:test';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { makeConfig } from '../core/config.ts';
import { silentLogger } from '../core/log.ts';
import { startTestDaemon } from '../../test/helpers/daemon.ts';
import { Daemon } from './daemon.ts';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'slipway.js');

test('a restart keeps acknowledged state and the event log', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-restart-'));
  try {
    const first = await startTestDaemon({ dataDir });
    const ssm = new SSMClient(first.sdk);
    await ssm.send(new PutParameterCommand({ Name: 'survives', Value: 'restart', Type: 'String' }));
    ssm.destroy();
    const instance = first.daemon.instanceId;
    await first.stop();

    const second = await startTestDaemon({ dataDir });
    const ssm2 = new SSMClient(second.sdk);
    const got = await ssm2.send(new GetParameterCommand({ Name: 'survives' }));
    ssm2.destroy();
    assert.equal(got.Parameter?.Value, 'restart');
    assert.equal(second.daemon.instanceId, instance, 'the instance id (container ownership label) is stable across restarts');
    const types = second.daemon.bus.since(0).map((e) => e.type);
    assert.deepEqual(types.filter((x) => x.startsWith('daemon.')), ['daemon.started', 'daemon.stopping', 'daemon.started']);
    assert.ok(types.includes('ssm.parameter.put'));
    await second.stop();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a second daemon on the same data dir refuses with AlreadyRunning and leaves the first one serving', async () => {
  const first = await startTestDaemon();
  try {
    await assert.rejects(
      Daemon.start({ config: makeConfig({ dataDir: first.dataDir, port: 0 }), log: silentLogger(), runtime: 'none' }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'AlreadyRunning');
        assert.match(error.message, new RegExp(String(process.pid)));
        return true;
      },
    );
    const res = await fetch(`${first.endpoint}/_slipway/status`);
    assert.equal(res.status, 200);
  } finally {
    await first.stop();
  }
});

/** Runs the real CLI on the project's Node 24 and collects its output. */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return once(child, 'exit').then(([code]) => ({ code: code as number | null, out, err }));
}

test('slipway up / status / down as processes: status healthy, a second up refused, down stops it', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-cli-'));
  const env = { SLIPWAY_DATA_DIR: dataDir, SLIPWAY_LOG_LEVEL: 'warn' };
  const daemon = spawn(process.execPath, [bin, 'up', '--port', '0', '--no-runtime'], { env: { ...process.env, ...env } });
  // Listen for the exit from the start: `down` may return after the process is already gone.
  const exited = once(daemon, 'exit') as Promise<[number | null]>;
  try {
    let out = '';
    daemon.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve, reject) => {
      daemon.stdout.on('data', () => out.includes('Slipway is up') && resolve());
      daemon.on('exit', (code) => reject(new Error(`slipway up exited ${code}`)));
    });

    const status = await cli(['status'], env);
    assert.equal(status.code, 0, status.err);
    assert.match(status.out, /store\s+Healthy/);
    assert.match(status.out, /edge\s+Healthy/);

    const second = await cli(['up', '--port', '0', '--no-runtime'], env);
    assert.equal(second.code, 1);
    assert.match(second.err, /already running/i);

    const down = await cli(['down'], env);
    assert.equal(down.code, 0, down.err);
    const [code] = await exited;
    assert.equal(code, 0);
    assert.match(out, /Slipway stopped/);

    const after = await cli(['status'], env);
    assert.equal(after.code, 1);
    assert.match(after.err, /No Slipway daemon answers/);
  } finally {
    daemon.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('SIGTERM stops slipway up cleanly with exit code 0', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-sig-'));
  const daemon = spawn(process.execPath, [bin, 'up', '--port', '0', '--no-runtime'], { env: { ...process.env, SLIPWAY_DATA_DIR: dataDir, SLIPWAY_LOG_LEVEL: 'warn' } });
  const exited = once(daemon, 'exit') as Promise<[number | null]>;
  try {
    let out = '';
    await new Promise<void>((resolve) => daemon.stdout.on('data', (d: Buffer) => (out += d.toString()).includes('Slipway is up') && resolve()));
    daemon.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0);
    assert.match(out, /SIGTERM: stopping Slipway/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
