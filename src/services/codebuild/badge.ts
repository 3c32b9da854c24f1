// CodeBuild build badges: the project's badgeRequestUrl and the SVG served there for its latest build (of a branch or tag).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { arn, parseArn } from '../../core/ids.ts';
import type { Mount } from '../../core/mount.ts';
import { str } from '../../store/db.ts';
import { cloneUrl, findRepository } from '../codecommit/state.ts';
import type { ServiceContext } from '../types.ts';
import type { BuildRecord } from './build-state.ts';
import type { ProjectFields } from './project-input.ts';

type Ctx = Pick<ServiceContext, 'config' | 'store'>;

/** AWS's badge statuses (CodeBuild user guide, "CodeBuild badge statuses"). */
export type BadgeStatus = 'PASSING' | 'FAILING' | 'IN_PROGRESS' | 'UNKNOWN';

export const BADGE_PATH = '/badges';

/** Builds without a branch of their own build the repository's default branch; this is it when nothing says more. */
const FALLBACK_BRANCH = 'main';

/**
 * AWS's `uuid` is an opaque encrypted token naming the project; Slipway's is the project ARN in base64url (nothing
 * secret: badges are public on AWS too), so it needs no table and stays the same for the project's whole life.
 */
function badgeToken(ctx: Ctx, project: string): string {
  return Buffer.from(arn(ctx.config, 'codebuild', `project/${project}`)).toString('base64url');
}

function projectOfToken(ctx: Ctx, token: string): string | undefined {
  const parsed = parseArn(Buffer.from(token, 'base64url').toString('utf8'));
  if (parsed?.service !== 'codebuild' || parsed.region !== ctx.config.region || parsed.accountId !== ctx.config.accountId) return undefined;
  return parsed.resource.startsWith('project/') ? parsed.resource.slice('project/'.length) : undefined;
}

function isCommit(version: string): boolean {
  return /^[0-9a-f]{40}$/i.test(version);
}

/** The branch a build without a sourceVersion builds: the project's sourceVersion branch, else the repository's default. */
function defaultBranch(ctx: Ctx, project: ProjectFields): string {
  const version = project.sourceVersion;
  if (version !== undefined && version !== '' && !isCommit(version) && !version.startsWith('refs/tags/')) return version.replace(/^refs\/heads\//, '');
  const location = project.source?.type === 'CODECOMMIT' ? (project.source.location ?? '') : '';
  const repo = /\/v1\/repos\/([^/?#]+?)(?:\.git)?\/?$/.exec(location)?.[1];
  const found = repo === undefined ? undefined : findRepository(ctx, decodeURIComponent(repo));
  return found?.defaultBranch ?? FALLBACK_BRANCH;
}

/**
 * The badge URL as AWS shapes it (`<endpoint>/badges?uuid=…&branch=<default branch>`); `branch` may be changed to
 * any built branch, or replaced by `tag`, as AWS documents.
 */
export function badgeRequestUrl(ctx: Ctx, name: string, project: ProjectFields): string {
  const endpoint = cloneUrl(ctx, '').replace(/\/v1\/repos\/$/, '');
  return `${endpoint}${BADGE_PATH}?uuid=${badgeToken(ctx, name)}&branch=${encodeURIComponent(defaultBranch(ctx, project))}`;
}

export interface BadgeFilter {
  readonly branch?: string;
  readonly tag?: string;
}

function matches(build: BuildRecord, filter: BadgeFilter, fallbackBranch: string): boolean {
  const version = build.sourceVersion ?? '';
  if (filter.tag !== undefined) return version === filter.tag || version === `refs/tags/${filter.tag}`;
  if (filter.branch === undefined) return true;
  if (version === '') return filter.branch === fallbackBranch;
  return !isCommit(version) && version.replace(/^refs\/heads\//, '') === filter.branch;
}

function statusOf(build: BuildRecord): BadgeStatus {
  if (!build.buildComplete) return 'IN_PROGRESS';
  return build.buildStatus === 'SUCCEEDED' ? 'PASSING' : 'FAILING';
}

/** The badge of the project's most recent build matching `filter`; UNKNOWN without one or with badges disabled. */
export function badgeStatus(ctx: Ctx, name: string, filter: BadgeFilter): BadgeStatus | undefined {
  const row = ctx.store.get('SELECT body FROM codebuild_projects WHERE name = ?', name);
  if (row === undefined) return undefined;
  const project = JSON.parse(str(row, 'body')) as ProjectFields;
  if (project.badgeEnabled !== true) return 'UNKNOWN';
  const fallback = defaultBranch(ctx, project);
  for (const build of ctx.store.all('SELECT body FROM codebuild_builds WHERE project = ? ORDER BY start_time DESC, build_number DESC', name)) {
    const record = JSON.parse(str(build, 'body')) as BuildRecord;
    if (matches(record, filter, fallback)) return statusOf(record);
  }
  return 'UNKNOWN';
}

const LOOK: Record<BadgeStatus, { text: string; color: string }> = {
  PASSING: { text: 'passing', color: '#4c1' },
  FAILING: { text: 'failing', color: '#e05d44' },
  IN_PROGRESS: { text: 'in progress', color: '#dfb317' },
  UNKNOWN: { text: 'unknown', color: '#9f9f9f' },
};

/** A flat "build | <status>" badge; widths from an average glyph width of Verdana 11px. */
export function badgeSvg(status: BadgeStatus): string {
  const { text, color } = LOOK[status];
  const left = 37;
  const right = Math.round(text.length * 6.5) + 10;
  const width = left + right;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="build: ${text}">`,
    `<title>build: ${text}</title>`,
    `<rect width="${left}" height="20" fill="#555"/><rect x="${left}" width="${right}" height="20" fill="${color}"/>`,
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">`,
    `<text x="${left / 2}" y="14">build</text><text x="${left + right / 2}" y="14">${text}</text>`,
    '</g></svg>',
    '',
  ].join('');
}

/** GET /badges?uuid=…[&branch=…|&tag=…]: public, unsigned, never cached (the status changes with every build). */
export function badgeMount(ctx: Ctx): Mount {
  return {
    prefix: `${BADGE_PATH}/`,
    handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const url = new URL(req.url ?? '/', 'http://slipway');
      const plain = (status: number, message: string): void => {
        res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(message) });
        res.end(message);
      };
      if (url.pathname !== BADGE_PATH) return Promise.resolve(plain(404, `No badge at ${url.pathname}; badges are at ${BADGE_PATH}?uuid=…\n`));
      if (req.method !== 'GET' && req.method !== 'HEAD') return Promise.resolve(plain(405, `${req.method ?? ''} ${BADGE_PATH}: expected GET or HEAD\n`));
      const token = url.searchParams.get('uuid') ?? '';
      const name = token === '' ? undefined : projectOfToken(ctx, token);
      const branch = url.searchParams.get('branch');
      const tag = url.searchParams.get('tag');
      const status = name === undefined ? undefined : badgeStatus(ctx, name, { ...(branch === null ? {} : { branch }), ...(tag === null ? {} : { tag }) });
      if (status === undefined) return Promise.resolve(plain(404, `uuid ${JSON.stringify(token)}: no CodeBuild project of this Slipway has that badge\n`));
      const svg = badgeSvg(status);
      res.writeHead(200, { 'content-type': 'image/svg+xml;charset=utf-8', 'content-length': Buffer.byteLength(svg), 'cache-control': 'no-cache, no-store, must-revalidate' });
      res.end(req.method === 'HEAD' ? undefined : svg);
      return Promise.resolve();
    },
  };
}
