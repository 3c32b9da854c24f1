import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  ClientException,
  CreateClusterCommand,
  DeleteClusterCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListClustersCommand,
  ListTaskDefinitionFamiliesCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionRequest,
} from '@aws-sdk/client-ecs';
import { awsCliAvailable, awsCliJson } from '../../../test/helpers/aws-cli.ts';
import { checkShape, loadModel } from '../../../test/helpers/aws-model.ts';
import { callJson, startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';

let t: TestDaemon;
let ecs: ECSClient;
const model = loadModel('ecs.2014-11-13');
const TARGET = 'AmazonEC2ContainerServiceV20141113';
const IMAGE = '000000000000.dkr.ecr.us-east-1.amazonaws.com/test-api:1.0.0';
const exampleText = readFileSync(join(import.meta.dirname, '..', '..', '..', 'examples', 'ecs-bluegreen', 'taskdef.json'), 'utf8');
const example = (): RegisterTaskDefinitionRequest => JSON.parse(exampleText.replaceAll('<IMAGE1_NAME>', IMAGE)) as RegisterTaskDefinitionRequest;
const simple = (family: string): RegisterTaskDefinitionRequest => ({ family, containerDefinitions: [{ name: 'app', image: 'nginx:1.27', memory: 128 }] });

before(async () => {
  t = await startTestDaemon();
  ecs = new ECSClient(t.sdk);
});
after(async () => {
  ecs.destroy();
  await t.stop();
});

test('CreateCluster defaults to "default", is idempotent while ACTIVE; DescribeClusters reports MISSING ones', async () => {
  const first = await ecs.send(new CreateClusterCommand({}));
  assert.equal(first.cluster?.clusterName, 'default');
  assert.equal(first.cluster?.clusterArn, 'arn:aws:ecs:us-east-1:000000000000:cluster/default');
  assert.equal(first.cluster?.status, 'ACTIVE');
  const again = await ecs.send(new CreateClusterCommand({ clusterName: 'default' }));
  assert.equal(again.cluster?.clusterArn, first.cluster?.clusterArn);
  const described = await ecs.send(new DescribeClustersCommand({ clusters: ['default', 'arn:aws:ecs:us-east-1:000000000000:cluster/nope'] }));
  assert.deepEqual(described.clusters?.map((c) => c.clusterName), ['default']);
  assert.deepEqual(described.failures, [{ arn: 'arn:aws:ecs:us-east-1:000000000000:cluster/nope', reason: 'MISSING' }]);
  assert.equal(described.clusters?.[0]?.settings, undefined);
  const withSettings = await ecs.send(new DescribeClustersCommand({ include: ['SETTINGS', 'TAGS'] }));
  assert.deepEqual(withSettings.clusters?.[0]?.settings, [{ name: 'containerInsights', value: 'disabled' }]);
  assert.deepEqual(withSettings.clusters?.[0]?.tags, []);
});

test('ListClusters pages; DeleteCluster leaves an INACTIVE cluster that is no longer listed', async () => {
  for (const name of ['c-a', 'c-b', 'c-c']) await ecs.send(new CreateClusterCommand({ clusterName: name }));
  const one = await ecs.send(new ListClustersCommand({ maxResults: 2 }));
  assert.equal(one.clusterArns?.length, 2);
  assert.ok(one.nextToken !== undefined);
  const two = await ecs.send(new ListClustersCommand({ maxResults: 2, nextToken: one.nextToken }));
  const all = [...(one.clusterArns ?? []), ...(two.clusterArns ?? [])];
  assert.ok(all.includes('arn:aws:ecs:us-east-1:000000000000:cluster/c-b'));
  const deleted = await ecs.send(new DeleteClusterCommand({ cluster: 'c-b' }));
  assert.equal(deleted.cluster?.status, 'INACTIVE');
  const after = await ecs.send(new DescribeClustersCommand({ clusters: ['c-b'] }));
  assert.equal(after.clusters?.[0]?.status, 'INACTIVE');
  const listed = await ecs.send(new ListClustersCommand({}));
  assert.ok(!(listed.clusterArns ?? []).some((a) => a.endsWith('/c-b')));
});

test('the example taskdef.json registers as-is, revisions counting up from 1', async () => {
  const first = await ecs.send(new RegisterTaskDefinitionCommand({ ...example(), tags: [{ key: 'team', value: 'api' }] }));
  const td = first.taskDefinition;
  assert.equal(td?.revision, 1);
  assert.equal(td?.taskDefinitionArn, 'arn:aws:ecs:us-east-1:000000000000:task-definition/test-api-td-prod:1');
  assert.equal(td?.status, 'ACTIVE');
  assert.deepEqual(td?.compatibilities, ['EC2', 'FARGATE']);
  assert.ok(td?.registeredAt instanceof Date);
  assert.equal(td?.registeredBy, 'arn:aws:iam::000000000000:root');
  assert.equal(td?.containerDefinitions?.[0]?.image, IMAGE);
  assert.deepEqual(first.tags, [{ key: 'team', value: 'api' }]);
  const second = await ecs.send(new RegisterTaskDefinitionCommand(example()));
  assert.equal(second.taskDefinition?.revision, 2);
});

test('an invalid definition is a ClientException listing every problem', async () => {
  const bad = {
    family: 'bad family',
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: '256',
    memory: '4096',
    containerDefinitions: [{ name: 'app', image: 'nginx', portMappings: [{ containerPort: 'eighty' }] }],
  } as unknown as RegisterTaskDefinitionRequest;
  const err = await ecs.send(new RegisterTaskDefinitionCommand(bad)).then(
    () => assert.fail('expected ClientException'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ClientException);
  assert.match(err.message, /Invalid task definition \(3 problems\)/);
  assert.match(err.message, /family: found "bad family", expected 1–255 letters/);
  assert.match(err.message, /memory: found 4096 MiB, expected a Fargate memory for cpu 256/);
  assert.match(err.message, /containerDefinitions\[0\]\.portMappings\[0\]\.containerPort: found "eighty", expected an integer/);
});

test('DescribeTaskDefinition by family (latest ACTIVE), family:revision and ARN, with tags when asked', async () => {
  await ecs.send(new RegisterTaskDefinitionCommand({ ...simple('desc'), tags: [{ key: 'k', value: 'v' }] }));
  await ecs.send(new RegisterTaskDefinitionCommand(simple('desc')));
  await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'desc:2' }));
  const latest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'desc' }));
  assert.equal(latest.taskDefinition?.revision, 1);
  assert.equal(latest.tags, undefined);
  const byRevision = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'desc:2' }));
  assert.equal(byRevision.taskDefinition?.status, 'INACTIVE');
  const byArn = await ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: 'arn:aws:ecs:us-east-1:000000000000:task-definition/desc:1', include: ['TAGS'] }),
  );
  assert.deepEqual(byArn.tags, [{ key: 'k', value: 'v' }]);
  await assert.rejects(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'desc:9' })), ClientException);
});

