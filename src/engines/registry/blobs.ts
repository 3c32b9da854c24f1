// Blob reads (HEAD/GET with Range) and uploads: monolithic POST, chunked PATCH, PUT to finish, status, cancel, cross-repository mount.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { isSlipwayError } from '../../core/errors.ts';
import { DIGEST_PATTERN } from '../../services/ecr/manifest.ts';
import { isLinked, linkBlob, requireRepository } from '../../services/ecr/state.ts';
import { str } from '../../store/db.ts';
import { holdInFlight, OciError, sendEmpty, type RegistryContext } from './http.ts';

function blobUnknown(repo: string, digest: string): OciError {
  return new OciError('BLOB_UNKNOWN', `Blob ${digest} is not in repository ${repo}`, { detail: { digest } });
}

function requireDigest(value: string | null): string {
  if (value === null || !DIGEST_PATTERN.test(value)) {
    throw new OciError('DIGEST_INVALID', `Digest ${JSON.stringify(value)} is not valid; expected sha256:<64 lower-case hex digits>`);
  }
  return value;
}

/** Maps blob-store failures to the registry's codes. */
function storeError(error: unknown, repo: string, digest: string): unknown {
  if (!isSlipwayError(error)) return error;
  switch (error.code) {
    case 'DigestMismatch':
      return new OciError('DIGEST_INVALID', `The uploaded content does not match digest ${digest}: ${error.message}`, { detail: { digest } });
    case 'UploadNotFound':
      return new OciError('BLOB_UPLOAD_UNKNOWN', error.message);
    case 'BlobNotFound':
      return blobUnknown(repo, digest);
    default:
      return error;
  }
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (m === null) throw new OciError('RANGE_INVALID', `Range ${header} is not of the form bytes=start-end`, { headers: { 'content-range': `bytes */${size}` } });
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) {
    throw new OciError('RANGE_INVALID', `Range ${header} does not fit a blob of ${size} bytes`, { headers: { 'content-range': `bytes */${size}` } });
  }
  return { start, end };
}

export async function getBlob(ctx: RegistryContext, req: IncomingMessage, res: ServerResponse, repo: string, digestParam: string): Promise<void> {
  requireRepository(ctx, repo);
  const digest = requireDigest(digestParam);
  const size = isLinked(ctx, repo, digest) ? await ctx.blobs.stat(digest) : undefined;
  if (size === undefined) throw blobUnknown(repo, digest);
  if (req.method === 'HEAD') {
    // A HEAD is how clients decide to skip an upload: refresh the link so a concurrent delete leaves it for this push.
    linkBlob(ctx, repo, digest, size);
  }
  const range = parseRange(req.headers.range, size);
  const headers = {
    'content-type': 'application/octet-stream',
    'docker-content-digest': digest,
    etag: `"${digest}"`,
    'accept-ranges': 'bytes',
    'docker-distribution-api-version': 'registry/2.0',
    'cache-control': 'max-age=31536000',
  };
  if (req.method === 'HEAD') {
    res.writeHead(200, { ...headers, 'content-length': size });
    res.end();
    return;
  }
  const stream = await ctx.blobs.read(digest, range).catch((error: unknown) => {
    throw storeError(error, repo, digest);
  });
  if (range === undefined) res.writeHead(200, { ...headers, 'content-length': size });
  else res.writeHead(206, { ...headers, 'content-length': range.end - range.start + 1, 'content-range': `bytes ${range.start}-${range.end}/${size}` });
  await pipeline(stream, res);
}

function uploadLocation(repo: string, id: string): string {
  return `/v2/${repo}/blobs/uploads/${id}`;
}

function uploadHeaders(repo: string, id: string, size: number): Record<string, string> {
  // An empty upload reports 0-0, as the reference registry does (clients only read the end offset).
  return { location: uploadLocation(repo, id), range: `0-${Math.max(0, size - 1)}`, 'docker-upload-uuid': id };
}

async function created(ctx: RegistryContext, res: ServerResponse, repo: string, digest: string, size: number): Promise<void> {
  ctx.store.tx(() => linkBlob(ctx, repo, digest, size));
  sendEmpty(res, 201, { location: `/v2/${repo}/blobs/${digest}`, 'docker-content-digest': digest });
}

