import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteRuleCommand,
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  DuplicateListenerException,
  DuplicateLoadBalancerNameException,
  IncompatibleProtocolsException,
  ListenerNotFoundException,
  LoadBalancerNotFoundException,
  ModifyListenerCommand,
  ModifyLoadBalancerAttributesCommand,
  ModifyRuleCommand,
  OperationNotPermittedException,
  PriorityInUseException,
  ResourceInUseException,
  RuleNotFoundException,
  SetRulePrioritiesCommand,
  TargetGroupAssociationLimitException,
  TargetGroupNotFoundException,
  UnsupportedProtocolException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { attributeMap, elbFixture, failure, outputProblems } from './testing.ts';
import { DeleteTargetGroupCommand } from '@aws-sdk/client-elastic-load-balancing-v2';

const fx = elbFixture();

async function targetGroup(name: string, protocol = 'HTTP'): Promise<string> {
  const out = await fx.elb.send(new CreateTargetGroupCommand({ Name: name, Protocol: protocol as 'HTTP', Port: 80, VpcId: 'vpc-1', TargetType: 'ip' }));
  return out.TargetGroups?.[0]?.TargetGroupArn ?? '';
}

test('CreateLoadBalancer, DescribeLoadBalancers, attributes and DeleteLoadBalancer (application and network)', async () => {
  const created = await fx.elb.send(new CreateLoadBalancerCommand({ Name: 'web', Subnets: ['subnet-a', 'subnet-b'], SecurityGroups: ['sg-1'] }));
  assert.deepEqual(outputProblems('CreateLoadBalancer', created), []);
  const lb = created.LoadBalancers?.[0];
  assert.match(lb?.LoadBalancerArn ?? '', /^arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer\/app\/web\/[0-9a-f]{16}$/);
  assert.match(lb?.DNSName ?? '', /^web-[0-9a-f]{10}\.us-east-1\.elb\.localhost$/);
  assert.equal(lb?.Type, 'application');
  assert.equal(lb?.Scheme, 'internet-facing');
  assert.equal(lb?.State?.Code, 'active');
  await assert.rejects(fx.elb.send(new CreateLoadBalancerCommand({ Name: 'web', Scheme: 'internal' })), DuplicateLoadBalancerNameException);
  const nlb = await fx.elb.send(new CreateLoadBalancerCommand({ Name: 'tcp', Type: 'network', Scheme: 'internal' }));
  assert.match(nlb.LoadBalancers?.[0]?.LoadBalancerArn ?? '', /:loadbalancer\/net\/tcp\//);
  assert.match(nlb.LoadBalancers?.[0]?.DNSName ?? '', /^internal-tcp-/);
  const described = await fx.elb.send(new DescribeLoadBalancersCommand({ Names: ['web', 'tcp'] }));
  assert.deepEqual(outputProblems('DescribeLoadBalancers', described), []);
  assert.deepEqual(described.LoadBalancers?.map((l) => l.Type), ['application', 'network']);
  await assert.rejects(fx.elb.send(new DescribeLoadBalancersCommand({ Names: ['nope'] })), LoadBalancerNotFoundException);

  const attrs = await fx.elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lb?.LoadBalancerArn }));
  assert.deepEqual(outputProblems('DescribeLoadBalancerAttributes', attrs), []);
  assert.equal(attributeMap(attrs.Attributes)['idle_timeout.timeout_seconds'], '60');
  await fx.elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lb?.LoadBalancerArn, Attributes: [{ Key: 'deletion_protection.enabled', Value: 'true' }] }));
  await assert.rejects(fx.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb?.LoadBalancerArn })), OperationNotPermittedException);
  const bad = await failure(fx.elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lb?.LoadBalancerArn, Attributes: [{ Key: 'idle_timeout.timeout_seconds', Value: '0' }] })));
  assert.match(bad.message, /idle_timeout\.timeout_seconds\): found "0", expected an integer from 1 to 4000/);
  await fx.elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lb?.LoadBalancerArn, Attributes: [{ Key: 'deletion_protection.enabled', Value: 'false' }] }));
  await fx.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb?.LoadBalancerArn }));
  await fx.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb?.LoadBalancerArn }));
  await fx.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: nlb.LoadBalancers?.[0]?.LoadBalancerArn }));
});

