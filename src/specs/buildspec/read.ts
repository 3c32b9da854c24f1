// Reads a CodeBuild buildspec with AWS's rules: a typed, normalised Buildspec, or one InvalidBuildspec error listing every problem.
import { LineCounter, isMap, isScalar, parseDocument, visit } from 'yaml';
import { Problems } from '../../core/errors.ts';
import { readArtifacts, readCache, readReports } from './artifacts.ts';
import { readBatch } from './batch.ts';
import { EMPTY_ENV, readEnv } from './env.ts';
import type { Buildspec, BuildspecVersion } from './model.ts';
import { PHASE_NAMES, SUPPORTED_VERSIONS } from './model.ts';
import { readPhases } from './phases.ts';
import type { Ctx, Field } from './source.ts';
import { bool, describeNode, deref, fail, mapping, report, text } from './source.ts';

export type * from './model.ts';
export { parseSecretReference } from './env.ts';
export { parseOnFailure } from './phases.ts';

export const INVALID_BUILDSPEC = 'InvalidBuildspec';

const TOP_KEYS = ['version', 'run-as', 'env', 'proxy', 'batch', 'phases', 'reports', 'artifacts', 'cache'] as const;
const PHASE_KEYS = ['commands', 'finally', 'runtime-versions', 'on-failure'];

function topLevelHint(key: string): string | undefined {
  if ((PHASE_NAMES as readonly string[]).includes(key)) return `put ${key} under phases:`;
  if (PHASE_KEYS.includes(key)) return `${key} belongs inside a phase, e.g. phases.build.${key}`;
  if (['variables', 'parameter-store', 'secrets-manager', 'exported-variables', 'shell'].includes(key)) return `put ${key} under env:`;
  return undefined;
}

function readVersion(ctx: Ctx, top: Field, f: Field | undefined): BuildspecVersion | undefined {
  const expected = `version ${SUPPORTED_VERSIONS.join(' or ')}`;
  if (f === undefined) {
    fail(ctx, { ...top, path: 'version' }, { found: 'no version', expected, suggestion: 'add "version: 0.2" as the first line' });
    return undefined;
  }
  const n = f.node;
  let written: string | undefined;
  if (n !== null && isScalar(n) && typeof n.value === 'number') written = String(n.value);
  else if (n !== null && isScalar(n) && typeof n.value === 'string') written = n.value.trim();
  const hit = SUPPORTED_VERSIONS.find((v) => v === written);
  if (hit !== undefined) return hit;
  fail(ctx, f, { found: describeNode(n), expected, suggestion: 'use version: 0.2' });
  return undefined;
}

function readProxy(ctx: Ctx, f: Field | undefined): Buildspec['proxy'] {
  if (f === undefined) return { uploadArtifacts: false, logs: false };
  const m = mapping(ctx, f, 'a mapping with upload-artifacts and logs', ['upload-artifacts', 'logs']);
  return { uploadArtifacts: bool(ctx, m?.get('upload-artifacts'), false), logs: bool(ctx, m?.get('logs'), false) };
}

/**
 * Parses and validates a buildspec. Throws one SlipwayError `InvalidBuildspec` whose `problems`
 * carry file, line, column, field, found, expected and a suggestion for every problem found.
 */
export function readBuildspec(source: string, file = 'buildspec.yml'): Buildspec {
  const lc = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lc, keepSourceTokens: true, uniqueKeys: false, prettyErrors: false });
  const problems = new Problems();
  const ctx: Ctx = { file, lc, doc, problems };
  const throwProblems = (): never => {
    // Report in file order, whatever order the sections were checked in.
    const sorted = new Problems();
    const byPlace = [...problems.items].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    for (const p of byPlace) sorted.add(p);
    sorted.throwIfAny(INVALID_BUILDSPEC, `Invalid buildspec ${file}`);
    throw new Error('unreachable: a failed buildspec has problems');
  };

  for (const err of doc.errors) {
    const { line, col } = lc.linePos(err.pos[0]);
    const found = err.code === 'MULTIPLE_DOCS' ? 'a second YAML document (---)' : `a YAML error: ${err.message.split('\n')[0]}`;
    const expected = err.code === 'MULTIPLE_DOCS' ? 'one buildspec document per file' : 'valid YAML';
    problems.add({ file, line, column: col, field: '(yaml)', found, expected });
  }
  // yaml leaves an alias to an unknown anchor unresolved rather than failing the parse.
  visit(doc, {
    Alias(_key, alias) {
      if (alias.resolve(doc) !== undefined) return;
      const { line, col } = lc.linePos(alias.range?.[0] ?? 0);
      problems.add({ file, line, column: col, field: '(yaml)', found: `an alias *${alias.source} with no anchor`, expected: `an anchor &${alias.source} defined earlier in the file` });
    },
  });
  if (problems.size > 0) throwProblems();

  const root = deref(ctx, doc.contents);
  const top: Field = { path: '', node: root, at: null };
  if (root === null) {
    problems.add({ file, line: 1, column: 1, field: '(file)', found: 'an empty file (no YAML content)', expected: 'a buildspec mapping starting with version: 0.2' });
    throwProblems();
  }
  if (!isMap(root)) {
    report(ctx, '(top level)', root, { found: describeNode(root), expected: 'a buildspec mapping starting with version: 0.2' });
    throwProblems();
  }
  const m = mapping(ctx, top, 'a buildspec mapping with version, phases, artifacts …', TOP_KEYS, topLevelHint);
  if (m === undefined) throwProblems();
  const keys = m ?? new Map<string, Field>();

  const version = readVersion(ctx, top, keys.get('version'));
  const runAs = text(ctx, keys.get('run-as'), 'a Linux user name');
  const envField = keys.get('env');
  const env = envField === undefined || envField.node === null ? EMPTY_ENV : readEnv(ctx, envField);
  const proxy = readProxy(ctx, keys.get('proxy'));
  const batchField = keys.get('batch');
  const batch = batchField === undefined ? undefined : readBatch(ctx, batchField);
  const phasesField = keys.get('phases');
  const phases = phasesField === undefined ? {} : readPhases(ctx, phasesField);
  const reportsField = keys.get('reports');
  const reports = reportsField === undefined || reportsField.node === null ? {} : readReports(ctx, reportsField);
  const artifactsField = keys.get('artifacts');
  const artifacts = artifactsField === undefined ? undefined : readArtifacts(ctx, artifactsField);
  const cacheField = keys.get('cache');
  const cache = cacheField === undefined ? undefined : readCache(ctx, cacheField);

  if (problems.size > 0 || version === undefined) throwProblems();
  return {
    file,
    version: version ?? '0.2',
    shellPerCommand: version === '0.1',
    ...(runAs === undefined ? {} : { runAs }),
    env,
    proxy,
    ...(batch === undefined ? {} : { batch }),
    phases,
    reports,
    ...(artifacts === undefined ? {} : { artifacts }),
    ...(cache === undefined ? {} : { cache }),
  };
}
