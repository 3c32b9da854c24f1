// ECS's registry: its wire identity and every operation Slipway implements, listed explicitly.
import { op, type ServiceDefinition } from '../types.ts';
import { createCluster, deleteCluster, describeClusters, listClusters } from './clusters.ts';
import { ecsMigrations } from './migrations.ts';
import { createService, deleteService, describeServices, listServices, updateService } from './services.ts';
import { createTaskSet, deleteTaskSet, describeTaskSets, updateServicePrimaryTaskSet, updateTaskSet } from './task-sets.ts';
import {
  deregisterTaskDefinition,
  describeTaskDefinition,
  listTaskDefinitionFamilies,
  listTaskDefinitions,
  registerTaskDefinition,
} from './task-definitions.ts';
import { describeTasks, listTasks, runTask, stopTask } from './tasks.ts';

export const ecsService: ServiceDefinition = {
  name: 'ecs',
  model: 'ecs.2014-11-13',
  protocol: 'json',
  jsonVersion: '1.1',
  targetPrefix: 'AmazonEC2ContainerServiceV20141113',
  signingName: 'ecs',
  migrations: ecsMigrations,
  operations: {
    CreateCluster: op(createCluster),
    DescribeClusters: op(describeClusters),
    ListClusters: op(listClusters),
    DeleteCluster: op(deleteCluster),
    RegisterTaskDefinition: op(registerTaskDefinition),
    DescribeTaskDefinition: op(describeTaskDefinition),
    ListTaskDefinitions: op(listTaskDefinitions),
    ListTaskDefinitionFamilies: op(listTaskDefinitionFamilies),
    DeregisterTaskDefinition: op(deregisterTaskDefinition),
    RunTask: op(runTask),
    StopTask: op(stopTask),
    DescribeTasks: op(describeTasks),
    ListTasks: op(listTasks),
    CreateService: op(createService),
    UpdateService: op(updateService),
    DescribeServices: op(describeServices),
    ListServices: op(listServices),
    DeleteService: op(deleteService),
    CreateTaskSet: op(createTaskSet),
    UpdateTaskSet: op(updateTaskSet),
    DeleteTaskSet: op(deleteTaskSet),
    DescribeTaskSets: op(describeTaskSets),
    UpdateServicePrimaryTaskSet: op(updateServicePrimaryTaskSet),
  },
};