export async function startUpload(ctx: RegistryContext, req: IncomingMessage, res: ServerResponse, repo: string, query: URLSearchParams): Promise<void> {
  requireRepository(ctx, repo);
  const mount = query.get('mount');
  const from = query.get('from');
  if (mount !== null && from !== null && DIGEST_PATTERN.test(mount) && isLinked(ctx, from, mount)) {
    const size = await ctx.blobs.stat(mount);
    if (size !== undefined) {
      await created(ctx, res, repo, mount, size);
      return;
    }
  }
  const digestParam = query.get('digest');
  if (digestParam !== null) {
    const digest = requireDigest(digestParam);
    const release = holdInFlight(ctx, digest);
    try {
      const info = await ctx.blobs.put(req, digest).catch((error: unknown) => {
        throw storeError(error, repo, digest);
      });
      await created(ctx, res, repo, info.digest, info.size);
    } finally {
      release();
    }
    return;
  }
  const id = await ctx.blobs.startUpload();
  ctx.store.run('INSERT INTO ecr_uploads (id, repo, started_at) VALUES (?, ?, ?)', id, repo, ctx.clock.now());
  sendEmpty(res, 202, uploadHeaders(repo, id, 0));
}

/** The upload must exist and belong to this repository. */
function requireUpload(ctx: RegistryContext, repo: string, id: string): void {
  requireRepository(ctx, repo);
  const row = ctx.store.get('SELECT repo FROM ecr_uploads WHERE id = ?', id);
  if (row === undefined || str(row, 'repo') !== repo) {
    throw new OciError('BLOB_UPLOAD_UNKNOWN', `Upload ${id} is not in progress in repository ${repo}`);
  }
}

async function append(ctx: RegistryContext, req: IncomingMessage, repo: string, id: string): Promise<number> {
  const header = req.headers['content-range'];
  let offset: number | undefined;
  if (header !== undefined) {
    const m = /^(?:bytes[= ])?(\d+)-(\d+)(?:\/\d+|\/\*)?$/.exec(header.trim());
    if (m === null) throw new OciError('BLOB_UPLOAD_INVALID', `Content-Range ${header} is not of the form start-end`, { status: 416 });
    offset = Number(m[1]);
  }
  try {
    return await ctx.blobs.appendUpload(id, req, offset);
  } catch (error) {
    if (isSlipwayError(error) && error.code === 'UploadOffsetMismatch') {
      const size = Number(error.extra['size']);
      throw new OciError('BLOB_UPLOAD_INVALID', `${error.message}; resume from offset ${size}`, {
        status: 416,
        headers: uploadHeaders(repo, id, size),
      });
    }
    throw storeError(error, repo, '');
  }
}

export async function patchUpload(ctx: RegistryContext, req: IncomingMessage, res: ServerResponse, repo: string, id: string): Promise<void> {
  requireUpload(ctx, repo, id);
  const size = await append(ctx, req, repo, id);
  sendEmpty(res, 202, uploadHeaders(repo, id, size));
}

export async function finishUpload(ctx: RegistryContext, req: IncomingMessage, res: ServerResponse, repo: string, id: string, query: URLSearchParams): Promise<void> {
  requireUpload(ctx, repo, id);
  const digest = requireDigest(query.get('digest'));
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody) await append(ctx, req, repo, id);
  const release = holdInFlight(ctx, digest);
  try {
    const info = await ctx.blobs.commitUpload(id, digest).catch((error: unknown) => {
      throw storeError(error, repo, digest);
    });
    ctx.store.tx(() => {
      ctx.store.run('DELETE FROM ecr_uploads WHERE id = ?', id);
      linkBlob(ctx, repo, info.digest, info.size);
    });
    sendEmpty(res, 201, { location: `/v2/${repo}/blobs/${info.digest}`, 'docker-content-digest': info.digest });
  } finally {
    release();
  }
}

export async function uploadStatus(ctx: RegistryContext, res: ServerResponse, repo: string, id: string): Promise<void> {
  requireUpload(ctx, repo, id);
  const size = await ctx.blobs.uploadSize(id).catch((error: unknown) => {
    throw storeError(error, repo, '');
  });
  sendEmpty(res, 204, uploadHeaders(repo, id, size));
}

export async function cancelUpload(ctx: RegistryContext, res: ServerResponse, repo: string, id: string): Promise<void> {
  requireUpload(ctx, repo, id);
  await ctx.blobs.abortUpload(id);
  ctx.store.run('DELETE FROM ecr_uploads WHERE id = ?', id);
  sendEmpty(res, 204, {});
}
