// A restart of Slipway on the same data dir: the data plane serves on while the daemon is down, and nothing it counted is lost.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { startTestDaemon } from '../../../test/helpers/daemon.ts';
import { ROUTING_APPLIED_EVENT } from './listeners.ts';
import { readTargetGroupMetrics } from './metrics.ts';
import { freePort, get, startTarget } from './testing.ts';

test('the listener serves while Slipway is stopped; the next start adopts it, and every request is counted once', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-elbv2-restart-'));
  const app = await startTarget('app');
  try {
    const first = await startTestDaemon({ dataDir });
    const elb = new ElasticLoadBalancingV2Client(first.sdk);
    const tgArn = (await elb.send(new CreateTargetGroupCommand({ Name: 'app', Protocol: 'HTTP', Port: 80, VpcId: 'vpc-1', TargetType: 'ip' }))).TargetGroups?.[0]?.TargetGroupArn ?? '';
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '127.0.0.1', Port: app.port }] }));
    const lbArn = (await elb.send(new CreateLoadBalancerCommand({ Name: 'app' }))).LoadBalancers?.[0]?.LoadBalancerArn ?? '';
    const port = await freePort();
    const seq = first.daemon.bus.lastSeq();
    const listenerArn = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: port, DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }] }))).Listeners?.[0]
      ?.ListenerArn;
    await first.daemon.bus.after(seq, (e) => e.type === ROUTING_APPLIED_EVENT && e.resource === listenerArn);
    for (let i = 0; i < 5; i++) assert.deepEqual(await get(port), { status: 200, body: 'app' });
    elb.destroy();
    const lastBefore = first.daemon.bus.lastSeq();
    // A stop that is not final: the data plane is a process of its own and keeps serving.
    await first.daemon.stop('restart in a test');
    for (let i = 0; i < 3; i++) assert.deepEqual(await get(port), { status: 200, body: 'app' }, 'the listener serves while Slipway is stopped');

    const second = await startTestDaemon({ dataDir });
    const elb2 = new ElasticLoadBalancingV2Client(second.sdk);
    try {
      await second.daemon.bus.after(lastBefore, (e) => e.type === ROUTING_APPLIED_EVENT && e.resource === listenerArn);
      assert.deepEqual(await get(port), { status: 200, body: 'app' });
      const health = await elb2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }));
      assert.deepEqual(health.TargetHealthDescriptions?.map((d) => d.Target?.Port), [app.port]);
      const minutes = readTargetGroupMetrics(second.daemon, { targetGroupArn: tgArn, start: 0, end: Number.MAX_SAFE_INTEGER });
      // The 5 before the stop were flushed at the stop; the 3 while stopped and the 1 after are still in the plane.
      assert.equal(minutes.reduce((n, m) => n + m.RequestCount, 0), 5);
    } finally {
      elb2.destroy();
      await second.stop();
    }
    const all = await startTestDaemon({ dataDir });
    try {
      const minutes = readTargetGroupMetrics(all.daemon, { targetGroupArn: tgArn, start: 0, end: Number.MAX_SAFE_INTEGER });
      assert.equal(minutes.reduce((n, m) => n + m.RequestCount, 0), 9);
      assert.equal(minutes.reduce((n, m) => n + m.HTTPCode_Target_2XX_Count, 0), 9);
      assert.equal(minutes.reduce((n, m) => n + m.TargetResponseTimeCount, 0), 9);
    } finally {
      await all.stop();
    }
    assert.equal((await get(port)).status, 0, 'a final stop ends the data plane: the port is closed');
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
