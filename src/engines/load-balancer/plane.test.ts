// The data plane as a process of its own: it serves through a crash of Slipway, is adopted, replaced and ended.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, watch } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { SlipwayEvent } from '../../core/events.ts';
import { readEventStream } from '../../cli/events.ts';
import { startLoad } from '../../../test/e2e/load.ts';
import { runCli, startSlipwayUp, type SlipwayProcess } from '../../../test/helpers/cli.ts';
import { startTestDaemon } from '../../../test/helpers/daemon.ts';
import { freePort, get, startTarget, type TestTarget } from '../../services/elbv2/testing.ts';
import { planeSocketPath, readFrames, sendFrame } from './plane-wire.ts';

const targets: TestTarget[] = [];
after(async () => {
  await Promise.all(targets.map((t) => t.close()));
});

/** A JSON target answering `{"version": name}` (what the load generator counts by). */
async function versionTarget(name: string): Promise<TestTarget> {
  const t = await startTarget(JSON.stringify({ version: name }));
  targets.push(t);
  return t;
}

/** The first event after `since` matching, read from the daemon's event stream. */
async function eventAfter(endpoint: string, since: number, match: (e: SlipwayEvent) => boolean): Promise<SlipwayEvent> {
  const res = await fetch(`${endpoint}/_slipway/events?since=${since}`, { signal: AbortSignal.timeout(60_000) });
  if (res.body === null) throw new Error('no event stream');
  for await (const e of readEventStream(res.body)) {
    if (match(e)) {
      await res.body.cancel().catch(() => undefined);
      return e;
    }
  }
  throw new Error('the event stream ended');
}

/** The load balancer component's status line: names the data plane process. */
async function planeDetail(endpoint: string): Promise<string> {
  const status = (await (await fetch(`${endpoint}/_slipway/status`)).json()) as { components: Array<{ name: string; detail: string }> };
  return status.components.find((c) => c.name === 'load-balancer')?.detail ?? '';
}

/** A target group with `target` registered. */
async function groupOf(elb: ElasticLoadBalancingV2Client, name: string, target: TestTarget): Promise<string> {
  const tgArn = (await elb.send(new CreateTargetGroupCommand({ Name: name, Protocol: 'HTTP', Port: 80, VpcId: 'vpc-1', TargetType: 'ip' }))).TargetGroups?.[0]?.TargetGroupArn ?? '';
  await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '127.0.0.1', Port: target.port }] }));
  return tgArn;
}

/** A target group forwarding to `target`, behind a new listener on a free port; resolves once the listener serves. */
async function listenerTo(elb: ElasticLoadBalancingV2Client, endpoint: string, name: string, target: TestTarget): Promise<{ port: number; listenerArn: string; tgArn: string }> {
  const tgArn = await groupOf(elb, name, target);
  const lbArn = (await elb.send(new CreateLoadBalancerCommand({ Name: name }))).LoadBalancers?.[0]?.LoadBalancerArn ?? '';
  const port = await freePort();
  const listenerArn =
    (await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: port, DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }] }))).Listeners?.[0]?.ListenerArn ?? '';
  await eventAfter(endpoint, 0, (e) => e.type === 'elbv2.listener.routing-applied' && e.resource === listenerArn);
  return { port, listenerArn, tgArn };
}

/** `slipway up` as a process of its own (no container engine). */
function slipwayUp(dataDir: string, port: number): Promise<SlipwayProcess> {
  return startSlipwayUp(['--port', String(port), '--no-runtime', '--data-dir', dataDir], { SLIPWAY_LOG_LEVEL: 'error' });
}

