import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { makeConfig } from '../core/config.ts';
import { silentLogger } from '../core/log.ts';
import { runCli, startSlipwayUp } from '../../test/helpers/cli.ts';
import { startTestDaemon } from '../../test/helpers/daemon.ts';
import { Daemon } from './daemon.ts';


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

test('slipway up / status / down as processes: status healthy, a second up refused, down stops it', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-cli-'));
  const env = { SLIPWAY_DATA_DIR: dataDir, SLIPWAY_LOG_LEVEL: 'warn' };
  const daemon = await startSlipwayUp(['--port', '0', '--no-runtime'], env);
  try {
    const status = await runCli(['status'], env);
    assert.equal(status.code, 0, status.err);
    assert.match(status.out, /store\s+Healthy/);
    assert.match(status.out, /edge\s+Healthy/);

    const second = await runCli(['up', '--port', '0', '--no-runtime'], env);
    assert.equal(second.code, 1);
    assert.match(second.err, /already running/i);

    const down = await runCli(['down'], env);
    assert.equal(down.code, 0, down.err);
    assert.equal((await daemon.exited).code, 0);
    assert.match(daemon.output(), /Slipway stopped/);

    const after = await runCli(['status'], env);
    assert.equal(after.code, 1);
    assert.match(after.err, /No Slipway daemon answers/);
  } finally {
    daemon.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('SIGTERM stops slipway up cleanly with exit code 0', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-sig-'));
  try {
    const daemon = await startSlipwayUp(['--port', '0', '--no-runtime'], { SLIPWAY_DATA_DIR: dataDir, SLIPWAY_LOG_LEVEL: 'warn' });
    daemon.child.kill('SIGTERM');
    assert.equal((await daemon.exited).code, 0);
    assert.match(daemon.output(), /SIGTERM: stopping Slipway/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
