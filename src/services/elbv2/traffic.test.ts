// Real traffic through listeners the API created: weights, health, draining, a port in use, a restart.
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, test } from 'node:test';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetHealthCommand,
  ModifyListenerCommand,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
  type CreateTargetGroupInput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { SlipwayEvent } from '../../core/events.ts';
import { ROUTING_APPLIED_EVENT } from './listeners.ts';
import { TARGET_HEALTH_EVENT } from './targets.ts';
import { elbFixture, freePort, get, type TestTarget } from './testing.ts';

const fx = elbFixture();

async function group(name: string, members: readonly TestTarget[], extra: Partial<CreateTargetGroupInput> = {}): Promise<string> {
  const out = await fx.elb.send(new CreateTargetGroupCommand({ Name: name, Protocol: 'HTTP', Port: 80, VpcId: 'vpc-1', TargetType: 'ip', ...extra }));
  const arn = out.TargetGroups?.[0]?.TargetGroupArn ?? '';
  await fx.elb.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: members.map((m) => ({ Id: '127.0.0.1', Port: m.port })) }));
  return arn;
}

function applied(arn: string): (e: SlipwayEvent) => boolean {
  return (e) => e.type === ROUTING_APPLIED_EVENT && e.resource === arn;
}

function health(arn: string, port: number, state: string): (e: SlipwayEvent) => boolean {
  return (e) => e.type === TARGET_HEALTH_EVENT && e.resource === arn && e.detail['port'] === port && e.detail['state'] === state;
}

const keepAlive = new Agent({ keepAlive: true });
after(() => keepAlive.destroy());

