// Reads a pipeline declaration (get-pipeline / create-pipeline JSON) member by member against the model's constraints.
import type { ActionDeclaration, PipelineDeclaration, StageDeclaration } from '@aws-sdk/client-codepipeline';
import { describeValue, type Problems } from '../../core/errors.ts';
import { InputReader } from '../validate.ts';
import { ACTION_CATEGORIES, ACTION_OWNERS } from '../../specs/pipeline/action-types.ts';

export const NAME = { min: 1, max: 100, pattern: /^[A-Za-z0-9.@\-_]+$/, patternText: "letters, digits, '.', '@', '-' and '_'" };
export const ARTIFACT_NAME = { min: 1, max: 100, pattern: /^[a-zA-Z0-9_-]+$/, patternText: "letters, digits, '-' and '_'" };
export const NAMESPACE = { min: 1, max: 100, pattern: /^[A-Za-z0-9@\-_]+$/, patternText: "letters, digits, '@', '-' and '_'" };
export const VARIABLE_NAME = { min: 1, max: 128, pattern: /^[A-Za-z0-9@\-_]+$/, patternText: "letters, digits, '@', '-' and '_'" };
const ROLE_ARN = { max: 1024, pattern: /^arn:aws(-[\w]+)*:iam::[0-9]{12}:role\/.*$/, patternText: 'an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)' };
const LOCATION = { min: 3, max: 63, pattern: /^[a-zA-Z0-9\-.]+$/, patternText: "an S3 bucket name (letters, digits, '-' and '.')" };

type Raw = Record<string, unknown>;

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A list member whose items are objects; problems name `path[i]`. Returns [item, path] pairs. */
function objects(raw: Raw, name: string, path: string, problems: Problems, rule: { required?: boolean; min?: number; max?: number } = {}): Array<[Raw, string]> {
  const value = raw[name];
  const field = `${path}${name}`;
  if (value === undefined || value === null) {
    if (rule.required === true) problems.add({ field, found: 'nothing', expected: 'a value (the member is required)' });
    return [];
  }
  if (!Array.isArray(value)) {
    problems.add({ field, found: describeValue(value), expected: 'a list' });
    return [];
  }
  if ((rule.min !== undefined && value.length < rule.min) || (rule.max !== undefined && value.length > rule.max)) {
    problems.add({ field, found: `${value.length} items`, expected: `from ${rule.min ?? 0} to ${rule.max ?? '∞'} items` });
  }
  const out: Array<[Raw, string]> = [];
  value.forEach((item: unknown, i) => {
    if (isObject(item)) out.push([item, `${field}[${i}]`]);
    else problems.add({ field: `${field}[${i}]`, found: describeValue(item), expected: 'an object' });
  });
  return out;
}

function stringMap(raw: Raw, name: string, path: string, problems: Problems, key: { min: number; max: number }, value: { min: number; max: number }): Record<string, string> | undefined {
  const v = raw[name];
  if (v === undefined || v === null) return undefined;
  const field = `${path}${name}`;
  if (!isObject(v)) {
    problems.add({ field, found: describeValue(v), expected: 'an object of string values' });
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (k.length < key.min || k.length > key.max) problems.add({ field: `${field}.${k}`, found: `a key of ${k.length} characters`, expected: `a key of ${key.min} to ${key.max} characters` });
    if (typeof val !== 'string') problems.add({ field: `${field}.${k}`, found: describeValue(val), expected: 'a string' });
    else if (val.length < value.min || val.length > value.max) problems.add({ field: `${field}.${k}`, found: `${val.length} characters`, expected: `${value.min} to ${value.max} characters` });
    else out[k] = val;
  }
  return out;
}

function artifacts(raw: Raw, name: string, path: string, problems: Problems): Array<{ name: string }> {
  const out: Array<{ name: string }> = [];
  for (const [item, p] of objects(raw, name, path, problems)) {
    const n = new InputReader(item, problems, `${p}.`).string('name', { ...ARTIFACT_NAME, required: true });
    if (n !== undefined) out.push({ name: n });
  }
  return out;
}

function readAction(raw: Raw, path: string, problems: Problems): ActionDeclaration {
  const r = new InputReader(raw, problems, `${path}.`);
  const name = r.string('name', { ...NAME, required: true });
  const t = r.struct('actionTypeId', { required: true });
  const category = t?.string('category', { required: true, oneOf: ACTION_CATEGORIES });
  const owner = t?.string('owner', { required: true, oneOf: ACTION_OWNERS });
  const provider = t?.string('provider', { required: true, min: 1, max: 35, pattern: /^[0-9A-Za-z_-]+$/, patternText: "letters, digits, '-' and '_'" });
  const version = t?.string('version', { required: true, min: 1, max: 9, pattern: /^[0-9A-Za-z_-]+$/, patternText: "letters, digits, '-' and '_'" });
  const runOrder = r.integer('runOrder', { min: 1, max: 999 });
  const configuration = stringMap(raw, 'configuration', `${path}.`, problems, { min: 1, max: 50 }, { min: 1, max: 1000 });
  const namespace = r.string('namespace', NAMESPACE);
  const roleArn = r.string('roleArn', ROLE_ARN);
  const region = r.string('region', { min: 4, max: 30 });
  const timeoutInMinutes = r.integer('timeoutInMinutes', { min: 5, max: 86400 });
  const action: ActionDeclaration = {
    name: name ?? '',
    actionTypeId: { category: (category ?? '') as 'Source', owner: (owner ?? '') as 'AWS', provider: provider ?? '', version: version ?? '' },
    runOrder: runOrder ?? 1,
    ...(configuration === undefined ? {} : { configuration }),
    outputArtifacts: artifacts(raw, 'outputArtifacts', `${path}.`, problems),
    inputArtifacts: artifacts(raw, 'inputArtifacts', `${path}.`, problems),
    ...(roleArn === undefined ? {} : { roleArn }),
    ...(region === undefined ? {} : { region }),
    ...(namespace === undefined ? {} : { namespace }),
    ...(timeoutInMinutes === undefined ? {} : { timeoutInMinutes }),
  };
  return action;
}

