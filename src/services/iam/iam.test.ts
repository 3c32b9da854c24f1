import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CreateServiceSpecificCredentialCommand,
  CreateUserCommand,
  DeleteConflictException,
  DeleteServiceSpecificCredentialCommand,
  DeleteUserCommand,
  EntityAlreadyExistsException,
  GetUserCommand,
  IAMClient,
  LimitExceededException,
  ListServiceSpecificCredentialsCommand,
  ListUsersCommand,
  NoSuchEntityException,
  ResetServiceSpecificCredentialCommand,
  ServiceNotSupportedException,
} from '@aws-sdk/client-iam';
import { startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import { str } from '../../store/db.ts';
import { CODECOMMIT_SERVICE, verifyServiceCredential } from './credentials.ts';

let t: TestDaemon;
let iam: IAMClient;

before(async () => {
  t = await startTestDaemon();
  iam = new IAMClient(t.sdk);
});
after(async () => {
  iam.destroy();
  await t.stop();
});

test('CreateUser, GetUser, ListUsers and DeleteUser through the SDK', async () => {
  const created = await iam.send(new CreateUserCommand({ UserName: 'alice' }));
  assert.equal(created.User?.UserName, 'alice');
  assert.equal(created.User?.Arn, 'arn:aws:iam::000000000000:user/alice');
  assert.equal(created.User?.Path, '/');
  assert.match(created.User?.UserId ?? '', /^AIDA[A-Z2-7]{17}$/);
  assert.ok(created.User?.CreateDate instanceof Date);
  await assert.rejects(iam.send(new CreateUserCommand({ UserName: 'ALICE' })), EntityAlreadyExistsException, 'names are case-insensitive');
  assert.equal((await iam.send(new GetUserCommand({ UserName: 'alice' }))).User?.UserId, created.User?.UserId);
  await assert.rejects(iam.send(new GetUserCommand({ UserName: 'bob' })), NoSuchEntityException);
  await iam.send(new CreateUserCommand({ UserName: 'bob', Path: '/team/' }));
  assert.deepEqual((await iam.send(new ListUsersCommand({}))).Users?.map((u) => u.UserName), ['alice', 'bob']);
  assert.deepEqual((await iam.send(new ListUsersCommand({ PathPrefix: '/team/' }))).Users?.map((u) => u.UserName), ['bob']);
  await iam.send(new DeleteUserCommand({ UserName: 'bob' }));
  await assert.rejects(iam.send(new DeleteUserCommand({ UserName: 'bob' })), NoSuchEntityException);
});

test('CreateServiceSpecificCredential makes <user>-at-<account> with a password stored only as a scrypt hash', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'carol' }));
  const { ServiceSpecificCredential: cred } = await iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'carol', ServiceName: 'codecommit.amazonaws.com' }));
  assert.equal(cred?.ServiceUserName, 'carol-at-000000000000');
  assert.equal(cred?.Status, 'Active');
  assert.ok((cred?.ServicePassword ?? '').length >= 40);
  const password = cred?.ServicePassword ?? '';
  const row = t.daemon.store.get('SELECT password_hash FROM iam_service_credentials WHERE id = ?', cred?.ServiceSpecificCredentialId ?? '');
  const hash = row === undefined ? '' : str(row, 'password_hash');
  assert.match(hash, /^scrypt\$/);
  assert.ok(!hash.includes(password));
  assert.equal(await verifyServiceCredential(t.daemon.store, CODECOMMIT_SERVICE, 'carol-at-000000000000', password), 'carol');
  assert.equal(await verifyServiceCredential(t.daemon.store, CODECOMMIT_SERVICE, 'carol-at-000000000000', `${password}x`), undefined);

  const second = await iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'carol', ServiceName: 'codecommit.amazonaws.com' }));
  assert.equal(second.ServiceSpecificCredential?.ServiceUserName, 'carol+1-at-000000000000');
  await assert.rejects(iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'carol', ServiceName: 'codecommit.amazonaws.com' })), LimitExceededException);
  await assert.rejects(iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'carol', ServiceName: 'cassandra.amazonaws.com' })), ServiceNotSupportedException);
  await assert.rejects(iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'nobody', ServiceName: 'codecommit.amazonaws.com' })), NoSuchEntityException);

  const listed = await iam.send(new ListServiceSpecificCredentialsCommand({ UserName: 'carol' }));
  assert.deepEqual(listed.ServiceSpecificCredentials?.map((c) => c.ServiceUserName), ['carol-at-000000000000', 'carol+1-at-000000000000']);
  assert.ok(listed.ServiceSpecificCredentials?.every((c) => !('ServicePassword' in c)));

  // Reset: the old password stops working at once, the new one works.
  const reset = await iam.send(new ResetServiceSpecificCredentialCommand({ UserName: 'carol', ServiceSpecificCredentialId: cred?.ServiceSpecificCredentialId }));
  const fresh = reset.ServiceSpecificCredential?.ServicePassword ?? '';
  assert.notEqual(fresh, password);
  assert.equal(await verifyServiceCredential(t.daemon.store, CODECOMMIT_SERVICE, 'carol-at-000000000000', password), undefined);
  assert.equal(await verifyServiceCredential(t.daemon.store, CODECOMMIT_SERVICE, 'carol-at-000000000000', fresh), 'carol');

  await assert.rejects(iam.send(new DeleteUserCommand({ UserName: 'carol' })), DeleteConflictException);
  for (const c of listed.ServiceSpecificCredentials ?? []) {
    await iam.send(new DeleteServiceSpecificCredentialCommand({ UserName: 'carol', ServiceSpecificCredentialId: c.ServiceSpecificCredentialId }));
  }
  assert.equal(await verifyServiceCredential(t.daemon.store, CODECOMMIT_SERVICE, 'carol-at-000000000000', fresh), undefined);
  await assert.rejects(
    iam.send(new DeleteServiceSpecificCredentialCommand({ UserName: 'carol', ServiceSpecificCredentialId: cred?.ServiceSpecificCredentialId })),
    NoSuchEntityException,
  );
  await iam.send(new DeleteUserCommand({ UserName: 'carol' }));
});

