// Reads the buildspec `phases` section: commands, finally, run-as, on-failure (with RETRY forms) and runtime-versions.
import type { OnFailure, Phase, PhaseName } from './model.ts';
import { PHASE_NAMES } from './model.ts';
import type { Ctx, Field } from './source.ts';
import { fail, items, mapping, strictString, text } from './source.ts';

const PHASE_KEYS = ['run-as', 'on-failure', 'runtime-versions', 'commands', 'finally'] as const;
const DEFAULT_RETRIES = 3;
const ON_FAILURE_EXPECTED = 'ABORT, CONTINUE, RETRY, RETRY-<count>, RETRY-<regex> or RETRY-<count>-<regex>';

/** Parses an on-failure value; a string result is what was expected instead. */
export function parseOnFailure(value: string): OnFailure | string {
  if (value === 'ABORT' || value === 'CONTINUE') return { mode: value };
  if (value === 'RETRY') return { mode: 'RETRY', count: DEFAULT_RETRIES };
  if (!value.startsWith('RETRY-')) return ON_FAILURE_EXPECTED;
  const rest = value.slice('RETRY-'.length);
  if (rest === '') return `${ON_FAILURE_EXPECTED} (nothing after RETRY-)`;
  const counted = /^(\d+)(?:-([\s\S]*))?$/.exec(rest);
  const count = counted === null ? DEFAULT_RETRIES : Number(counted[1]);
  const pattern = counted === null ? rest : counted[2];
  if (counted !== null && count < 1) return 'a retry count of at least 1';
  if (pattern !== undefined) {
    if (pattern === '') return `${ON_FAILURE_EXPECTED} (empty regex after the count)`;
    try {
      new RegExp(pattern);
    } catch (err) {
      return `a valid regular expression after RETRY- (${(err as Error).message})`;
    }
    return { mode: 'RETRY', count, pattern };
  }
  return { mode: 'RETRY', count };
}

function onFailure(ctx: Ctx, f: Field | undefined): OnFailure | undefined {
  const value = text(ctx, f, ON_FAILURE_EXPECTED);
  if (f === undefined || value === undefined) return undefined;
  const parsed = parseOnFailure(value);
  if (typeof parsed !== 'string') return parsed;
  const upper = value.toUpperCase();
  const suggestion = upper !== value && typeof parseOnFailure(upper) !== 'string' ? `did you mean ${upper}?` : undefined;
  fail(ctx, f, { found: JSON.stringify(value), expected: parsed, suggestion });
  return undefined;
}

function commandList(ctx: Ctx, f: Field | undefined): string[] {
  if (f === undefined || f.node === null) return [];
  const list = items(ctx, f, 'a list of commands');
  const out: string[] = [];
  for (const item of list ?? []) {
    const command = strictString(ctx, item, 'a command string');
    if (command !== undefined) out.push(command);
  }
  return out;
}

function runtimeVersions(ctx: Ctx, f: Field): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [runtime, v] of mapping(ctx, f, 'a mapping of runtime names to versions, e.g. nodejs: 22') ?? []) {
    const version = text(ctx, v, 'a version such as 22, 3.x or latest');
    if (version !== undefined) out[runtime] = version;
  }
  return out;
}

function readPhase(ctx: Ctx, name: PhaseName, f: Field): Phase {
  const m = mapping(ctx, f, 'a mapping with commands (and optionally run-as, on-failure, finally)', PHASE_KEYS);
  if (m === undefined) return { commands: [], finally: [] };
  const rv = m.get('runtime-versions');
  let runtime: Record<string, string> | undefined;
  if (rv !== undefined) {
    if (name === 'install') runtime = runtimeVersions(ctx, rv);
    else {
      fail(ctx, { ...rv, node: rv.at }, {
        found: `runtime-versions in the ${name} phase`,
        expected: 'runtime-versions only in the install phase',
        suggestion: 'move it to phases.install.runtime-versions',
      });
    }
  }
  const runAs = text(ctx, m.get('run-as'), 'a Linux user name');
  const failure = onFailure(ctx, m.get('on-failure'));
  return {
    ...(runAs === undefined ? {} : { runAs }),
    ...(failure === undefined ? {} : { onFailure: failure }),
    ...(runtime === undefined ? {} : { runtimeVersions: runtime }),
    commands: commandList(ctx, m.get('commands')),
    finally: commandList(ctx, m.get('finally')),
  };
}

export function readPhases(ctx: Ctx, f: Field): Partial<Record<PhaseName, Phase>> {
  const out: Partial<Record<PhaseName, Phase>> = {};
  const m = mapping(ctx, f, `a mapping of phases (${PHASE_NAMES.join(', ')})`, PHASE_NAMES);
  for (const [name, pf] of m ?? []) {
    const phase = name as PhaseName;
    if (pf.node === null) {
      fail(ctx, pf, { found: 'an empty phase', expected: 'a mapping with commands' });
      continue;
    }
    out[phase] = readPhase(ctx, phase, pf);
  }
  return out;
}
