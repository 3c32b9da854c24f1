// CodePipeline's registry: pipelines, executions, stage transitions and approvals.
import type { ServiceDefinition } from '../types.ts';

export const codepipelineService: ServiceDefinition = {
  name: 'codepipeline',
  model: 'codepipeline.2015-07-09',
  protocol: 'json',
  jsonVersion: '1.1',
  targetPrefix: 'CodePipeline_20150709',
  signingName: 'codepipeline',
  operations: {},
};
