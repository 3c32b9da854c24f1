// Shared by the CodeDeploy tests: a valid ECS blue/green group like the one the ECS console creates, appspecs, error capture.
import assert from 'node:assert/strict';
import type { CreateDeploymentGroupInput } from '@aws-sdk/client-codedeploy';

export const ROLE = 'arn:aws:iam::000000000000:role/ecsCodeDeployRole';
export const PROD_LISTENER = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/test-alb/0123456789abcdef/1111111111111111';
export const TEST_LISTENER = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/test-alb/0123456789abcdef/2222222222222222';

export function ecsGroupInput(applicationName: string, deploymentGroupName: string, service = `svc-${deploymentGroupName}`): CreateDeploymentGroupInput {
  return {
    applicationName,
    deploymentGroupName,
    serviceRoleArn: ROLE,
    deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    blueGreenDeploymentConfiguration: {
      deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
      terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 5 },
    },
    ecsServices: [{ clusterName: 'test-cluster', serviceName: service }],
    loadBalancerInfo: {
      targetGroupPairInfoList: [
        { targetGroups: [{ name: 'tg-blue' }, { name: 'tg-green' }], prodTrafficRoute: { listenerArns: [PROD_LISTENER] }, testTrafficRoute: { listenerArns: [TEST_LISTENER] } },
      ],
    },
    autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'] },
  };
}

export const TASK_DEFINITION_ARN = 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:1';

/** An ECS appspec for `taskDefinition`, with the given hooks. */
export function appSpecText(taskDefinition = TASK_DEFINITION_ARN, containerName = 'web', hooks: Record<string, string> = {}): string {
  const hookLines = Object.entries(hooks).map(([event, fn]) => `  - ${event}: "${fn}"`);
  return [
    'version: 0.0',
    'Resources:',
    '  - TargetService:',
    '      Type: AWS::ECS::Service',
    '      Properties:',
    `        TaskDefinition: "${taskDefinition}"`,
    '        LoadBalancerInfo:',
    `          ContainerName: "${containerName}"`,
    '          ContainerPort: 80',
    ...(hookLines.length === 0 ? [] : ['Hooks:', ...hookLines]),
    '',
  ].join('\n');
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => assert.fail('expected an error'),
    (e: unknown) => e as Error,
  );
}
