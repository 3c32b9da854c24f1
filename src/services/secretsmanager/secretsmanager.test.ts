import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RestoreSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ManualClock } from '../../core/clock.ts';
import { awsCliAvailable, awsCliJson } from '../../../test/helpers/aws-cli.ts';
import { checkShape, loadModel } from '../../../test/helpers/aws-model.ts';
import { callJson, startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';

let t: TestDaemon;
let sm: SecretsManagerClient;
const clock = new ManualClock(Date.UTC(2026, 0, 10, 12));
const model = loadModel('secretsmanager.2017-10-17');
const DAY = 24 * 60 * 60 * 1000;
const token = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

before(async () => {
  t = await startTestDaemon({ clock });
  sm = new SecretsManagerClient(t.sdk);
});
after(async () => {
  sm.destroy();
  await t.stop();
});

test('CreateSecret returns an ARN with a random 6-character suffix and the token as the AWSCURRENT version', async () => {
  const created = await sm.send(new CreateSecretCommand({ Name: 'prod/db', SecretString: 'hunter2-db', ClientRequestToken: token(1), Description: 'db password' }));
  assert.match(created.ARN ?? '', /^arn:aws:secretsmanager:us-east-1:000000000000:secret:prod\/db-[A-Za-z0-9]{6}$/);
  assert.equal(created.Name, 'prod/db');
  assert.equal(created.VersionId, token(1));
  const got = await sm.send(new GetSecretValueCommand({ SecretId: 'prod/db' }));
  assert.equal(got.SecretString, 'hunter2-db');
  assert.equal(got.VersionId, token(1));
  assert.deepEqual(got.VersionStages, ['AWSCURRENT']);
  assert.equal(got.ARN, created.ARN);
  assert.ok(got.CreatedDate instanceof Date);
});

test('CreateSecret on an existing name is ResourceExistsException; a retry with the same token and value succeeds', async () => {
  await sm.send(new CreateSecretCommand({ Name: 'dup', SecretString: 'one-value', ClientRequestToken: token(2) }));
  const retried = await sm.send(new CreateSecretCommand({ Name: 'dup', SecretString: 'one-value', ClientRequestToken: token(2) }));
  assert.equal(retried.VersionId, token(2));
  await assert.rejects(sm.send(new CreateSecretCommand({ Name: 'dup', SecretString: 'two-value' })), ResourceExistsException);
  const got = await sm.send(new GetSecretValueCommand({ SecretId: 'dup' }));
  assert.equal(got.SecretString, 'one-value');
});

test('CreateSecret without a value has no version; GetSecretValue then finds no AWSCURRENT', async () => {
  const created = await sm.send(new CreateSecretCommand({ Name: 'empty', Description: 'filled later' }));
  assert.equal(created.VersionId, undefined);
  await assert.rejects(sm.send(new GetSecretValueCommand({ SecretId: 'empty' })), (e: Error) => {
    assert.ok(e instanceof ResourceNotFoundException);
    assert.match(e.message, /staging label: AWSCURRENT/);
    return true;
  });
  const put = await sm.send(new PutSecretValueCommand({ SecretId: 'empty', SecretString: 'now-filled' }));
  assert.deepEqual(put.VersionStages, ['AWSCURRENT']);
});

test('PutSecretValue moves AWSCURRENT to the new version and AWSPREVIOUS to the old one', async () => {
  await sm.send(new CreateSecretCommand({ Name: 'rotating', SecretString: 'v1-secret', ClientRequestToken: token(11) }));
  const v2 = await sm.send(new PutSecretValueCommand({ SecretId: 'rotating', SecretString: 'v2-secret', ClientRequestToken: token(12) }));
  assert.deepEqual(v2.VersionStages, ['AWSCURRENT']);
  await sm.send(new PutSecretValueCommand({ SecretId: 'rotating', SecretString: 'v3-secret', ClientRequestToken: token(13) }));
  assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'rotating' }))).SecretString, 'v3-secret');
  const previous = await sm.send(new GetSecretValueCommand({ SecretId: 'rotating', VersionStage: 'AWSPREVIOUS' }));
  assert.equal(previous.SecretString, 'v2-secret');
  assert.equal(previous.VersionId, token(12));
  const byId = await sm.send(new GetSecretValueCommand({ SecretId: 'rotating', VersionId: token(11) }));
  assert.equal(byId.SecretString, 'v1-secret');
  assert.deepEqual(byId.VersionStages, []);
  const described = await sm.send(new DescribeSecretCommand({ SecretId: 'rotating' }));
  assert.deepEqual(described.VersionIdsToStages, { [token(12)]: ['AWSPREVIOUS'], [token(13)]: ['AWSCURRENT'] });
});

