// The image state both doors share (ECR's API and the OCI registry): repositories, manifests, tags, links and events.
import { SlipwayError } from '../../core/errors.ts';
import { arn } from '../../core/ids.ts';
import { num, str, type Row } from '../../store/db.ts';
import type { ServiceContext } from '../types.ts';
import { DIGEST_PATTERN, parseManifest, type ParsedManifest } from './manifest.ts';

export type EcrContext = Pick<ServiceContext, 'store' | 'bus' | 'clock' | 'config'>;

export const REPOSITORY_NAME = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;
/** Docker's tag grammar; ECR allows up to 300 characters. */
export const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,299}$/;

export function repositoryArn(ctx: Pick<ServiceContext, 'config'>, name: string): string {
  return arn(ctx.config, 'ecr', `repository/${name}`);
}

export function findRepository(ctx: Pick<ServiceContext, 'store'>, name: string): Row | undefined {
  return ctx.store.get('SELECT * FROM ecr_repositories WHERE name = ?', name);
}

export function repositoryNotFound(ctx: Pick<ServiceContext, 'config'>, name: string): SlipwayError {
  return new SlipwayError(
    'RepositoryNotFoundException',
    `The repository with name '${name}' does not exist in the registry with id '${ctx.config.accountId}'`,
    { extra: { ociCode: 'NAME_UNKNOWN' } },
  );
}

export function requireRepository(ctx: EcrContext, name: string): Row {
  const row = findRepository(ctx, name);
  if (row === undefined) throw repositoryNotFound(ctx, name);
  return row;
}

export function isLinked(ctx: Pick<ServiceContext, 'store'>, repo: string, digest: string): boolean {
  return ctx.store.get('SELECT 1 AS one FROM ecr_blob_links WHERE repo = ? AND digest = ?', repo, digest) !== undefined;
}

/** Records that `repo` may read `digest` (after an upload into it or a mount from another repository). */
export function linkBlob(ctx: EcrContext, repo: string, digest: string, size: number): void {
  ctx.store.run(
    'INSERT INTO ecr_blob_links (repo, digest, size, linked_at) VALUES (?, ?, ?, ?) ON CONFLICT(repo, digest) DO UPDATE SET linked_at = excluded.linked_at',
    repo,
    digest,
    size,
    ctx.clock.now(),
  );
}

export function findManifest(ctx: Pick<ServiceContext, 'store'>, repo: string, reference: string): Row | undefined {
  if (DIGEST_PATTERN.test(reference)) return ctx.store.get('SELECT * FROM ecr_manifests WHERE repo = ? AND digest = ?', repo, reference);
  return ctx.store.get(
    'SELECT m.* FROM ecr_tags t JOIN ecr_manifests m ON m.repo = t.repo AND m.digest = t.digest WHERE t.repo = ? AND t.tag = ?',
    repo,
    reference,
  );
}

export function tagsOf(ctx: Pick<ServiceContext, 'store'>, repo: string, digest: string): string[] {
  return ctx.store.all('SELECT tag FROM ecr_tags WHERE repo = ? AND digest = ? ORDER BY tag', repo, digest).map((r) => str(r, 'tag'));
}

function isImmutable(repoRow: Row): boolean {
  return str(repoRow, 'tag_mutability').startsWith('IMMUTABLE');
}

export interface PutManifestInput {
  readonly repo: string;
  readonly body: Buffer;
  readonly mediaType?: string;
  readonly tag?: string;
  /** The digest the client named (registry PUT by digest, PutImage's imageDigest): must match the body. */
  readonly digest?: string;
}

export interface PutManifestResult {
  readonly manifest: ParsedManifest;
  readonly size: number;
  /** False when the same manifest (and tag) was already there: nothing changed and no event was emitted. */
  readonly changed: boolean;
}

