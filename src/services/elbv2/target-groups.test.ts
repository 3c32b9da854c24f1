import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AddTagsCommand,
  CreateTargetGroupCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  DuplicateTargetGroupNameException,
  InvalidTargetException,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  RegisterTargetsCommand,
  RemoveTagsCommand,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { attributeMap, elbFixture, failure, outputProblems } from './testing.ts';
import { describeTargetHealth, registerTargets } from './targets.ts';

const fx = elbFixture();

test('CreateTargetGroup applies AWS health check defaults; DescribeTargetGroups and ModifyTargetGroup read and change them', async () => {
  const created = await fx.elb.send(new CreateTargetGroupCommand({ Name: 'web-blue', Protocol: 'HTTP', Port: 8080, VpcId: 'vpc-1', TargetType: 'ip' }));
  assert.deepEqual(outputProblems('CreateTargetGroup', created), []);
  const tg = created.TargetGroups?.[0];
  assert.match(tg?.TargetGroupArn ?? '', /^arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup\/web-blue\/[0-9a-f]{16}$/);
  assert.equal(tg?.HealthCheckProtocol, 'HTTP');
  assert.equal(tg?.HealthCheckPort, 'traffic-port');
  assert.equal(tg?.HealthCheckPath, '/');
  assert.equal(tg?.HealthCheckIntervalSeconds, 30);
  assert.equal(tg?.HealthCheckTimeoutSeconds, 5);
  assert.equal(tg?.HealthyThresholdCount, 5);
  assert.equal(tg?.UnhealthyThresholdCount, 2);
  assert.equal(tg?.Matcher?.HttpCode, '200');
  assert.deepEqual(tg?.LoadBalancerArns, []);
  const again = await fx.elb.send(new CreateTargetGroupCommand({ Name: 'web-blue', Protocol: 'HTTP', Port: 8080, VpcId: 'vpc-1', TargetType: 'ip' }));
  assert.equal(again.TargetGroups?.[0]?.TargetGroupArn, tg?.TargetGroupArn, 'an identical create returns the existing group');
  await assert.rejects(fx.elb.send(new CreateTargetGroupCommand({ Name: 'web-blue', Protocol: 'HTTP', Port: 9090, VpcId: 'vpc-1', TargetType: 'ip' })), DuplicateTargetGroupNameException);

  const modified = await fx.elb.send(new ModifyTargetGroupCommand({ TargetGroupArn: tg?.TargetGroupArn, HealthCheckPath: '/health', HealthCheckIntervalSeconds: 10, Matcher: { HttpCode: '200-299' } }));
  assert.equal(modified.TargetGroups?.[0]?.HealthCheckPath, '/health');
  assert.equal(modified.TargetGroups?.[0]?.HealthCheckIntervalSeconds, 10);
  const described = await fx.elb.send(new DescribeTargetGroupsCommand({ Names: ['web-blue'] }));
  assert.deepEqual(outputProblems('DescribeTargetGroups', described), []);
  assert.equal(described.TargetGroups?.[0]?.Matcher?.HttpCode, '200-299');
  await assert.rejects(fx.elb.send(new DescribeTargetGroupsCommand({ Names: ['nope'] })), TargetGroupNotFoundException);
});

test('health check ranges and protocols are validated all at once with ValidationError', async () => {
  const err = await failure(fx.elb.send(new CreateTargetGroupCommand({ Name: 'bad-', Protocol: 'HTTP', Port: 0, VpcId: 'vpc-1', HealthCheckIntervalSeconds: 4, HealthyThresholdCount: 11, Matcher: { HttpCode: '600' } })));
  assert.equal(err.name, 'ValidationError');
  for (const field of ['Name', 'Port', 'HealthCheckIntervalSeconds', 'HealthyThresholdCount', 'Matcher.HttpCode']) assert.match(err.message, new RegExp(field.replace('.', '\\.')));
  const timeout = await failure(fx.elb.send(new CreateTargetGroupCommand({ Name: 'slow', Protocol: 'HTTP', Port: 80, VpcId: 'vpc-1', HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 5 })))
  assert.match(timeout.message, /HealthCheckTimeoutSeconds: found 5, expected less than the health check interval \(5 s\)/);
});

