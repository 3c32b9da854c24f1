// The one registry of services: adding a service means adding it here (a test fails for any folder left out).
import { cloudwatchService } from './cloudwatch/index.ts';
import { codebuildService } from './codebuild/index.ts';
import { codedeployService } from './codedeploy/index.ts';
import { codepipelineService } from './codepipeline/index.ts';
import { codecommitService } from './codecommit/index.ts';
import { ecrService } from './ecr/index.ts';
import { ecsService } from './ecs/index.ts';
import { elbv2Service } from './elbv2/index.ts';
import { eventsService } from './events/index.ts';
import { iamService } from './iam/index.ts';
import { logsService } from './logs/index.ts';
import { secretsmanagerService } from './secretsmanager/index.ts';
import { snsService } from './sns/index.ts';
import { ssmService } from './ssm/index.ts';
import type { ServiceDefinition } from './types.ts';

export const services: readonly ServiceDefinition[] = [ssmService, ecrService, codecommitService, iamService, logsService, secretsmanagerService, ecsService,
  codebuildService,
  elbv2Service,
  codedeployService,
  codepipelineService,
  cloudwatchService,
  snsService,
  eventsService,
];