test('PutSecretValue honours explicit VersionStages and leaves AWSCURRENT alone when it is not among them', async () => {
  await sm.send(new CreateSecretCommand({ Name: 'staged', SecretString: 'current-one', ClientRequestToken: token(21) }));
  const pending = await sm.send(new PutSecretValueCommand({ SecretId: 'staged', SecretString: 'pending-one', ClientRequestToken: token(22), VersionStages: ['AWSPENDING'] }));
  assert.deepEqual(pending.VersionStages, ['AWSPENDING']);
  assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'staged' }))).SecretString, 'current-one');
  assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'staged', VersionStage: 'AWSPENDING' }))).SecretString, 'pending-one');
  const both = await sm.send(new PutSecretValueCommand({ SecretId: 'staged', SecretString: 'final-one', ClientRequestToken: token(23), VersionStages: ['AWSCURRENT', 'blue'] }));
  assert.deepEqual(both.VersionStages, ['AWSCURRENT', 'blue']);
  const described = await sm.send(new DescribeSecretCommand({ SecretId: 'staged' }));
  assert.deepEqual(described.VersionIdsToStages, { [token(21)]: ['AWSPREVIOUS'], [token(22)]: ['AWSPENDING'], [token(23)]: ['AWSCURRENT', 'blue'] });
});

test('PutSecretValue is idempotent on ClientRequestToken and refuses to change an existing version', async () => {
  await sm.send(new CreateSecretCommand({ Name: 'idem', SecretString: 'first-val', ClientRequestToken: token(31) }));
  const a = await sm.send(new PutSecretValueCommand({ SecretId: 'idem', SecretString: 'second-val', ClientRequestToken: token(32) }));
  const b = await sm.send(new PutSecretValueCommand({ SecretId: 'idem', SecretString: 'second-val', ClientRequestToken: token(32) }));
  assert.equal(a.VersionId, b.VersionId);
  assert.deepEqual(b.VersionStages, ['AWSCURRENT']);
  // The retry did not push AWSPREVIOUS onto the version itself.
  assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'idem', VersionStage: 'AWSPREVIOUS' }))).SecretString, 'first-val');
  await assert.rejects(sm.send(new PutSecretValueCommand({ SecretId: 'idem', SecretString: 'other-val', ClientRequestToken: token(32) })), ResourceExistsException);
  await assert.rejects(sm.send(new PutSecretValueCommand({ SecretId: 'idem' })), InvalidRequestException);
  await assert.rejects(sm.send(new PutSecretValueCommand({ SecretId: 'nope', SecretString: 'x-value' })), ResourceNotFoundException);
});

test('GetSecretValue finds a secret by name, full ARN and partial ARN; unknown ones are ResourceNotFoundException', async () => {
  const created = await sm.send(new CreateSecretCommand({ Name: 'by-arn', SecretString: 'arn-value' }));
  const full = created.ARN ?? '';
  const partial = full.slice(0, -7);
  assert.equal(partial, 'arn:aws:secretsmanager:us-east-1:000000000000:secret:by-arn');
  for (const id of ['by-arn', full, partial]) assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: id }))).SecretString, 'arn-value');
  await assert.rejects(sm.send(new GetSecretValueCommand({ SecretId: 'missing' })), (e: Error) => {
    assert.ok(e instanceof ResourceNotFoundException);
    assert.equal(e.message, "Secrets Manager can't find the specified secret.");
    return true;
  });
  await assert.rejects(sm.send(new GetSecretValueCommand({ SecretId: 'arn:aws:secretsmanager:eu-west-1:000000000000:secret:by-arn' })), ResourceNotFoundException);
  await assert.rejects(sm.send(new GetSecretValueCommand({ SecretId: 'by-arn', VersionStage: 'AWSPENDING' })), ResourceNotFoundException);
});

test('GetSecretValue with both VersionId and VersionStage requires them to name the same version', async () => {
  await sm.send(new CreateSecretCommand({ Name: 'pair', SecretString: 'pair-one', ClientRequestToken: token(41) }));
  await sm.send(new PutSecretValueCommand({ SecretId: 'pair', SecretString: 'pair-two', ClientRequestToken: token(42) }));
  const ok = await sm.send(new GetSecretValueCommand({ SecretId: 'pair', VersionId: token(42), VersionStage: 'AWSCURRENT' }));
  assert.equal(ok.SecretString, 'pair-two');
  await assert.rejects(sm.send(new GetSecretValueCommand({ SecretId: 'pair', VersionId: token(41), VersionStage: 'AWSCURRENT' })), ResourceNotFoundException);
});

