// ECR images: list, describe, get and delete in batches, and PutImage (a manifest written through the API).
import type {
  BatchDeleteImageRequest,
  BatchDeleteImageResponse,
  BatchGetImageRequest,
  BatchGetImageResponse,
  DescribeImagesRequest,
  DescribeImagesResponse,
  ImageDetail,
  ImageFailure,
  ImageIdentifier,
  ListImagesRequest,
  ListImagesResponse,
  PutImageRequest,
  PutImageResponse,
} from '@aws-sdk/client-ecr';
import { SlipwayError } from '../../core/errors.ts';
import { num, str, type Row } from '../../store/db.ts';
import { pageAt, tokenOffset, type Page } from '../paging.ts';
import type { OperationContext } from '../types.ts';
import { assertPresent, InputReader } from '../validate.ts';
import { DIGEST_PATTERN } from './manifest.ts';
import { pushImage } from './push.ts';
import { readRepositoryName } from './repositories.ts';
import { deleteBlocker, deleteImage, findManifest, requireRepository, tagsOf, untag } from './state.ts';

const TAG_STATUS = ['TAGGED', 'UNTAGGED', 'ANY'] as const;

/** ECR starts over at the first page for a token it did not issue. */
function page<T>(items: readonly T[], token: string | undefined, max: number): Page<T> {
  return pageAt(items, token === undefined ? 0 : (tokenOffset(token) ?? 0), max);
}

/** Validates imageIds without InputReader's list-of-structs gap: each needs a digest or a tag. */
function imageIdList(value: unknown, field: string, min: number): ImageIdentifier[] {
  if (!Array.isArray(value) || value.length < min || value.length > 100) {
    throw new SlipwayError('InvalidParameterException', `${field}: expected a list of ${min} to 100 image identifiers`);
  }
  return value.map((v: unknown, i) => {
    const id = (typeof v === 'object' && v !== null ? v : {}) as ImageIdentifier;
    if (id.imageDigest !== undefined && (typeof id.imageDigest !== 'string' || !DIGEST_PATTERN.test(id.imageDigest))) {
      throw new SlipwayError('InvalidParameterException', `${field}[${i}].imageDigest: found ${JSON.stringify(id.imageDigest)}, expected sha256:<64 hex digits>`);
    }
    return id;
  });
}

interface Resolved {
  readonly row?: Row;
  readonly failure?: ImageFailure;
}

