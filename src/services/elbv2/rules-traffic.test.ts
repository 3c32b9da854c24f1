// Rules and network load balancers through real traffic: path and host rules, ModifyRule swaps, TCP pass-through.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeTargetHealthCommand,
  ModifyListenerCommand,
  ModifyRuleCommand,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { SlipwayEvent } from '../../core/events.ts';
import { ROUTING_APPLIED_EVENT } from './listeners.ts';
import { TARGET_HEALTH_EVENT } from './targets.ts';
import { elbFixture, freePort, get, type TestTarget } from './testing.ts';

const fx = elbFixture();

async function group(name: string, protocol: 'HTTP' | 'TCP' = 'HTTP'): Promise<{ arn: string; target: TestTarget }> {
  const target = await fx.target(name);
  const arn = (await fx.elb.send(new CreateTargetGroupCommand({ Name: name, Protocol: protocol, Port: 80, VpcId: 'vpc-1', TargetType: 'ip' }))).TargetGroups?.[0]?.TargetGroupArn ?? '';
  await fx.elb.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: '127.0.0.1', Port: target.port }] }));
  return { arn, target };
}

function applied(arn: string): (e: SlipwayEvent) => boolean {
  return (e) => e.type === ROUTING_APPLIED_EVENT && e.resource === arn;
}

function getWithHost(port: number, path: string, host: string): Promise<string> {
  return getWith(port, path, { host }).then((r) => r.body);
}

function getWith(port: number, path: string, headers: Record<string, string>): Promise<{ body: string; cookies: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ body, cookies: res.headers['set-cookie'] ?? [] }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('path-pattern and host-header rules route real requests; ModifyRule swaps the rule in place', async () => {
  const web = await group('rt-web');
  const api = await group('rt-api');
  const admin = await group('rt-admin');
  const lbArn = (await fx.elb.send(new CreateLoadBalancerCommand({ Name: 'rt' }))).LoadBalancers?.[0]?.LoadBalancerArn ?? '';
  const port = await freePort();
  let seq = fx.t.daemon.bus.lastSeq();
  const listenerArn = (await fx.elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: port, DefaultActions: [{ Type: 'forward', TargetGroupArn: web.arn }] })))
    .Listeners?.[0]?.ListenerArn ?? '';
  await fx.t.daemon.bus.after(seq, applied(listenerArn));
  seq = fx.t.daemon.bus.lastSeq();
  const ruleArn =
    (await fx.elb.send(new CreateRuleCommand({ ListenerArn: listenerArn, Priority: 10, Conditions: [{ Field: 'path-pattern', Values: ['/api/*'] }], Actions: [{ Type: 'forward', TargetGroupArn: api.arn }] })))
      .Rules?.[0]?.RuleArn ?? '';
  await fx.t.daemon.bus.after(seq, applied(listenerArn));
  seq = fx.t.daemon.bus.lastSeq();
  await fx.elb.send(
    new CreateRuleCommand({ ListenerArn: listenerArn, Priority: 5, Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['admin.*'] } }], Actions: [{ Type: 'forward', TargetGroupArn: admin.arn }] }),
  );
  await fx.t.daemon.bus.after(seq, applied(listenerArn));
  assert.equal((await get(port, '/')).body, 'rt-web');
  assert.equal((await get(port, '/api/users?id=1')).body, 'rt-api');
  assert.equal(await getWithHost(port, '/api/users', 'admin.example.com'), 'rt-admin', 'the lower priority number wins');

  seq = fx.t.daemon.bus.lastSeq();
  await fx.elb.send(new ModifyRuleCommand({ RuleArn: ruleArn, Conditions: [{ Field: 'path-pattern', Values: ['/v2/*'] }] }));
  await fx.t.daemon.bus.after(seq, applied(listenerArn));
  assert.equal((await get(port, '/api/users')).body, 'rt-web');
  assert.equal((await get(port, '/v2/users')).body, 'rt-api');
});

