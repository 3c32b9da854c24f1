import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DescribeServicesCommand, ECSClient, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import { GetPipelineCommand, CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { startTestDaemon } from '../../../test/helpers/daemon.ts';
import { setupExample } from './setup.ts';

test('setup creates the seed system through the SDK, and a second run changes nothing', async () => {
  const t = await startTestDaemon();
  try {
    const first = await setupExample({ client: t.sdk });
    assert.deepEqual(
      first.resources.map((r) => `${r.action} ${r.kind} ${r.name}`),
      [
        'created CodeCommit repository aws-cicde-test',
        'created ECR repository test-api',
        'created CodeBuild project test-api-build',
        'created ECS cluster test-cluster',
        'created ECS task definition test-api-td-prod',
        'created target group test-tg-01',
        'created target group test-tg-02',
        'created load balancer test-alb',
        'created production listener test-alb:8080',
        'created test listener test-alb:8081',
        'created ECS service test-service-prod',
        'created CodeDeploy application AppECS-test-cluster-test-service-prod',
        'created CodeDeploy deployment group DgpECS-test-cluster-test-service-prod',
        'created pipeline test-api-pipeline',
      ],
    );
    assert.match(first.cloneUrlHttp, /\/v1\/repos\/aws-cicde-test$/);
    assert.match(first.repositoryUri, /\/test-api$/);

    const second = await setupExample({ client: t.sdk });
    assert.deepEqual(second.resources.filter((r) => r.action !== 'unchanged'), []);
    const ecs = new ECSClient(t.sdk);
    const revisions = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'test-api-td-prod' }));
    assert.equal(revisions.taskDefinitionArns?.length, 1, 'the second run registers no new revision');
    const service = (await ecs.send(new DescribeServicesCommand({ cluster: 'test-cluster', services: ['test-service-prod'] }))).services?.[0];
    assert.equal(service?.deploymentController?.type, 'CODE_DEPLOY');
    const pipeline = await new CodePipelineClient(t.sdk).send(new GetPipelineCommand({ name: 'test-api-pipeline' }));
    assert.equal(pipeline.pipeline?.version, 1, 'the second run does not update the pipeline');
  } finally {
    await t.stop();
  }
});
