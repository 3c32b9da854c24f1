import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  GetLifecyclePolicyCommand,
  ImageAlreadyExistsException,
  ImageNotFoundException,
  ImageTagAlreadyExistsException,
  InvalidParameterException,
  LayersNotFoundException,
  LifecyclePolicyNotFoundException,
  ListImagesCommand,
  PutImageCommand,
  PutImageTagMutabilityCommand,
  PutLifecyclePolicyCommand,
  RepositoryAlreadyExistsException,
  RepositoryNotEmptyException,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import { typeFilter } from '../../core/events.ts';
import { awsCli, awsCliAvailable } from '../../../test/helpers/aws-cli.ts';
import { checkShape, loadModel } from '../../../test/helpers/aws-model.ts';
import { callJson, startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import { digestOf } from '../../store/blobs.ts';
import { linkBlob } from './state.ts';

let t: TestDaemon;
let ecr: ECRClient;
const model = loadModel('ecr.2015-09-21');
const T = 'AmazonEC2ContainerRegistry_V20150921';

before(async () => {
  t = await startTestDaemon();
  ecr = new ECRClient(t.sdk);
});
after(async () => {
  ecr.destroy();
  await t.stop();
});

/** An OCI image manifest whose config and layer are linked into `repo` without going through the registry. */
function manifestFor(repo: string, seed: string): string {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', seed }));
  const layer = Buffer.from(`layer ${seed}`);
  const ctx = t.daemon;
  ctx.store.tx(() => {
    linkBlob({ store: ctx.store, bus: ctx.bus, clock: ctx.clock, config: ctx.config }, repo, digestOf(config), config.length);
    linkBlob({ store: ctx.store, bus: ctx.bus, clock: ctx.clock, config: ctx.config }, repo, digestOf(layer), layer.length);
  });
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(layer), size: layer.length }],
  });
}

test('CreateRepository, DescribeRepositories with a repositoryUri at the edge, duplicates refused', async () => {
  const created = await ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/app', imageTagMutability: 'MUTABLE', tags: [{ Key: 'k', Value: 'v' }] }));
  const host = new URL(t.endpoint).host;
  assert.equal(created.repository?.repositoryUri, `${host}/team/app`);
  assert.equal(created.repository?.repositoryArn, 'arn:aws:ecr:us-east-1:000000000000:repository/team/app');
  assert.equal(created.repository?.registryId, '000000000000');
  await assert.rejects(ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/app' })), RepositoryAlreadyExistsException);
  const described = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['team/app'] }));
  assert.equal(described.repositories?.[0]?.imageTagMutability, 'MUTABLE');
  await assert.rejects(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['nope'] })), RepositoryNotFoundException);
});

test('CreateRepository rejects names outside the model pattern with every problem listed', async () => {
  const res = await callJson(t.endpoint, `${T}.CreateRepository`, { repositoryName: 'Bad_Name', imageTagMutability: 'SOMETIMES' });
  assert.equal(res.status, 400);
  assert.equal(res.body['__type'], 'ValidationException');
  assert.match(String(res.body['message']), /2 validation errors/);
});

test('PutImage, ListImages, DescribeImages, BatchGetImage return the stored manifest and its details', async () => {
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'put-image' }));
  const manifest = manifestFor('put-image', 'one');
  const put = await ecr.send(new PutImageCommand({ repositoryName: 'put-image', imageManifest: manifest, imageTag: 'v1' }));
  assert.equal(put.image?.imageId?.imageDigest, digestOf(manifest));
  await assert.rejects(ecr.send(new PutImageCommand({ repositoryName: 'put-image', imageManifest: manifest, imageTag: 'v1' })), ImageAlreadyExistsException);
  const list = await ecr.send(new ListImagesCommand({ repositoryName: 'put-image' }));
  assert.deepEqual(list.imageIds, [{ imageDigest: digestOf(manifest), imageTag: 'v1' }]);
  const described = await ecr.send(new DescribeImagesCommand({ repositoryName: 'put-image', imageIds: [{ imageTag: 'v1' }] }));
  const d = described.imageDetails?.[0];
  assert.deepEqual(d?.imageTags, ['v1']);
  assert.equal(d?.imageManifestMediaType, 'application/vnd.oci.image.manifest.v1+json');
  assert.ok((d?.imageSizeInBytes ?? 0) > 0);
  assert.ok(d?.imagePushedAt instanceof Date);
  await assert.rejects(ecr.send(new DescribeImagesCommand({ repositoryName: 'put-image', imageIds: [{ imageTag: 'nope' }] })), ImageNotFoundException);
  const got = await ecr.send(new BatchGetImageCommand({ repositoryName: 'put-image', imageIds: [{ imageTag: 'v1' }, { imageTag: 'missing' }] }));
  assert.equal(got.images?.[0]?.imageManifest, manifest);
  assert.equal(got.failures?.[0]?.failureCode, 'ImageNotFound');
});

