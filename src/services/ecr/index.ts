// ECR's registry: its wire identity and every operation Slipway implements, listed explicitly.
import { op, type ServiceDefinition } from '../types.ts';
import { getAuthorizationToken } from './auth.ts';
import { batchDeleteImage, batchGetImage, describeImages, listImages, putImage } from './images.ts';
import {
  createRepository,
  deleteRepository,
  describeRepositories,
  getLifecyclePolicy,
  putImageTagMutability,
  putLifecyclePolicy,
} from './repositories.ts';
import { ecrMigrations } from './schema.ts';

export const ecrService: ServiceDefinition = {
  name: 'ecr',
  model: 'ecr.2015-09-21',
  protocol: 'json',
  jsonVersion: '1.1',
  targetPrefix: 'AmazonEC2ContainerRegistry_V20150921',
  signingName: 'ecr',
  migrations: ecrMigrations,
  operations: {
    CreateRepository: op(createRepository),
    DescribeRepositories: op(describeRepositories),
    DeleteRepository: op(deleteRepository),
    PutImageTagMutability: op(putImageTagMutability),
    PutLifecyclePolicy: op(putLifecyclePolicy),
    GetLifecyclePolicy: op(getLifecyclePolicy),
    ListImages: op(listImages),
    DescribeImages: op(describeImages),
    BatchGetImage: op(batchGetImage),
    BatchDeleteImage: op(batchDeleteImage),
    PutImage: op(putImage),
    GetAuthorizationToken: op(getAuthorizationToken),
  },
};