test('CreateListener with weighted ForwardConfig and stickiness; ModifyListener; DescribeListeners; DeleteListener', async () => {
  const lbArn = (await fx.elb.send(new CreateLoadBalancerCommand({ Name: 'listeners' }))).LoadBalancers?.[0]?.LoadBalancerArn ?? '';
  const blue = await targetGroup('l-blue');
  const green = await targetGroup('l-green');
  const created = await fx.elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: lbArn,
      Protocol: 'HTTP',
      Port: 18080,
      DefaultActions: [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: blue, Weight: 90 },
              { TargetGroupArn: green, Weight: 10 },
            ],
            TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 60 },
          },
        },
      ],
    }),
  );
  assert.deepEqual(outputProblems('CreateListener', created), []);
  const listener = created.Listeners?.[0];
  assert.match(listener?.ListenerArn ?? '', /:listener\/app\/listeners\/[0-9a-f]{16}\/[0-9a-f]{16}$/);
  assert.deepEqual(listener?.DefaultActions?.[0]?.ForwardConfig?.TargetGroups, [
    { TargetGroupArn: blue, Weight: 90 },
    { TargetGroupArn: green, Weight: 10 },
  ]);
  assert.equal(listener?.DefaultActions?.[0]?.TargetGroupArn, undefined);
  assert.deepEqual(listener?.DefaultActions?.[0]?.ForwardConfig?.TargetGroupStickinessConfig, { Enabled: true, DurationSeconds: 60 });
  const groups = await fx.elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lbArn }));
  assert.deepEqual(groups.TargetGroups?.map((g) => g.LoadBalancerArns), [[lbArn], [lbArn]]);

  await assert.rejects(fx.elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: 18080, DefaultActions: [{ Type: 'forward', TargetGroupArn: blue }] })), DuplicateListenerException);
  await assert.rejects(fx.elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTPS', Port: 18443, DefaultActions: [{ Type: 'forward', TargetGroupArn: blue }] })), UnsupportedProtocolException);
  await assert.rejects(fx.elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'TCP', Port: 18444, DefaultActions: [{ Type: 'forward', TargetGroupArn: blue }] })), IncompatibleProtocolsException);
  await assert.rejects(
    fx.elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: 18445, DefaultActions: [{ Type: 'forward', TargetGroupArn: `${blue}x` }] })),
    TargetGroupNotFoundException,
  );
  const weights = await failure(
    fx.elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: lbArn,
        Protocol: 'HTTP',
        Port: 18446,
        DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: blue, Weight: 1000 }] } }],
      }),
    ),
  );
  assert.equal(weights.name, 'ValidationError');
  assert.match(weights.message, /DefaultActions\[0\]\.ForwardConfig\.TargetGroups\[0\]\.Weight: found number 1000, expected an integer from 0 to 999/);

  const other = (await fx.elb.send(new CreateLoadBalancerCommand({ Name: 'other' }))).LoadBalancers?.[0]?.LoadBalancerArn ?? '';
  await assert.rejects(
    fx.elb.send(new CreateListenerCommand({ LoadBalancerArn: other, Protocol: 'HTTP', Port: 18447, DefaultActions: [{ Type: 'forward', TargetGroupArn: blue }] })),
    TargetGroupAssociationLimitException,
  );
  await assert.rejects(fx.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: other })).then(() => fx.elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [other] }))), LoadBalancerNotFoundException);

  const modified = await fx.elb.send(new ModifyListenerCommand({ ListenerArn: listener?.ListenerArn, DefaultActions: [{ Type: 'forward', TargetGroupArn: green }] }));
  assert.deepEqual(outputProblems('ModifyListener', modified), []);
  assert.equal(modified.Listeners?.[0]?.DefaultActions?.[0]?.TargetGroupArn, green);
  assert.deepEqual(modified.Listeners?.[0]?.DefaultActions?.[0]?.ForwardConfig?.TargetGroups, [{ TargetGroupArn: green, Weight: 1 }]);
  const described = await fx.elb.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }));
  assert.deepEqual(outputProblems('DescribeListeners', described), []);
  assert.deepEqual(described.Listeners?.map((l) => l.Port), [18080]);
  await fx.elb.send(new DeleteListenerCommand({ ListenerArn: listener?.ListenerArn }));
  await assert.rejects(fx.elb.send(new DescribeListenersCommand({ ListenerArns: [listener?.ListenerArn ?? ''] })), ListenerNotFoundException);
});

