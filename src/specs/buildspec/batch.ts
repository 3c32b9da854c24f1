// Reads the buildspec `batch` section: fast-fail plus one of build-list, build-graph or build-matrix, shape-checked.
import type { BatchBuildEnv, BatchMatrix, BatchTask, BuildspecBatch } from './model.ts';
import type { Ctx, Field } from './source.ts';
import { bool, fail, items, mapping, text, textList } from './source.ts';

const BATCH_KEYS = ['fast-fail', 'build-list', 'build-graph', 'build-matrix'] as const;
const ENV_KEYS = ['compute-type', 'image', 'privileged-mode', 'type', 'variables'] as const;
const TASK_KEYS = ['identifier', 'buildspec', 'env', 'ignore-failure', 'debug-session'] as const;
const GRAPH_TASK_KEYS = [...TASK_KEYS, 'depend-on'] as const;

function buildEnv(ctx: Ctx, f: Field): BatchBuildEnv | undefined {
  const m = mapping(ctx, f, 'a mapping with compute-type, image, privileged-mode, type or variables', ENV_KEYS);
  if (m === undefined) return undefined;
  const variables: Record<string, string> = {};
  const vf = m.get('variables');
  if (vf !== undefined && vf.node !== null) {
    for (const [name, v] of mapping(ctx, vf, 'a mapping of variable names to values') ?? []) {
      const value = text(ctx, v, 'a single value');
      if (value !== undefined) variables[name] = value;
    }
  }
  const computeType = text(ctx, m.get('compute-type'), 'a compute type such as BUILD_GENERAL1_SMALL');
  const image = text(ctx, m.get('image'), 'an image name');
  const type = text(ctx, m.get('type'), 'an environment type such as LINUX_CONTAINER');
  const privileged = m.get('privileged-mode');
  return {
    ...(computeType === undefined ? {} : { computeType }),
    ...(image === undefined ? {} : { image }),
    ...(privileged === undefined ? {} : { privilegedMode: bool(ctx, privileged, false) }),
    ...(type === undefined ? {} : { type }),
    variables,
  };
}

function tasks(ctx: Ctx, f: Field, graph: boolean): BatchTask[] {
  const out: BatchTask[] = [];
  for (const item of items(ctx, f, 'a list of builds, each with an identifier') ?? []) {
    const m = mapping(ctx, item, 'a build with identifier (and optionally buildspec, env, ignore-failure)', graph ? GRAPH_TASK_KEYS : TASK_KEYS);
    if (m === undefined) continue;
    const idField = m.get('identifier');
    if (idField === undefined) {
      fail(ctx, item, { found: 'no identifier', expected: `${item.path}.identifier` });
      continue;
    }
    const identifier = text(ctx, idField, 'an identifier');
    if (identifier === undefined) continue;
    if (!/^[A-Za-z0-9_]+$/.test(identifier)) {
      fail(ctx, idField, { found: JSON.stringify(identifier), expected: 'an identifier of letters, digits and underscores' });
    }
    const buildspec = text(ctx, m.get('buildspec'), 'a buildspec path');
    const ef = m.get('env');
    const env = ef === undefined ? undefined : buildEnv(ctx, ef);
    out.push({
      identifier,
      ...(buildspec === undefined ? {} : { buildspec }),
      ...(env === undefined ? {} : { env }),
      ignoreFailure: bool(ctx, m.get('ignore-failure'), false),
      debugSession: bool(ctx, m.get('debug-session'), false),
      dependOn: textList(ctx, m.get('depend-on'), 'a list of build identifiers'),
    });
  }
  return out;
}

function matrix(ctx: Ctx, f: Field): BatchMatrix {
  const m = mapping(ctx, f, 'a mapping with static and dynamic', ['static', 'dynamic']);
  const result: { static: BatchMatrix['static']; dynamic: BatchMatrix['dynamic'] } = {
    static: { ignoreFailure: false },
    dynamic: { buildspec: [], env: { computeType: [], image: [], variables: {} } },
  };
  const sf = m?.get('static');
  if (sf !== undefined) {
    const sm = mapping(ctx, sf, 'a mapping with ignore-failure or env', ['ignore-failure', 'env']);
    const ef = sm?.get('env');
    const env = ef === undefined ? undefined : buildEnv(ctx, ef);
    result.static = { ignoreFailure: bool(ctx, sm?.get('ignore-failure'), false), ...(env === undefined ? {} : { env }) };
  }
  const df = m?.get('dynamic');
  if (df !== undefined) {
    const dm = mapping(ctx, df, 'a mapping with buildspec or env', ['buildspec', 'env']);
    const ef = dm?.get('env');
    const em = ef === undefined ? undefined : mapping(ctx, ef, 'a mapping with compute-type, image or variables lists', ['compute-type', 'image', 'variables']);
    const variables: Record<string, string[]> = {};
    const vf = em?.get('variables');
    if (vf !== undefined) {
      for (const [name, v] of mapping(ctx, vf, 'a mapping of variable names to lists of values') ?? []) variables[name] = textList(ctx, v, 'a list of values');
    }
    result.dynamic = {
      buildspec: textList(ctx, dm?.get('buildspec'), 'a list of buildspec paths'),
      env: {
        computeType: textList(ctx, em?.get('compute-type'), 'a list of compute types'),
        image: textList(ctx, em?.get('image'), 'a list of images'),
        variables,
      },
    };
  }
  return result;
}

export function readBatch(ctx: Ctx, f: Field): BuildspecBatch | undefined {
  const m = mapping(ctx, f, 'a mapping with fast-fail and one of build-list, build-graph, build-matrix', BATCH_KEYS);
  if (m === undefined) return undefined;
  const fastFail = bool(ctx, m.get('fast-fail'), false);
  const kinds = (['build-list', 'build-graph', 'build-matrix'] as const).filter((k) => m.has(k));
  for (const extra of kinds.slice(1)) {
    const ef = m.get(extra);
    if (ef !== undefined) fail(ctx, { ...ef, node: ef.at }, { found: `${kinds[0]} and ${extra}`, expected: 'only one of build-list, build-graph, build-matrix' });
  }
  const kind = kinds[0];
  const kf = kind === undefined ? undefined : m.get(kind);
  if (kind === undefined || kf === undefined) return { fastFail, kind: 'none' };
  if (kind === 'build-matrix') return { fastFail, kind, matrix: matrix(ctx, kf) };
  return { fastFail, kind, tasks: tasks(ctx, kf, kind === 'build-graph') };
}