test('SecretBinary goes in and out as bytes (base64 on the wire)', async () => {
  const bytes = new Uint8Array([0, 1, 2, 250, 251, 255]);
  await sm.send(new CreateSecretCommand({ Name: 'binary', SecretBinary: bytes }));
  const got = await sm.send(new GetSecretValueCommand({ SecretId: 'binary' }));
  assert.deepEqual(Buffer.from(got.SecretBinary ?? new Uint8Array()), Buffer.from(bytes));
  assert.equal(got.SecretString, undefined);
  const wire = await callJson(t.endpoint, 'secretsmanager.GetSecretValue', { SecretId: 'binary' });
  assert.equal(wire.body['SecretBinary'], Buffer.from(bytes).toString('base64'));
  await assert.rejects(sm.send(new CreateSecretCommand({ Name: 'both', SecretBinary: bytes, SecretString: 'both-value' })));
});

test('values read are masked in logs, JSON secrets per key as well', async () => {
  await sm.send(new CreateSecretCommand({ Name: 'masked', SecretString: JSON.stringify({ username: 'admin-user', password: 'pa55-w0rd-xyz' }) }));
  const got = await sm.send(new GetSecretValueCommand({ SecretId: 'masked' }));
  assert.ok(got.SecretString?.includes('pa55-w0rd-xyz'));
  assert.equal(t.daemon.masker.mask(`login ${got.SecretString ?? ''} end`), 'login **** end');
  assert.equal(t.daemon.masker.mask('password is pa55-w0rd-xyz'), 'password is ****');
});

test('ListSecrets pages through secrets, filters by name prefix and hides planned deletions unless asked', async () => {
  for (let i = 0; i < 5; i++) await sm.send(new CreateSecretCommand({ Name: `list/item-${i}`, SecretString: `list-value-${i}`, Tags: [{ Key: 'team', Value: i % 2 === 0 ? 'even' : 'odd' }] }));
  const seen: string[] = [];
  let next: string | undefined;
  do {
    const page = await sm.send(new ListSecretsCommand({ MaxResults: 2, Filters: [{ Key: 'name', Values: ['list/'] }], ...(next === undefined ? {} : { NextToken: next }) }));
    assert.ok((page.SecretList?.length ?? 0) <= 2);
    for (const s of page.SecretList ?? []) {
      seen.push(s.Name ?? '');
      assert.deepEqual(Object.values(s.SecretVersionsToStages ?? {}), [['AWSCURRENT']]);
    }
    next = page.NextToken;
  } while (next !== undefined);
  assert.deepEqual(seen, ['list/item-0', 'list/item-1', 'list/item-2', 'list/item-3', 'list/item-4']);
  const odd = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'tag-value', Values: ['odd'] }] }));
  assert.deepEqual(odd.SecretList?.map((s) => s.Name), ['list/item-1', 'list/item-3']);
  await sm.send(new DeleteSecretCommand({ SecretId: 'list/item-4' }));
  const visible = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['list/'] }] }));
  assert.equal(visible.SecretList?.length, 4);
  const negated = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['list/'] }, { Key: 'tag-value', Values: ['!even'] }] }));
  assert.deepEqual(negated.SecretList?.map((s) => s.Name), ['list/item-1', 'list/item-3']);
  const anyField = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'all', Values: ['odd'] }] }));
  assert.deepEqual(anyField.SecretList?.map((s) => s.Name), ['list/item-1', 'list/item-3']);
  const all = await sm.send(new ListSecretsCommand({ IncludePlannedDeletion: true, Filters: [{ Key: 'name', Values: ['list/'] }], SortOrder: 'desc' }));
  assert.equal(all.SecretList?.[0]?.Name, 'list/item-4');
  assert.ok(all.SecretList?.[0]?.DeletedDate instanceof Date);
});