test('ListTaskDefinitions filters by family and status, sorts and pages; families by prefix and status', async () => {
  for (let i = 0; i < 3; i++) await ecs.send(new RegisterTaskDefinitionCommand(simple('lst')));
  await ecs.send(new RegisterTaskDefinitionCommand(simple('lst-other')));
  const asc = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'lst' }));
  assert.deepEqual(asc.taskDefinitionArns?.map((a) => a.split('/')[1]), ['lst:1', 'lst:2', 'lst:3']);
  const desc = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'lst', sort: 'DESC', maxResults: 2 }));
  assert.deepEqual(desc.taskDefinitionArns?.map((a) => a.split('/')[1]), ['lst:3', 'lst:2']);
  const rest = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'lst', sort: 'DESC', maxResults: 2, nextToken: desc.nextToken }));
  assert.deepEqual(rest.taskDefinitionArns?.map((a) => a.split('/')[1]), ['lst:1']);
  assert.equal(rest.nextToken, undefined);
  const deregistered = await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'arn:aws:ecs:us-east-1:000000000000:task-definition/lst-other:1' }));
  assert.equal(deregistered.taskDefinition?.status, 'INACTIVE');
  assert.ok(deregistered.taskDefinition?.deregisteredAt instanceof Date);
  const inactive = await ecs.send(new ListTaskDefinitionsCommand({ status: 'INACTIVE' }));
  assert.ok(inactive.taskDefinitionArns?.some((a) => a.endsWith('/lst-other:1')));
  const families = await ecs.send(new ListTaskDefinitionFamiliesCommand({ familyPrefix: 'lst' }));
  assert.deepEqual(families.families, ['lst']);
  const all = await ecs.send(new ListTaskDefinitionFamiliesCommand({ familyPrefix: 'lst', status: 'ALL' }));
  assert.deepEqual(all.families, ['lst', 'lst-other']);
  const gone = await ecs.send(new ListTaskDefinitionFamiliesCommand({ familyPrefix: 'lst', status: 'INACTIVE' }));
  assert.deepEqual(gone.families, ['lst-other']);
});

test('responses on the wire match the AWS model shapes', async () => {
  const checks: [string, string, Record<string, unknown>][] = [
    ['CreateCluster', 'CreateClusterResponse', { clusterName: 'wire' }],
    ['DescribeClusters', 'DescribeClustersResponse', { clusters: ['wire', 'missing'] }],
    ['ListClusters', 'ListClustersResponse', {}],
    ['RegisterTaskDefinition', 'RegisterTaskDefinitionResponse', { ...example(), family: 'wire', tags: [{ key: 'a', value: 'b' }] }],
    ['DescribeTaskDefinition', 'DescribeTaskDefinitionResponse', { taskDefinition: 'wire', include: ['TAGS'] }],
    ['ListTaskDefinitions', 'ListTaskDefinitionsResponse', { familyPrefix: 'wire' }],
    ['ListTaskDefinitionFamilies', 'ListTaskDefinitionFamiliesResponse', {}],
    ['DeregisterTaskDefinition', 'DeregisterTaskDefinitionResponse', { taskDefinition: 'wire:1' }],
    ['DeleteCluster', 'DeleteClusterResponse', { cluster: 'wire' }],
  ];
  for (const [op, shape, body] of checks) {
    const res = await callJson(t.endpoint, `${TARGET}.${op}`, body);
    assert.equal(res.status, 200, `${op}: ${JSON.stringify(res.body)}`);
    assert.deepEqual(checkShape(model, shape, res.body), [], op);
  }
  const missing = await callJson(t.endpoint, `${TARGET}.DescribeTaskDefinition`, { taskDefinition: 'nope:1' });
  assert.equal(missing.body['__type'], 'ClientException');
});

test('the AWS CLI describes a task definition through --endpoint-url', async (ctx) => {
  if (!(await awsCliAvailable())) {
    ctx.skip('aws CLI not installed');
    return;
  }
  await ecs.send(new RegisterTaskDefinitionCommand(simple('cli')));
  const parsed = (await awsCliJson(t.endpoint, ['ecs', 'describe-task-definition', '--task-definition', 'cli'])) as unknown as {
    taskDefinition: { family: string; revision: number; status: string };
  };
  assert.equal(parsed.taskDefinition.family, 'cli');
  assert.equal(parsed.taskDefinition.revision, 1);
  assert.equal(parsed.taskDefinition.status, 'ACTIVE');
});