test('RegisterTargets, DescribeTargetHealth (unused: Target.NotInUse until a listener forwards), DeregisterTargets', async () => {
  const { TargetGroups } = await fx.elb.send(new CreateTargetGroupCommand({ Name: 'targets', Protocol: 'HTTP', Port: 80, VpcId: 'vpc-1', TargetType: 'ip' }));
  const arn = TargetGroups?.[0]?.TargetGroupArn ?? '';
  await fx.elb.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: '127.0.0.1', Port: 8001 }, { Id: '127.0.0.2' }] }));
  const health = await fx.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
  assert.deepEqual(outputProblems('DescribeTargetHealth', health), []);
  assert.deepEqual(
    health.TargetHealthDescriptions?.map((d) => [d.Target?.Id, d.Target?.Port, d.HealthCheckPort, d.TargetHealth?.State, d.TargetHealth?.Reason]),
    [
      ['127.0.0.1', 8001, '8001', 'unused', 'Target.NotInUse'],
      ['127.0.0.2', 80, '80', 'unused', 'Target.NotInUse'],
    ],
  );
  const one = await fx.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn, Targets: [{ Id: '10.9.9.9', Port: 80 }] }));
  assert.equal(one.TargetHealthDescriptions?.[0]?.TargetHealth?.Reason, 'Target.NotRegistered');
  await assert.rejects(fx.elb.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: 'i-123' }] })), InvalidTargetException);
  await assert.rejects(fx.elb.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: '10.9.9.9' }] })), InvalidTargetException);
  await fx.elb.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: '127.0.0.2' }] }));
  assert.deepEqual(describeTargetHealth(fx.t.daemon, arn).map((h) => h.id), ['127.0.0.1'], 'a group with no listener forgets a deregistered target at once');
  registerTargets(fx.t.daemon, arn, [{ id: '127.0.0.3', port: 9000 }]);
  assert.deepEqual(describeTargetHealth(fx.t.daemon, arn).map((h) => `${h.id}:${h.port}`), ['127.0.0.1:8001', '127.0.0.3:9000']);
});

test('DescribeTargetGroupAttributes has AWS defaults; ModifyTargetGroupAttributes checks ranges and keys', async () => {
  const { TargetGroups } = await fx.elb.send(new CreateTargetGroupCommand({ Name: 'attrs', Protocol: 'HTTP', Port: 80, VpcId: 'vpc-1' }));
  const arn = TargetGroups?.[0]?.TargetGroupArn ?? '';
  const attrs = await fx.elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn }));
  assert.deepEqual(outputProblems('DescribeTargetGroupAttributes', attrs), []);
  const map = attributeMap(attrs.Attributes);
  assert.equal(map['deregistration_delay.timeout_seconds'], '300');
  assert.equal(map['slow_start.duration_seconds'], '0');
  assert.equal(map['stickiness.enabled'], 'false');
  const changed = await fx.elb.send(
    new ModifyTargetGroupAttributesCommand({
      TargetGroupArn: arn,
      Attributes: [
        { Key: 'deregistration_delay.timeout_seconds', Value: '5' },
        { Key: 'slow_start.duration_seconds', Value: '30' },
      ],
    }),
  );
  assert.equal(attributeMap(changed.Attributes)['deregistration_delay.timeout_seconds'], '5');
  const bad = await failure(fx.elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: [{ Key: 'slow_start.duration_seconds', Value: '10' }, { Key: 'nope', Value: '1' }] })));
  assert.equal(bad.name, 'ValidationError');
  assert.match(bad.message, /0 \(off\) or an integer from 30 to 900/);
  assert.match(bad.message, /Attributes\[1\]\.Key: found "nope"/);
});

test('AddTags, DescribeTags, RemoveTags and DeleteTargetGroup', async () => {
  const { TargetGroups } = await fx.elb.send(new CreateTargetGroupCommand({ Name: 'tagged', Protocol: 'HTTP', Port: 80, VpcId: 'vpc-1', Tags: [{ Key: 'env', Value: 'dev' }] }));
  const arn = TargetGroups?.[0]?.TargetGroupArn ?? '';
  await fx.elb.send(new AddTagsCommand({ ResourceArns: [arn], Tags: [{ Key: 'team', Value: 'core' }] }));
  const tags = await fx.elb.send(new DescribeTagsCommand({ ResourceArns: [arn] }));
  assert.deepEqual(outputProblems('DescribeTags', tags), []);
  assert.deepEqual(tags.TagDescriptions?.[0]?.Tags, [{ Key: 'env', Value: 'dev' }, { Key: 'team', Value: 'core' }]);
  await fx.elb.send(new RemoveTagsCommand({ ResourceArns: [arn], TagKeys: ['env'] }));
  assert.deepEqual((await fx.elb.send(new DescribeTagsCommand({ ResourceArns: [arn] }))).TagDescriptions?.[0]?.Tags, [{ Key: 'team', Value: 'core' }]);
  await fx.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn }));
  await assert.rejects(fx.elb.send(new DescribeTagsCommand({ ResourceArns: [arn] })), TargetGroupNotFoundException);
  await fx.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn }));
});
