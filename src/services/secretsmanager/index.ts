// Secrets Manager's registry: its wire identity and every operation Slipway implements, listed explicitly.
import { op, type ServiceDefinition } from '../types.ts';
import { describeSecret, listSecrets } from './listing.ts';
import { secretsmanagerMigrations } from './schema.ts';
import { createSecret, deleteSecret, getSecretValue, putSecretValue, restoreSecret } from './secrets.ts';
import { listSecretVersionIds, tagResource, untagResource, updateSecret, updateSecretVersionStage } from './updates.ts';

export { resolveSecretReference, parseSecretReference, type SecretReference } from './references.ts';

export const secretsmanagerService: ServiceDefinition = {
  name: 'secretsmanager',
  model: 'secretsmanager.2017-10-17',
  protocol: 'json',
  jsonVersion: '1.1',
  targetPrefix: 'secretsmanager',
  signingName: 'secretsmanager',
  migrations: secretsmanagerMigrations,
  operations: {
    CreateSecret: op(createSecret),
    PutSecretValue: op(putSecretValue),
    GetSecretValue: op(getSecretValue),
    DescribeSecret: op(describeSecret),
    ListSecrets: op(listSecrets),
    DeleteSecret: op(deleteSecret),
    RestoreSecret: op(restoreSecret),
    UpdateSecret: op(updateSecret),
    UpdateSecretVersionStage: op(updateSecretVersionStage),
    ListSecretVersionIds: op(listSecretVersionIds),
    TagResource: op(tagResource),
    UntagResource: op(untagResource),
  },
};
