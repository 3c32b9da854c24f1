// Reads the buildspec `env` section: shell, literal variables, parameter-store, secrets-manager, exported-variables.
import { isMap, isScalar, isSeq } from 'yaml';
import type { BuildspecEnv, BuildspecShell, SecretReference } from './model.ts';
import { LINUX_SHELLS } from './model.ts';
import type { Ctx, Field } from './source.ts';
import { bool, describeNode, fail, mapping, oneOf, text, textList } from './source.ts';

const ENV_KEYS = ['shell', 'variables', 'parameter-store', 'exported-variables', 'secrets-manager', 'git-credential-helper'] as const;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const EMPTY_ENV: BuildspecEnv = {
  variables: {},
  parameterStore: {},
  secretsManager: {},
  exportedVariables: [],
  gitCredentialHelper: false,
};

function checkName(ctx: Ctx, f: Field, name: string): boolean {
  if (!NAME.test(name)) {
    fail(ctx, { ...f, node: f.at }, {
      found: JSON.stringify(name),
      expected: 'an environment variable name of letters, digits and underscores, not starting with a digit',
    });
    return false;
  }
  if (name.startsWith('CODEBUILD_')) {
    fail(ctx, { ...f, node: f.at }, {
      found: JSON.stringify(name),
      expected: 'a name that does not start with CODEBUILD_ (reserved for CodeBuild)',
    });
    return false;
  }
  return true;
}

/** Variable values are taken literally; numbers and booleans become the text as written. */
function variables(ctx: Ctx, f: Field): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = mapping(ctx, f, 'a mapping of variable names to values');
  for (const [name, v] of entries ?? []) {
    const okName = checkName(ctx, v, name);
    const n = v.node;
    if (n === null || isMap(n) || isSeq(n)) {
      fail(ctx, v, {
        found: describeNode(n),
        expected: 'a single value (string, number or yes/no)',
        suggestion: n === null ? 'write "" for an empty value' : 'quote the whole value as one string',
      });
      continue;
    }
    const value = text(ctx, v, 'a single value');
    if (okName && value !== undefined) out[name] = value;
  }
  return out;
}

function parameterStore(ctx: Ctx, f: Field): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, v] of mapping(ctx, f, 'a mapping of variable names to SSM parameter names') ?? []) {
    const okName = checkName(ctx, v, name);
    const value = text(ctx, v, 'an SSM parameter name');
    if (okName && value !== undefined) {
      if (value === '') fail(ctx, v, { found: '""', expected: 'an SSM parameter name' });
      else out[name] = value;
    }
  }
  return out;
}

/** Splits `secret-id:json-key:version-stage:version-id`; an ARN secret id keeps its own colons. */
export function parseSecretReference(raw: string): SecretReference | string {
  const parts = raw.split(':');
  const idParts = raw.startsWith('arn:') ? 7 : 1;
  if (parts.length < idParts) return 'a secret ARN of the form arn:aws:secretsmanager:<region>:<account>:secret:<name>';
  const secretId = parts.slice(0, idParts).join(':');
  const rest = parts.slice(idParts);
  if (secretId === '' || secretId === 'arn') return 'a secret id before the first colon';
  if (rest.length > 3) return 'at most secret-id:json-key:version-stage:version-id (too many colons)';
  const [jsonKey, versionStage, versionId] = rest.map((p) => (p === '' ? undefined : p));
  if (versionStage !== undefined && versionId !== undefined) {
    return 'either version-stage or version-id, not both (they are mutually exclusive)';
  }
  return {
    raw,
    secretId,
    ...(jsonKey === undefined ? {} : { jsonKey }),
    ...(versionStage === undefined ? {} : { versionStage }),
    ...(versionId === undefined ? {} : { versionId }),
  };
}

function secretsManager(ctx: Ctx, f: Field): Record<string, SecretReference> {
  const out: Record<string, SecretReference> = {};
  for (const [name, v] of mapping(ctx, f, 'a mapping of variable names to secret references') ?? []) {
    const okName = checkName(ctx, v, name);
    const value = text(ctx, v, 'a secret reference secret-id:json-key:version-stage:version-id');
    if (value === undefined) continue;
    const parsed = parseSecretReference(value);
    if (typeof parsed === 'string') {
      fail(ctx, v, { found: JSON.stringify(value), expected: parsed });
      continue;
    }
    if (okName) out[name] = parsed;
  }
  return out;
}

function exported(ctx: Ctx, f: Field): string[] {
  const names = textList(ctx, f, 'a list of variable names');
  const n = f.node;
  const out: string[] = [];
  names.forEach((name, i) => {
    const item = n !== null && isSeq(n) ? n.items[i] : null;
    const at: Field = { path: `${f.path}[${i}]`, node: isScalar(item) ? item : f.node, at: f.at };
    if (name.startsWith('AWS_')) {
      fail(ctx, at, { found: JSON.stringify(name), expected: 'a name that does not start with AWS_ (CodeBuild refuses to export those)' });
    } else if (checkName(ctx, { ...at, at: at.node }, name)) out.push(name);
  });
  return out;
}

export function readEnv(ctx: Ctx, f: Field): BuildspecEnv {
  const m = mapping(ctx, f, 'a mapping with shell, variables, parameter-store, secrets-manager, exported-variables or git-credential-helper', ENV_KEYS);
  if (m === undefined) return EMPTY_ENV;
  const shellField = m.get('shell');
  let shell: BuildspecShell | undefined;
  if (shellField !== undefined) {
    const written = text(ctx, shellField);
    if (written === 'powershell.exe' || written === 'cmd.exe') {
      fail(ctx, shellField, { found: JSON.stringify(written), expected: `one of ${LINUX_SHELLS.join(', ')}`, suggestion: `${written} is for Windows images; Slipway runs Linux images` });
    } else if (written !== undefined) shell = oneOf(ctx, shellField, LINUX_SHELLS);
  }
  const v = m.get('variables');
  const p = m.get('parameter-store');
  const s = m.get('secrets-manager');
  const e = m.get('exported-variables');
  return {
    ...(shell === undefined ? {} : { shell }),
    variables: v === undefined || v.node === null ? {} : variables(ctx, v),
    parameterStore: p === undefined || p.node === null ? {} : parameterStore(ctx, p),
    secretsManager: s === undefined || s.node === null ? {} : secretsManager(ctx, s),
    exportedVariables: e === undefined ? [] : exported(ctx, e),
    gitCredentialHelper: bool(ctx, m.get('git-credential-helper'), false),
  };
}
