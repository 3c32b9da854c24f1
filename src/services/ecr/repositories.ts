// ECR repositories: create, describe, delete (force), tag mutability, lifecycle policies.
import type {
  CreateRepositoryRequest,
  CreateRepositoryResponse,
  DeleteRepositoryRequest,
  DeleteRepositoryResponse,
  DescribeRepositoriesRequest,
  DescribeRepositoriesResponse,
  GetLifecyclePolicyRequest,
  GetLifecyclePolicyResponse,
  PutImageTagMutabilityRequest,
  PutImageTagMutabilityResponse,
  PutLifecyclePolicyRequest,
  PutLifecyclePolicyResponse,
  Repository,
} from '@aws-sdk/client-ecr';
import { SlipwayError } from '../../core/errors.ts';
import { num, str, type Row } from '../../store/db.ts';
import { offsetToken, tokenOffset } from '../paging.ts';
import type { OperationContext } from '../types.ts';
import { assertPresent, InputReader } from '../validate.ts';
import { registryHost } from './auth.ts';
import { applyLifecyclePolicy, parseLifecyclePolicy } from './lifecycle.ts';
import { deleteImage, findRepository, REPOSITORY_NAME, repositoryArn, repositoryNotFound, requireRepository } from './state.ts';

export const NAME_RULE = {
  required: true,
  min: 2,
  max: 256,
  pattern: REPOSITORY_NAME,
  patternText: "lower-case letters and digits in parts joined by '.', '_', '__' or '-', with '/' between path components",
} as const;
const MUTABILITY = ['MUTABLE', 'IMMUTABLE', 'IMMUTABLE_WITH_EXCLUSION', 'MUTABLE_WITH_EXCLUSION'] as const;
const REGISTRY_ID = { pattern: /^[0-9]{12}$/, patternText: 'a 12-digit account id' } as const;

export function toRepository(row: Row, ctx: OperationContext): Repository {
  const name = str(row, 'name');
  const kmsKey = str(row, 'kms_key');
  return {
    repositoryArn: repositoryArn(ctx, name),
    registryId: ctx.config.accountId,
    repositoryName: name,
    repositoryUri: `${registryHost(ctx)}/${name}`,
    createdAt: new Date(num(row, 'created_at')),
    imageTagMutability: str(row, 'tag_mutability') as Repository['imageTagMutability'],
    imageScanningConfiguration: { scanOnPush: num(row, 'scan_on_push') === 1 },
    encryptionConfiguration: {
      encryptionType: str(row, 'encryption_type') as 'AES256',
      ...(kmsKey === '' ? {} : { kmsKey }),
    },
  };
}

/** Reads `repositoryName` (and checks `registryId` is this account's) for every repository-scoped operation. */
export function readRepositoryName(r: InputReader, ctx: OperationContext): string {
  const name = r.string('repositoryName', NAME_RULE);
  const registryId = r.string('registryId', REGISTRY_ID);
  r.done();
  assertPresent(name);
  if (registryId !== undefined && registryId !== ctx.config.accountId) {
    throw new SlipwayError('InvalidParameterException', `registryId ${registryId} is not this registry's (${ctx.config.accountId})`);
  }
  return name;
}

export function createRepository(input: CreateRepositoryRequest, ctx: OperationContext): CreateRepositoryResponse {
  const r = new InputReader(input);
  const mutability = r.string('imageTagMutability', { oneOf: MUTABILITY }) ?? 'MUTABLE';
  const scanning = r.struct('imageScanningConfiguration');
  const scanOnPush = scanning?.boolean('scanOnPush') ?? false;
  const encryption = r.struct('encryptionConfiguration');
  const encryptionType = encryption?.string('encryptionType', { required: true, oneOf: ['AES256', 'KMS', 'KMS_DSSE'] }) ?? 'AES256';
  const kmsKey = encryption?.string('kmsKey', { min: 1, max: 2048 });
  const tags = Array.isArray(input.tags) ? input.tags : [];
  if (input.tags !== undefined && !Array.isArray(input.tags)) r.stringList('tags');
  const name = readRepositoryName(r, ctx);
  return ctx.store.tx(() => {
    if (findRepository(ctx, name) !== undefined) {
      throw new SlipwayError(
        'RepositoryAlreadyExistsException',
        `The repository with name '${name}' already exists in the registry with id '${ctx.config.accountId}'`,
      );
    }
    ctx.store.run(
      'INSERT INTO ecr_repositories (name, created_at, tag_mutability, scan_on_push, encryption_type, kms_key, tags) VALUES (?, ?, ?, ?, ?, ?, ?)',
      name,
      ctx.clock.now(),
      mutability,
      scanOnPush ? 1 : 0,
      encryptionType,
      kmsKey ?? null,
      JSON.stringify(tags),
    );
    ctx.bus.publish({ type: 'ecr.repository.create', resource: repositoryArn(ctx, name), detail: { repositoryName: name } });
    return { repository: toRepository(requireRepository(ctx, name), ctx) };
  });
}

