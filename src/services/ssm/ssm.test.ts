import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParametersCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { awsCliAvailable, awsCliJson } from '../../../test/helpers/aws-cli.ts';
import { checkShape, loadModel } from '../../../test/helpers/aws-model.ts';
import { callJson, startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';

let t: TestDaemon;
let ssm: SSMClient;
const model = loadModel('ssm.2014-11-06');

before(async () => {
  t = await startTestDaemon();
  ssm = new SSMClient(t.sdk);
});
after(async () => {
  ssm.destroy();
  await t.stop();
});

test('PutParameter then GetParameter through the SDK, versions counting up', async () => {
  const first = await ssm.send(new PutParameterCommand({ Name: '/app/db-host', Value: 'db.local', Type: 'String' }));
  assert.equal(first.Version, 1);
  const second = await ssm.send(new PutParameterCommand({ Name: '/app/db-host', Value: 'db2.local', Overwrite: true }));
  assert.equal(second.Version, 2);
  const got = await ssm.send(new GetParameterCommand({ Name: '/app/db-host' }));
  assert.equal(got.Parameter?.Value, 'db2.local');
  assert.equal(got.Parameter?.Type, 'String');
  assert.equal(got.Parameter?.ARN, 'arn:aws:ssm:us-east-1:000000000000:parameter/app/db-host');
  assert.ok(got.Parameter?.LastModifiedDate instanceof Date);
});

test('PutParameter on an existing name without Overwrite fails with ParameterAlreadyExists and changes nothing', async () => {
  await ssm.send(new PutParameterCommand({ Name: 'keep', Value: 'one', Type: 'String' }));
  await assert.rejects(ssm.send(new PutParameterCommand({ Name: 'keep', Value: 'two' })), ParameterAlreadyExists);
  const got = await ssm.send(new GetParameterCommand({ Name: 'keep' }));
  assert.equal(got.Parameter?.Value, 'one');
});

test('GetParameters returns found ones and lists the missing as InvalidParameters', async () => {
  await ssm.send(new PutParameterCommand({ Name: 'a1', Value: 'x', Type: 'String' }));
  const got = await ssm.send(new GetParametersCommand({ Names: ['a1', 'nope'] }));
  assert.deepEqual(got.Parameters?.map((p) => p.Name), ['a1']);
  assert.deepEqual(got.InvalidParameters, ['nope']);
});

test('DeleteParameter removes it; deleting or reading a missing one is ParameterNotFound', async () => {
  await ssm.send(new PutParameterCommand({ Name: 'gone', Value: 'x', Type: 'String' }));
  await ssm.send(new DeleteParameterCommand({ Name: 'gone' }));
  await assert.rejects(ssm.send(new GetParameterCommand({ Name: 'gone' })), ParameterNotFound);
  await assert.rejects(ssm.send(new DeleteParameterCommand({ Name: 'gone' })), ParameterNotFound);
});

test('SecureString values are masked in logs once read', async () => {
  await ssm.send(new PutParameterCommand({ Name: 'pw', Value: 's3cr3t-value', Type: 'SecureString' }));
  const got = await ssm.send(new GetParameterCommand({ Name: 'pw', WithDecryption: true }));
  assert.equal(got.Parameter?.Value, 's3cr3t-value');
  assert.equal(t.daemon.masker.mask('token s3cr3t-value end'), 'token **** end');
});

test('invalid input lists every problem at once with field, found and expected', async () => {
  const res = await callJson(t.endpoint, 'AmazonSSM.PutParameter', { Name: 'bad name!', Value: 7, Type: 'Text' });
  assert.equal(res.status, 400);
  assert.equal(res.body['__type'], 'ValidationException');
  const message = String(res.body['message']);
  assert.match(message, /3 validation errors detected/);
  assert.match(message, /Name: found "bad name!", expected letters, digits/);
  assert.match(message, /Value: found number 7, expected a string/);
  assert.match(message, /Type: found "Text", expected one of String, StringList, SecureString/);
});

test('responses on the wire match the AWS model shapes', async () => {
  const put = await callJson(t.endpoint, 'AmazonSSM.PutParameter', { Name: 'wire', Value: 'v', Type: 'StringList' });
  assert.deepEqual(checkShape(model, 'PutParameterResult', put.body), []);
  const get = await callJson(t.endpoint, 'AmazonSSM.GetParameter', { Name: 'wire' });
  assert.deepEqual(checkShape(model, 'GetParameterResult', get.body), []);
  const many = await callJson(t.endpoint, 'AmazonSSM.GetParameters', { Names: ['wire', 'missing'] });
  assert.deepEqual(checkShape(model, 'GetParametersResult', many.body), []);
  const del = await callJson(t.endpoint, 'AmazonSSM.DeleteParameter', { Name: 'wire' });
  assert.deepEqual(checkShape(model, 'DeleteParameterResult', del.body), []);
  const missing = await callJson(t.endpoint, 'AmazonSSM.GetParameter', { Name: 'wire' });
  assert.equal(missing.body['__type'], 'ParameterNotFound');
  assert.ok(model.operations['GetParameter']?.errors?.some((e) => e.shape === 'ParameterNotFound'));
});

test('the AWS CLI reads a parameter through --endpoint-url', async (ctx) => {
  if (!(await awsCliAvailable())) {
    ctx.skip('aws CLI not installed');
    return;
  }
  await ssm.send(new PutParameterCommand({ Name: '/cli/value', Value: 'from-cli', Type: 'String' }));
  const parsed = (await awsCliJson(t.endpoint, ['ssm', 'get-parameter', '--name', '/cli/value'])) as unknown as { Parameter: { Value: string; Version: number } };
  assert.equal(parsed.Parameter.Value, 'from-cli');
  assert.equal(parsed.Parameter.Version, 1);
});
