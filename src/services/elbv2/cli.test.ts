// The AWS CLI as a second client: create-target-group, register-targets, describe-target-health, a weighted create-listener.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { awsCli, awsCliAvailable, awsCliJson } from '../../../test/helpers/aws-cli.ts';
import { startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import { ROUTING_APPLIED_EVENT } from './listeners.ts';
import { freePort, get, outputProblems, startTarget, type TestTarget } from './testing.ts';

let t: TestDaemon;
let app: TestTarget;

before(async () => {
  t = await startTestDaemon();
  app = await startTarget('cli-app');
});
after(async () => {
  await t.stop();
  await app.close();
});

function first<T>(list: unknown): T {
  assert.ok(Array.isArray(list) && list.length > 0, `expected a non-empty list, found ${JSON.stringify(list)}`);
  return list[0] as T;
}

test('aws elbv2: create-target-group, register-targets, describe-target-health, create-listener with a weighted forward config', async (ctx) => {
  if (!(await awsCliAvailable())) {
    ctx.skip('the aws CLI is not installed');
    return;
  }
  const cli = (args: string[]) => awsCliJson(t.endpoint, ['elbv2', ...args]);
  const tg = await cli(['create-target-group', '--name', 'cli-tg', '--protocol', 'HTTP', '--port', '80', '--vpc-id', 'vpc-1', '--target-type', 'ip', '--health-check-path', '/']);
  assert.deepEqual(outputProblems('CreateTargetGroup', tg), []);
  const tgArn = first<{ TargetGroupArn: string }>(tg['TargetGroups']).TargetGroupArn;
  const spare = first<{ TargetGroupArn: string }>(
    (await cli(['create-target-group', '--name', 'cli-spare', '--protocol', 'HTTP', '--port', '80', '--vpc-id', 'vpc-1', '--target-type', 'ip']))['TargetGroups'],
  ).TargetGroupArn;
  await awsCli(t.endpoint, ['elbv2', 'register-targets', '--target-group-arn', tgArn, '--targets', `Id=127.0.0.1,Port=${app.port}`]);
  const health = await cli(['describe-target-health', '--target-group-arn', tgArn]);
  assert.deepEqual(outputProblems('DescribeTargetHealth', health), []);
  assert.deepEqual(first<{ TargetHealth: unknown }>(health['TargetHealthDescriptions']).TargetHealth, {
    State: 'unused',
    Reason: 'Target.NotInUse',
    Description: 'Target group is not configured to receive traffic from the load balancer',
  });

  const lb = await cli(['create-load-balancer', '--name', 'cli-lb', '--subnets', 'subnet-a', 'subnet-b']);
  assert.deepEqual(outputProblems('CreateLoadBalancer', lb), []);
  const lbArn = first<{ LoadBalancerArn: string }>(lb['LoadBalancers']).LoadBalancerArn;
  const port = await freePort();
  const actions = JSON.stringify([
    {
      Type: 'forward',
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: tgArn, Weight: 100 },
          { TargetGroupArn: spare, Weight: 0 },
        ],
        TargetGroupStickinessConfig: { Enabled: false },
      },
    },
  ]);
  const seq = t.daemon.bus.lastSeq();
  const listener = await cli(['create-listener', '--load-balancer-arn', lbArn, '--protocol', 'HTTP', '--port', String(port), '--default-actions', actions]);
  assert.deepEqual(outputProblems('CreateListener', listener), []);
  const created = first<{ ListenerArn: string; DefaultActions: Array<{ ForwardConfig: { TargetGroups: unknown } }> }>(listener['Listeners']);
  assert.deepEqual(created.DefaultActions[0]?.ForwardConfig.TargetGroups, [
    { TargetGroupArn: tgArn, Weight: 100 },
    { TargetGroupArn: spare, Weight: 0 },
  ]);
  await t.daemon.bus.after(seq, (e) => e.type === ROUTING_APPLIED_EVENT && e.resource === created.ListenerArn);
  assert.deepEqual(await get(port), { status: 200, body: 'cli-app' });
  const after = await cli(['describe-target-health', '--target-group-arn', tgArn]);
  assert.notEqual(first<{ TargetHealth: { State: string } }>(after['TargetHealthDescriptions']).TargetHealth.State, 'unused');
});
