// OCI distribution wire helpers: error bodies and statuses, bounded body reads, the registry's request context.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isSlipwayError } from '../../core/errors.ts';
import type { EngineContext } from '../types.ts';

export type OciCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'TAG_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'RANGE_INVALID';

const STATUS: Readonly<Record<OciCode, number>> = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  TAG_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  RANGE_INVALID: 416,
};

/** An error the registry answers with `{"errors":[{code,message,detail}]}`. */
export class OciError extends Error {
  readonly code: OciCode;
  readonly status: number;
  readonly detail: unknown;
  readonly headers: Record<string, string>;

  constructor(code: OciCode, message: string, options: { detail?: unknown; status?: number; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = 'OciError';
    this.code = code;
    this.status = options.status ?? STATUS[code];
    this.detail = options.detail ?? null;
    this.headers = options.headers ?? {};
  }
}

/** Errors from the shared ECR state carry their registry code in `extra.ociCode`. */
export function toOciError(error: unknown): OciError | undefined {
  if (error instanceof OciError) return error;
  if (isSlipwayError(error) && typeof error.extra['ociCode'] === 'string') {
    return new OciError(error.extra['ociCode'] as OciCode, error.message, { detail: error.extra['ociDetail'] ?? null });
  }
  return undefined;
}

export function sendOciError(res: ServerResponse, error: OciError): void {
  const text = JSON.stringify({ errors: [{ code: error.code, message: error.message, detail: error.detail }] });
  res.writeHead(error.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'docker-distribution-api-version': 'registry/2.0',
    ...error.headers,
  });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string | number>): void {
  res.writeHead(status, { 'content-length': 0, 'docker-distribution-api-version': 'registry/2.0', ...headers });
  res.end();
}

export function sendJsonBody(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | number> = {}, head = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'docker-distribution-api-version': 'registry/2.0',
    ...headers,
  });
  res.end(head ? undefined : text);
}

/** Reads a small body (a manifest) whole, refusing more than `limit` bytes. */
export async function readSmallBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new OciError('SIZE_INVALID', `Manifest is over ${limit} bytes; expected at most ${limit}`, { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** What every registry handler gets: the engine's context, the parsed URL and the in-flight blob set shared with GC. */
export interface RegistryContext extends EngineContext {
  /** Digests being written right now, not yet linked: garbage collection leaves them alone. */
  readonly inFlight: Map<string, number>;
}

export function holdInFlight(ctx: RegistryContext, digest: string): () => void {
  ctx.inFlight.set(digest, (ctx.inFlight.get(digest) ?? 0) + 1);
  return () => {
    const n = (ctx.inFlight.get(digest) ?? 1) - 1;
    if (n <= 0) ctx.inFlight.delete(digest);
    else ctx.inFlight.set(digest, n);
  };
}