/** Validates and stores a manifest, moves the tag, and emits `ecr.image.push` in the same transaction. */
export function putManifest(ctx: EcrContext, input: PutManifestInput): PutManifestResult {
  const repoRow = requireRepository(ctx, input.repo);
  const manifest = parseManifest(input.body, input.mediaType);
  if (input.digest !== undefined && input.digest !== manifest.digest) {
    throw new SlipwayError(
      'ImageDigestDoesNotMatchException',
      `The manifest's digest is ${manifest.digest}, but the request named ${input.digest}`,
      { extra: { ociCode: 'DIGEST_INVALID' } },
    );
  }
  if (input.tag !== undefined && !TAG_PATTERN.test(input.tag)) {
    throw new SlipwayError('InvalidParameterException', `Invalid image tag ${JSON.stringify(input.tag)}; expected [A-Za-z0-9_][A-Za-z0-9_.-]{0,299}`, {
      extra: { ociCode: 'TAG_INVALID' },
    });
  }
  const result = ctx.store.tx((): PutManifestResult => {
    const missingBlobs = manifest.blobs.filter((b) => !isLinked(ctx, input.repo, b.digest));
    if (missingBlobs.length > 0) {
      throw new SlipwayError(
        'LayersNotFoundException',
        `The manifest references blobs not uploaded to repository ${input.repo}: ${missingBlobs.map((b) => b.digest).join(', ')}`,
        { extra: { ociCode: 'MANIFEST_BLOB_UNKNOWN', ociDetail: missingBlobs.map((b) => ({ digest: b.digest })) } },
      );
    }
    const childSizes: number[] = [];
    const missingChildren: string[] = [];
    for (const child of manifest.children) {
      const row = findManifest(ctx, input.repo, child.digest);
      if (row === undefined) missingChildren.push(child.digest);
      else childSizes.push(num(row, 'size'));
    }
    if (missingChildren.length > 0) {
      throw new SlipwayError(
        'ReferencedImagesNotFoundException',
        `The index references manifests not in repository ${input.repo}: ${missingChildren.join(', ')}`,
        { extra: { ociCode: 'MANIFEST_BLOB_UNKNOWN', ociDetail: missingChildren.map((digest) => ({ digest })) } },
      );
    }
    const size = manifest.isIndex ? Math.max(0, ...childSizes) : manifest.blobs.reduce((sum, b) => sum + b.size, 0);
    const existing = findManifest(ctx, input.repo, manifest.digest);
    const currentTag = input.tag === undefined ? undefined : ctx.store.get('SELECT digest FROM ecr_tags WHERE repo = ? AND tag = ?', input.repo, input.tag);
    const tagMoves = input.tag !== undefined && (currentTag === undefined || str(currentTag, 'digest') !== manifest.digest);
    if (tagMoves && currentTag !== undefined && isImmutable(repoRow)) {
      throw new SlipwayError(
        'ImageTagAlreadyExistsException',
        `The image tag '${input.tag ?? ''}' already exists in the '${input.repo}' repository and cannot be overwritten because the repository is immutable.`,
        { extra: { ociCode: 'TAG_INVALID' } },
      );
    }
    if (existing !== undefined && !tagMoves) return { manifest, size, changed: false };
    const now = ctx.clock.now();
    if (existing === undefined) {
      ctx.store.run(
        'INSERT INTO ecr_manifests (repo, digest, media_type, artifact_type, subject, size, body, pushed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        input.repo,
        manifest.digest,
        manifest.mediaType,
        manifest.artifactType ?? null,
        manifest.subject?.digest ?? null,
        size,
        input.body,
        now,
      );
      for (const b of manifest.blobs) {
        ctx.store.run('INSERT OR IGNORE INTO ecr_manifest_refs (repo, digest, child, kind) VALUES (?, ?, ?, ?)', input.repo, manifest.digest, b.digest, 'blob');
      }
      for (const c of manifest.children) {
        ctx.store.run('INSERT OR IGNORE INTO ecr_manifest_refs (repo, digest, child, kind) VALUES (?, ?, ?, ?)', input.repo, manifest.digest, c.digest, 'manifest');
      }
    } else {
      // Re-tagging an existing image counts as a push of it, as in ECR.
      ctx.store.run('UPDATE ecr_manifests SET pushed_at = ? WHERE repo = ? AND digest = ?', now, input.repo, manifest.digest);
    }
    if (input.tag !== undefined) {
      ctx.store.run(
        'INSERT INTO ecr_tags (repo, tag, digest) VALUES (?, ?, ?) ON CONFLICT(repo, tag) DO UPDATE SET digest = excluded.digest',
        input.repo,
        input.tag,
        manifest.digest,
      );
    }
    ctx.bus.publish({
      type: 'ecr.image.push',
      resource: repositoryArn(ctx, input.repo),
      detail: {
        repositoryName: input.repo,
        repositoryArn: repositoryArn(ctx, input.repo),
        imageTag: input.tag ?? null,
        imageDigest: manifest.digest,
        imageSizeInBytes: size,
        mediaType: manifest.mediaType,
      },
    });
    return { manifest, size, changed: true };
  });
  return result;
}