test('DeleteSecret schedules deletion (default 30 days); reads are refused until RestoreSecret', async () => {
  await sm.send(new CreateSecretCommand({ Name: 'doomed', SecretString: 'doomed-value' }));
  const deleted = await sm.send(new DeleteSecretCommand({ SecretId: 'doomed' }));
  assert.equal(deleted.DeletionDate?.getTime(), clock.now() + 30 * DAY);
  await assert.rejects(sm.send(new GetSecretValueCommand({ SecretId: 'doomed' })), (e: Error) => {
    assert.ok(e instanceof InvalidRequestException);
    assert.match(e.message, /marked for deletion/);
    return true;
  });
  await assert.rejects(sm.send(new PutSecretValueCommand({ SecretId: 'doomed', SecretString: 'more-value' })), InvalidRequestException);
  await assert.rejects(sm.send(new CreateSecretCommand({ Name: 'doomed', SecretString: 'again-value' })), InvalidRequestException);
  const described = await sm.send(new DescribeSecretCommand({ SecretId: 'doomed' }));
  assert.equal(described.DeletedDate?.getTime(), clock.now());
  const restored = await sm.send(new RestoreSecretCommand({ SecretId: 'doomed' }));
  assert.equal(restored.Name, 'doomed');
  assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'doomed' }))).SecretString, 'doomed-value');
  assert.equal((await sm.send(new DescribeSecretCommand({ SecretId: 'doomed' }))).DeletedDate, undefined);
});

test('DeleteSecret validates the recovery window, and the secret is gone once the window passes', async () => {
  await sm.send(new CreateSecretCommand({ Name: 'windowed', SecretString: 'window-value' }));
  await assert.rejects(sm.send(new DeleteSecretCommand({ SecretId: 'windowed', RecoveryWindowInDays: 6 })), InvalidParameterException);
  await assert.rejects(sm.send(new DeleteSecretCommand({ SecretId: 'windowed', RecoveryWindowInDays: 31 })), InvalidParameterException);
  await assert.rejects(sm.send(new DeleteSecretCommand({ SecretId: 'windowed', RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true })), InvalidParameterException);
  const deleted = await sm.send(new DeleteSecretCommand({ SecretId: 'windowed', RecoveryWindowInDays: 7 }));
  assert.equal(deleted.DeletionDate?.getTime(), clock.now() + 7 * DAY);
  await clock.advance(7 * DAY);
  await assert.rejects(sm.send(new DescribeSecretCommand({ SecretId: 'windowed' })), ResourceNotFoundException);
  await assert.rejects(sm.send(new RestoreSecretCommand({ SecretId: 'windowed' })), ResourceNotFoundException);
  // The name is free again.
  await sm.send(new CreateSecretCommand({ Name: 'windowed', SecretString: 'window-value-2' }));
});

test('ForceDeleteWithoutRecovery removes the secret at once, even one already scheduled', async () => {
  await sm.send(new CreateSecretCommand({ Name: 'forced', SecretString: 'forced-value' }));
  await sm.send(new DeleteSecretCommand({ SecretId: 'forced' }));
  await sm.send(new DeleteSecretCommand({ SecretId: 'forced', ForceDeleteWithoutRecovery: true }));
  await assert.rejects(sm.send(new DescribeSecretCommand({ SecretId: 'forced' })), ResourceNotFoundException);
  await sm.send(new CreateSecretCommand({ Name: 'forced', SecretString: 'forced-again' }));
  assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'forced' }))).SecretString, 'forced-again');
});

test('invalid input lists every problem at once', async () => {
  const res = await callJson(t.endpoint, 'secretsmanager.CreateSecret', { Name: 'bad name!', SecretString: 7, ClientRequestToken: 'short' });
  assert.equal(res.status, 400);
  assert.equal(res.body['__type'], 'ValidationException');
  const message = String(res.body['message']);
  assert.match(message, /3 validation errors detected/);
  assert.match(message, /Name: found "bad name!", expected letters, digits/);
  assert.match(message, /SecretString: found number 7, expected a string/);
  assert.match(message, /ClientRequestToken: found 5 characters, expected at least 32/);
});

