// The `/v2/` mount: token auth (basic `AWS:<password>`), path parsing and dispatch to blobs, uploads, manifests, tags, referrers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Mount } from '../../core/mount.ts';
import { checkBasicAuth } from '../../services/ecr/auth.ts';
import { REPOSITORY_NAME } from '../../services/ecr/state.ts';
import { cancelUpload, finishUpload, getBlob, patchUpload, startUpload, uploadStatus } from './blobs.ts';
import { OciError, sendEmpty, sendOciError, toOciError, type RegistryContext } from './http.ts';
import { deleteManifest, getManifest, putManifest } from './manifests.ts';
import { catalog, listTags, referrers } from './tags.ts';

export const REALM = 'Slipway ECR';

const ROUTES = [
  { kind: 'uploads', re: /^\/v2\/(.+)\/blobs\/uploads\/?$/ },
  { kind: 'upload', re: /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/ },
  { kind: 'blob', re: /^\/v2\/(.+)\/blobs\/([^/]+)$/ },
  { kind: 'manifest', re: /^\/v2\/(.+)\/manifests\/([^/]+)$/ },
  { kind: 'tags', re: /^\/v2\/(.+)\/tags\/list$/ },
  { kind: 'referrers', re: /^\/v2\/(.+)\/referrers\/([^/]+)$/ },
] as const;

function unsupported(method: string, path: string): OciError {
  return new OciError('UNSUPPORTED', `${method} ${path} is not supported by this registry`);
}

function authorize(ctx: RegistryContext, req: IncomingMessage): void {
  const check = checkBasicAuth(ctx, req.headers.authorization);
  if (check === 'valid') return;
  const message = {
    missing: 'Authentication required: log in with the password from `aws ecr get-login-password` (user AWS)',
    invalid: 'The registry login is not valid: expected user AWS and a password from GetAuthorizationToken',
    expired: 'Your authorization token has expired. Reauthenticate and try again.',
  }[check];
  throw new OciError('UNAUTHORIZED', message, { headers: { 'www-authenticate': `Basic realm="${REALM}"` } });
}

async function route(ctx: RegistryContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://registry');
  const path = url.pathname;
  const method = req.method ?? 'GET';
  const read = method === 'GET' || method === 'HEAD';
  authorize(ctx, req);
  if (path === '/v2' || path === '/v2/') {
    if (!read) throw unsupported(method, path);
    sendEmpty(res, 200, {});
    return;
  }
  if (path === '/v2/_catalog') {
    if (!read) throw unsupported(method, path);
    catalog(ctx, req, res, url.searchParams);
    return;
  }
  for (const { kind, re } of ROUTES) {
    const m = re.exec(path);
    if (m === null) continue;
    const repo = m[1] ?? '';
    const ref = decodeURIComponent(m[2] ?? '');
    if (!REPOSITORY_NAME.test(repo)) throw new OciError('NAME_INVALID', `Repository name ${JSON.stringify(repo)} is not valid`);
    switch (`${kind} ${read ? 'GET' : method}`) {
      case 'uploads POST':
        return startUpload(ctx, req, res, repo, url.searchParams);
      case 'upload PATCH':
        return patchUpload(ctx, req, res, repo, ref);
      case 'upload PUT':
        return finishUpload(ctx, req, res, repo, ref, url.searchParams);
      case 'upload GET':
        return uploadStatus(ctx, res, repo, ref);
      case 'upload DELETE':
        return cancelUpload(ctx, res, repo, ref);
      case 'blob GET':
        return getBlob(ctx, req, res, repo, ref);
      case 'manifest GET':
        return getManifest(ctx, req, res, repo, ref);
      case 'manifest PUT':
        return putManifest(ctx, req, res, repo, ref);
      case 'manifest DELETE':
        return deleteManifest(ctx, res, repo, ref);
      case 'tags GET':
        return listTags(ctx, req, res, repo, url.searchParams);
      case 'referrers GET':
        return referrers(ctx, req, res, repo, ref, url.searchParams);
      default:
        throw unsupported(method, path);
    }
  }
  throw new OciError('NAME_UNKNOWN', `No registry route for ${method} ${path}`, { status: 404 });
}

export function registryMount(ctx: RegistryContext): Mount {
  return {
    prefix: '/v2/',
    async handle(req, res, requestId) {
      try {
        await route(ctx, req, res);
      } catch (error) {
        const oci = toOciError(error);
        if (oci === undefined) ctx.log.error({ err: error, requestId, path: req.url }, 'registry request failed');
        if (res.headersSent) {
          res.destroy();
          return;
        }
        sendOciError(res, oci ?? new OciError('UNSUPPORTED', 'Internal registry error', { status: 500 }));
      }
    },
  };
}
