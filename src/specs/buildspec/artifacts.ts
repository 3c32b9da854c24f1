// Reads the buildspec `artifacts`, `reports` and `cache` sections.
import type { Artifacts, ArtifactSet, Cache, ReportGroup } from './model.ts';
import { MAX_REPORT_GROUPS, REPORT_FILE_FORMATS } from './model.ts';
import type { Ctx, Field } from './source.ts';
import { bool, fail, mapping, oneOf, report, text, textList } from './source.ts';

const ARTIFACT_KEYS = ['files', 'name', 'discard-paths', 'base-directory', 'exclude-paths', 'enable-symlinks', 's3-prefix'] as const;
const TOP_ARTIFACT_KEYS = [...ARTIFACT_KEYS, 'secondary-artifacts'] as const;
const REPORT_KEYS = ['files', 'base-directory', 'discard-paths', 'file-format'] as const;
const CACHE_KEYS = ['paths', 'key', 'fallback-keys', 'action'] as const;

/** A required, non-empty list of path patterns. */
function requiredFiles(ctx: Ctx, parent: Field, m: Map<string, Field>): string[] {
  const f = m.get('files');
  if (f === undefined) {
    fail(ctx, { ...parent, node: parent.at ?? parent.node }, {
      found: 'no files',
      expected: `${parent.path}.files, a list of path patterns`,
      suggestion: "use '**/*' to take every file",
    });
    return [];
  }
  if (f.node === null) {
    fail(ctx, f, { found: 'an empty files list', expected: 'at least one path pattern' });
    return [];
  }
  return textList(ctx, f, 'a list of path patterns');
}

function optionalText(ctx: Ctx, f: Field | undefined, expected: string): { value?: string } {
  const value = text(ctx, f, expected);
  return value === undefined ? {} : { value };
}

function artifactSet(ctx: Ctx, f: Field, m: Map<string, Field>): ArtifactSet {
  const name = optionalText(ctx, m.get('name'), 'an artifact name').value;
  const base = optionalText(ctx, m.get('base-directory'), 'a directory').value;
  const prefix = optionalText(ctx, m.get('s3-prefix'), 'an S3 key prefix').value;
  return {
    files: requiredFiles(ctx, f, m),
    ...(name === undefined ? {} : { name }),
    discardPaths: bool(ctx, m.get('discard-paths'), false),
    ...(base === undefined ? {} : { baseDirectory: base }),
    excludePaths: textList(ctx, m.get('exclude-paths'), 'a list of path patterns'),
    enableSymlinks: bool(ctx, m.get('enable-symlinks'), false),
    ...(prefix === undefined ? {} : { s3Prefix: prefix }),
  };
}

export function readArtifacts(ctx: Ctx, f: Field): Artifacts | undefined {
  const m = mapping(ctx, f, 'a mapping with files (and optionally name, base-directory, discard-paths …)', TOP_ARTIFACT_KEYS);
  if (m === undefined) return undefined;
  const secondary: Record<string, ArtifactSet> = {};
  const sf = m.get('secondary-artifacts');
  if (sf !== undefined) {
    for (const [id, af] of mapping(ctx, sf, 'a mapping of artifact identifiers to artifacts') ?? []) {
      const am = mapping(ctx, af, 'a mapping with files (and optionally name, base-directory, discard-paths …)', ARTIFACT_KEYS);
      if (am !== undefined) secondary[id] = artifactSet(ctx, af, am);
    }
  }
  return { ...artifactSet(ctx, f, m), secondaryArtifacts: secondary };
}

export function readReports(ctx: Ctx, f: Field): Record<string, ReportGroup> {
  const out: Record<string, ReportGroup> = {};
  const groups = mapping(ctx, f, 'a mapping of report group names (or ARNs) to report settings');
  if (groups === undefined) return out;
  let count = 0;
  for (const [name, gf] of groups) {
    count++;
    if (count === MAX_REPORT_GROUPS + 1) {
      report(ctx, gf.path, gf.at, {
        found: `${groups.size} report groups`,
        expected: `at most ${MAX_REPORT_GROUPS} report groups per project`,
      });
    }
    const m = mapping(ctx, gf, 'a mapping with files, base-directory, discard-paths and file-format', REPORT_KEYS);
    if (m === undefined) continue;
    const base = optionalText(ctx, m.get('base-directory'), 'a directory').value;
    out[name] = {
      files: requiredFiles(ctx, gf, m),
      ...(base === undefined ? {} : { baseDirectory: base }),
      discardPaths: bool(ctx, m.get('discard-paths'), false),
      fileFormat: oneOf(ctx, m.get('file-format'), REPORT_FILE_FORMATS) ?? 'JUNITXML',
    };
  }
  return out;
}

export function readCache(ctx: Ctx, f: Field): Cache | undefined {
  const m = mapping(ctx, f, 'a mapping with paths (and optionally key, fallback-keys, action)', CACHE_KEYS);
  if (m === undefined) return undefined;
  const key = optionalText(ctx, m.get('key'), 'a cache key').value;
  const action = oneOf(ctx, m.get('action'), ['restore', 'save'] as const);
  return {
    paths: textList(ctx, m.get('paths'), 'a list of path patterns'),
    ...(key === undefined ? {} : { key }),
    fallbackKeys: textList(ctx, m.get('fallback-keys'), 'a list of cache keys'),
    ...(action === undefined ? {} : { action }),
  };
}
