// The inputs of every resource the example creates, built from the names and the account: pure data, no calls.
import { readFileSync } from 'node:fs';
import type { CreateProjectCommandInput } from '@aws-sdk/client-codebuild';
import type { CreateDeploymentGroupCommandInput } from '@aws-sdk/client-codedeploy';
import type { PipelineDeclaration } from '@aws-sdk/client-codepipeline';
import type { CreateServiceCommandInput, RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import type { ExampleAccount, ExampleNames } from './names.ts';

export const EXAMPLE_DIR = new URL('..', import.meta.url).pathname;

/**
 * The first task definition, before the pipeline has built anything: the example's own container definition with a
 * stand-in image (the public Node image, which Slipway builds offline) serving / and /health-check on port 80.
 */
export const BOOTSTRAP_IMAGE = 'public.ecr.aws/docker/library/node:24-slim';
const BOOTSTRAP_SERVER = [
  "require('node:http').createServer((q, s) => {",
  "s.writeHead(200, { 'content-type': 'application/json' });",
  "s.end(JSON.stringify({ service: 'test-api', version: 'bootstrap' }));",
  '}).listen(80);',
  "process.on('SIGTERM', () => process.exit(0));",
].join(' ');

export function bootstrapTaskDefinition(names: ExampleNames, account: ExampleAccount): RegisterTaskDefinitionCommandInput {
  const template = JSON.parse(readFileSync(new URL('../taskdef.json', import.meta.url), 'utf8')) as RegisterTaskDefinitionCommandInput;
  const containers = (template.containerDefinitions ?? []).map((c) =>
    c.name === names.containerName ? { ...c, image: BOOTSTRAP_IMAGE, command: ['node', '-e', BOOTSTRAP_SERVER] } : c,
  );
  return { ...template, family: names.family, executionRoleArn: account.taskExecutionRoleArn, containerDefinitions: containers };
}

export function buildProject(names: ExampleNames, account: ExampleAccount, repositoryUri: string): CreateProjectCommandInput {
  return {
    name: names.buildProject,
    description: 'Tests the API, builds its image, pushes it to ECR and writes imageDetail.json',
    source: { type: 'CODEPIPELINE', buildspec: 'buildspec.yml' },
    artifacts: { type: 'CODEPIPELINE' },
    environment: {
      type: 'LINUX_CONTAINER',
      image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0',
      computeType: 'BUILD_GENERAL1_SMALL',
      privilegedMode: true,
      environmentVariables: [{ name: 'REPOSITORY_URI', value: repositoryUri, type: 'PLAINTEXT' }],
    },
    serviceRole: account.codeBuildRoleArn,
    timeoutInMinutes: 30,
    logsConfig: { cloudWatchLogs: { status: 'ENABLED' } },
  };
}

export function targetGroupInput(name: string, names: ExampleNames, account: ExampleAccount) {
  return {
    Name: name,
    Protocol: 'HTTP' as const,
    Port: names.containerPort,
    VpcId: account.vpcId,
    TargetType: 'ip' as const,
    HealthCheckPath: '/health-check',
    HealthCheckIntervalSeconds: 5,
    HealthCheckTimeoutSeconds: 2,
    HealthyThresholdCount: 2,
    UnhealthyThresholdCount: 2,
  };
}

export function serviceInput(names: ExampleNames, account: ExampleAccount, taskDefinitionArn: string, blueTargetGroupArn: string): CreateServiceCommandInput {
  return {
    cluster: names.cluster,
    serviceName: names.service,
    taskDefinition: taskDefinitionArn,
    desiredCount: 1,
    launchType: 'FARGATE',
    deploymentController: { type: 'CODE_DEPLOY' },
    loadBalancers: [{ targetGroupArn: blueTargetGroupArn, containerName: names.containerName, containerPort: names.containerPort }],
    networkConfiguration: { awsvpcConfiguration: { subnets: [...account.subnets], securityGroups: [...account.securityGroups], assignPublicIp: 'ENABLED' } },
    healthCheckGracePeriodSeconds: 10,
  };
}

export function deploymentGroupInput(
  names: ExampleNames,
  account: ExampleAccount,
  listeners: { prod: string; test: string },
  terminationWaitTimeInMinutes: number,
): CreateDeploymentGroupCommandInput {
  return {
    applicationName: names.application,
    deploymentGroupName: names.deploymentGroup,
    serviceRoleArn: account.codeDeployRoleArn,
    deploymentConfigName: names.deploymentConfig,
    deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    blueGreenDeploymentConfiguration: {
      deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
      terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes },
    },
    ecsServices: [{ clusterName: names.cluster, serviceName: names.service }],
    loadBalancerInfo: {
      targetGroupPairInfoList: [
        {
          targetGroups: names.targetGroups.map((name) => ({ name })),
          prodTrafficRoute: { listenerArns: [listeners.prod] },
          testTrafficRoute: { listenerArns: [listeners.test] },
        },
      ],
    },
    autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'] },
  };
}

/** Source → Build → Deploy, as the seed documents build it in the console (V2, superseded mode). */
export function pipelineDeclaration(names: ExampleNames, account: ExampleAccount): PipelineDeclaration {
  return {
    name: names.pipeline,
    roleArn: account.pipelineRoleArn,
    artifactStore: { type: 'S3', location: account.artifactBucket },
    pipelineType: 'V2',
    executionMode: 'SUPERSEDED',
    stages: [
      {
        name: 'Source',
        actions: [
          {
            name: 'Source',
            actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeCommit', version: '1' },
            configuration: { RepositoryName: names.repository, BranchName: names.branch, OutputArtifactFormat: 'CODE_ZIP', PollForSourceChanges: 'false' },
            outputArtifacts: [{ name: 'SourceArtifact' }],
            namespace: 'SourceVariables',
            runOrder: 1,
          },
        ],
      },
      {
        name: 'Build',
        actions: [
          {
            name: 'Build',
            actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
            configuration: { ProjectName: names.buildProject },
            inputArtifacts: [{ name: 'SourceArtifact' }],
            outputArtifacts: [{ name: 'BuildArtifact' }],
            namespace: 'BuildVariables',
            runOrder: 1,
          },
        ],
      },
      {
        name: 'Deploy',
        actions: [
          {
            name: 'Deploy',
            actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'CodeDeployToECS', version: '1' },
            configuration: {
              ApplicationName: names.application,
              DeploymentGroupName: names.deploymentGroup,
              TaskDefinitionTemplateArtifact: 'BuildArtifact',
              TaskDefinitionTemplatePath: 'taskdef.json',
              AppSpecTemplateArtifact: 'BuildArtifact',
              AppSpecTemplatePath: 'appspec.yaml',
              Image1ArtifactName: 'BuildArtifact',
              Image1ContainerName: 'IMAGE1_NAME',
            },
            inputArtifacts: [{ name: 'BuildArtifact' }],
            runOrder: 1,
          },
        ],
      },
    ],
  };
}
