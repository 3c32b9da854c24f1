// Manifests by tag or digest: PUT (verified, referenced blobs checked, immutability enforced), GET/HEAD with Accept, DELETE.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DIGEST_PATTERN, MAX_MANIFEST_BYTES } from '../../services/ecr/manifest.ts';
import { pushImage } from '../../services/ecr/push.ts';
import { deleteBlocker, deleteImage, findManifest, requireRepository, TAG_PATTERN, untag } from '../../services/ecr/state.ts';
import { str } from '../../store/db.ts';
import { OciError, readSmallBody, sendEmpty, type RegistryContext } from './http.ts';

function manifestUnknown(repo: string, reference: string): OciError {
  return new OciError('MANIFEST_UNKNOWN', `Manifest ${reference} is not in repository ${repo}`, { detail: { reference } });
}

/** True when the Accept header (absent means anything) admits `mediaType`. */
function accepts(header: string | undefined, mediaType: string): boolean {
  if (header === undefined || header.trim() === '') return true;
  const types = header.split(',').map((t) => t.split(';')[0]?.trim().toLowerCase() ?? '');
  return types.some((t) => t === '*/*' || t === mediaType || t === 'application/*' || t === 'application/json');
}

export async function getManifest(ctx: RegistryContext, req: IncomingMessage, res: ServerResponse, repo: string, reference: string): Promise<void> {
  requireRepository(ctx, repo);
  const row = findManifest(ctx, repo, reference);
  if (row === undefined) throw manifestUnknown(repo, reference);
  const mediaType = str(row, 'media_type');
  const accept = Array.isArray(req.headers.accept) ? req.headers.accept.join(',') : req.headers.accept;
  if (!accepts(accept, mediaType)) {
    throw new OciError('MANIFEST_UNKNOWN', `Manifest ${reference} is a ${mediaType}, which the request's Accept header (${accept ?? ''}) does not admit`, {
      detail: { reference, mediaType },
    });
  }
  const body = Buffer.from(row['body'] as Uint8Array);
  const digest = str(row, 'digest');
  res.writeHead(200, {
    'content-type': mediaType,
    'content-length': body.length,
    'docker-content-digest': digest,
    etag: `"${digest}"`,
    'docker-distribution-api-version': 'registry/2.0',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export async function putManifest(ctx: RegistryContext, req: IncomingMessage, res: ServerResponse, repo: string, reference: string): Promise<void> {
  const byDigest = reference.startsWith('sha256:');
  if (byDigest && !DIGEST_PATTERN.test(reference)) throw new OciError('DIGEST_INVALID', `Reference ${reference} is not a valid sha256 digest`);
  if (!byDigest && !TAG_PATTERN.test(reference)) {
    throw new OciError('TAG_INVALID', `Tag ${JSON.stringify(reference)} is not valid; expected [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`);
  }
  requireRepository(ctx, repo);
  const body = await readSmallBody(req, MAX_MANIFEST_BYTES);
  const contentType = req.headers['content-type'];
  const result = pushImage(ctx, {
    repo,
    body,
    ...(contentType === undefined ? {} : { mediaType: contentType }),
    ...(byDigest ? { digest: reference } : { tag: reference }),
  });
  const digest = result.manifest.digest;
  sendEmpty(res, 201, {
    location: `/v2/${repo}/manifests/${digest}`,
    'docker-content-digest': digest,
    ...(result.manifest.subject === undefined ? {} : { 'oci-subject': result.manifest.subject.digest }),
  });
}

export async function deleteManifest(ctx: RegistryContext, res: ServerResponse, repo: string, reference: string): Promise<void> {
  requireRepository(ctx, repo);
  const row = findManifest(ctx, repo, reference);
  if (row === undefined) throw manifestUnknown(repo, reference);
  if (!DIGEST_PATTERN.test(reference)) {
    untag(ctx, repo, reference, 'RegistryDelete');
    sendEmpty(res, 202, {});
    return;
  }
  const blocker = deleteBlocker(ctx, repo, reference);
  if (blocker !== undefined) throw new OciError('DENIED', `Manifest ${reference} cannot be deleted: ${blocker}`, { status: 409 });
  deleteImage(ctx, repo, reference, 'RegistryDelete');
  sendEmpty(res, 202, {});
}

