// The names and settings of everything the seed documents click together, in one place (override any of them).

export interface ExampleNames {
  readonly repository: string;
  readonly branch: string;
  readonly ecrRepository: string;
  readonly buildProject: string;
  readonly cluster: string;
  readonly family: string;
  readonly containerName: string;
  readonly containerPort: number;
  readonly targetGroups: readonly [string, string];
  readonly loadBalancer: string;
  readonly prodPort: number;
  readonly testPort: number;
  readonly service: string;
  readonly application: string;
  readonly deploymentGroup: string;
  readonly deploymentConfig: string;
  readonly pipeline: string;
}

/** The seed's own names; the CodeDeploy names are the ones the ECS console generates for a blue/green service. */
export const SEED_NAMES: ExampleNames = {
  repository: 'aws-cicde-test',
  branch: 'main',
  ecrRepository: 'test-api',
  buildProject: 'test-api-build',
  cluster: 'test-cluster',
  family: 'test-api-td-prod',
  containerName: 'test-api',
  containerPort: 80,
  targetGroups: ['test-tg-01', 'test-tg-02'],
  loadBalancer: 'test-alb',
  prodPort: 8080,
  testPort: 8081,
  service: 'test-service-prod',
  application: 'AppECS-test-cluster-test-service-prod',
  deploymentGroup: 'DgpECS-test-cluster-test-service-prod',
  deploymentConfig: 'CodeDeployDefault.ECSAllAtOnce',
  pipeline: 'test-api-pipeline',
};

/**
 * What AWS needs and Slipway only records: the VPC, subnets and security groups of the load balancer and the tasks,
 * and the roles the services assume. Against AWS, pass your own (see README.md).
 */
export interface ExampleAccount {
  readonly accountId: string;
  readonly vpcId: string;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  readonly codeBuildRoleArn: string;
  readonly taskExecutionRoleArn: string;
  readonly codeDeployRoleArn: string;
  readonly pipelineRoleArn: string;
  readonly artifactBucket: string;
}

export function slipwayAccount(accountId = '000000000000'): ExampleAccount {
  return {
    accountId,
    vpcId: 'vpc-slipway',
    subnets: ['subnet-slipway-a', 'subnet-slipway-b'],
    securityGroups: ['sg-slipway'],
    codeBuildRoleArn: `arn:aws:iam::${accountId}:role/codebuild-test-api-service-role`,
    taskExecutionRoleArn: `arn:aws:iam::${accountId}:role/ecsTaskExecutionRole`,
    codeDeployRoleArn: `arn:aws:iam::${accountId}:role/ecsCodeDeployRole`,
    pipelineRoleArn: `arn:aws:iam::${accountId}:role/AWSCodePipelineServiceRole-test-api`,
    artifactBucket: `codepipeline-artifacts-${accountId}`,
  };
}
