import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ApplicationAlreadyExistsException,
  ApplicationDoesNotExistException,
  BatchGetApplicationsCommand,
  CodeDeployClient,
  CreateApplicationCommand,
  CreateDeploymentConfigCommand,
  CreateDeploymentGroupCommand,
  DeleteApplicationCommand,
  DeleteDeploymentConfigCommand,
  DeleteDeploymentGroupCommand,
  DeploymentConfigInUseException,
  DeploymentGroupDoesNotExistException,
  InvalidECSServiceException,
  ECSServiceMappingLimitExceededException,
  GetApplicationCommand,
  GetDeploymentConfigCommand,
  GetDeploymentGroupCommand,
  InvalidComputePlatformException,
  InvalidDeploymentStyleException,
  InvalidOperationException,
  InvalidTrafficRoutingConfigurationException,
  ListApplicationsCommand,
  ListDeploymentConfigsCommand,
  ListDeploymentGroupsCommand,
  RoleRequiredException,
  UpdateDeploymentGroupCommand,
  type CreateDeploymentGroupInput,
} from '@aws-sdk/client-codedeploy';
import { CreateClusterCommand, CreateServiceCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { awsCliAvailable, awsCliJson } from '../../../test/helpers/aws-cli.ts';
import { checkShape, loadModel } from '../../../test/helpers/aws-model.ts';
import { callJson, startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import { ecsGroupInput, PROD_LISTENER, rejection } from './test-fixtures.ts';

let t: TestDaemon;
let cd: CodeDeployClient;
const model = loadModel('codedeploy.2014-10-06');

before(async () => {
  t = await startTestDaemon({ engines: false });
  cd = new CodeDeployClient(t.sdk);
});
after(async () => {
  cd.destroy();
  await t.stop();
});

test('applications: create ECS, get, batch get, list, delete; Lambda is refused; names are unique', async () => {
  const { applicationId } = await cd.send(new CreateApplicationCommand({ applicationName: 'app-a', computePlatform: 'ECS' }));
  assert.match(applicationId ?? '', /^[0-9a-f-]{36}$/);
  await cd.send(new CreateApplicationCommand({ applicationName: 'app-server', computePlatform: 'Server' }));
  const got = await cd.send(new GetApplicationCommand({ applicationName: 'app-a' }));
  assert.equal(got.application?.computePlatform, 'ECS');
  assert.equal(got.application?.applicationId, applicationId);
  assert.ok(got.application?.createTime instanceof Date);
  const batch = await cd.send(new BatchGetApplicationsCommand({ applicationNames: ['app-a', 'app-server'] }));
  assert.deepEqual(batch.applicationsInfo?.map((a) => a.computePlatform), ['ECS', 'Server']);
  assert.ok(await rejection(cd.send(new CreateApplicationCommand({ applicationName: 'app-a', computePlatform: 'ECS' }))) instanceof ApplicationAlreadyExistsException);
  const lambda = await rejection(cd.send(new CreateApplicationCommand({ applicationName: 'fn', computePlatform: 'Lambda' })));
  assert.ok(lambda instanceof InvalidComputePlatformException);
  assert.match(lambda.message, /Slipway runs no Lambda functions/);
  const listed = await cd.send(new ListApplicationsCommand({}));
  assert.ok(listed.applications?.includes('app-a'));
  await cd.send(new DeleteApplicationCommand({ applicationName: 'app-server' }));
  const missing = await rejection(cd.send(new GetApplicationCommand({ applicationName: 'app-server' })));
  assert.ok(missing instanceof ApplicationDoesNotExistException);
  assert.equal(missing.message, 'No application found for name: app-server');
});

test('deployment configs: the five predefined ECS ones, custom canary/linear/all-at-once, AWS errors', async () => {
  const listed = await cd.send(new ListDeploymentConfigsCommand({}));
  for (const name of ['ECSAllAtOnce', 'ECSLinear10PercentEvery1Minutes', 'ECSLinear10PercentEvery3Minutes', 'ECSCanary10Percent5Minutes', 'ECSCanary10Percent15Minutes']) {
    assert.ok(listed.deploymentConfigsList?.includes(`CodeDeployDefault.${name}`), name);
  }
  const canary = await cd.send(new GetDeploymentConfigCommand({ deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes' }));
  assert.deepEqual(canary.deploymentConfigInfo?.trafficRoutingConfig, { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryInterval: 5 } });
  assert.equal(canary.deploymentConfigInfo?.computePlatform, 'ECS');

  await cd.send(new CreateDeploymentConfigCommand({ deploymentConfigName: 'lin-20-1', computePlatform: 'ECS', trafficRoutingConfig: { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 20, linearInterval: 1 } } }));
  await cd.send(new CreateDeploymentConfigCommand({ deploymentConfigName: 'all', computePlatform: 'ECS', trafficRoutingConfig: { type: 'AllAtOnce' } }));
  await cd.send(new CreateDeploymentConfigCommand({ deploymentConfigName: 'half', minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 50 } }));
  const lin = await cd.send(new GetDeploymentConfigCommand({ deploymentConfigName: 'lin-20-1' }));
  assert.deepEqual(lin.deploymentConfigInfo?.trafficRoutingConfig?.timeBasedLinear, { linearPercentage: 20, linearInterval: 1 });
  assert.equal((await cd.send(new GetDeploymentConfigCommand({ deploymentConfigName: 'half' }))).deploymentConfigInfo?.computePlatform, 'Server');

  const bad = await rejection(
    cd.send(new CreateDeploymentConfigCommand({ deploymentConfigName: 'bad', computePlatform: 'ECS', trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 100, canaryInterval: 0 } } })),
  );
  assert.ok(bad instanceof InvalidTrafficRoutingConfigurationException);
  assert.match(bad.message, /2 problems/);
  assert.match(bad.message, /canaryPercentage: found number 100, expected an integer from 1 to 99/);
  assert.match(bad.message, /canaryInterval: found number 0, expected an integer from 1 to 2880/);
  const predefined = await rejection(cd.send(new DeleteDeploymentConfigCommand({ deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce' })));
  assert.ok(predefined instanceof InvalidOperationException);

  await cd.send(new CreateApplicationCommand({ applicationName: 'cfg-app', computePlatform: 'ECS' }));
  await cd.send(new CreateDeploymentGroupCommand({ ...ecsGroupInput('cfg-app', 'g'), deploymentConfigName: 'all' }));
  assert.ok(await rejection(cd.send(new DeleteDeploymentConfigCommand({ deploymentConfigName: 'all' }))) instanceof DeploymentConfigInUseException);
  await cd.send(new DeleteDeploymentConfigCommand({ deploymentConfigName: 'lin-20-1' }));
  const after = await cd.send(new ListDeploymentConfigsCommand({}));
  assert.ok(!(after.deploymentConfigsList ?? []).includes('lin-20-1'));
});

test('deployment groups: an ECS blue/green group round-trips with AWS defaults', async () => {
  await cd.send(new CreateApplicationCommand({ applicationName: 'dg-app', computePlatform: 'ECS' }));
  const { deploymentGroupId } = await cd.send(new CreateDeploymentGroupCommand(ecsGroupInput('dg-app', 'prod')));
  const { deploymentGroupInfo: g } = await cd.send(new GetDeploymentGroupCommand({ applicationName: 'dg-app', deploymentGroupName: 'prod' }));
  assert.equal(g?.deploymentGroupId, deploymentGroupId);
  assert.equal(g?.computePlatform, 'ECS');
  assert.equal(g?.deploymentConfigName, 'CodeDeployDefault.ECSAllAtOnce');
  assert.deepEqual(g?.ecsServices, [{ clusterName: 'test-cluster', serviceName: 'svc-prod' }]);
  assert.deepEqual(g?.loadBalancerInfo?.targetGroupPairInfoList?.[0]?.prodTrafficRoute, { listenerArns: [PROD_LISTENER] });
  assert.deepEqual(g?.blueGreenDeploymentConfiguration?.terminateBlueInstancesOnDeploymentSuccess, { action: 'TERMINATE', terminationWaitTimeInMinutes: 5 });
  assert.deepEqual(g?.alarmConfiguration, { enabled: false, ignorePollAlarmFailure: false, alarms: [] });
  assert.equal(g?.lastAttemptedDeployment, undefined);

  await cd.send(
    new UpdateDeploymentGroupCommand({
      applicationName: 'dg-app',
      currentDeploymentGroupName: 'prod',
      newDeploymentGroupName: 'production',
      deploymentConfigName: 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes',
      alarmConfiguration: { enabled: true, alarms: [{ name: 'high-5xx' }] },
    }),
  );
  const updated = await cd.send(new GetDeploymentGroupCommand({ applicationName: 'dg-app', deploymentGroupName: 'production' }));
  assert.equal(updated.deploymentGroupInfo?.deploymentConfigName, 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes');
  assert.deepEqual(updated.deploymentGroupInfo?.alarmConfiguration?.alarms, [{ name: 'high-5xx' }]);
  assert.deepEqual(updated.deploymentGroupInfo?.ecsServices, g?.ecsServices, 'members not sent are kept');
  assert.ok(await rejection(cd.send(new GetDeploymentGroupCommand({ applicationName: 'dg-app', deploymentGroupName: 'prod' }))) instanceof DeploymentGroupDoesNotExistException);

  const sameService = await rejection(cd.send(new CreateDeploymentGroupCommand({ ...ecsGroupInput('dg-app', 'other'), ecsServices: [{ clusterName: 'test-cluster', serviceName: 'svc-prod' }] })));
  assert.ok(sameService instanceof ECSServiceMappingLimitExceededException);
  assert.match(sameService.message, /already in deployment group dg-app\/production/);

  await cd.send(new CreateDeploymentGroupCommand(ecsGroupInput('dg-app', 'staging')));
  const list = await cd.send(new ListDeploymentGroupsCommand({ applicationName: 'dg-app' }));
  assert.deepEqual(list.deploymentGroups, ['production', 'staging']);
  await cd.send(new DeleteDeploymentGroupCommand({ applicationName: 'dg-app', deploymentGroupName: 'staging' }));
  assert.deepEqual((await cd.send(new ListDeploymentGroupsCommand({ applicationName: 'dg-app' }))).deploymentGroups, ['production']);
});

test('an invalid ECS group reports every problem at once, under the first problem\'s AWS code', async () => {
  await cd.send(new CreateApplicationCommand({ applicationName: 'bad-app', computePlatform: 'ECS' }));
  const input = {
    ...ecsGroupInput('bad-app', 'bad'),
    deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
    loadBalancerInfo: { targetGroupPairInfoList: [{ targetGroups: [{ name: 'only-one' }], prodTrafficRoute: { listenerArns: [] } }] },
    blueGreenDeploymentConfiguration: {
      deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT' },
      terminateBlueInstancesOnDeploymentSuccess: { action: 'KEEP_ALIVE', terminationWaitTimeInMinutes: 3000 },
    },
  } as CreateDeploymentGroupInput;
  const err = await rejection(cd.send(new CreateDeploymentGroupCommand(input)));
  assert.ok(err instanceof InvalidDeploymentStyleException);
  for (const expected of [
    /deploymentStyle\.deploymentType: found "IN_PLACE", expected BLUE_GREEN/,
    /deploymentStyle\.deploymentOption: found "WITHOUT_TRAFFIC_CONTROL", expected WITH_TRAFFIC_CONTROL/,
    /targetGroups: found 1, expected exactly two target groups/,
    /prodTrafficRoute\.listenerArns: found 0 listeners, expected exactly one listener ARN/,
    /waitTimeInMinutes: found nothing, expected how long to wait for ContinueDeployment\(READY_WAIT\)/,
    /action: found "KEEP_ALIVE", expected TERMINATE/,
    /terminationWaitTimeInMinutes: found number 3000, expected whole minutes from 0 to 2880/,
  ]) {
    assert.match(err.message, expected);
  }
  const { serviceRoleArn: _role, ...noRole } = ecsGroupInput('bad-app', 'norole');
  assert.ok(await rejection(cd.send(new CreateDeploymentGroupCommand(noRole as CreateDeploymentGroupInput))) instanceof RoleRequiredException);
  const noStyle = await rejection(cd.send(new CreateDeploymentGroupCommand({ ...ecsGroupInput('bad-app', 'nostyle'), deploymentStyle: undefined })));
  assert.ok(noStyle instanceof InvalidDeploymentStyleException);
});

test('an ECS service Slipway knows must use the CODE_DEPLOY deployment controller', async () => {
  const ecs = new ECSClient(t.sdk);
  try {
    await ecs.send(new CreateClusterCommand({ clusterName: 'test-cluster' }));
    await ecs.send(new RegisterTaskDefinitionCommand({ family: 'rolling', containerDefinitions: [{ name: 'app', image: 'nginx:1.27', memory: 128 }] }));
    await ecs.send(new CreateServiceCommand({ cluster: 'test-cluster', serviceName: 'rolling-svc', taskDefinition: 'rolling', desiredCount: 0 }));
  } finally {
    ecs.destroy();
  }
  await cd.send(new CreateApplicationCommand({ applicationName: 'ctl-app', computePlatform: 'ECS' }));
  const err = await rejection(cd.send(new CreateDeploymentGroupCommand(ecsGroupInput('ctl-app', 'g', 'rolling-svc'))));
  assert.ok(err instanceof InvalidECSServiceException);
  assert.match(err.message, /ecsServices\[0\]: found test-cluster\/rolling-svc with deploymentController ECS, expected an ECS service whose deploymentController is CODE_DEPLOY/);
});

test('responses on the wire match the AWS model shapes', async () => {
  await cd.send(new CreateApplicationCommand({ applicationName: 'wire', computePlatform: 'ECS' }));
  await cd.send(new CreateDeploymentGroupCommand(ecsGroupInput('wire', 'wg')));
  const checks: [string, Record<string, unknown>][] = [
    ['GetApplication', { applicationName: 'wire' }],
    ['BatchGetApplications', { applicationNames: ['wire'] }],
    ['ListApplications', {}],
    ['GetDeploymentGroup', { applicationName: 'wire', deploymentGroupName: 'wg' }],
    ['ListDeploymentGroups', { applicationName: 'wire' }],
    ['GetDeploymentConfig', { deploymentConfigName: 'CodeDeployDefault.ECSLinear10PercentEvery3Minutes' }],
    ['GetDeploymentConfig', { deploymentConfigName: 'CodeDeployDefault.OneAtATime' }],
    ['ListDeploymentConfigs', {}],
  ];
  for (const [op, input] of checks) {
    const res = await callJson(t.endpoint, `CodeDeploy_20141006.${op}`, input);
    assert.equal(res.status, 200, `${op}: ${JSON.stringify(res.body)}`);
    const shape = model.operations[op]?.output?.shape ?? '';
    assert.deepEqual(checkShape(model, shape, res.body), [], op);
  }
  const err = await callJson(t.endpoint, 'CodeDeploy_20141006.GetApplication', { applicationName: 'nope' });
  assert.equal(err.status, 400);
  assert.equal(err.body['__type'], 'ApplicationDoesNotExistException');
});

test('the AWS CLI creates an application and a deployment group and reads a deployment config', async (ctx) => {
  if (!(await awsCliAvailable())) {
    ctx.skip('aws CLI not installed');
    return;
  }
  const app = await awsCliJson(t.endpoint, ['deploy', 'create-application', '--application-name', 'cli-app', '--compute-platform', 'ECS']);
  assert.match(String(app['applicationId']), /^[0-9a-f-]{36}$/);
  const input = JSON.stringify(ecsGroupInput('cli-app', 'cli-group'));
  const group = await awsCliJson(t.endpoint, ['deploy', 'create-deployment-group', '--cli-input-json', input]);
  assert.match(String(group['deploymentGroupId']), /^[0-9a-f-]{36}$/);
  const config = await awsCliJson(t.endpoint, ['deploy', 'get-deployment-config', '--deployment-config-name', 'CodeDeployDefault.ECSCanary10Percent15Minutes']);
  assert.deepEqual((config['deploymentConfigInfo'] as Record<string, unknown>)['trafficRoutingConfig'], { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryInterval: 15 } });
});
