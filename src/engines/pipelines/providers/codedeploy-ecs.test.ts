// CodeDeployToECS on the seed's own taskdef.json and appspec.yaml: substitution, registration, the deployment followed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createApplication } from '../../../services/codedeploy/applications.ts';
import { createDeploymentGroup } from '../../../services/codedeploy/deployment-groups.ts';
import { LIFECYCLE_EVENTS } from '../../../services/codedeploy/deployment-record.ts';
import { completeLifecycleEvent, getDeploymentRecord, startDeployment, startLifecycleEvent, succeedDeployment } from '../../../services/codedeploy/lifecycle.ts';
import { ecsGroupInput } from '../../../services/codedeploy/test-fixtures.ts';
import { describeTaskDefinition } from '../../../services/ecs/task-definitions.ts';
import { actionFailure, deployJob, startHarness, type Harness } from '../testing.ts';
import type { ActionJob } from '../types.ts';
import { codedeployToEcs, MAX_INPUT_BYTES } from './codedeploy-ecs.ts';

const example = (file: string): string => readFileSync(new URL(`../../../../examples/ecs-bluegreen/${file}`, import.meta.url), 'utf8');
const IMAGE = '127.0.0.1:7547/test-api:0a1b2c3';
const CONFIG = {
  ApplicationName: 'app',
  DeploymentGroupName: 'group',
  TaskDefinitionTemplateArtifact: 'BuildArtifact',
  TaskDefinitionTemplatePath: 'taskdef.json',
  AppSpecTemplateArtifact: 'BuildArtifact',
  AppSpecTemplatePath: 'appspec.yaml',
  Image1ArtifactName: 'BuildArtifact',
  Image1ContainerName: 'IMAGE1_NAME',
};

function seedFiles(): Record<string, string> {
  return { 'taskdef.json': example('taskdef.json'), 'appspec.yaml': example('appspec.yaml'), 'imageDetail.json': JSON.stringify({ ImageURI: IMAGE }) };
}

test('the seed files: <IMAGE1_NAME> becomes the ImageURI, the task definition is registered, <TASK_DEFINITION> its ARN; the action follows the deployment', async () => {
  const h = startHarness();
  try {
    createApplication({ applicationName: 'app', computePlatform: 'ECS' }, h.op);
    createDeploymentGroup(ecsGroupInput('app', 'group'), h.op);
    const created = h.ctx.bus.next((e) => e.type === 'codedeploy.deployment.created');
    const running = codedeployToEcs(h.ctx).run(job(h, seedFiles()));
    const id = (await created).resource;
    const d = getDeploymentRecord(h.ctx, id);
    const arn = d.appSpec?.targetService.taskDefinition ?? '';
    assert.match(arn, /:task-definition\/test-api-td-prod:1$/);
    assert.equal(d.appSpec?.targetService.containerName, 'test-api');
    const td = describeTaskDefinition({ taskDefinition: arn }, h.op).taskDefinition;
    assert.equal(td?.containerDefinitions?.[0]?.image, IMAGE);
    // A deployment engine would move it; here the test does, and the action ends when the deployment does.
    startDeployment(h.ctx, id);
    for (const name of LIFECYCLE_EVENTS) {
      startLifecycleEvent(h.ctx, id, name);
      completeLifecycleEvent(h.ctx, id, name, 'Succeeded');
    }
    succeedDeployment(h.ctx, id);
    assert.deepEqual(await running, { summary: `Deployment ${id} succeeded`, externalExecutionId: id });
  } finally {
    await h.close();
  }
});

test('what goes wrong says where: appspec.yml for appspec.yaml, a missing ImageURI, a missing placeholder, an artifact over 3 MB (zipped; random bytes do not compress)', async () => {
  const h = startHarness();
  try {
    const provider = codedeployToEcs(h.ctx);
    const { 'appspec.yaml': appspec = '', ...rest } = seedFiles();
    const yml = await actionFailure(provider.run(job(h, { ...rest, 'appspec.yml': appspec })));
    assert.match(yml.message, /The file appspec\.yaml was not found in the artifact BuildArtifact; appspec\.yml is there, did you mean it\?/);
    const noUri = await actionFailure(provider.run(job(h, { ...seedFiles(), 'imageDetail.json': '{"ImageTag":"x"}' })));
    assert.match(noUri.message, /imageDetail\.json in BuildArtifact has no ImageURI/);
    const noPlaceholder = await actionFailure(provider.run(job(h, { ...seedFiles(), 'taskdef.json': example('taskdef.json').replace('<IMAGE1_NAME>', 'busybox') })));
    assert.match(noPlaceholder.message, /no <IMAGE1_NAME> placeholder/);
    const big = await actionFailure(provider.run(job(h, { ...seedFiles(), 'padding.bin': randomBytes(MAX_INPUT_BYTES + 1) })));
    assert.match(big.message, /at most 3 MB/);
  } finally {
    await h.close();
  }
});

function job(h: Harness, files: Record<string, string | Uint8Array>, configuration: Record<string, string> = CONFIG): ActionJob {
  return deployJob(h, 'CodeDeployToECS', files, configuration);
}