function resolve(ctx: OperationContext, repo: string, id: ImageIdentifier): Resolved {
  if (id.imageDigest === undefined && id.imageTag === undefined) {
    return { failure: { imageId: id, failureCode: 'MissingDigestAndTag', failureReason: 'Invalid request parameters: both tag and digest cannot be null' } };
  }
  const byDigest = id.imageDigest === undefined ? undefined : findManifest(ctx, repo, id.imageDigest);
  const byTag = id.imageTag === undefined ? undefined : findManifest(ctx, repo, id.imageTag);
  if (id.imageDigest !== undefined && id.imageTag !== undefined && byDigest !== undefined && byTag !== undefined && str(byDigest, 'digest') !== str(byTag, 'digest')) {
    return { failure: { imageId: id, failureCode: 'ImageTagDoesNotMatchDigest', failureReason: 'Invalid request parameters: given tag and digest do not match' } };
  }
  const row = byDigest ?? byTag;
  if (row === undefined || (id.imageDigest !== undefined && byDigest === undefined) || (id.imageTag !== undefined && byTag === undefined)) {
    return { failure: { imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' } };
  }
  return { row };
}

function detail(ctx: OperationContext, repo: string, row: Row): ImageDetail {
  const digest = str(row, 'digest');
  const tags = tagsOf(ctx, repo, digest);
  const artifactType = str(row, 'artifact_type');
  const subject = str(row, 'subject');
  return {
    registryId: ctx.config.accountId,
    repositoryName: repo,
    imageDigest: digest,
    ...(tags.length > 0 ? { imageTags: tags } : {}),
    imageSizeInBytes: num(row, 'size'),
    imagePushedAt: new Date(num(row, 'pushed_at')),
    imageManifestMediaType: str(row, 'media_type'),
    ...(artifactType === '' ? {} : { artifactMediaType: artifactType }),
    ...(subject === '' ? {} : { subjectManifestDigest: subject }),
  };
}

/** The members ListImages and DescribeImages share: paging, the tagStatus filter and an existing repository. */
function readImageListing(input: object, ctx: OperationContext): { max: number; token: string | undefined; tagStatus: string; repo: string } {
  const r = new InputReader(input);
  const max = r.integer('maxResults', { min: 1, max: 1000 }) ?? 100;
  const token = r.string('nextToken');
  const tagStatus = r.struct('filter')?.string('tagStatus', { oneOf: TAG_STATUS }) ?? 'ANY';
  const repo = readRepositoryName(r, ctx);
  requireRepository(ctx, repo);
  return { max, token, tagStatus, repo };
}

export function listImages(input: ListImagesRequest, ctx: OperationContext): ListImagesResponse {
  const { max, token, tagStatus, repo } = readImageListing(input, ctx);
  const ids: ImageIdentifier[] = [];
  for (const m of ctx.store.all('SELECT digest FROM ecr_manifests WHERE repo = ? ORDER BY pushed_at, digest', repo)) {
    const digest = str(m, 'digest');
    const tags = tagsOf(ctx, repo, digest);
    if (tags.length === 0 && tagStatus !== 'TAGGED') ids.push({ imageDigest: digest });
    if (tagStatus !== 'UNTAGGED') for (const tag of tags) ids.push({ imageDigest: digest, imageTag: tag });
  }
  const p = page(ids, token, max);
  return { imageIds: p.items, ...(p.nextToken === undefined ? {} : { nextToken: p.nextToken }) };
}

export function describeImages(input: DescribeImagesRequest, ctx: OperationContext): DescribeImagesResponse {
  const { max, token, tagStatus, repo } = readImageListing(input, ctx);
  if (input.imageIds !== undefined) {
    const details: ImageDetail[] = [];
    for (const id of imageIdList(input.imageIds, 'imageIds', 1)) {
      const found = resolve(ctx, repo, id);
      if (found.row === undefined) {
        throw new SlipwayError('ImageNotFoundException', `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${repo}' in the registry with id '${ctx.config.accountId}'`);
      }
      if (!details.some((d) => d.imageDigest === str(found.row as Row, 'digest'))) details.push(detail(ctx, repo, found.row));
    }
    return { imageDetails: details };
  }
  const all = ctx.store
    .all('SELECT * FROM ecr_manifests WHERE repo = ? ORDER BY pushed_at, digest', repo)
    .map((row) => detail(ctx, repo, row))
    .filter((d) => tagStatus === 'ANY' || (tagStatus === 'TAGGED') === (d.imageTags !== undefined));
  const p = page(all, token, max);
  return { imageDetails: p.items, ...(p.nextToken === undefined ? {} : { nextToken: p.nextToken }) };
}

export function batchGetImage(input: BatchGetImageRequest, ctx: OperationContext): BatchGetImageResponse {
  const r = new InputReader(input);
  const accepted = r.stringList('acceptedMediaTypes', { min: 1, max: 100 });
  const repo = readRepositoryName(r, ctx);
  requireRepository(ctx, repo);
  const images: NonNullable<BatchGetImageResponse['images']> = [];
  const failures: ImageFailure[] = [];
  for (const id of imageIdList(input.imageIds, 'imageIds', 1)) {
    const found = resolve(ctx, repo, id);
    if (found.row === undefined) {
      if (found.failure !== undefined) failures.push(found.failure);
      continue;
    }
    const mediaType = str(found.row, 'media_type');
    if (accepted !== undefined && !accepted.includes(mediaType)) {
      failures.push({ imageId: id, failureCode: 'ImageNotFound', failureReason: `The image's media type ${mediaType} is not among acceptedMediaTypes` });
      continue;
    }
    const digest = str(found.row, 'digest');
    images.push({
      registryId: ctx.config.accountId,
      repositoryName: repo,
      imageId: { imageDigest: digest, ...(id.imageTag === undefined ? {} : { imageTag: id.imageTag }) },
      imageManifest: Buffer.from(found.row['body'] as Uint8Array).toString('utf8'),
      imageManifestMediaType: mediaType,
    });
  }
  return { images, failures };
}

export function batchDeleteImage(input: BatchDeleteImageRequest, ctx: OperationContext): BatchDeleteImageResponse {
  const repo = readRepositoryName(new InputReader(input), ctx);
  const ids = imageIdList(input.imageIds, 'imageIds', 1);
  return ctx.store.tx(() => {
    requireRepository(ctx, repo);
    const deleted: ImageIdentifier[] = [];
    const failures: ImageFailure[] = [];
    for (const id of ids) {
      const found = resolve(ctx, repo, id);
      if (found.row === undefined) {
        if (found.failure !== undefined) failures.push(found.failure);
        continue;
      }
      const digest = str(found.row, 'digest');
      if (id.imageDigest === undefined && id.imageTag !== undefined && tagsOf(ctx, repo, digest).length > 1) {
        untag(ctx, repo, id.imageTag, 'BatchDeleteImage');
        deleted.push({ imageDigest: digest, imageTag: id.imageTag });
        continue;
      }
      const blocker = deleteBlocker(ctx, repo, digest);
      if (blocker !== undefined) {
        failures.push({ imageId: id, failureCode: 'ImageReferencedByManifestList', failureReason: blocker });
        continue;
      }
      const tags = tagsOf(ctx, repo, digest);
      deleteImage(ctx, repo, digest, 'BatchDeleteImage');
      if (tags.length === 0) deleted.push({ imageDigest: digest });
      for (const tag of tags) deleted.push({ imageDigest: digest, imageTag: tag });
    }
    return { imageIds: deleted, failures };
  });
}

export function putImage(input: PutImageRequest, ctx: OperationContext): PutImageResponse {
  const r = new InputReader(input);
  const manifest = r.string('imageManifest', { required: true, min: 1, max: 4194304 });
  const mediaType = r.string('imageManifestMediaType');
  const tag = r.string('imageTag', { min: 1, max: 300 });
  const digest = r.string('imageDigest', { pattern: DIGEST_PATTERN, patternText: 'sha256:<64 hex digits>' });
  const repo = readRepositoryName(r, ctx);
  assertPresent(manifest);
  const result = pushImage(ctx, {
    repo,
    body: Buffer.from(manifest, 'utf8'),
    ...(mediaType === undefined ? {} : { mediaType }),
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  });
  if (!result.changed) {
    throw new SlipwayError(
      'ImageAlreadyExistsException',
      `Image with digest '${result.manifest.digest}'${tag === undefined ? '' : ` and tag '${tag}'`} already exists in the repository with name '${repo}' in registry with id '${ctx.config.accountId}'`,
    );
  }
  return {
    image: {
      registryId: ctx.config.accountId,
      repositoryName: repo,
      imageId: { imageDigest: result.manifest.digest, ...(tag === undefined ? {} : { imageTag: tag }) },
      imageManifest: manifest,
      imageManifestMediaType: result.manifest.mediaType,
    },
  };
}
