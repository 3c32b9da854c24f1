// ECS's registry: its wire identity and every operation Slipway implements, listed explicitly.
import { op, type ServiceDefinition } from '../types.ts';
import { createCluster, deleteCluster, describeClusters, listClusters } from './clusters.ts';
import { ecsMigrations } from './migrations.ts';
import {
  deregisterTaskDefinition,
  describeTaskDefinition,
  listTaskDefinitionFamilies,
  listTaskDefinitions,
  registerTaskDefinition,
} from './task-definitions.ts';

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
  },
};