function readStage(raw: Raw, path: string, problems: Problems): StageDeclaration {
  const r = new InputReader(raw, problems, `${path}.`);
  const name = r.string('name', { ...NAME, required: true });
  const actions = objects(raw, 'actions', `${path}.`, problems, { required: true, min: 1, max: 50 }).map(([a, p]) => readAction(a, p, problems));
  const stage: StageDeclaration = { name: name ?? '', actions };
  for (const key of ['blockers', 'onFailure', 'onSuccess', 'beforeEntry'] as const) {
    if (raw[key] !== undefined) (stage as unknown as Record<string, unknown>)[key] = raw[key];
  }
  const onFailure = r.struct('onFailure');
  onFailure?.string('result', { oneOf: ['ROLLBACK', 'FAIL', 'RETRY', 'SKIP'] });
  onFailure?.struct('retryConfiguration')?.string('retryMode', { oneOf: ['FAILED_ACTIONS', 'ALL_ACTIONS'] });
  return stage;
}

/** Reads the declaration's shape; cross-field rules are checked separately (rules.ts). */
export function readPipeline(raw: unknown, path: string, problems: Problems): PipelineDeclaration {
  if (!isObject(raw)) {
    problems.add({ field: path, found: describeValue(raw), expected: 'a pipeline declaration object' });
    return { name: '', roleArn: '', stages: [] };
  }
  const p = `${path}.`;
  const r = new InputReader(raw, problems, p);
  const name = r.string('name', { ...NAME, required: true });
  const roleArn = r.string('roleArn', { ...ROLE_ARN, required: true });
  const version = r.integer('version', { min: 1 });
  const pipelineType = r.string('pipelineType', { oneOf: ['V1', 'V2'] });
  const executionMode = r.string('executionMode', { oneOf: ['SUPERSEDED', 'QUEUED', 'PARALLEL'] });
  const store = r.struct('artifactStore');
  let artifactStore: PipelineDeclaration['artifactStore'];
  if (store !== undefined) {
    store.string('type', { required: true, oneOf: ['S3'] });
    const location = store.string('location', { ...LOCATION, required: true });
    const key = store.struct('encryptionKey');
    const keyId = key?.string('id', { required: true, min: 1, max: 400 });
    key?.string('type', { required: true, oneOf: ['KMS'] });
    artifactStore = { type: 'S3', location: location ?? '', ...(keyId === undefined ? {} : { encryptionKey: { id: keyId, type: 'KMS' } }) };
  }
  const stores = raw['artifactStores'];
  if (raw['artifactStore'] === undefined && stores === undefined) {
    problems.add({ field: `${p}artifactStore`, found: 'nothing', expected: 'an artifact store (artifactStore, or artifactStores for cross-region pipelines)' });
  }
  if (raw['artifactStore'] !== undefined && stores !== undefined) {
    problems.add({ field: `${p}artifactStores`, found: 'both artifactStore and artifactStores', expected: 'only one of them' });
  }
  const stages = objects(raw, 'stages', p, problems, { required: true }).map(([s, sp]) => readStage(s, sp, problems));
  const variables: Array<{ name: string; defaultValue?: string; description?: string }> = [];
  for (const [v, vp] of objects(raw, 'variables', p, problems, { max: 50 })) {
    const vr = new InputReader(v, problems, `${vp}.`);
    const vn = vr.string('name', { ...VARIABLE_NAME, required: true });
    const dv = vr.string('defaultValue', { min: 1, max: 1000 });
    const d = vr.string('description', { max: 200 });
    if (vn !== undefined) variables.push({ name: vn, ...(dv === undefined ? {} : { defaultValue: dv }), ...(d === undefined ? {} : { description: d }) });
  }
  const out: PipelineDeclaration = {
    name: name ?? '',
    roleArn: roleArn ?? '',
    ...(artifactStore === undefined ? {} : { artifactStore }),
    ...(isObject(stores) ? { artifactStores: stores as PipelineDeclaration['artifactStores'] } : {}),
    stages,
    ...(version === undefined ? {} : { version }),
    executionMode: (executionMode ?? 'SUPERSEDED') as 'SUPERSEDED',
    pipelineType: (pipelineType ?? 'V1') as 'V1',
  };
  if (raw['variables'] !== undefined) out.variables = variables;
  if (raw['triggers'] !== undefined) out.triggers = raw['triggers'] as PipelineDeclaration['triggers'];
  return out;
}
