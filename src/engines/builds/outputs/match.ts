// Matches buildspec path patterns (artifacts, reports, cache) against a directory tree, the way CodeBuild reads them.
import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, readlink, realpath, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';

/** One file found under a base directory. */
export interface MatchedEntry {
  /** '/'-separated path relative to the base directory. */
  readonly rel: string;
  /** Absolute host path (for a followed symlink, the link's own path: reading it reads the target). */
  readonly abs: string;
  /** 'symlink' only when links are kept; followed links are reported as the file they point to. */
  readonly kind: 'file' | 'symlink';
  readonly linkTarget?: string;
  readonly mode: number;
  readonly size: number;
  readonly mtime: Date;
  /** Change time and inode (of the file read): with size and mtime, what a cache fingerprint compares. */
  readonly ctimeMs: number;
  readonly ino: number;
}

export interface MatchOptions {
  /**
   * Keep symbolic links that point inside `linkRoot` as links; links pointing elsewhere, and every link when
   * false, are followed (their target's content is taken).
   */
  readonly keepLinks: boolean;
  /** The tree a kept link must stay inside (the base directory for artifacts). */
  readonly linkRoot: string;
  /**
   * Files whose real path lies outside this directory are skipped with a warning. In a container build a link's
   * target means a path in the container; read on the host it would be some other (host) file.
   */
  readonly confine?: string;
}

export interface MatchResult {
  readonly entries: MatchedEntry[];
  readonly warnings: string[];
}

// `dot: true`: CodeBuild's '**/*' takes dot files and dot directories too (.ebextensions, .npmrc).
const PICO = { dot: true } as const;

