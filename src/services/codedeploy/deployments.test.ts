import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  BatchGetDeploymentsCommand,
  CodeDeployClient,
  ContinueDeploymentCommand,
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentConfigCommand,
  CreateDeploymentGroupCommand,
  DeleteApplicationCommand,
  DeploymentAlreadyCompletedException,
  DeploymentDoesNotExistException,
  DeploymentIsNotInReadyStateException,
  DeploymentLimitExceededException,
  DeploymentNotStartedException,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  InvalidRevisionException,
  ListDeploymentsCommand,
  ListDeploymentTargetsCommand,
  RevisionRequiredException,
  StopDeploymentCommand,
  UpdateDeploymentGroupCommand,
} from '@aws-sdk/client-codedeploy';
import { ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { awsCliAvailable, awsCliJson } from '../../../test/helpers/aws-cli.ts';
import { checkShape, loadModel } from '../../../test/helpers/aws-model.ts';
import { callJson, startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import { appSpecText, ecsGroupInput, rejection } from './test-fixtures.ts';

let t: TestDaemon;
let cd: CodeDeployClient;
let taskDefinitionArn = '';
const model = loadModel('codedeploy.2014-10-06');

before(async () => {
  t = await startTestDaemon({ engines: false });
  cd = new CodeDeployClient(t.sdk);
  const ecs = new ECSClient(t.sdk);
  const td = await ecs.send(
    new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [{ name: 'web', image: 'nginx:1.27', memory: 128, portMappings: [{ containerPort: 80 }] }, { name: 'sidecar', image: 'busybox', memory: 64 }] }),
  );
  ecs.destroy();
  taskDefinitionArn = td.taskDefinition?.taskDefinitionArn ?? '';
  await cd.send(new CreateApplicationCommand({ applicationName: 'app', computePlatform: 'ECS' }));
});
after(async () => {
  cd.destroy();
  await t.stop();
});

const revision = (content = appSpecText(taskDefinitionArn)) => ({ revisionType: 'AppSpecContent' as const, appSpecContent: { content } });

test('CreateDeployment stores a Created deployment with eight Pending lifecycle events; one active deployment per group', async () => {
  await cd.send(new CreateDeploymentGroupCommand(ecsGroupInput('app', 'one')));
  const { deploymentId } = await cd.send(new CreateDeploymentCommand({ applicationName: 'app', deploymentGroupName: 'one', revision: revision(), description: 'first' }));
  assert.match(deploymentId ?? '', /^d-[A-Z0-9]{9}$/);
  const { deploymentInfo: d } = await cd.send(new GetDeploymentCommand({ deploymentId }));
  assert.equal(d?.status, 'Created');
  assert.equal(d?.creator, 'user');
  assert.equal(d?.deploymentConfigName, 'CodeDeployDefault.ECSAllAtOnce');
  assert.equal(d?.computePlatform, 'ECS');
  assert.equal(d?.revision?.appSpecContent?.sha256, createHash('sha256').update(appSpecText(taskDefinitionArn)).digest('hex'));
  assert.deepEqual(d?.deploymentOverview, { Pending: 1, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 });
  assert.equal(d?.description, 'first');

  const second = await rejection(cd.send(new CreateDeploymentCommand({ applicationName: 'app', deploymentGroupName: 'one', revision: revision() })));
  assert.ok(second instanceof DeploymentLimitExceededException);
  assert.equal(second.message, `The Deployment Group 'one' already has an active Deployment '${deploymentId}'`);
  const notStarted = await rejection(cd.send(new ListDeploymentTargetsCommand({ deploymentId })));
  assert.ok(notStarted instanceof DeploymentNotStartedException);
  const group = await cd.send(new GetDeploymentGroupCommand({ applicationName: 'app', deploymentGroupName: 'one' }));
  assert.equal(group.deploymentGroupInfo?.lastAttemptedDeployment?.deploymentId, deploymentId);
  assert.equal(group.deploymentGroupInfo?.lastAttemptedDeployment?.status, 'Created');
});