export function describeRepositories(input: DescribeRepositoriesRequest, ctx: OperationContext): DescribeRepositoriesResponse {
  const r = new InputReader(input);
  const names = r.stringList('repositoryNames', { min: 1, max: 100, item: NAME_RULE });
  const max = r.integer('maxResults', { min: 1, max: 1000 }) ?? 100;
  const token = r.string('nextToken');
  r.string('registryId', REGISTRY_ID);
  r.done();
  if (names !== undefined) {
    const rows = names.map((n) => findRepository(ctx, n));
    const missing = names.find((_, i) => rows[i] === undefined);
    if (missing !== undefined) throw repositoryNotFound(ctx, missing);
    return { repositories: rows.map((row) => toRepository(row as Row, ctx)) };
  }
  const offset = token === undefined ? 0 : (tokenOffset(token) ?? 0);
  const rows = ctx.store.all('SELECT * FROM ecr_repositories ORDER BY name LIMIT ? OFFSET ?', max + 1, offset);
  const more = rows.length > max;
  return {
    repositories: rows.slice(0, max).map((row) => toRepository(row, ctx)),
    ...(more ? { nextToken: offsetToken(offset + max) } : {}),
  };
}

export function deleteRepository(input: DeleteRepositoryRequest, ctx: OperationContext): DeleteRepositoryResponse {
  const r = new InputReader(input);
  const force = r.boolean('force') ?? false;
  const name = readRepositoryName(r, ctx);
  return ctx.store.tx(() => {
    const row = requireRepository(ctx, name);
    const images = ctx.store.all('SELECT digest FROM ecr_manifests WHERE repo = ? ORDER BY pushed_at', name).map((d) => str(d, 'digest'));
    if (images.length > 0 && !force) {
      throw new SlipwayError(
        'RepositoryNotEmptyException',
        `The repository with name '${name}' in registry with id '${ctx.config.accountId}' cannot be deleted because it still contains ${images.length} image(s); pass force to delete them too`,
      );
    }
    const repository = toRepository(row, ctx);
    for (const digest of images) deleteImage(ctx, name, digest, 'DeleteRepository');
    ctx.store.run('DELETE FROM ecr_repositories WHERE name = ?', name);
    ctx.bus.publish({ type: 'ecr.repository.delete', resource: repositoryArn(ctx, name), detail: { repositoryName: name, imagesDeleted: images.length } });
    return { repository };
  });
}

export function putImageTagMutability(input: PutImageTagMutabilityRequest, ctx: OperationContext): PutImageTagMutabilityResponse {
  const r = new InputReader(input);
  const mutability = r.string('imageTagMutability', { required: true, oneOf: MUTABILITY });
  const name = readRepositoryName(r, ctx);
  assertPresent(mutability);
  ctx.store.tx(() => {
    requireRepository(ctx, name);
    ctx.store.run('UPDATE ecr_repositories SET tag_mutability = ? WHERE name = ?', mutability, name);
    ctx.bus.publish({ type: 'ecr.repository.update', resource: repositoryArn(ctx, name), detail: { repositoryName: name, imageTagMutability: mutability } });
  });
  return { registryId: ctx.config.accountId, repositoryName: name, imageTagMutability: mutability as PutImageTagMutabilityResponse['imageTagMutability'] };
}

export function putLifecyclePolicy(input: PutLifecyclePolicyRequest, ctx: OperationContext): PutLifecyclePolicyResponse {
  const r = new InputReader(input);
  const text = r.string('lifecyclePolicyText', { required: true, min: 100, max: 30720 });
  const name = readRepositoryName(r, ctx);
  assertPresent(text);
  parseLifecyclePolicy(text);
  ctx.store.tx(() => {
    requireRepository(ctx, name);
    ctx.store.run('UPDATE ecr_repositories SET lifecycle_policy = ? WHERE name = ?', text, name);
    ctx.bus.publish({ type: 'ecr.lifecycle-policy.put', resource: repositoryArn(ctx, name), detail: { repositoryName: name } });
  });
  // ECR evaluates a new policy soon after it is set; Slipway does so at once.
  applyLifecyclePolicy(ctx, name);
  return { registryId: ctx.config.accountId, repositoryName: name, lifecyclePolicyText: text };
}

export function getLifecyclePolicy(input: GetLifecyclePolicyRequest, ctx: OperationContext): GetLifecyclePolicyResponse {
  const name = readRepositoryName(new InputReader(input), ctx);
  const row = requireRepository(ctx, name);
  const text = str(row, 'lifecycle_policy');
  if (text === '') {
    throw new SlipwayError(
      'LifecyclePolicyNotFoundException',
      `Lifecycle policy does not exist for the repository with name '${name}' in the registry with id '${ctx.config.accountId}'`,
    );
  }
  const evaluated = num(row, 'lifecycle_evaluated_at');
  return {
    registryId: ctx.config.accountId,
    repositoryName: name,
    lifecyclePolicyText: text,
    ...(Number.isNaN(evaluated) ? {} : { lastEvaluatedAt: new Date(evaluated) }),
  };
}