/** Normalises a buildspec pattern: './x' → 'x', 'dir/' → 'dir', backslashes are kept (POSIX paths). */
export function normalisePattern(pattern: string): string {
  let p = pattern.trim();
  while (p.startsWith('./')) p = p.slice(2);
  if (p === '.' || p === '') return '**/*';
  while (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

export function isGlob(pattern: string): boolean {
  return picomatch.scan(pattern).isGlob;
}

/** The directory part of a pattern before its first glob segment ('' when the pattern starts with one). */
export function staticBase(pattern: string): string {
  const scan = picomatch.scan(pattern);
  return scan.isGlob ? scan.base : pattern;
}

/** True when `child` is `parent` or lies under it. */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Every file under `base` that `pattern` selects:
 * - a glob matches files (not directories) by their path relative to `base`;
 * - a plain path names one file, or a directory whose whole content is taken.
 */
export async function matchPattern(base: string, rawPattern: string, options: MatchOptions): Promise<MatchResult> {
  const pattern = normalisePattern(rawPattern);
  const warnings: string[] = [];
  const entries: MatchedEntry[] = [];
  const confine = options.confine === undefined ? undefined : await realpath(options.confine).catch(() => resolve(options.confine ?? '/'));
  const walker = new Walker({ ...options, ...(confine === undefined ? {} : { confine }) }, warnings, entries);
  if (!isGlob(pattern)) {
    const target = resolve(base, pattern);
    if (!isInside(base, target)) return { entries, warnings: [`${rawPattern}: leaves the base directory; ignored`] };
    await walker.visitPath(base, target, () => true, Infinity);
    return { entries, warnings };
  }
  const scan = picomatch.scan(pattern);
  const start = scan.base === '' ? base : resolve(base, scan.base);
  if (!isInside(base, start)) return { entries, warnings: [`${rawPattern}: leaves the base directory; ignored`] };
  const matcher = picomatch(pattern, PICO);
  // Without '**' a pattern cannot reach deeper than its own segment count: no need to walk the whole tree.
  const depth = scan.glob.includes('**') ? Infinity : scan.glob.split('/').length;
  const startStat = await lstatOrUndefined(start);
  if (startStat === undefined) return { entries, warnings };
  await walker.dir(base, start, (rel) => matcher(rel), depth, new Set());
  return { entries, warnings };
}

/** Directories directly or deeply under `root` whose relative path matches `pattern` (for a globbed base-directory). */
export async function matchDirectories(root: string, rawPattern: string): Promise<string[]> {
  const pattern = normalisePattern(rawPattern);
  if (!isGlob(pattern)) {
    const target = resolve(root, pattern);
    const s = await statOrUndefined(target);
    return s?.isDirectory() === true && isInside(root, target) ? [target] : [];
  }
  const scan = picomatch.scan(pattern);
  const matcher = picomatch(pattern, PICO);
  const depth = scan.glob.includes('**') ? Infinity : scan.glob.split('/').length;
  const out: string[] = [];
  const visit = async (dir: string, left: number): Promise<void> => {
    if (left <= 0) return;
    for (const d of await readdirSorted(dir)) {
      const abs = join(dir, d.name);
      const isDir = d.isDirectory() || (d.isSymbolicLink() && (await statOrUndefined(abs))?.isDirectory() === true);
      if (!isDir) continue;
      if (matcher(toPosix(relative(root, abs)))) out.push(abs);
      await visit(abs, left - 1);
    }
  };
  const start = scan.base === '' ? root : resolve(root, scan.base);
  if (isInside(root, start) && (await statOrUndefined(start))?.isDirectory() === true) await visit(start, depth);
  return out;
}

/** A predicate over '/'-separated relative paths that is true for paths any of `patterns` matches. */
export function anyMatcher(patterns: readonly string[]): (rel: string) => boolean {
  if (patterns.length === 0) return () => false;
  const m = picomatch(patterns.map(normalisePattern), PICO);
  return (rel) => m(rel);
}

class Walker {
  readonly #options: MatchOptions;
  readonly #warnings: string[];
  readonly #entries: MatchedEntry[];

  constructor(options: MatchOptions, warnings: string[], entries: MatchedEntry[]) {
    this.#options = options;
    this.#warnings = warnings;
    this.#entries = entries;
  }

  /** A plain path: one file, or every file under a directory. */
  async visitPath(base: string, target: string, accept: (rel: string) => boolean, depth: number): Promise<void> {
    const s = await lstatOrUndefined(target);
    if (s === undefined) return;
    if (s.isDirectory()) return this.dir(base, target, accept, depth, new Set());
    await this.entry(base, target, s, accept, depth, new Set());
  }

  async dir(base: string, dir: string, accept: (rel: string) => boolean, depth: number, seen: Set<string>): Promise<void> {
    if (depth <= 0) return;
    const real = await realpath(dir).catch(() => dir);
    // A followed symlink loop would walk forever.
    if (seen.has(real)) {
      this.#warnings.push(`${toPosix(relative(base, dir))}: symbolic link loop; not followed again`);
      return;
    }
    const inner = new Set(seen).add(real);
    // A regular file listed in a directory that really lies inside the confining one is inside too: no realpath
    // per file (it was most of the time of scanning a cache of thousands of small files).
    const confine = this.#options.confine;
    const inside = confine === undefined || isInside(confine, real);
    const paths = (await readdirSorted(dir)).map((d) => join(dir, d.name));
    // One directory's entries are stat'ed together (a cache directory holds hundreds of small files), walked in order.
    const stats = await Promise.all(paths.map(lstatOrUndefined));
    for (const [i, abs] of paths.entries()) {
      const s = stats[i];
      if (s === undefined) continue;
      if (s.isDirectory()) await this.dir(base, abs, accept, depth - 1, inner);
      else await this.entry(base, abs, s, accept, depth - 1, inner, inside);
    }
  }

  async entry(base: string, abs: string, s: Stats, accept: (rel: string) => boolean, depth: number, seen: Set<string>, parentInside = false): Promise<void> {
    const rel = toPosix(relative(base, abs));
    if (s.isFile()) {
      if (accept(rel)) await this.#add(rel, abs, s, parentInside);
      return;
    }
    if (!s.isSymbolicLink()) return; // sockets, fifos, devices: never archived
    const linkTarget = await readlink(abs);
    const resolved = resolve(abs, '..', linkTarget);
    if (this.#options.keepLinks && isInside(this.#options.linkRoot, resolved)) {
      if (accept(rel)) this.#entries.push({ rel, abs, kind: 'symlink', linkTarget, mode: 0o120777, size: 0, mtime: s.mtime, ctimeMs: s.ctimeMs, ino: s.ino });
      return;
    }
    const t = await statOrUndefined(abs);
    if (t === undefined) {
      if (accept(rel)) this.#warnings.push(`${rel}: symbolic link to ${linkTarget}, which does not exist; skipped`);
      return;
    }
    if (t.isDirectory()) {
      if (await this.#confined(rel, abs)) await this.dir(base, abs, accept, depth, seen);
    } else if (t.isFile() && accept(rel)) await this.#add(rel, abs, t);
  }

  async #add(rel: string, abs: string, s: Stats, knownInside = false): Promise<void> {
    if (knownInside || (await this.#confined(rel, abs))) this.#entries.push({ rel, abs, kind: 'file', mode: s.mode, size: s.size, mtime: s.mtime, ctimeMs: s.ctimeMs, ino: s.ino });
  }

  /** True when `abs` really lies inside the confining directory (or nothing confines). */
  async #confined(rel: string, abs: string): Promise<boolean> {
    const confine = this.#options.confine;
    if (confine === undefined) return true;
    const real = await realpath(abs).catch(() => undefined);
    if (real !== undefined && isInside(confine, real)) return true;
    this.#warnings.push(`${rel}: resolves to ${real ?? 'nothing'}, outside the source directory; skipped (links are not followed out of it)`);
    return false;
  }
}

export function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

async function readdirSorted(dir: string): Promise<Dirent[]> {
  try {
    const list = await readdir(dir, { withFileTypes: true });
    // Byte order, not locale order: the same tree gives the same archive everywhere.
    return list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (error) {
    if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR')) return [];
    throw error;
  }
}

async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await lstat(p);
  } catch (error) {
    if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR')) return undefined;
    throw error;
  }
}

async function statOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await stat(p);
  } catch (error) {
    if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR') || isCode(error, 'ELOOP')) return undefined;
    throw error;
  }
}

export function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/** Removes `path` when it is a symbolic link, so a following write creates a file instead of writing through it. */
export async function removeIfLink(path: string): Promise<void> {
  try {
    if ((await lstat(path)).isSymbolicLink()) await rm(path);
  } catch (error) {
    if (!isCode(error, 'ENOENT')) throw error;
  }
}
