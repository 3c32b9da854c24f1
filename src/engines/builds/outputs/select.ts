// Picks the files of one artifact set or report group: base-directory (maybe a glob), files, exclude-paths, discard-paths.
import { posix, resolve } from 'node:path';
import { SlipwayError } from '../../../core/errors.ts';
import type { MatchedEntry } from './match.ts';
import { anyMatcher, isInside, matchDirectories, matchPattern, normalisePattern } from './match.ts';

/** A file as it goes into an archive. */
export interface SelectedFile extends MatchedEntry {
  /** The path inside the archive. */
  readonly path: string;
}

export interface SelectSpec {
  readonly files: readonly string[];
  readonly baseDirectory?: string;
  readonly discardPaths: boolean;
  readonly excludePaths?: readonly string[];
  readonly enableSymlinks?: boolean;
}

export interface Selection {
  /** Sorted by `path`. */
  readonly files: SelectedFile[];
  readonly warnings: string[];
  /** The lines CodeBuild's agent logs while assembling the file list ("Expanding …", "Found 3 file(s)"). */
  readonly log: string[];
}

export interface SelectOptions {
  /**
   * Follow symbolic links that leave `root` (and take the host file they name). Only right when the build ran on
   * the host itself (host mode); in a container the link named a container path.
   */
  readonly followLinksOutside?: boolean;
}

/** AWS's phase context message when an artifact set selects nothing. */
export const NO_MATCHING_ARTIFACT_PATHS = 'no matching artifact paths found';

/**
 * The files `spec` selects under `root` (CODEBUILD_SRC_DIR). Paths in the archive are relative to the base
 * directory (each matched one, for a globbed base-directory), or bare names with discard-paths.
 */
export async function selectFiles(root: string, spec: SelectSpec, options: SelectOptions = {}): Promise<Selection> {
  const warnings: string[] = [];
  const shownBase = spec.baseDirectory ?? '.';
  const log = [`Expanding base directory path: ${shownBase}`, 'Assembling file list', `Expanding ${shownBase}`];
  const bases = spec.baseDirectory === undefined ? [resolve(root)] : await baseDirectories(root, spec.baseDirectory);
  log.push(`Expanding file paths for base directory ${shownBase}`, 'Assembling file list');
  const matchedSomething = new Set<string>();
  const excluded = anyMatcher(spec.excludePaths ?? []);
  const byPath = new Map<string, SelectedFile>();
  for (const base of bases) {
    for (const pattern of spec.files) {
      const found = await matchPattern(base, pattern, {
        keepLinks: spec.enableSymlinks === true,
        linkRoot: base,
        ...(options.followLinksOutside === true ? {} : { confine: root }),
      });
      warnings.push(...found.warnings);
      for (const entry of found.entries) {
        if (excluded(entry.rel)) continue;
        matchedSomething.add(pattern);
        const path = spec.discardPaths ? posix.basename(entry.rel) : entry.rel;
        const earlier = byPath.get(path);
        if (earlier !== undefined && earlier.abs !== entry.abs) {
          // Flattening two files to one name: the later one replaces the earlier, as a copy into one folder would.
          warnings.push(`${path}: ${entry.rel} replaces ${earlier.rel} (discard-paths puts both at the same name)`);
        }
        byPath.set(path, { ...entry, path });
      }
    }
  }
  for (const pattern of spec.files) {
    log.push(`Expanding ${pattern}`);
    if (!matchedSomething.has(pattern)) log.push(`Skipping invalid file path ${pattern}`);
  }
  const files = [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (files.length > 0) log.push(`Found ${files.length} file(s)`);
  return { files, warnings, log };
}

async function baseDirectories(root: string, baseDirectory: string): Promise<string[]> {
  if (['', '.', './'].includes(baseDirectory.trim())) return [resolve(root)];
  const pattern = normalisePattern(baseDirectory);
  if (posix.isAbsolute(pattern) || !isInside(resolve(root), resolve(root, pattern))) {
    throw new SlipwayError('CLIENT_ERROR', `base-directory ${JSON.stringify(baseDirectory)} leaves the source directory: expected a directory relative to CODEBUILD_SRC_DIR`);
  }
  return matchDirectories(resolve(root), pattern);
}
