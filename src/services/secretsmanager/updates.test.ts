import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretVersionIdsCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { checkShape, loadModel } from '../../../test/helpers/aws-model.ts';
import { callJson, startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';

let t: TestDaemon;
let sm: SecretsManagerClient;
const model = loadModel('secretsmanager.2017-10-17');
const token = (n: number): string => `00000000-0000-4000-9000-${String(n).padStart(12, '0')}`;

before(async () => {
  t = await startTestDaemon();
  sm = new SecretsManagerClient(t.sdk);
});
after(async () => {
  sm.destroy();
  await t.stop();
});

test('UpdateSecret changes the description and, given a value, adds an AWSCURRENT version', async () => {
  await sm.send(new CreateSecretCommand({ Name: 'upd', SecretString: 'upd-one', Description: 'old', ClientRequestToken: token(1) }));
  const noValue = await sm.send(new UpdateSecretCommand({ SecretId: 'upd', Description: 'new description' }));
  assert.equal(noValue.VersionId, undefined);
  assert.equal((await sm.send(new DescribeSecretCommand({ SecretId: 'upd' }))).Description, 'new description');
  const withValue = await sm.send(new UpdateSecretCommand({ SecretId: 'upd', SecretString: 'upd-two', ClientRequestToken: token(2) }));
  assert.equal(withValue.VersionId, token(2));
  assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'upd' }))).SecretString, 'upd-two');
  assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'upd', VersionStage: 'AWSPREVIOUS' }))).VersionId, token(1));
  await assert.rejects(sm.send(new UpdateSecretCommand({ SecretId: 'nope', Description: 'x' })), ResourceNotFoundException);
});

test('UpdateSecretVersionStage finishes a rotation: AWSPENDING promoted to AWSCURRENT, AWSPREVIOUS follows', async () => {
  await sm.send(new CreateSecretCommand({ Name: 'rot', SecretString: 'rot-one', ClientRequestToken: token(11) }));
  await sm.send(new PutSecretValueCommand({ SecretId: 'rot', SecretString: 'rot-two', ClientRequestToken: token(12), VersionStages: ['AWSPENDING'] }));
  // AWSCURRENT is held by another version, so the caller must name it.
  await assert.rejects(sm.send(new UpdateSecretVersionStageCommand({ SecretId: 'rot', VersionStage: 'AWSCURRENT', MoveToVersionId: token(12) })), InvalidParameterException);
  await assert.rejects(
    sm.send(new UpdateSecretVersionStageCommand({ SecretId: 'rot', VersionStage: 'AWSCURRENT', MoveToVersionId: token(12), RemoveFromVersionId: token(12) })),
    InvalidParameterException,
  );
  await sm.send(new UpdateSecretVersionStageCommand({ SecretId: 'rot', VersionStage: 'AWSCURRENT', MoveToVersionId: token(12), RemoveFromVersionId: token(11) }));
  await sm.send(new UpdateSecretVersionStageCommand({ SecretId: 'rot', VersionStage: 'AWSPENDING', RemoveFromVersionId: token(12) }));
  const described = await sm.send(new DescribeSecretCommand({ SecretId: 'rot' }));
  assert.deepEqual(described.VersionIdsToStages, { [token(11)]: ['AWSPREVIOUS'], [token(12)]: ['AWSCURRENT'] });
  assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'rot' }))).SecretString, 'rot-two');
  await assert.rejects(sm.send(new UpdateSecretVersionStageCommand({ SecretId: 'rot', VersionStage: 'AWSCURRENT', RemoveFromVersionId: token(12) })), InvalidParameterException);
  await assert.rejects(
    sm.send(new UpdateSecretVersionStageCommand({ SecretId: 'rot', VersionStage: 'blue', MoveToVersionId: '99999999-0000-4000-9000-000000000000' })),
    ResourceNotFoundException,
  );
});