test('the appspec is checked against the registered task definition: a wrong ContainerName lists the names that are', async () => {
  await cd.send(new CreateDeploymentGroupCommand(ecsGroupInput('app', 'appspec')));
  const err = await rejection(cd.send(new CreateDeploymentCommand({ applicationName: 'app', deploymentGroupName: 'appspec', revision: revision(appSpecText(taskDefinitionArn, 'api')) })));
  assert.ok(err instanceof InvalidRevisionException);
  assert.match(err.message, /ContainerName: found "api", expected one of the task definition's containers: web, sidecar/);
  const placeholder = await rejection(cd.send(new CreateDeploymentCommand({ applicationName: 'app', deploymentGroupName: 'appspec', revision: revision(appSpecText('<TASK_DEFINITION>')) })));
  assert.ok(placeholder instanceof InvalidRevisionException);
  assert.match(placeholder.message, /CodePipeline substitutes the placeholder/);
  const sha = await rejection(
    cd.send(new CreateDeploymentCommand({ applicationName: 'app', deploymentGroupName: 'appspec', revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpecText(taskDefinitionArn), sha256: 'abc' } } })),
  );
  assert.match(sha.message, /sha256: found "abc", expected the SHA-256 of content/);
  assert.ok((await rejection(cd.send(new CreateDeploymentCommand({ applicationName: 'app', deploymentGroupName: 'appspec' })))) instanceof RevisionRequiredException);
  // A task definition Slipway's ECS does not know is not checked here (the engine fails the deployment if it stays unknown).
  const unknown = await cd.send(new CreateDeploymentCommand({ applicationName: 'app', deploymentGroupName: 'appspec', revision: revision(appSpecText('arn:aws:ecs:us-east-1:000000000000:task-definition/other:3', 'api')) }));
  assert.match(unknown.deploymentId ?? '', /^d-/);
});

test('StopDeployment stops a deployment (AWS refuses a second stop); ContinueDeployment needs a waiting deployment', async () => {
  await cd.send(new CreateDeploymentGroupCommand(ecsGroupInput('app', 'stop')));
  const { deploymentId } = await cd.send(new CreateDeploymentCommand({ applicationName: 'app', deploymentGroupName: 'stop', revision: revision() }));
  const notReady = await rejection(cd.send(new ContinueDeploymentCommand({ deploymentId, deploymentWaitType: 'READY_WAIT' })));
  assert.ok(notReady instanceof DeploymentIsNotInReadyStateException);
  const stopped = await cd.send(new StopDeploymentCommand({ deploymentId }));
  // Nothing was installed yet, so there is nothing to roll back even though the group rolls back on request.
  assert.equal(stopped.status, 'Succeeded');
  const { deploymentInfo: d } = await cd.send(new GetDeploymentCommand({ deploymentId }));
  assert.equal(d?.status, 'Stopped');
  assert.deepEqual(d?.errorInformation, { code: 'MANUAL_STOP', message: 'Deployment was stopped by user' });
  assert.ok(d?.completeTime instanceof Date);
  assert.ok((await rejection(cd.send(new StopDeploymentCommand({ deploymentId })))) instanceof DeploymentAlreadyCompletedException);
  const next = await cd.send(new CreateDeploymentCommand({ applicationName: 'app', deploymentGroupName: 'stop', revision: revision() }));
  assert.match(next.deploymentId ?? '', /^d-/, 'a stopped deployment frees its group');
});

test('ListDeployments filters by group, status and time; BatchGetDeployments leaves unknown ids out', async () => {
  await cd.send(new CreateDeploymentGroupCommand(ecsGroupInput('app', 'list')));
  const a = await cd.send(new CreateDeploymentCommand({ applicationName: 'app', deploymentGroupName: 'list', revision: revision() }));
  await cd.send(new StopDeploymentCommand({ deploymentId: a.deploymentId }));
  const b = await cd.send(new CreateDeploymentCommand({ applicationName: 'app', deploymentGroupName: 'list', revision: revision() }));
  const all = await cd.send(new ListDeploymentsCommand({ applicationName: 'app', deploymentGroupName: 'list' }));
  assert.deepEqual(all.deployments, [b.deploymentId, a.deploymentId]);
  const created = await cd.send(new ListDeploymentsCommand({ applicationName: 'app', deploymentGroupName: 'list', includeOnlyStatuses: ['Created'] }));
  assert.deepEqual(created.deployments, [b.deploymentId]);
  const future = await cd.send(new ListDeploymentsCommand({ createTimeRange: { start: new Date(Date.now() + 3_600_000) } }));
  assert.deepEqual(future.deployments, []);
  const batch = await cd.send(new BatchGetDeploymentsCommand({ deploymentIds: [a.deploymentId ?? '', 'd-NOTEXIST0'] }));
  assert.deepEqual(batch.deploymentsInfo?.map((d) => d.status), ['Stopped']);
});

