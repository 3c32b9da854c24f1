// CloudWatch's registry (JSON 1.0, as the current SDKs speak it): metric alarms and metric data for CodeDeploy rollbacks.
import type { ServiceDefinition } from '../types.ts';

export const cloudwatchService: ServiceDefinition = {
  name: 'cloudwatch',
  model: 'cloudwatch.2010-08-01',
  protocol: 'json',
  jsonVersion: '1.0',
  targetPrefix: 'GraniteServiceVersion20100801',
  signingName: 'monitoring',
  operations: {},
};