test('PutImage refuses manifests whose layers were never uploaded, and bad digests', async () => {
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'no-layers' }));
  const manifest = manifestFor('put-image', 'elsewhere');
  await assert.rejects(ecr.send(new PutImageCommand({ repositoryName: 'no-layers', imageManifest: manifest })), LayersNotFoundException);
  await assert.rejects(ecr.send(new PutImageCommand({ repositoryName: 'no-layers', imageManifest: '{"schemaVersion": 2' })), InvalidParameterException);
  await assert.rejects(ecr.send(new PutImageCommand({ repositoryName: 'missing-repo', imageManifest: manifest })), RepositoryNotFoundException);
});

test('PutImageTagMutability IMMUTABLE refuses to move a tag; ecr.image.push is emitted per push', async () => {
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'immutable' }));
  const pushed = t.daemon.bus.next(typeFilter('ecr.image.push'));
  const first = manifestFor('immutable', 'a');
  await ecr.send(new PutImageCommand({ repositoryName: 'immutable', imageManifest: first, imageTag: 'prod' }));
  const event = await pushed;
  assert.equal(event.detail['repositoryName'], 'immutable');
  assert.equal(event.detail['imageTag'], 'prod');
  assert.equal(event.detail['imageDigest'], digestOf(first));
  assert.equal(event.detail['repositoryArn'], 'arn:aws:ecr:us-east-1:000000000000:repository/immutable');
  assert.equal(event.detail['mediaType'], 'application/vnd.oci.image.manifest.v1+json');
  assert.equal(typeof event.detail['imageSizeInBytes'], 'number');
  const set = await ecr.send(new PutImageTagMutabilityCommand({ repositoryName: 'immutable', imageTagMutability: 'IMMUTABLE' }));
  assert.equal(set.imageTagMutability, 'IMMUTABLE');
  await assert.rejects(
    ecr.send(new PutImageCommand({ repositoryName: 'immutable', imageManifest: manifestFor('immutable', 'b'), imageTag: 'prod' })),
    ImageTagAlreadyExistsException,
  );
  const images = await ecr.send(new DescribeImagesCommand({ repositoryName: 'immutable' }));
  assert.equal(images.imageDetails?.length, 1);
});

test('BatchDeleteImage by tag and digest emits ecr.image.delete; DeleteRepository needs force when not empty', async () => {
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'deleting' }));
  const m1 = manifestFor('deleting', '1');
  const m2 = manifestFor('deleting', '2');
  await ecr.send(new PutImageCommand({ repositoryName: 'deleting', imageManifest: m1, imageTag: 'one' }));
  await ecr.send(new PutImageCommand({ repositoryName: 'deleting', imageManifest: m2, imageTag: 'two' }));
  const deletedEvent = t.daemon.bus.next(typeFilter('ecr.image.delete'));
  const del = await ecr.send(new BatchDeleteImageCommand({ repositoryName: 'deleting', imageIds: [{ imageTag: 'one' }, { imageDigest: `sha256:${'0'.repeat(64)}` }] }));
  assert.deepEqual(del.imageIds, [{ imageDigest: digestOf(m1), imageTag: 'one' }]);
  assert.equal(del.failures?.[0]?.failureCode, 'ImageNotFound');
  assert.equal((await deletedEvent).detail['imageDigest'], digestOf(m1));
  await assert.rejects(ecr.send(new DeleteRepositoryCommand({ repositoryName: 'deleting' })), RepositoryNotEmptyException);
  const gone = await ecr.send(new DeleteRepositoryCommand({ repositoryName: 'deleting', force: true }));
  assert.equal(gone.repository?.repositoryName, 'deleting');
  await assert.rejects(ecr.send(new ListImagesCommand({ repositoryName: 'deleting' })), RepositoryNotFoundException);
});

test('GetAuthorizationToken gives base64 AWS:<password>, a proxyEndpoint at the edge and 12 hours of validity', async () => {
  const res = await ecr.send(new GetAuthorizationTokenCommand({}));
  const data = res.authorizationData?.[0];
  const decoded = Buffer.from(data?.authorizationToken ?? '', 'base64').toString('utf8');
  assert.match(decoded, /^AWS:.{20,}$/);
  assert.equal(data?.proxyEndpoint, t.endpoint);
  const hours = ((data?.expiresAt?.getTime() ?? 0) - Date.now()) / 3_600_000;
  assert.ok(hours > 11.9 && hours <= 12, `expiresAt ${hours} hours away`);
});