test('CreateRule, DescribeRules (with the default rule), ModifyRule, SetRulePriorities, DeleteRule', async () => {
  const lbArn = (await fx.elb.send(new CreateLoadBalancerCommand({ Name: 'rules' }))).LoadBalancers?.[0]?.LoadBalancerArn ?? '';
  const web = await targetGroup('r-web');
  const api = await targetGroup('r-api');
  const listenerArn =
    (await fx.elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: 18090, DefaultActions: [{ Type: 'forward', TargetGroupArn: web }] }))).Listeners?.[0]?.ListenerArn ?? '';
  const created = await fx.elb.send(
    new CreateRuleCommand({
      ListenerArn: listenerArn,
      Priority: 10,
      Conditions: [{ Field: 'path-pattern', Values: ['/api/*'] }],
      Actions: [{ Type: 'forward', TargetGroupArn: api }],
    }),
  );
  assert.deepEqual(outputProblems('CreateRule', created), []);
  const rule = created.Rules?.[0];
  assert.equal(rule?.Priority, '10');
  assert.deepEqual(rule?.Conditions?.[0]?.PathPatternConfig?.Values, ['/api/*']);
  await assert.rejects(
    fx.elb.send(new CreateRuleCommand({ ListenerArn: listenerArn, Priority: 10, Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['api.*'] } }], Actions: [{ Type: 'forward', TargetGroupArn: api }] })),
    PriorityInUseException,
  );
  const second = await fx.elb.send(
    new CreateRuleCommand({ ListenerArn: listenerArn, Priority: 20, Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['api.example.com'] } }], Actions: [{ Type: 'forward', TargetGroupArn: api }] }),
  );
  const bad = await failure(
    fx.elb.send(new CreateRuleCommand({ ListenerArn: listenerArn, Priority: 30, Conditions: [{ Field: 'http-request-method', Values: ['GET'] }], Actions: [{ Type: 'redirect' }] })),
  );
  assert.match(bad.message, /Conditions\[0\]\.Field: found "http-request-method", expected path-pattern or host-header/);
  assert.match(bad.message, /Actions\[0\]\.Type: found "redirect", expected forward \(Slipway implements forward actions only\)/);

  const rules = await fx.elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn }));
  assert.deepEqual(outputProblems('DescribeRules', rules), []);
  assert.deepEqual(rules.Rules?.map((r) => [r.Priority, r.IsDefault]), [['10', false], ['20', false], ['default', true]]);
  const defaultArn = rules.Rules?.[2]?.RuleArn ?? '';
  await assert.rejects(fx.elb.send(new DeleteRuleCommand({ RuleArn: defaultArn })), OperationNotPermittedException);
  await assert.rejects(fx.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: api })), ResourceInUseException);

  const modified = await fx.elb.send(new ModifyRuleCommand({ RuleArn: rule?.RuleArn, Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/v2/*'] } }] }));
  assert.deepEqual(outputProblems('ModifyRule', modified), []);
  assert.deepEqual(modified.Rules?.[0]?.Conditions?.[0]?.Values, ['/v2/*']);
  const swapped = await fx.elb.send(
    new SetRulePrioritiesCommand({
      RulePriorities: [
        { RuleArn: rule?.RuleArn, Priority: 20 },
        { RuleArn: second.Rules?.[0]?.RuleArn, Priority: 10 },
      ],
    }),
  );
  assert.deepEqual(outputProblems('SetRulePriorities', swapped), []);
  assert.deepEqual(swapped.Rules?.map((r) => r.Priority), ['20', '10']);
  const viaDefault = await fx.elb.send(new ModifyRuleCommand({ RuleArn: defaultArn, Actions: [{ Type: 'forward', TargetGroupArn: api }] }));
  assert.equal(viaDefault.Rules?.[0]?.IsDefault, true);
  assert.equal((await fx.elb.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }))).Listeners?.[0]?.DefaultActions?.[0]?.TargetGroupArn, api);
  await fx.elb.send(new DeleteRuleCommand({ RuleArn: rule?.RuleArn }));
  await assert.rejects(fx.elb.send(new DeleteRuleCommand({ RuleArn: rule?.RuleArn })), RuleNotFoundException);
});
