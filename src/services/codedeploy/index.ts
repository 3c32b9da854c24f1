// CodeDeploy's registry: applications, deployment groups, deployment configurations and deployments (ECS blue/green).
import { op, type ServiceDefinition } from '../types.ts';
import { batchGetApplications, createApplication, deleteApplication, getApplication, listApplications } from './applications.ts';
import { createDeploymentConfig, deleteDeploymentConfig, getDeploymentConfig, listDeploymentConfigs } from './deployment-configs.ts';
import { createDeploymentGroup, deleteDeploymentGroup, getDeploymentGroup, listDeploymentGroups, updateDeploymentGroup } from './deployment-groups.ts';
import {
  batchGetDeployments,
  continueDeployment,
  createDeployment,
  getDeployment,
  listDeployments,
  putLifecycleEventHookExecutionStatus,
  stopDeployment,
} from './deployments.ts';
import { codedeployMigrations } from './migrations.ts';
import { batchGetDeploymentTargets, getDeploymentTarget, listDeploymentTargets } from './targets.ts';

export const codedeployService: ServiceDefinition = {
  name: 'codedeploy',
  model: 'codedeploy.2014-10-06',
  protocol: 'json',
  jsonVersion: '1.1',
  targetPrefix: 'CodeDeploy_20141006',
  signingName: 'codedeploy',
  migrations: codedeployMigrations,
  operations: {
    CreateApplication: op(createApplication),
    GetApplication: op(getApplication),
    BatchGetApplications: op(batchGetApplications),
    ListApplications: op(listApplications),
    DeleteApplication: op(deleteApplication),
    CreateDeploymentGroup: op(createDeploymentGroup),
    GetDeploymentGroup: op(getDeploymentGroup),
    UpdateDeploymentGroup: op(updateDeploymentGroup),
    ListDeploymentGroups: op(listDeploymentGroups),
    DeleteDeploymentGroup: op(deleteDeploymentGroup),
    CreateDeploymentConfig: op(createDeploymentConfig),
    GetDeploymentConfig: op(getDeploymentConfig),
    ListDeploymentConfigs: op(listDeploymentConfigs),
    DeleteDeploymentConfig: op(deleteDeploymentConfig),
    CreateDeployment: op(createDeployment),
    GetDeployment: op(getDeployment),
    BatchGetDeployments: op(batchGetDeployments),
    ListDeployments: op(listDeployments),
    ListDeploymentTargets: op(listDeploymentTargets),
    GetDeploymentTarget: op(getDeploymentTarget),
    BatchGetDeploymentTargets: op(batchGetDeploymentTargets),
    ContinueDeployment: op(continueDeployment),
    StopDeployment: op(stopDeployment),
    PutLifecycleEventHookExecutionStatus: op(putLifecycleEventHookExecutionStatus),
  },
};
