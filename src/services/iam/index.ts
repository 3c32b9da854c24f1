// IAM's registry (Query protocol, signing name `iam`): users and the service-specific credentials git uses over HTTPS.
import { op, type ServiceDefinition } from '../types.ts';
import { createServiceSpecificCredential, deleteServiceSpecificCredential, listServiceSpecificCredentials, resetServiceSpecificCredential } from './credentials.ts';
import { createUser, deleteUser, getUser, iamMigrations, listUsers } from './users.ts';

export const iamService: ServiceDefinition = {
  name: 'iam',
  model: 'iam.2010-05-08',
  protocol: 'query',
  signingName: 'iam',
  xmlNamespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
  migrations: iamMigrations,
  operations: {
    CreateUser: op(createUser),
    GetUser: op(getUser),
    ListUsers: op(listUsers),
    DeleteUser: op(deleteUser),
    CreateServiceSpecificCredential: op(createServiceSpecificCredential),
    ListServiceSpecificCredentials: op(listServiceSpecificCredentials),
    DeleteServiceSpecificCredential: op(deleteServiceSpecificCredential),
    ResetServiceSpecificCredential: op(resetServiceSpecificCredential),
  },
};