test('lifecycle policies are validated, stored and applied after each push', async () => {
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'lifecycle' }));
  await assert.rejects(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lifecycle' })), LifecyclePolicyNotFoundException);
  const bad = JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }] });
  await assert.rejects(ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lifecycle', lifecyclePolicyText: bad })), /tagPrefixList/);
  const policy = JSON.stringify({
    rules: [{ rulePriority: 1, description: 'keep two', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 2 }, action: { type: 'expire' } }],
  });
  await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lifecycle', lifecyclePolicyText: policy }));
  const got = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lifecycle' }));
  assert.equal(got.lifecyclePolicyText, policy);
  for (const n of ['1', '2', '3']) {
    await ecr.send(new PutImageCommand({ repositoryName: 'lifecycle', imageManifest: manifestFor('lifecycle', `lc${n}`), imageTag: `v${n}` }));
  }
  const left = await ecr.send(new ListImagesCommand({ repositoryName: 'lifecycle' }));
  assert.deepEqual(left.imageIds?.map((i) => i.imageTag).sort(), ['v2', 'v3']);
});

test('responses on the wire match the AWS model shapes', async () => {
  const create = await callJson(t.endpoint, `${T}.CreateRepository`, { repositoryName: 'wire' });
  assert.deepEqual(checkShape(model, 'CreateRepositoryResponse', create.body), []);
  const repos = await callJson(t.endpoint, `${T}.DescribeRepositories`, {});
  assert.deepEqual(checkShape(model, 'DescribeRepositoriesResponse', repos.body), []);
  const put = await callJson(t.endpoint, `${T}.PutImage`, { repositoryName: 'wire', imageManifest: manifestFor('wire', 'w'), imageTag: 'latest' });
  assert.deepEqual(checkShape(model, 'PutImageResponse', put.body), []);
  const list = await callJson(t.endpoint, `${T}.ListImages`, { repositoryName: 'wire' });
  assert.deepEqual(checkShape(model, 'ListImagesResponse', list.body), []);
  const described = await callJson(t.endpoint, `${T}.DescribeImages`, { repositoryName: 'wire' });
  assert.deepEqual(checkShape(model, 'DescribeImagesResponse', described.body), []);
  const got = await callJson(t.endpoint, `${T}.BatchGetImage`, { repositoryName: 'wire', imageIds: [{ imageTag: 'latest' }, { imageTag: 'x' }] });
  assert.deepEqual(checkShape(model, 'BatchGetImageResponse', got.body), []);
  const token = await callJson(t.endpoint, `${T}.GetAuthorizationToken`, {});
  assert.deepEqual(checkShape(model, 'GetAuthorizationTokenResponse', token.body), []);
  const mut = await callJson(t.endpoint, `${T}.PutImageTagMutability`, { repositoryName: 'wire', imageTagMutability: 'IMMUTABLE' });
  assert.deepEqual(checkShape(model, 'PutImageTagMutabilityResponse', mut.body), []);
  const policy = JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 }, action: { type: 'expire' } }] });
  const lp = await callJson(t.endpoint, `${T}.PutLifecyclePolicy`, { repositoryName: 'wire', lifecyclePolicyText: policy });
  assert.deepEqual(checkShape(model, 'PutLifecyclePolicyResponse', lp.body), []);
  const glp = await callJson(t.endpoint, `${T}.GetLifecyclePolicy`, { repositoryName: 'wire' });
  assert.deepEqual(checkShape(model, 'GetLifecyclePolicyResponse', glp.body), []);
  const del = await callJson(t.endpoint, `${T}.BatchDeleteImage`, { repositoryName: 'wire', imageIds: [{ imageTag: 'latest' }] });
  assert.deepEqual(checkShape(model, 'BatchDeleteImageResponse', del.body), []);
  const drop = await callJson(t.endpoint, `${T}.DeleteRepository`, { repositoryName: 'wire' });
  assert.deepEqual(checkShape(model, 'DeleteRepositoryResponse', drop.body), []);
  const missing = await callJson(t.endpoint, `${T}.DeleteRepository`, { repositoryName: 'wire' });
  assert.equal(missing.body['__type'], 'RepositoryNotFoundException');
});

test('aws ecr get-login-password through --endpoint-url prints a password the token table accepts', async (ctx) => {
  if (!(await awsCliAvailable())) {
    ctx.skip('aws CLI not installed');
    return;
  }
  const stdout = await awsCli(t.endpoint, ['ecr', 'get-login-password']);
  const password = stdout.trim();
  assert.ok(password.length > 20);
  const res = await fetch(`${t.endpoint}/v2/`, { headers: { authorization: `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}` } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
});
