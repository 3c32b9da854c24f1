// Deploy/AWS/ECS on real containers: a pipeline rolls a service from a locally built v1 image to v2 (never pulled).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { CodeCommitClient, CreateRepositoryCommand, PutFileCommand } from '@aws-sdk/client-codecommit';
import { CodePipelineClient, CreatePipelineCommand, ListPipelineExecutionsCommand } from '@aws-sdk/client-codepipeline';
import { CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, DescribeTasksCommand, ECSClient, ListTasksCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { ensureBusyboxImage } from '../../../runtime/base-images.ts';
import { startTestDaemon } from '../../../../test/helpers/daemon.ts';
import { fargateTaskDefinition } from '../../scheduler/testing.ts';
import { ecsDeployPipeline } from '../testing.ts';

const skip = process.env['SLIPWAY_SKIP_ENGINE'] === '1' ? 'SLIPWAY_SKIP_ENGINE=1' : undefined;

test('a pipeline deploys v2 of a locally built image to a running ECS service; the task runs the new image', { skip }, async () => {
  const t = await startTestDaemon({ runtime: 'auto' });
  await t.daemon.whenRuntimeSettled();
  const runtime = t.daemon.runtime;
  const repo = `localhost/slipway-ecs-deploy-${randomBytes(4).toString('hex')}`;
  const ecs = new ECSClient(t.sdk);
  const cp = new CodePipelineClient(t.sdk);
  const cc = new CodeCommitClient(t.sdk);
  try {
    const base = await ensureBusyboxImage(runtime);
    for (const v of ['v1', 'v2']) {
      await runtime.buildImage({ tag: `${repo}:${v}`, files: { Dockerfile: Buffer.from(`FROM ${base.ref}\nCMD ["sh", "-c", "echo ${v}; exec sleep 600"]\n`) } });
    }
    await ecs.send(new CreateClusterCommand({}));
    await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition('web', `${repo}:v1`)));
    await ecs.send(new CreateServiceCommand({ serviceName: 'web', taskDefinition: 'web', desiredCount: 1, networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } } }));
    await cc.send(new CreateRepositoryCommand({ repositoryName: 'app' }));
    await cc.send(new PutFileCommand({ repositoryName: 'app', branchName: 'main', filePath: 'imagedefinitions.json', fileContent: Buffer.from(JSON.stringify([{ name: 'app', imageUri: `${repo}:v2` }])), commitMessage: 'v2', name: 'Ada', email: 'ada@example.com' }));
    await cp.send(new CreatePipelineCommand({ pipeline: ecsDeployPipeline({ ClusterName: 'default', ServiceName: 'web' }) }));
    // The execution ends when the deployment does (the action follows it): wait on the daemon's events, 90 s guard.
    const deadline = Date.now() + 90_000;
    let status = 'InProgress';
    let summary: string | undefined;
    while (status === 'InProgress' && Date.now() < deadline) {
      const next = t.daemon.bus.next((e) => e.type === 'codepipeline.execution.state-change', AbortSignal.timeout(5000)).catch(() => undefined);
      const e = (await cp.send(new ListPipelineExecutionsCommand({ pipelineName: 'web' }))).pipelineExecutionSummaries?.[0];
      status = e?.status ?? 'InProgress';
      summary = e?.statusSummary;
      if (status === 'InProgress') await next;
    }
    assert.equal(status, 'Succeeded', summary);
    const service = (await ecs.send(new DescribeServicesCommand({ services: ['web'] }))).services?.[0];
    assert.match(service?.taskDefinition ?? '', /web:2$/);
    assert.equal(service?.deployments?.length, 1, 'the old deployment is gone at steady state');
    const arns = (await ecs.send(new ListTasksCommand({ serviceName: 'web' }))).taskArns ?? [];
    const tasks = (await ecs.send(new DescribeTasksCommand({ tasks: arns }))).tasks ?? [];
    assert.deepEqual(
      tasks.map((task) => [task.lastStatus, task.containers?.[0]?.image]),
      [['RUNNING', `${repo}:v2`]],
    );
    await ecs.send(new UpdateServiceCommand({ service: 'web', desiredCount: 0 }));
  } finally {
    ecs.destroy();
    cp.destroy();
    cc.destroy();
    try {
      const mine = await runtime.list({ 'dev.slipway.owner': t.daemon.instanceId, 'dev.slipway.role': 'ecs-task' }).catch(() => []);
      for (const c of mine) await runtime.remove(c.id, { force: true }).catch(() => undefined);
      for (const v of ['v1', 'v2']) await runtime.removeImage(`${repo}:${v}`).catch(() => undefined);
    } finally {
      await t.stop();
    }
  }
});