function sdkFor(endpoint: string): { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } } {
  return { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIASLIPWAYTEST', secretAccessKey: 'x' } };
}

test('SIGKILL of Slipway under load: the data plane serves on, the next start adopts it, and no request fails', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-plane-'));
  const edgePort = await freePort();
  const endpoint = `http://127.0.0.1:${edgePort}`;
  const daemon = await slipwayUp(dataDir, edgePort);
  try {
    const elb = new ElasticLoadBalancingV2Client(sdkFor(endpoint));
    const blue = await versionTarget('blue');
    const green = await versionTarget('green');
    const { port, listenerArn } = await listenerTo(elb, endpoint, 'web', blue);
    const detail = await planeDetail(endpoint);
    const pid = /data plane process (\d+)/.exec(detail)?.[1];
    assert.ok(pid !== undefined, `the status names the data plane process: ${detail}`);
    elb.destroy();

    const load = startLoad(`http://127.0.0.1:${port}/`, 4);
    let second: Awaited<ReturnType<typeof startTestDaemon>> | undefined;
    try {
      await load.after(50);
      daemon.child.kill('SIGKILL');
      assert.equal((await daemon.exited).signal, 'SIGKILL');
      const down = load.snapshot();
      await load.after(500);
      assert.equal(load.snapshot().failed, 0, 'requests while Slipway is dead');

      // The next start takes over the dead daemon's lock and adopts the plane: the same process, still serving.
      second = await startTestDaemon({ dataDir });
      const elb2 = new ElasticLoadBalancingV2Client(second.sdk);
      await second.daemon.bus.after(0, (e) => e.type === 'elbv2.listener.routing-applied' && e.resource === listenerArn);
      assert.match(await planeDetail(second.endpoint), new RegExp(`data plane process ${pid}\\b`));
      // It drives the adopted plane: a new default action moves the traffic.
      const greenTg = await groupOf(elb2, 'green', green);
      const seq = second.daemon.bus.lastSeq();
      await elb2.send(new ModifyListenerCommand({ ListenerArn: listenerArn, DefaultActions: [{ Type: 'forward', TargetGroupArn: greenTg }] }));
      await second.daemon.bus.after(seq, (e) => e.type === 'elbv2.listener.routing-applied' && e.resource === listenerArn);
      const moved = load.snapshot();
      await load.after(100);
      const now = load.snapshot();
      // Requests accepted before the swap keep their target: at most one per connection (4) may still answer blue.
      assert.ok((now.versions['green'] ?? 0) - (moved.versions['green'] ?? 0) >= now.total - moved.total - 4, `after the swap green answered ${(now.versions['green'] ?? 0) - (moved.versions['green'] ?? 0)} of ${now.total - moved.total}`);
      assert.ok(now.total - down.total >= 600);
      elb2.destroy();
    } finally {
      const stats = await load.stop();
      await second?.stop();
      assert.equal(stats.failed, 0, `failed requests: ${stats.failures.join('; ')}`);
    }
    // A final stop ends the plane: the port is closed and the socket gone.
    assert.equal((await get(port)).status, 0);
    assert.equal(existsSync(planeSocketPath(dataDir)), false);
  } finally {
    daemon.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('slipway down leaves the listeners serving; slipway down --all ends them, with or without a daemon', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-plane-'));
  const edgePort = await freePort();
  const endpoint = `http://127.0.0.1:${edgePort}`;
  let up = await slipwayUp(dataDir, edgePort);
  try {
    const elb = new ElasticLoadBalancingV2Client(sdkFor(endpoint));
    const { port, listenerArn } = await listenerTo(elb, endpoint, 'app', await versionTarget('app'));
    elb.destroy();
    const down = await runCli(['down', '--data-dir', dataDir]);
    assert.equal(down.code, 0);
    assert.match(down.out, /^Slipway stopped\.$/m);
    assert.deepEqual(await get(port), { status: 200, body: '{"version":"app"}' }, 'the listener serves on');

    // No daemon runs: --all ends what the last one left.
    const all = await runCli(['down', '--all', '--data-dir', dataDir]);
    assert.equal(all.code, 0);
    assert.match(all.out, /Stopped the load balancer data plane \(pid \d+\)/);
    assert.equal((await get(port)).status, 0);

    // A daemon runs: --all stops it and its data plane (which it started again for the listener in the store).
    up = await slipwayUp(dataDir, edgePort);
    let started = 0;
    await eventAfter(endpoint, 0, (e) => (e.type === 'daemon.started' ? ++started : started) === 2 && e.type === 'elbv2.listener.routing-applied' && e.resource === listenerArn);
    assert.equal((await get(port)).status, 200);
    const both = await runCli(['down', '--all', '--data-dir', dataDir]);
    assert.equal(both.code, 0);
    assert.match(both.out, /Slipway stopped, with its load balancer and containers\./);
    await up.exited;
    assert.equal((await get(port)).status, 0);
  } finally {
    up.child.kill('SIGKILL');
    await runCli(['down', '--all', '--data-dir', dataDir]);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a plane that dies is started again and given the routing; a listener deleted last ends the plane', { timeout: 120_000 }, async () => {
  const t = await startTestDaemon();
  const elb = new ElasticLoadBalancingV2Client(t.sdk);
  try {
    const app = await versionTarget('app');
    const { port, listenerArn } = await listenerTo(elb, t.endpoint, 'app', app);
    const pid = Number(/data plane process (\d+)/.exec(await planeDetail(t.endpoint))?.[1]);
    const seq = t.daemon.bus.lastSeq();
    process.kill(pid, 'SIGKILL');
    await t.daemon.bus.after(seq, (e) => e.type === 'elbv2.listener.routing-applied' && e.resource === listenerArn);
    assert.deepEqual(await get(port), { status: 200, body: '{"version":"app"}' });
    const again = Number(/data plane process (\d+)/.exec(await planeDetail(t.endpoint))?.[1]);
    assert.notEqual(again, pid);

    // With nothing left to serve the plane ends: it closes the port and removes its socket.
    const gone = socketGone(planeSocketPath(t.dataDir));
    await elb.send(new DeleteListenerCommand({ ListenerArn: listenerArn }));
    await gone;
    assert.match(await planeDetail(t.endpoint), /no data plane running/);
    assert.equal((await get(port)).status, 0);
  } finally {
    elb.destroy();
    await t.stop();
  }
});

test('a plane left by another build of Slipway is asked to shut down and replaced', { timeout: 60_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-plane-'));
  // An "old" plane: answers hello with another fingerprint and records what it is asked.
  const asked: string[] = [];
  const old = createServer((socket: Socket) => {
    readFrames(socket, (frame) => {
      asked.push(String(frame['op']));
      if (frame['op'] === 'hello') sendFrame(socket, { id: Number(frame['id']), ok: true, result: { protocol: 1, fingerprint: 'an-older-build', pid: 1 } });
      if (frame['op'] === 'collect') sendFrame(socket, { id: Number(frame['id']), ok: true, result: {} });
      if (frame['op'] === 'shutdown') {
        sendFrame(socket, { id: Number(frame['id']), ok: true, result: {} });
        old.close();
        socket.end();
      }
    });
  });
  await new Promise<void>((resolve) => old.listen(planeSocketPath(dataDir), resolve));
  const t = await startTestDaemon({ dataDir });
  const elb = new ElasticLoadBalancingV2Client(t.sdk);
  try {
    const app = await versionTarget('app');
    const { port } = await listenerTo(elb, t.endpoint, 'app', app);
    // What it counted is collected before it goes.
    assert.deepEqual(asked, ['hello', 'collect', 'shutdown']);
    assert.deepEqual(await get(port), { status: 200, body: '{"version":"app"}' });
  } finally {
    elb.destroy();
    await t.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/** Resolves once the socket file is gone (watching its folder, not polling). */
function socketGone(path: string): Promise<void> {
  return new Promise((resolve) => {
    const watcher = watch(dirname(path), () => {
      if (existsSync(path)) return;
      watcher.close();
      resolve();
    });
    if (!existsSync(path)) {
      watcher.close();
      resolve();
    }
  });
}
