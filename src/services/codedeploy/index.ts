// CodeDeploy's registry: applications, deployment groups, deployment configurations and deployments (ECS blue/green).
import type { ServiceDefinition } from '../types.ts';

export const codedeployService: ServiceDefinition = {
  name: 'codedeploy',
  model: 'codedeploy.2014-10-06',
  protocol: 'json',
  jsonVersion: '1.1',
  targetPrefix: 'CodeDeploy_20141006',
  signingName: 'codedeploy',
  operations: {},
};