/** Why an image cannot be deleted, or undefined when it can. */
export function deleteBlocker(ctx: EcrContext, repo: string, digest: string): string | undefined {
  const parent = ctx.store.get(
    "SELECT digest FROM ecr_manifest_refs WHERE repo = ? AND child = ? AND kind = 'manifest' AND digest != ? LIMIT 1",
    repo,
    digest,
    digest,
  );
  return parent === undefined ? undefined : `The image is referenced by the manifest list ${str(parent, 'digest')}`;
}

/** Deletes one image (manifest and all its tags) and emits `ecr.image.delete`; blobs go at the next garbage collection. */
export function deleteImage(ctx: EcrContext, repo: string, digest: string, reason: string): void {
  ctx.store.tx(() => {
    const tags = tagsOf(ctx, repo, digest);
    const blobRefs = ctx.store.all("SELECT child FROM ecr_manifest_refs WHERE repo = ? AND digest = ? AND kind = 'blob'", repo, digest).map((r) => str(r, 'child'));
    const row = ctx.store.get('SELECT media_type, pushed_at FROM ecr_manifests WHERE repo = ? AND digest = ?', repo, digest);
    if (row === undefined) return;
    ctx.store.run('DELETE FROM ecr_manifests WHERE repo = ? AND digest = ?', repo, digest);
    // Links only this image used go with it, unless a client touched them since (a push in flight reusing the blob).
    ctx.store.run(
      `DELETE FROM ecr_blob_links WHERE repo = ? AND linked_at <= ? AND digest IN (SELECT value FROM json_each(?))
         AND NOT EXISTS (SELECT 1 FROM ecr_manifest_refs r WHERE r.repo = ecr_blob_links.repo AND r.child = ecr_blob_links.digest)`,
      repo,
      num(row, 'pushed_at'),
      JSON.stringify(blobRefs),
    );
    ctx.bus.publish({
      type: 'ecr.image.delete',
      resource: repositoryArn(ctx, repo),
      detail: { repositoryName: repo, repositoryArn: repositoryArn(ctx, repo), imageDigest: digest, imageTags: tags, mediaType: str(row, 'media_type'), reason },
    });
  });
}

/** Removes one tag; an image left with no tag is deleted, as ECR's BatchDeleteImage does. Returns the image's digest. */
export function untag(ctx: EcrContext, repo: string, tag: string, reason: string): string | undefined {
  return ctx.store.tx(() => {
    const row = ctx.store.get('SELECT digest FROM ecr_tags WHERE repo = ? AND tag = ?', repo, tag);
    if (row === undefined) return undefined;
    const digest = str(row, 'digest');
    const others = tagsOf(ctx, repo, digest).filter((t) => t !== tag);
    if (others.length === 0) {
      deleteImage(ctx, repo, digest, reason);
    } else {
      ctx.store.run('DELETE FROM ecr_tags WHERE repo = ? AND tag = ?', repo, tag);
      ctx.bus.publish({
        type: 'ecr.image.untag',
        resource: repositoryArn(ctx, repo),
        detail: { repositoryName: repo, repositoryArn: repositoryArn(ctx, repo), imageDigest: digest, imageTag: tag, reason },
      });
    }
    return digest;
  });
}
