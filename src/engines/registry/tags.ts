// Tag listing with pagination (n, last, Link), the referrers API (filtered by artifactType) and the catalog.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DIGEST_PATTERN, MEDIA } from '../../services/ecr/manifest.ts';
import { requireRepository } from '../../services/ecr/state.ts';
import { str } from '../../store/db.ts';
import { OciError, sendJsonBody, type RegistryContext } from './http.ts';

function pageSize(query: URLSearchParams): number | undefined {
  const n = query.get('n');
  if (n === null || n === '') return undefined;
  const value = Number(n);
  if (!Number.isInteger(value) || value < 0) throw new OciError('UNSUPPORTED', `n=${n} is not a non-negative integer`, { status: 400 });
  return Math.min(value, 10_000);
}

function pageOf(items: readonly string[], query: URLSearchParams, path: string): { items: string[]; link?: string } {
  const n = pageSize(query);
  const last = query.get('last');
  const after = last === null ? items : items.filter((t) => t > last);
  if (n === undefined || after.length <= n) return { items: after.slice(0, n) };
  const page = after.slice(0, n);
  const next = new URLSearchParams({ n: String(n), last: page[page.length - 1] ?? '' });
  return { items: page, link: `<${path}?${next.toString()}>; rel="next"` };
}

export function listTags(ctx: RegistryContext, req: IncomingMessage, res: ServerResponse, repo: string, query: URLSearchParams): void {
  requireRepository(ctx, repo);
  // Lexical order (byte-wise), as the spec asks for.
  const tags = ctx.store.all('SELECT tag FROM ecr_tags WHERE repo = ? ORDER BY tag COLLATE BINARY', repo).map((r) => str(r, 'tag'));
  const page = pageOf(tags, query, `/v2/${repo}/tags/list`);
  sendJsonBody(res, 200, { name: repo, tags: page.items }, page.link === undefined ? {} : { link: page.link }, req.method === 'HEAD');
}

export function catalog(ctx: RegistryContext, req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
  const names = ctx.store.all('SELECT name FROM ecr_repositories ORDER BY name COLLATE BINARY').map((r) => str(r, 'name'));
  const page = pageOf(names, query, '/v2/_catalog');
  sendJsonBody(res, 200, { repositories: page.items }, page.link === undefined ? {} : { link: page.link }, req.method === 'HEAD');
}

export function referrers(ctx: RegistryContext, req: IncomingMessage, res: ServerResponse, repo: string, digest: string, query: URLSearchParams): void {
  requireRepository(ctx, repo);
  if (!DIGEST_PATTERN.test(digest)) throw new OciError('DIGEST_INVALID', `Digest ${digest} is not valid; expected sha256:<64 hex digits>`);
  const filter = query.get('artifactType');
  const rows = ctx.store.all('SELECT digest, media_type, artifact_type, body FROM ecr_manifests WHERE repo = ? AND subject = ? ORDER BY digest', repo, digest);
  const manifests = rows
    .map((row) => {
      const body = Buffer.from(row['body'] as Uint8Array);
      const parsed = JSON.parse(body.toString('utf8')) as { annotations?: Record<string, string> };
      const artifactType = str(row, 'artifact_type');
      return {
        mediaType: str(row, 'media_type'),
        digest: str(row, 'digest'),
        size: body.length,
        ...(artifactType === '' ? {} : { artifactType }),
        ...(parsed.annotations === undefined ? {} : { annotations: parsed.annotations }),
      };
    })
    .filter((d) => filter === null || d.artifactType === filter);
  const headers = { 'content-type': MEDIA.ociIndex, ...(filter === null ? {} : { 'oci-filters-applied': 'artifactType' }) };
  sendJsonBody(res, 200, { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests }, headers, req.method === 'HEAD');
}