async function tally(port: number, n: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await get(port, '/', keepAlive);
    const key = r.status === 200 ? r.body : `status ${r.status}: ${r.body}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

test('a listener created through the API serves; ModifyListener shifts weights 100/0 → 90/10 → 0/100 with no failed request', async () => {
  const blue = await fx.target('blue');
  const green = await fx.target('green');
  const blueArn = await group('shift-blue', [blue]);
  const greenArn = await group('shift-green', [green]);
  const lbArn = (await fx.elb.send(new CreateLoadBalancerCommand({ Name: 'shift' }))).LoadBalancers?.[0]?.LoadBalancerArn ?? '';
  const port = await freePort();
  const weights = (b: number, g: number) => [
    {
      Type: 'forward' as const,
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: blueArn, Weight: b },
          { TargetGroupArn: greenArn, Weight: g },
        ],
      },
    },
  ];
  let seq = fx.t.daemon.bus.lastSeq();
  const listenerArn = (await fx.elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: port, DefaultActions: weights(100, 0) }))).Listeners?.[0]?.ListenerArn ?? '';
  await fx.t.daemon.bus.after(seq, applied(listenerArn));
  assert.deepEqual(await tally(port, 50), { blue: 50 });

  // Constant load from four clients while the weights change underneath them.
  let running = true;
  const failures: string[] = [];
  const load = Array.from({ length: 4 }, async () => {
    while (running) {
      const r = await get(port, '/', keepAlive);
      if (r.status !== 200) failures.push(`${r.status} ${r.body}`);
    }
  });
  const shift = async (b: number, g: number): Promise<void> => {
    seq = fx.t.daemon.bus.lastSeq();
    await fx.elb.send(new ModifyListenerCommand({ ListenerArn: listenerArn, DefaultActions: weights(b, g) }));
    await fx.t.daemon.bus.after(seq, applied(listenerArn));
  };
  await shift(90, 10);
  const before90 = { blue: blue.hits, green: green.hits };
  await tally(port, 2000); // the issue asks for at least 2000 requests at 90/10
  const blueShare = (blue.hits - before90.blue) / (blue.hits - before90.blue + green.hits - before90.green);
  assert.ok(Math.abs(blueShare - 0.9) <= 0.03, `blue got ${(blueShare * 100).toFixed(1)}% at 90/10`);
  await shift(0, 100);
  assert.deepEqual(await tally(port, 50), { green: 50 });
  running = false;
  await Promise.all(load);
  assert.deepEqual(failures, [], 'no request failed while weights changed');
});

test('an unhealthy target stops receiving traffic and DescribeTargetHealth says why; deregistration drains', async () => {
  const a = await fx.target('a');
  const b = await fx.target('b');
  let seq = fx.t.daemon.bus.lastSeq();
  const hc = { HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2 };
  const arn = await group('health', [a, b], hc);
  const lbArn = (await fx.elb.send(new CreateLoadBalancerCommand({ Name: 'health' }))).LoadBalancers?.[0]?.LoadBalancerArn ?? '';
  const port = await freePort();
  await fx.elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: port, DefaultActions: [{ Type: 'forward', TargetGroupArn: arn }] }));
  await Promise.all([fx.t.daemon.bus.after(seq, health(arn, a.port, 'healthy')), fx.t.daemon.bus.after(seq, health(arn, b.port, 'healthy'))]);
  const healthy = await fx.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
  assert.deepEqual(healthy.TargetHealthDescriptions?.map((d) => d.TargetHealth?.State), ['healthy', 'healthy']);

  seq = fx.t.daemon.bus.lastSeq();
  b.setStatus(500);
  await fx.t.daemon.bus.after(seq, health(arn, b.port, 'unhealthy'));
  const described = await fx.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn, Targets: [{ Id: '127.0.0.1', Port: b.port }] }));
  assert.deepEqual(described.TargetHealthDescriptions?.[0]?.TargetHealth, {
    State: 'unhealthy',
    Reason: 'Target.ResponseCodeMismatch',
    Description: 'Health checks failed with these codes: [500]',
  });
  const hitsOfB = b.hits;
  assert.deepEqual(await tally(port, 20), { a: 20 });
  assert.equal(b.hits, hitsOfB, 'the unhealthy target got no request');

  b.setStatus(200);
  await fx.elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '1' }] }));
  seq = fx.t.daemon.bus.lastSeq();
  await fx.elb.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: '127.0.0.1', Port: a.port }] }));
  const draining = await fx.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn, Targets: [{ Id: '127.0.0.1', Port: a.port }] }));
  assert.deepEqual(draining.TargetHealthDescriptions?.[0]?.TargetHealth, { State: 'draining', Reason: 'Target.DeregistrationInProgress', Description: 'Target deregistration is in progress' });
  await fx.t.daemon.bus.after(seq, health(arn, a.port, 'draining'));
  const hitsOfA = a.hits;
  assert.deepEqual(Object.keys(await tally(port, 10)), ['b'], 'a draining target gets no new request (b serves even while unhealthy: fail-open)');
  assert.equal(a.hits, hitsOfA);
  await fx.t.daemon.bus.after(seq, health(arn, a.port, 'unused'));
  const after = await fx.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
  assert.deepEqual(after.TargetHealthDescriptions?.map((d) => d.Target?.Port), [b.port]);
});

test('a listener whose port is taken leaves the load balancer active_impaired with the port named, until the port is free', async () => {
  const x = await fx.target('x');
  const taken = await fx.target('squatter');
  const arn = await group('taken', [x]);
  const lbArn = (await fx.elb.send(new CreateLoadBalancerCommand({ Name: 'taken' }))).LoadBalancers?.[0]?.LoadBalancerArn ?? '';
  const seq = fx.t.daemon.bus.lastSeq();
  await fx.elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: taken.port, DefaultActions: [{ Type: 'forward', TargetGroupArn: arn }] }));
  await fx.t.daemon.bus.after(seq, (e) => e.type === 'elbv2.load-balancer.state-changed' && e.resource === lbArn);
  const lb = (await fx.elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] }))).LoadBalancers?.[0];
  assert.equal(lb?.State?.Code, 'active_impaired');
  assert.equal(lb?.State?.Reason, `Listener port ${taken.port} could not be bound on 127.0.0.1: the port is already in use`);

  // Once the port is free again the engine's retry (every 10 s) binds it and the load balancer is active.
  const freed = fx.t.daemon.bus.lastSeq();
  await taken.close();
  await fx.t.daemon.bus.after(freed, (e) => e.type === 'elbv2.load-balancer.state-changed' && e.resource === lbArn && e.detail['state'] === 'active');
  assert.deepEqual(await get(taken.port), { status: 200, body: 'x' });
});

test('deregistration drains: the in-flight request on the deregistered target completes, new ones go elsewhere', async () => {
  const a = await fx.target('drain-a');
  const b = await fx.target('drain-b');
  const arn = await group('drain', [a]);
  await fx.elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '2' }] }));
  const lbArn = (await fx.elb.send(new CreateLoadBalancerCommand({ Name: 'drain' }))).LoadBalancers?.[0]?.LoadBalancerArn ?? '';
  const port = await freePort();
  let seq = fx.t.daemon.bus.lastSeq();
  await fx.elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: port, DefaultActions: [{ Type: 'forward', TargetGroupArn: arn }] }));
  await fx.t.daemon.bus.after(seq, health(arn, a.port, 'healthy'));

  const held = a.holdNext();
  const slow = get(port);
  await held.arrived;
  seq = fx.t.daemon.bus.lastSeq();
  await fx.elb.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: '127.0.0.1', Port: b.port }] }));
  await fx.t.daemon.bus.after(seq, health(arn, b.port, 'healthy'));
  seq = fx.t.daemon.bus.lastSeq();
  await fx.elb.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: '127.0.0.1', Port: a.port }] }));
  await fx.t.daemon.bus.after(seq, health(arn, a.port, 'draining'));
  assert.deepEqual(await tally(port, 5), { 'drain-b': 5 });
  held.release();
  assert.deepEqual(await slow, { status: 200, body: 'drain-a' }, 'the in-flight request finished on the draining target');
  await fx.t.daemon.bus.after(seq, health(arn, a.port, 'unused'));
  const left = await fx.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
  assert.deepEqual(left.TargetHealthDescriptions?.map((d) => d.Target?.Port), [b.port]);
});