test('a network load balancer passes TCP through to a target group health-checked by TCP connect', async () => {
  const app = await group('nlb-app', 'TCP');
  const lbArn = (await fx.elb.send(new CreateLoadBalancerCommand({ Name: 'nlb', Type: 'network' }))).LoadBalancers?.[0]?.LoadBalancerArn ?? '';
  const port = await freePort();
  const seq = fx.t.daemon.bus.lastSeq();
  const listenerArn = (await fx.elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'TCP', Port: port, DefaultActions: [{ Type: 'forward', TargetGroupArn: app.arn }] })))
    .Listeners?.[0]?.ListenerArn ?? '';
  await fx.t.daemon.bus.after(seq, applied(listenerArn));
  assert.deepEqual(await get(port, '/anything'), { status: 200, body: 'nlb-app' });
  await fx.t.daemon.bus.after(seq, (e) => e.type === TARGET_HEALTH_EVENT && e.resource === app.arn && e.detail['state'] === 'healthy');
  const health = await fx.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: app.arn }));
  assert.equal(health.TargetHealthDescriptions?.[0]?.TargetHealth?.State, 'healthy');
});

test('target-group stickiness (stickiness.enabled, lb_cookie) keeps a client on its target with the AWSALB cookie', async () => {
  const one = await fx.target('sticky-1');
  const two = await fx.target('sticky-2');
  const arn = (await fx.elb.send(new CreateTargetGroupCommand({ Name: 'sticky', Protocol: 'HTTP', Port: 80, VpcId: 'vpc-1', TargetType: 'ip' }))).TargetGroups?.[0]?.TargetGroupArn ?? '';
  await fx.elb.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: '127.0.0.1', Port: one.port }, { Id: '127.0.0.1', Port: two.port }] }));
  const lbArn = (await fx.elb.send(new CreateLoadBalancerCommand({ Name: 'sticky' }))).LoadBalancers?.[0]?.LoadBalancerArn ?? '';
  const port = await freePort();
  let seq = fx.t.daemon.bus.lastSeq();
  const listenerArn = (await fx.elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: port, DefaultActions: [{ Type: 'forward', TargetGroupArn: arn }] })))
    .Listeners?.[0]?.ListenerArn ?? '';
  await fx.t.daemon.bus.after(seq, applied(listenerArn));
  const plain = new Set<string>();
  for (let i = 0; i < 4; i++) plain.add((await getWith(port, '/', {})).body);
  assert.equal(plain.size, 2, 'without stickiness requests alternate');

  seq = fx.t.daemon.bus.lastSeq();
  await fx.elb.send(
    new ModifyTargetGroupAttributesCommand({
      TargetGroupArn: arn,
      Attributes: [
        { Key: 'stickiness.enabled', Value: 'true' },
        { Key: 'stickiness.lb_cookie.duration_seconds', Value: '120' },
      ],
    }),
  );
  // Attributes change no routing table, so no routing-applied event: the engine applies group settings
  // synchronously when the event reaches it (its subscription precedes this one), before this await resolves.
  await fx.t.daemon.bus.after(seq, (e) => e.type === 'elbv2.target-group.attributes-modified');
  const first = await getWith(port, '/', {});
  const cookie = first.cookies.find((c) => c.startsWith('AWSALB='));
  assert.ok(cookie, `expected an AWSALB cookie, got ${JSON.stringify(first.cookies)}`);
  assert.match(cookie, /Max-Age=120/);
  const value = cookie.split(';')[0] ?? '';
  for (let i = 0; i < 6; i++) assert.equal((await getWith(port, '/', { cookie: value })).body, first.body);
});

test('ModifyListener with a new Port moves the listener: the new port serves, the old one is closed', async () => {
  const app = await group('move-app');
  const lbArn = (await fx.elb.send(new CreateLoadBalancerCommand({ Name: 'move' }))).LoadBalancers?.[0]?.LoadBalancerArn ?? '';
  const oldPort = await freePort();
  let seq = fx.t.daemon.bus.lastSeq();
  const listenerArn = (await fx.elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: oldPort, DefaultActions: [{ Type: 'forward', TargetGroupArn: app.arn }] })))
    .Listeners?.[0]?.ListenerArn ?? '';
  await fx.t.daemon.bus.after(seq, applied(listenerArn));
  assert.equal((await get(oldPort)).body, 'move-app');
  const newPort = await freePort();
  seq = fx.t.daemon.bus.lastSeq();
  await fx.elb.send(new ModifyListenerCommand({ ListenerArn: listenerArn, Port: newPort }));
  await fx.t.daemon.bus.after(seq, applied(listenerArn));
  assert.deepEqual(await get(newPort), { status: 200, body: 'move-app' });
  assert.deepEqual(await get(oldPort), { status: 0, body: 'ECONNREFUSED' });
});