test('ListSecretVersionIds lists labelled versions, deprecated ones only when asked, with paging', async () => {
  await sm.send(new CreateSecretCommand({ Name: 'vers', SecretString: 'vers-1', ClientRequestToken: token(21) }));
  await sm.send(new PutSecretValueCommand({ SecretId: 'vers', SecretString: 'vers-2', ClientRequestToken: token(22) }));
  await sm.send(new PutSecretValueCommand({ SecretId: 'vers', SecretString: 'vers-3', ClientRequestToken: token(23) }));
  const labelled = await sm.send(new ListSecretVersionIdsCommand({ SecretId: 'vers' }));
  assert.deepEqual(new Set(labelled.Versions?.map((v) => v.VersionId)), new Set([token(22), token(23)]));
  const ids: string[] = [];
  let next: string | undefined;
  do {
    const page = await sm.send(new ListSecretVersionIdsCommand({ SecretId: 'vers', IncludeDeprecated: true, MaxResults: 2, ...(next === undefined ? {} : { NextToken: next }) }));
    ids.push(...(page.Versions ?? []).map((v) => v.VersionId ?? ''));
    next = page.NextToken;
  } while (next !== undefined);
  assert.deepEqual(new Set(ids), new Set([token(21), token(22), token(23)]));
  assert.equal(ids.length, 3);
});

test('TagResource adds or replaces tags by key; UntagResource removes them; ListSecrets filters see them', async () => {
  await sm.send(new CreateSecretCommand({ Name: 'tagged', SecretString: 'tag-value-x', Tags: [{ Key: 'env', Value: 'dev' }] }));
  await sm.send(new TagResourceCommand({ SecretId: 'tagged', Tags: [{ Key: 'env', Value: 'prod' }, { Key: 'team', Value: 'core' }] }));
  assert.deepEqual((await sm.send(new DescribeSecretCommand({ SecretId: 'tagged' }))).Tags, [{ Key: 'env', Value: 'prod' }, { Key: 'team', Value: 'core' }]);
  const found = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'tag-key', Values: ['team'] }] }));
  assert.deepEqual(found.SecretList?.map((s) => s.Name), ['tagged']);
  await sm.send(new UntagResourceCommand({ SecretId: 'tagged', TagKeys: ['env'] }));
  assert.deepEqual((await sm.send(new DescribeSecretCommand({ SecretId: 'tagged' }))).Tags, [{ Key: 'team', Value: 'core' }]);
  await sm.send(new DeleteSecretCommand({ SecretId: 'tagged' }));
  await assert.rejects(sm.send(new TagResourceCommand({ SecretId: 'tagged', Tags: [{ Key: 'a', Value: 'b' }] })), InvalidRequestException);
});

test('wire shapes of the update operations match the AWS model', async () => {
  await callJson(t.endpoint, 'secretsmanager.CreateSecret', { Name: 'wire-upd', SecretString: 'w1-value', ClientRequestToken: token(31) });
  const upd = await callJson(t.endpoint, 'secretsmanager.UpdateSecret', { SecretId: 'wire-upd', SecretString: 'w2-value', ClientRequestToken: token(32) });
  assert.deepEqual(checkShape(model, 'UpdateSecretResponse', upd.body), []);
  const stage = await callJson(t.endpoint, 'secretsmanager.UpdateSecretVersionStage', { SecretId: 'wire-upd', VersionStage: 'blue', MoveToVersionId: token(31) });
  assert.deepEqual(checkShape(model, 'UpdateSecretVersionStageResponse', stage.body), []);
  const versions = await callJson(t.endpoint, 'secretsmanager.ListSecretVersionIds', { SecretId: 'wire-upd', MaxResults: 1 });
  assert.deepEqual(checkShape(model, 'ListSecretVersionIdsResponse', versions.body), []);
  assert.equal(typeof versions.body['NextToken'], 'string');
  const tag = await callJson(t.endpoint, 'secretsmanager.TagResource', { SecretId: 'wire-upd', Tags: [{ Key: 'k', Value: 'v' }] });
  assert.equal(tag.status, 200);
  const untag = await callJson(t.endpoint, 'secretsmanager.UntagResource', { SecretId: 'wire-upd', TagKeys: ['k'] });
  assert.equal(untag.status, 200);
  const missingTags = await callJson(t.endpoint, 'secretsmanager.TagResource', { SecretId: 'wire-upd' });
  assert.equal(missingTags.body['__type'], 'ValidationException');
  assert.match(String(missingTags.body['message']), /Tags: found nothing/);
});
