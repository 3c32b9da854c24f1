import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { isSlipwayError } from '../../core/errors.ts';
import { startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import { parseSecretReference, resolveSecretReference } from './index.ts';

let t: TestDaemon;
let sm: SecretsManagerClient;
let dbArn = '';
const V1 = '11111111-1111-4111-8111-111111111111';
const V2 = '22222222-2222-4222-8222-222222222222';

before(async () => {
  t = await startTestDaemon();
  sm = new SecretsManagerClient(t.sdk);
  const created = await sm.send(
    new CreateSecretCommand({ Name: 'prod/db', SecretString: JSON.stringify({ username: 'app-user', password: 'old-pass-123', port: 5432 }), ClientRequestToken: V1 }),
  );
  dbArn = created.ARN ?? '';
  await sm.send(new PutSecretValueCommand({ SecretId: 'prod/db', SecretString: JSON.stringify({ username: 'app-user', password: 'new-pass-456', port: 5432 }), ClientRequestToken: V2 }));
  await sm.send(new CreateSecretCommand({ Name: 'plain', SecretString: 'plain-text-token' }));
});
after(async () => {
  sm.destroy();
  await t.stop();
});

function rejectsWith(ref: string, code: string, pattern: RegExp): void {
  assert.throws(
    () => resolveSecretReference(t.daemon, ref),
    (e: unknown) => {
      assert.ok(isSlipwayError(e), String(e));
      assert.equal(e.code, code);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

test('parses the buildspec and ECS forms, with empty fields and ARN ids that contain colons', () => {
  assert.deepEqual(parseSecretReference('prod/db'), { secretId: 'prod/db' });
  assert.deepEqual(parseSecretReference('prod/db:password'), { secretId: 'prod/db', jsonKey: 'password' });
  assert.deepEqual(parseSecretReference('prod/db:password:AWSPREVIOUS'), { secretId: 'prod/db', jsonKey: 'password', versionStage: 'AWSPREVIOUS' });
  assert.deepEqual(parseSecretReference(`prod/db:password::${V1}`), { secretId: 'prod/db', jsonKey: 'password', versionId: V1 });
  assert.deepEqual(parseSecretReference('prod/db::AWSCURRENT'), { secretId: 'prod/db', versionStage: 'AWSCURRENT' });
  assert.deepEqual(parseSecretReference('prod/db:::'), { secretId: 'prod/db' });
  const arn = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/db-AbCdEf';
  assert.deepEqual(parseSecretReference(arn), { secretId: arn });
  assert.deepEqual(parseSecretReference(`${arn}:password`), { secretId: arn, jsonKey: 'password' });
  assert.deepEqual(parseSecretReference(`${arn}:password:AWSPREVIOUS:`), { secretId: arn, jsonKey: 'password', versionStage: 'AWSPREVIOUS' });
  assert.deepEqual(parseSecretReference(`${arn}:::${V2}`), { secretId: arn, versionId: V2 });
});

test('rejects malformed references: stage and id together, too many fields, a non-secret ARN', () => {
  assert.throws(() => parseSecretReference(`prod/db:password:AWSCURRENT:${V1}`), /mutually exclusive/);
  assert.throws(() => parseSecretReference('prod/db:a:b::extra'), /at most three fields/);
  assert.throws(() => parseSecretReference('arn:aws:ssm:us-east-1:000000000000:parameter/x'), /Secrets Manager secret ARN/);
  assert.throws(() => parseSecretReference(':password'), /expected secret-id/);
});

test('resolves the whole SecretString, a JSON key, and keys of older versions by stage or id', () => {
  assert.equal(resolveSecretReference(t.daemon, 'plain'), 'plain-text-token');
  assert.equal(resolveSecretReference(t.daemon, 'prod/db:password'), 'new-pass-456');
  assert.equal(resolveSecretReference(t.daemon, 'prod/db:password:AWSPREVIOUS'), 'old-pass-123');
  assert.equal(resolveSecretReference(t.daemon, `prod/db:password::${V1}`), 'old-pass-123');
  assert.equal(resolveSecretReference(t.daemon, 'prod/db:port'), '5432');
  assert.equal((JSON.parse(resolveSecretReference(t.daemon, 'prod/db')) as { password: string }).password, 'new-pass-456');
});

test('resolves references whose secret id is a full or partial ARN', () => {
  assert.equal(resolveSecretReference(t.daemon, `${dbArn}:password`), 'new-pass-456');
  assert.equal(resolveSecretReference(t.daemon, `${dbArn}:username:AWSCURRENT`), 'app-user');
  assert.equal(resolveSecretReference(t.daemon, `${dbArn}:password::${V1}`), 'old-pass-123');
  const partial = dbArn.slice(0, -7);
  assert.equal(resolveSecretReference(t.daemon, `${partial}:password`), 'new-pass-456');
});

test('a missing JSON key names the key and the keys that exist, never the values', () => {
  rejectsWith('prod/db:pasword', 'SecretJsonKeyNotFound', /no JSON key "pasword"; its keys are username, password, port/);
  assert.throws(
    () => resolveSecretReference(t.daemon, 'prod/db:pasword'),
    (e: Error) => !e.message.includes('new-pass-456'),
  );
  rejectsWith('plain:key', 'InvalidSecretReference', /json-key key given, but secret plain .* is not a JSON object/);
});

test('missing secrets, stages and versions are ResourceNotFoundException', () => {
  rejectsWith('nope:key', 'ResourceNotFoundException', /can't find the specified secret/);
  rejectsWith('prod/db:password:AWSPENDING', 'ResourceNotFoundException', /staging label: AWSPENDING/);
  rejectsWith('prod/db:password::33333333-3333-4333-8333-333333333333', 'ResourceNotFoundException', /VersionId: 33333333/);
});

test('resolved values are masked in logs', () => {
  const value = resolveSecretReference(t.daemon, 'prod/db:username');
  assert.equal(t.daemon.masker.mask(`user=${value}`), 'user=****');
  assert.equal(t.daemon.masker.mask('old old-pass-123'), 'old ****');
});
