// Deploy/AWS/ECS: through a daemon (SDK clients, the real scheduler on the fake runtime) and, for its errors, on a bare store.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CodeCommitClient, CreateRepositoryCommand, PutFileCommand } from '@aws-sdk/client-codecommit';
import {
  CodePipelineClient,
  CreatePipelineCommand,
  GetPipelineExecutionCommand,
  ListActionExecutionsCommand,
  ListActionTypesCommand,
  ListPipelineExecutionsCommand,
} from '@aws-sdk/client-codepipeline';
import { CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { FakeRuntime } from '../../../runtime/fake/runtime.ts';
import { createCluster } from '../../../services/ecs/clusters.ts';
import { addServiceEvent, deploymentsOf } from '../../../services/ecs/service-store.ts';
import { createService } from '../../../services/ecs/services.ts';
import { registerTaskDefinition } from '../../../services/ecs/task-definitions.ts';
import { checkShape, loadModel } from '../../../../test/helpers/aws-model.ts';
import { startTestDaemon } from '../../../../test/helpers/daemon.ts';
import { fargateTaskDefinition } from '../../scheduler/testing.ts';
import { actionFailure, deployJob, ecsDeployPipeline, startHarness, type Harness } from '../testing.ts';
import type { ActionJob } from '../types.ts';
import { ecsDeploy } from './ecs-deploy.ts';
import { untilPipeline } from '../../../services/codepipeline/testing.ts';

const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-1'] } };

function taskdef(image: string): ReturnType<typeof fargateTaskDefinition> {
  const td = fargateTaskDefinition('web', image);
  return { ...td, containerDefinitions: [...(td.containerDefinitions ?? []), { name: 'sidecar', image: 'sidecar:1', essential: false }] };
}

test('through a daemon: a CodeCommit imagedefinitions.json deploys a new task definition revision with the named image, followed to COMPLETED', async () => {
  const t = await startTestDaemon({ runtime: () => Promise.resolve(new FakeRuntime()) });
  try {
    const ecs = new ECSClient(t.sdk);
    await ecs.send(new CreateClusterCommand({ clusterName: 'default' }));
    await ecs.send(new RegisterTaskDefinitionCommand(taskdef('web:1')));
    await ecs.send(new CreateServiceCommand({ cluster: 'default', serviceName: 'web', taskDefinition: 'web', desiredCount: 1, launchType: 'FARGATE', networkConfiguration: NETWORK }));
    const cc = new CodeCommitClient(t.sdk);
    await cc.send(new CreateRepositoryCommand({ repositoryName: 'app' }));
    const image = '127.0.0.1:5000/web:v2';
    await cc.send(new PutFileCommand({ repositoryName: 'app', branchName: 'main', filePath: 'imagedefinitions.json', fileContent: Buffer.from(JSON.stringify([{ name: 'app', imageUri: image }])), commitMessage: 'v2', name: 'Ada', email: 'ada@example.com' }));
    const cp = new CodePipelineClient(t.sdk);
    const types = await cp.send(new ListActionTypesCommand({}));
    assert.ok(types.actionTypes?.some((a) => a.id?.category === 'Deploy' && a.id.provider === 'ECS'), 'ListActionTypes lists Deploy/AWS/ECS');
    await cp.send(new CreatePipelineCommand({ pipeline: ecsDeployPipeline({ ClusterName: 'default', ServiceName: 'web', DeploymentTimeout: '5' }) }));
    let executionId = '';
    await untilPipeline(t, 'the first execution ended', async () => {
      const list = await cp.send(new ListPipelineExecutionsCommand({ pipelineName: 'web' }));
      const e = list.pipelineExecutionSummaries?.[0];
      executionId = e?.pipelineExecutionId ?? '';
      return e !== undefined && e.status !== 'InProgress';
    });
    const execution = await cp.send(new GetPipelineExecutionCommand({ pipelineName: 'web', pipelineExecutionId: executionId }));
    assert.equal(execution.pipelineExecution?.status, 'Succeeded', execution.pipelineExecution?.statusSummary);
    const service = (await ecs.send(new DescribeServicesCommand({ cluster: 'default', services: ['web'] }))).services?.[0];
    assert.match(service?.taskDefinition ?? '', /task-definition\/web:2$/);
    assert.equal(service?.deployments?.[0]?.rolloutState, 'COMPLETED');
    const td = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web:2' }))).taskDefinition;
    assert.deepEqual(
      td?.containerDefinitions?.map((c) => [c.name, c.image]),
      [
        ['app', image],
        ['sidecar', 'sidecar:1'],
      ],
    );
    const actions = await cp.send(new ListActionExecutionsCommand({ pipelineName: 'web', filter: { pipelineExecutionId: executionId } }));
    const deploy = actions.actionExecutionDetails?.find((a) => a.actionName === 'Web');
    assert.equal(deploy?.status, 'Succeeded');
    assert.equal(deploy?.output?.executionResult?.externalExecutionId, service?.deployments?.[0]?.id);
    checkShape(loadModel('codepipeline.2015-07-09'), 'ListActionExecutionsOutput', actions);
  } finally {
    await t.stop();
  }
});

function withService(h: Harness, controller: 'ECS' | 'CODE_DEPLOY' = 'ECS'): string {
  createCluster({}, h.op);
  registerTaskDefinition(taskdef('web:1'), h.op);
  const out = createService({ serviceName: 'web', taskDefinition: 'web', desiredCount: 1, networkConfiguration: NETWORK, deploymentController: { type: controller } }, h.op);
  return out.service?.serviceArn ?? '';
}

const GOOD = { 'imagedefinitions.json': JSON.stringify([{ name: 'app', imageUri: 'web:2' }]) };

test('errors say what and where: a missing file (with a near name), bad JSON, a wrong shape, an unknown container, a CODE_DEPLOY service, a bad DeploymentTimeout', async () => {
  const h = startHarness();
  try {
    withService(h);
    const provider = ecsDeploy(h.ctx);
    const missing = await actionFailure(provider.run(job(h, { 'imageDefinitions.json': '[]', 'README.md': '' })));
    assert.match(missing.message, /The image definitions file imagedefinitions\.json was not found in the input artifact BuildArtifact; imageDefinitions\.json is there/);
    assert.equal(missing.code, 'ConfigurationError');
    const custom = await actionFailure(provider.run(job(h, GOOD, { ClusterName: 'default', ServiceName: 'web', FileName: 'images.json' })));
    assert.match(custom.message, /images\.json was not found in the input artifact BuildArtifact/);
    const bad = await actionFailure(provider.run(job(h, { 'imagedefinitions.json': '[{"name": "app",' })));
    assert.match(bad.message, /imagedefinitions\.json in BuildArtifact is not valid JSON .*; expected \[\{"name": "<container name>", "imageUri": "<image URI>"\}\]/);
    const shape = await actionFailure(provider.run(job(h, { 'imagedefinitions.json': '[{"name": "app", "ImageURI": "web:2"}]' })));
    assert.match(shape.message, /entry \[0\] is \{"name":"app","ImageURI":"web:2"\}; expected \{"name"/);
    const unknown = await actionFailure(provider.run(job(h, { 'imagedefinitions.json': JSON.stringify([{ name: 'ap', imageUri: 'web:2' }]) })));
    assert.match(unknown.message, /imagedefinitions\.json names the container "ap", which task definition web:1 of service web does not have \(did you mean "app"\?\); its containers: app, sidecar/);
    const timeout = await actionFailure(provider.run(job(h, GOOD, { ClusterName: 'default', ServiceName: 'web', DeploymentTimeout: '90' })));
    assert.match(timeout.message, /DeploymentTimeout is "90"; expected whole minutes from 1 to 60/);
    const noService = await actionFailure(provider.run(job(h, GOOD, { ClusterName: 'default', ServiceName: 'api' })));
    assert.match(noService.message, /ServiceNotFoundException: Service not found: api/);
    // Nothing was registered by the failed attempts.
    assert.equal(h.ctx.store.get("SELECT count(*) AS n FROM ecs_task_definitions WHERE family = 'web'")?.['n'], 1);
  } finally {
    await h.stop();
  }
});

test('a CODE_DEPLOY service gets AWS UpdateService wording and a pointer to CodeDeployToECS', async () => {
  const h = startHarness();
  try {
    withService(h, 'CODE_DEPLOY');
    const error = await actionFailure(ecsDeploy(h.ctx).run(job(h, GOOD)));
    assert.match(error.message, /^Unable to update task definition on services with a CODE_DEPLOY deployment controller\. Use AWS CodeDeploy to trigger a new deployment\./);
    assert.match(error.message, /Deploy\/AWS\/CodeDeployToECS/);
  } finally {
    await h.stop();
  }
});

test('a deployment the circuit breaker fails fails the action with its reason; DeploymentTimeout on the injected clock fails a stuck one', async () => {
  const h = startHarness();
  try {
    const svc = withService(h);
    const provider = ecsDeploy(h.ctx);
    // No scheduler runs here: the test plays the circuit breaker.
    const first = job(h, GOOD);
    const running = provider.run(first);
    const started = await new Promise<string>((resolve) => {
      const look = (): void => {
        const d = deploymentsOf(h.ctx, svc).find((x) => x.status === 'PRIMARY' && x.taskDefinition.endsWith('web:2'));
        if (d !== undefined && first.summaries.length > 0) resolve(d.id);
        else setImmediate(look);
      };
      look();
    });
    h.ctx.store.run("UPDATE ecs_deployments SET rollout_state = 'FAILED', rollout_reason = 'ECS deployment circuit breaker: tasks failed to start.' WHERE id = ?", started);
    addServiceEvent(h.ctx, svc, `(service web) (deployment ${started}) deployment failed: tasks failed to start.`);
    const failed = await actionFailure(running);
    assert.equal(failed.message, `Deployment ${started} of service web failed: ECS deployment circuit breaker: tasks failed to start.`);

    const second = job(h, { 'imagedefinitions.json': JSON.stringify([{ name: 'app', imageUri: 'web:3' }]) }, { ClusterName: 'default', ServiceName: 'web', DeploymentTimeout: '2' });
    const stuck = actionFailure(provider.run(second));
    await new Promise<void>((resolve) => {
      const look = (): void => (second.summaries.length > 0 ? resolve() : void setImmediate(look));
      look();
    });
    await h.clock.advance(2 * 60_000);
    const timedOut = await stuck;
    assert.match(timedOut.message, /of service web did not reach a steady state within the DeploymentTimeout/);
  } finally {
    await h.stop();
  }
});

test('after a restart the action follows the same deployment from what it persisted, registering nothing new', async () => {
  const h = startHarness();
  try {
    const svc = withService(h);
    const provider = ecsDeploy(h.ctx);
    const controller = new AbortController();
    let persisted: Record<string, unknown> | undefined;
    const first = { ...job(h, GOOD, undefined, controller.signal), persist: (s: Record<string, unknown>) => (persisted = s) };
    const aborted = provider.run(first).then(
      () => assert.fail('the first run was stopped'),
      () => 'aborted',
    );
    await new Promise<void>((resolve) => {
      const look = (): void => (first.summaries.length > 0 ? resolve() : void setImmediate(look));
      look();
    });
    controller.abort(new Error('Slipway is stopping'));
    assert.equal(await aborted, 'aborted');
    const deploymentId = String(persisted?.['deploymentId']);
    const resumed = provider.run({ ...job(h, {}), resumeState: persisted ?? {} });
    h.ctx.store.run("UPDATE ecs_deployments SET rollout_state = 'COMPLETED' WHERE id = ?", deploymentId);
    addServiceEvent(h.ctx, svc, `(service web) (deployment ${deploymentId}) deployment completed.`);
    assert.deepEqual(await resumed, { summary: `Deployment ${deploymentId} of service web completed (web:2)`, externalExecutionId: deploymentId });
    assert.equal(h.ctx.store.get("SELECT count(*) AS n FROM ecs_task_definitions WHERE family = 'web'")?.['n'], 2);
  } finally {
    await h.stop();
  }
});

test('a crash between UpdateService and persisting the resume state leaves nothing behind: the resumed action registers one revision and starts one deployment', async () => {
  const h = startHarness();
  try {
    const svc = withService(h);
    const provider = ecsDeploy(h.ctx);
    // The process dies at the moment the resume state would be written: what it did before must not survive it.
    const crashing = {
      ...job(h, GOOD),
      persist: () => {
        throw new Error('killed (-9) before the resume state was written');
      },
    };
    await assert.rejects(provider.run(crashing), /killed/);
    assert.equal(h.ctx.store.get("SELECT count(*) AS n FROM ecs_task_definitions WHERE family = 'web'")?.['n'], 1, 'no revision survived the crash');
    const before = deploymentsOf(h.ctx, svc, true).length;

    // Resumed without a resume state, as the runner resumes it: it starts the deployment, once.
    let persisted: Record<string, unknown> | undefined;
    const resumed = provider.run({ ...job(h, GOOD), persist: (s: Record<string, unknown>) => (persisted = s) });
    await new Promise<void>((resolve) => {
      const look = (): void => (persisted !== undefined ? resolve() : void setImmediate(look));
      look();
    });
    const deploymentId = String(persisted?.['deploymentId']);
    h.ctx.store.run("UPDATE ecs_deployments SET rollout_state = 'COMPLETED' WHERE id = ?", deploymentId);
    addServiceEvent(h.ctx, svc, `(service web) (deployment ${deploymentId}) deployment completed.`);
    assert.deepEqual(await resumed, { summary: `Deployment ${deploymentId} of service web completed (web:2)`, externalExecutionId: deploymentId });
    assert.equal(h.ctx.store.get("SELECT count(*) AS n FROM ecs_task_definitions WHERE family = 'web'")?.['n'], 2, 'one new revision in all');
    assert.equal(deploymentsOf(h.ctx, svc, true).length, before + 1, 'one new deployment in all');
  } finally {
    await h.stop();
  }
});

function job(h: Harness, files: Record<string, string>, configuration: Record<string, string> = { ClusterName: 'default', ServiceName: 'web' }, signal = new AbortController().signal): ActionJob & { summaries: string[] } {
  return deployJob(h, 'ECS', files, configuration, signal);
}