test('raw Query requests: XML in the IAM namespace, member lists, and IAM error codes', async () => {
  const post = async (params: Record<string, string>): Promise<{ status: number; text: string }> => {
    const res = await fetch(t.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        authorization: 'AWS4-HMAC-SHA256 Credential=AKIASLIPWAYTEST/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=x',
      },
      body: new URLSearchParams({ Version: '2010-05-08', ...params }).toString(),
    });
    return { status: res.status, text: await res.text() };
  };
  const created = await post({ Action: 'CreateUser', UserName: 'dave' });
  assert.equal(created.status, 200);
  assert.match(created.text, /^<CreateUserResponse xmlns="https:\/\/iam.amazonaws.com\/doc\/2010-05-08\/"><CreateUserResult><User>/);
  assert.match(created.text, /<UserName>dave<\/UserName>/);
  const cred = await post({ Action: 'CreateServiceSpecificCredential', UserName: 'dave', ServiceName: 'codecommit.amazonaws.com' });
  assert.match(cred.text, /<ServiceUserName>dave-at-000000000000<\/ServiceUserName>/);
  const list = await post({ Action: 'ListUsers' });
  assert.match(list.text, /<Users><member>.*<member><Path>\/<\/Path><UserName>dave<\/UserName>/);
  const missing = await post({ Action: 'GetUser', UserName: 'nobody' });
  assert.equal(missing.status, 404);
  assert.match(missing.text, /<Code>NoSuchEntity<\/Code>/);
  const invalid = await post({ Action: 'CreateUser', UserName: 'bad name' });
  assert.equal(invalid.status, 400);
  assert.match(invalid.text, /UserName: found &quot;bad name&quot;/);
});
