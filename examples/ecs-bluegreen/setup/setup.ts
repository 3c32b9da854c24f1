// Creates what the seed documents click together, through the AWS SDK only, so it runs against Slipway or AWS alike.
// Idempotent: a resource that exists is left as it is, and a second run reports every resource unchanged.
import { CodeBuildClient, BatchGetProjectsCommand, CreateProjectCommand } from '@aws-sdk/client-codebuild';
import { CodeCommitClient, CreateRepositoryCommand, GetRepositoryCommand } from '@aws-sdk/client-codecommit';
import { CodeDeployClient, CreateApplicationCommand, CreateDeploymentGroupCommand, GetApplicationCommand, GetDeploymentGroupCommand } from '@aws-sdk/client-codedeploy';
import { CodePipelineClient, CreatePipelineCommand, GetPipelineCommand } from '@aws-sdk/client-codepipeline';
import { CreateRepositoryCommand as CreateEcrRepositoryCommand, DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { CreateClusterCommand, CreateServiceCommand, DescribeClustersCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { SEED_NAMES, slipwayAccount, type ExampleAccount, type ExampleNames } from './names.ts';
import { bootstrapTaskDefinition, buildProject, deploymentGroupInput, pipelineDeclaration, serviceInput, targetGroupInput } from './resources.ts';

/** What every SDK client is built from: Slipway's endpoint, or nothing extra for AWS's own. */
export interface ClientConfig {
  readonly region: string;
  readonly endpoint?: string;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export interface SetupOptions {
  readonly client: ClientConfig;
  readonly names?: ExampleNames;
  readonly account?: ExampleAccount;
  /** How long blue stays after a successful deployment (rollback window); the seed's console default is 60. */
  readonly terminationWaitTimeInMinutes?: number;
  /** Called once per resource as it is checked or created. */
  readonly onResource?: (resource: ResourceResult) => void;
}

export interface ResourceResult {
  readonly kind: string;
  readonly name: string;
  readonly action: 'created' | 'unchanged';
  readonly arn?: string;
}

export interface SetupResult {
  readonly resources: readonly ResourceResult[];
  readonly cloneUrlHttp: string;
  readonly repositoryUri: string;
  readonly loadBalancerDns: string;
  readonly names: ExampleNames;
}

/** An AWS SDK error's name, which is the exception's shape name in the service model. */
function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

async function absentOn<T>(call: Promise<T>, ...notFound: string[]): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (notFound.includes(errorName(error))) return undefined;
    throw error;
  }
}

export async function setupExample(options: SetupOptions): Promise<SetupResult> {
  const names = options.names ?? SEED_NAMES;
  const account = options.account ?? slipwayAccount();
  const config = { ...options.client };
  const resources: ResourceResult[] = [];
  const record = (kind: string, name: string, created: boolean, arn?: string): void => {
    const result: ResourceResult = { kind, name, action: created ? 'created' : 'unchanged', ...(arn === undefined ? {} : { arn }) };
    resources.push(result);
    options.onResource?.(result);
  };

  const codecommit = new CodeCommitClient(config);
  const ecr = new ECRClient(config);
  const codebuild = new CodeBuildClient(config);
  const ecs = new ECSClient(config);
  const elb = new ElasticLoadBalancingV2Client(config);
  const codedeploy = new CodeDeployClient(config);
  const codepipeline = new CodePipelineClient(config);
  try {
    // Source repository.
    let repo = (await absentOn(codecommit.send(new GetRepositoryCommand({ repositoryName: names.repository })), 'RepositoryDoesNotExistException'))?.repositoryMetadata;
    const repoCreated = repo === undefined;
    repo ??= (await codecommit.send(new CreateRepositoryCommand({ repositoryName: names.repository, repositoryDescription: 'The seed system: test-api' }))).repositoryMetadata;
    record('CodeCommit repository', names.repository, repoCreated, repo?.Arn);

    // Image repository.
    let image = (await absentOn(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [names.ecrRepository] })), 'RepositoryNotFoundException'))?.repositories?.[0];
    const imageCreated = image === undefined;
    image ??= (await ecr.send(new CreateEcrRepositoryCommand({ repositoryName: names.ecrRepository }))).repository;
    record('ECR repository', names.ecrRepository, imageCreated, image?.repositoryArn);
    const repositoryUri = image?.repositoryUri ?? '';

    // Build project.
    let project = (await codebuild.send(new BatchGetProjectsCommand({ names: [names.buildProject] }))).projects?.[0];
    const projectCreated = project === undefined;
    project ??= (await codebuild.send(new CreateProjectCommand(buildProject(names, account, repositoryUri)))).project;
    record('CodeBuild project', names.buildProject, projectCreated, project?.arn);

    // Cluster: CreateCluster is idempotent on AWS, but only a missing one counts as created here.
    const cluster = (await ecs.send(new DescribeClustersCommand({ clusters: [names.cluster] }))).clusters?.find((c) => c.status === 'ACTIVE');
    const clusterArn = cluster?.clusterArn ?? (await ecs.send(new CreateClusterCommand({ clusterName: names.cluster }))).cluster?.clusterArn;
    record('ECS cluster', names.cluster, cluster === undefined, clusterArn);

    // The first task definition revision (the pipeline registers the next ones).
    let taskDefinition = (await absentOn(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: names.family })), 'ClientException'))?.taskDefinition;
    const taskDefinitionCreated = taskDefinition === undefined;
    taskDefinition ??= (await ecs.send(new RegisterTaskDefinitionCommand(bootstrapTaskDefinition(names, account)))).taskDefinition;
    record('ECS task definition', names.family, taskDefinitionCreated, taskDefinition?.taskDefinitionArn);

    // Target groups: blue and green.
    const groupArns: string[] = [];
    for (const name of names.targetGroups) {
      let group = (await absentOn(elb.send(new DescribeTargetGroupsCommand({ Names: [name] })), 'TargetGroupNotFoundException'))?.TargetGroups?.[0];
      const created = group === undefined;
      group ??= (await elb.send(new CreateTargetGroupCommand(targetGroupInput(name, names, account)))).TargetGroups?.[0];
      record('target group', name, created, group?.TargetGroupArn);
      groupArns.push(group?.TargetGroupArn ?? '');
    }
    const [blueArn = '', _greenArn] = groupArns;

    // Load balancer with its production and test listeners.
    let lb = (await absentOn(elb.send(new DescribeLoadBalancersCommand({ Names: [names.loadBalancer] })), 'LoadBalancerNotFoundException'))?.LoadBalancers?.[0];
    const lbCreated = lb === undefined;
    lb ??= (
      await elb.send(
        new CreateLoadBalancerCommand({ Name: names.loadBalancer, Type: 'application', Scheme: 'internet-facing', Subnets: [...account.subnets], SecurityGroups: [...account.securityGroups] }),
      )
    ).LoadBalancers?.[0];
    record('load balancer', names.loadBalancer, lbCreated, lb?.LoadBalancerArn);
    const lbArn = lb?.LoadBalancerArn ?? '';
    const existing = lbCreated ? [] : ((await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }))).Listeners ?? []);
    const listenerArns: Record<'prod' | 'test', string> = { prod: '', test: '' };
    for (const [role, port] of [['prod', names.prodPort], ['test', names.testPort]] as const) {
      let listener = existing.find((l) => l.Port === port);
      const created = listener === undefined;
      listener ??= (
        await elb.send(
          new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: port, DefaultActions: [{ Type: 'forward', TargetGroupArn: blueArn }] }),
        )
      ).Listeners?.[0];
      record(`${role === 'prod' ? 'production' : 'test'} listener`, `${names.loadBalancer}:${port}`, created, listener?.ListenerArn);
      listenerArns[role] = listener?.ListenerArn ?? '';
    }

    // The service, deployed by CodeDeploy.
    const service = (await ecs.send(new DescribeServicesCommand({ cluster: names.cluster, services: [names.service] }))).services?.find((s) => s.status !== 'INACTIVE');
    const serviceArn =
      service?.serviceArn ?? (await ecs.send(new CreateServiceCommand(serviceInput(names, account, taskDefinition?.taskDefinitionArn ?? names.family, blueArn)))).service?.serviceArn;
    record('ECS service', names.service, service === undefined, serviceArn);

    // CodeDeploy application and deployment group.
    const app = await absentOn(codedeploy.send(new GetApplicationCommand({ applicationName: names.application })), 'ApplicationDoesNotExistException');
    if (app === undefined) await codedeploy.send(new CreateApplicationCommand({ applicationName: names.application, computePlatform: 'ECS' }));
    record('CodeDeploy application', names.application, app === undefined);
    const group = await absentOn(
      codedeploy.send(new GetDeploymentGroupCommand({ applicationName: names.application, deploymentGroupName: names.deploymentGroup })),
      'DeploymentGroupDoesNotExistException',
    );
    if (group === undefined) {
      await codedeploy.send(new CreateDeploymentGroupCommand(deploymentGroupInput(names, account, listenerArns, options.terminationWaitTimeInMinutes ?? 1)));
    }
    record('CodeDeploy deployment group', names.deploymentGroup, group === undefined);

    // The pipeline.
    const pipeline = await absentOn(codepipeline.send(new GetPipelineCommand({ name: names.pipeline })), 'PipelineNotFoundException');
    if (pipeline === undefined) await codepipeline.send(new CreatePipelineCommand({ pipeline: pipelineDeclaration(names, account) }));
    record('pipeline', names.pipeline, pipeline === undefined);

    return { resources, cloneUrlHttp: repo?.cloneUrlHttp ?? '', repositoryUri, loadBalancerDns: lb?.DNSName ?? '', names };
  } finally {
    for (const client of [codecommit, ecr, codebuild, ecs, elb, codedeploy, codepipeline]) client.destroy();
  }
}