test('responses on the wire match the AWS model shapes', async () => {
  const create = await callJson(t.endpoint, 'secretsmanager.CreateSecret', { Name: 'wire', SecretString: 'wire-value', Tags: [{ Key: 'k', Value: 'v' }], Description: 'd' });
  assert.equal(create.status, 200);
  assert.deepEqual(checkShape(model, 'CreateSecretResponse', create.body), []);
  const put = await callJson(t.endpoint, 'secretsmanager.PutSecretValue', { SecretId: 'wire', SecretString: 'wire-value-2' });
  assert.deepEqual(checkShape(model, 'PutSecretValueResponse', put.body), []);
  const get = await callJson(t.endpoint, 'secretsmanager.GetSecretValue', { SecretId: 'wire' });
  assert.deepEqual(checkShape(model, 'GetSecretValueResponse', get.body), []);
  const described = await callJson(t.endpoint, 'secretsmanager.DescribeSecret', { SecretId: 'wire' });
  assert.deepEqual(checkShape(model, 'DescribeSecretResponse', described.body), []);
  const list = await callJson(t.endpoint, 'secretsmanager.ListSecrets', { MaxResults: 1 });
  assert.deepEqual(checkShape(model, 'ListSecretsResponse', list.body), []);
  assert.equal(typeof list.body['NextToken'], 'string');
  const del = await callJson(t.endpoint, 'secretsmanager.DeleteSecret', { SecretId: 'wire', RecoveryWindowInDays: 10 });
  assert.deepEqual(checkShape(model, 'DeleteSecretResponse', del.body), []);
  const refused = await callJson(t.endpoint, 'secretsmanager.GetSecretValue', { SecretId: 'wire' });
  assert.equal(refused.body['__type'], 'InvalidRequestException');
  const restore = await callJson(t.endpoint, 'secretsmanager.RestoreSecret', { SecretId: 'wire' });
  assert.deepEqual(checkShape(model, 'RestoreSecretResponse', restore.body), []);
  const missing = await callJson(t.endpoint, 'secretsmanager.DescribeSecret', { SecretId: 'no-such' });
  assert.equal(missing.body['__type'], 'ResourceNotFoundException');
  assert.ok(model.operations['DescribeSecret']?.errors?.some((e) => e.shape === 'ResourceNotFoundException'));
  const badToken = await callJson(t.endpoint, 'secretsmanager.ListSecrets', { NextToken: 'not-a-token' });
  assert.equal(badToken.body['__type'], 'InvalidNextTokenException');
});

test('events record changes without secret values', async () => {
  await sm.send(new CreateSecretCommand({ Name: 'evented', SecretString: 'never-in-events' }));
  const rows = t.daemon.store.all("SELECT type, detail FROM events WHERE type LIKE 'secretsmanager.%'");
  assert.ok(rows.some((r) => r['type'] === 'secretsmanager.secret.created'));
  for (const r of rows) assert.ok(!String(r['detail']).includes('never-in-events'));
});

test('secrets, versions and stages survive a daemon restart', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-sm-restart-'));
  try {
    const first = await startTestDaemon({ dataDir });
    const c1 = new SecretsManagerClient(first.sdk);
    const created = await c1.send(new CreateSecretCommand({ Name: 'durable', SecretString: 'durable-one', ClientRequestToken: token(51) }));
    await c1.send(new PutSecretValueCommand({ SecretId: 'durable', SecretString: 'durable-two', ClientRequestToken: token(52) }));
    c1.destroy();
    await first.stop();
    const second = await startTestDaemon({ dataDir });
    const c2 = new SecretsManagerClient(second.sdk);
    try {
      const got = await c2.send(new GetSecretValueCommand({ SecretId: created.ARN }));
      assert.equal(got.SecretString, 'durable-two');
      assert.equal((await c2.send(new GetSecretValueCommand({ SecretId: 'durable', VersionStage: 'AWSPREVIOUS' }))).VersionId, token(51));
      // A fresh daemon masks a value as soon as it is read again.
      assert.equal(second.daemon.masker.mask('durable-two'), '****');
    } finally {
      c2.destroy();
      await second.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the AWS CLI creates and reads a secret through --endpoint-url', async (ctx) => {
  if (!(await awsCliAvailable())) {
    ctx.skip('aws CLI not installed');
    return;
  }
  const cli = (...args: string[]): Promise<Record<string, unknown>> => awsCliJson(t.endpoint, ['secretsmanager', ...args]);
  const created = await cli('create-secret', '--name', 'cli/secret', '--secret-string', '{"token":"from-cli-123"}');
  assert.match(String(created['ARN']), /:secret:cli\/secret-[A-Za-z0-9]{6}$/);
  const got = await cli('get-secret-value', '--secret-id', String(created['ARN']));
  assert.equal(got['SecretString'], '{"token":"from-cli-123"}');
  assert.deepEqual(got['VersionStages'], ['AWSCURRENT']);
  const described = await cli('describe-secret', '--secret-id', 'cli/secret');
  assert.equal(described['Name'], 'cli/secret');
});
