// The git server: CodeCommit's smart-HTTP path `/v1/repos/<name>` on the edge's port, authenticated by
// service-specific credentials, served by `git http-backend`; every accepted ref update becomes an event.
import { mkdirSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Mount } from '../../core/mount.ts';
import { gitRoot, listRefs, withRepoLock } from '../../services/codecommit/git.ts';
import { checkRepositoryName, diffRefs, findRepository, recordRefChanges, registerEndpoint } from '../../services/codecommit/state.ts';
import { CODECOMMIT_SERVICE, verifyServiceCredential } from '../../services/iam/credentials.ts';
import type { Engine, EngineContext } from '../types.ts';
import { runHttpBackend } from './http-backend.ts';

export const GIT_PREFIX = '/v1/repos/';
export const REALM = 'Slipway CodeCommit';

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Username and password from `Authorization: Basic …`, or undefined. */
export function basicCredentials(header: string | undefined): { username: string; password: string } | undefined {
  if (header === undefined || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The smart-HTTP requests git makes; anything else (dumb HTTP, objects/…) is refused. */
const SERVICE_PATHS = /^(info\/refs|git-upload-pack|git-receive-pack|HEAD)$/;

export function gitServerMount(ctx: EngineContext): Mount {
  const root = gitRoot(ctx.config.dataDir);
  mkdirSync(root, { recursive: true });
  const log = ctx.log.child({ component: 'git-server' });

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://edge');
    const rest = url.pathname.slice(GIT_PREFIX.length);
    const slash = rest.indexOf('/');
    const rawName = decodeURIComponent(slash < 0 ? rest : rest.slice(0, slash)).replace(/\.git$/, '');
    const sub = slash < 0 ? '' : rest.slice(slash + 1);

    // Every request is authenticated first, so whether a repository exists is not told to strangers.
    const creds = basicCredentials(req.headers.authorization);
    const user = creds === undefined ? undefined : await verifyServiceCredential(ctx.store, CODECOMMIT_SERVICE, creds.username, creds.password);
    if (user === undefined) {
      req.resume();
      plain(
        res,
        401,
        creds === undefined
          ? 'Authentication required: use the HTTPS git credentials from `slipway credentials create --user NAME`.\n'
          : `Invalid username or password for ${creds.username}.\n`,
        { 'www-authenticate': `Basic realm="${REALM}"` },
      );
      return;
    }

    let name: string;
    try {
      name = checkRepositoryName(rawName);
    } catch (error) {
      req.resume();
      plain(res, 404, `repository '${rawName}' not found: ${error instanceof Error ? error.message : String(error)}\n`);
      return;
    }
    const repo = findRepository(ctx, name);
    if (repo === undefined) {
      req.resume();
      plain(res, 404, `repository '${name}' not found: create it with \`aws codecommit create-repository --repository-name ${name}\`.\n`);
      return;
    }
    if (!SERVICE_PATHS.test(sub)) {
      req.resume();
      plain(res, 404, `Not a smart-HTTP git path: ${sub}\n`);
      return;
    }

    const cgi = { projectRoot: root, pathInfo: `/${name}.git/${sub}`, query: url.search.slice(1), remoteUser: user };
    if (sub !== 'git-receive-pack' || req.method !== 'POST') {
      await runHttpBackend(req, res, cgi);
      return;
    }
    // Pushes to one repository run one at a time, so the refs before and after are exactly this push's changes.
    await withRepoLock(repo.dir, async () => {
      const before = await listRefs(repo.dir);
      await runHttpBackend(req, res, cgi, async (code) => {
        const after = await listRefs(repo.dir);
        const changes = await diffRefs(repo.dir, before, after);
        if (changes.length > 0) {
          await recordRefChanges(ctx, findRepository(ctx, name) ?? repo, changes, after);
          log.info({ repository: name, user, refs: changes.map((c) => `${c.event} ${c.referenceName}`), requestId }, 'push accepted');
        } else if (code !== 0) {
          log.warn({ repository: name, user, exitCode: code, requestId }, 'push changed nothing');
        }
      });
    });
  }

  return { prefix: GIT_PREFIX, handle };
}

export function startGitServer(ctx: EngineContext): Engine {
  registerEndpoint(ctx.store, () => ctx.endpoint());
  return { name: 'git-server', mounts: [gitServerMount(ctx)] };
}