test('renaming a group carries its deployments along', async () => {
  await cd.send(new CreateDeploymentGroupCommand(ecsGroupInput('app', 'ren')));
  const { deploymentId } = await cd.send(new CreateDeploymentCommand({ applicationName: 'app', deploymentGroupName: 'ren', revision: revision() }));
  await cd.send(new UpdateDeploymentGroupCommand({ applicationName: 'app', currentDeploymentGroupName: 'ren', newDeploymentGroupName: 'renamed' }));
  assert.equal((await cd.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo?.deploymentGroupName, 'renamed');
  assert.deepEqual((await cd.send(new ListDeploymentsCommand({ applicationName: 'app', deploymentGroupName: 'renamed' }))).deployments, [deploymentId]);
  const blocked = await rejection(cd.send(new CreateDeploymentCommand({ applicationName: 'app', deploymentGroupName: 'renamed', revision: revision() })));
  assert.ok(blocked instanceof DeploymentLimitExceededException);
});

test('deleting an application stops its active deployments (the event an engine hears) and deletes its history', async () => {
  await cd.send(new CreateApplicationCommand({ applicationName: 'gone', computePlatform: 'ECS' }));
  await cd.send(new CreateDeploymentGroupCommand(ecsGroupInput('gone', 'g')));
  const { deploymentId } = await cd.send(new CreateDeploymentCommand({ applicationName: 'gone', deploymentGroupName: 'g', revision: revision() }));
  const stopped = t.daemon.bus.next((e) => e.type === 'codedeploy.deployment.stopped' && e.resource === deploymentId);
  await cd.send(new DeleteApplicationCommand({ applicationName: 'gone' }));
  assert.equal((await stopped).detail['errorCode'], 'MANUAL_STOP');
  assert.ok((await rejection(cd.send(new GetDeploymentCommand({ deploymentId })))) instanceof DeploymentDoesNotExistException);
});

test('deployment responses on the wire match the AWS model shapes', async () => {
  await cd.send(new CreateDeploymentGroupCommand(ecsGroupInput('app', 'wire')));
  const { deploymentId } = await cd.send(new CreateDeploymentCommand({ applicationName: 'app', deploymentGroupName: 'wire', revision: revision() }));
  await cd.send(new StopDeploymentCommand({ deploymentId }));
  const checks: [string, Record<string, unknown>][] = [
    ['GetDeployment', { deploymentId }],
    ['BatchGetDeployments', { deploymentIds: [deploymentId] }],
    ['ListDeployments', { applicationName: 'app', deploymentGroupName: 'wire' }],
    ['GetDeploymentGroup', { applicationName: 'app', deploymentGroupName: 'wire' }],
  ];
  for (const [op, input] of checks) {
    const res = await callJson(t.endpoint, `CodeDeploy_20141006.${op}`, input);
    assert.equal(res.status, 200, `${op}: ${JSON.stringify(res.body)}`);
    assert.deepEqual(checkShape(model, model.operations[op]?.output?.shape ?? '', res.body), [], op);
  }
});

test('the AWS CLI creates and reads a deployment', async (ctx) => {
  if (!(await awsCliAvailable())) {
    ctx.skip('aws CLI not installed');
    return;
  }
  await cd.send(new CreateDeploymentGroupCommand(ecsGroupInput('app', 'cli')));
  const created = await awsCliJson(t.endpoint, ['deploy', 'create-deployment', '--cli-input-json', JSON.stringify({ applicationName: 'app', deploymentGroupName: 'cli', revision: revision() })]);
  const id = String(created['deploymentId']);
  const got = await awsCliJson(t.endpoint, ['deploy', 'get-deployment', '--deployment-id', id]);
  assert.equal((got['deploymentInfo'] as Record<string, unknown>)['status'], 'Created');
});

test('applications, groups, configs and deployments survive a restart of Slipway', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-codedeploy-restart-'));
  try {
    const first = await startTestDaemon({ dataDir, engines: false });
    const c1 = new CodeDeployClient(first.sdk);
    await c1.send(new CreateApplicationCommand({ applicationName: 'keep', computePlatform: 'ECS' }));
    await c1.send(new CreateDeploymentConfigCommand({ deploymentConfigName: 'keep-canary', computePlatform: 'ECS', trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 20, canaryInterval: 2 } } }));
    await c1.send(new CreateDeploymentGroupCommand({ ...ecsGroupInput('keep', 'g'), deploymentConfigName: 'keep-canary' }));
    const { deploymentId } = await c1.send(new CreateDeploymentCommand({ applicationName: 'keep', deploymentGroupName: 'g', revision: revision(appSpecText()) }));
    c1.destroy();
    await first.stop();

    const second = await startTestDaemon({ dataDir, engines: false });
    const c2 = new CodeDeployClient(second.sdk);
    try {
      const d = (await c2.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo;
      assert.equal(d?.status, 'Created');
      assert.equal(d?.deploymentConfigName, 'keep-canary');
      const g = (await c2.send(new GetDeploymentGroupCommand({ applicationName: 'keep', deploymentGroupName: 'g' }))).deploymentGroupInfo;
      assert.equal(g?.lastAttemptedDeployment?.deploymentId, deploymentId);
      const again = await rejection(c2.send(new CreateDeploymentCommand({ applicationName: 'keep', deploymentGroupName: 'g', revision: revision(appSpecText()) })));
      assert.ok(again instanceof DeploymentLimitExceededException, 'the active deployment still holds its group');
    } finally {
      c2.destroy();
      await second.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
