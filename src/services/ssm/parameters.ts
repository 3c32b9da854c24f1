// SSM Parameter Store, the part builds and tasks read: Put/Get/GetParameters/Delete with versions.
import type {
  DeleteParameterRequest,
  GetParameterRequest,
  GetParameterResult,
  GetParametersRequest,
  GetParametersResult,
  Parameter,
  PutParameterRequest,
  PutParameterResult,
} from '@aws-sdk/client-ssm';
import { SlipwayError } from '../../core/errors.ts';
import { arn } from '../../core/ids.ts';
import { num, str, type Row } from '../../store/db.ts';
import type { Migration } from '../../store/db.ts';
import type { OperationContext } from '../types.ts';
import { assertPresent, InputReader } from '../validate.ts';

export const ssmMigrations: readonly Migration[] = [
  {
    id: 'ssm/001-parameters',
    sql: `CREATE TABLE ssm_parameters (
      name TEXT PRIMARY KEY,
      type TEXT NOT NULL,
      value TEXT NOT NULL,
      version INTEGER NOT NULL,
      description TEXT,
      data_type TEXT NOT NULL,
      last_modified INTEGER NOT NULL
    )`,
  },
];

const NAME = { required: true, min: 1, max: 2048, pattern: /^[a-zA-Z0-9_.\-/]+$/, patternText: "letters, digits and '_', '.', '-', '/'" };
const TYPES = ['String', 'StringList', 'SecureString'] as const;

/** Parameter names may be given with or without the leading slash for hierarchies; AWS stores them as given. */
function toParameter(row: Row, ctx: OperationContext): Parameter {
  const name = str(row, 'name');
  return {
    Name: name,
    Type: str(row, 'type') as Parameter['Type'],
    Value: str(row, 'value'),
    Version: num(row, 'version'),
    LastModifiedDate: new Date(num(row, 'last_modified')),
    ARN: arn(ctx.config, 'ssm', `parameter${name.startsWith('/') ? '' : '/'}${name}`),
    DataType: str(row, 'data_type'),
  };
}

function notFound(name: string): SlipwayError {
  return new SlipwayError('ParameterNotFound', `Parameter ${name} not found.`);
}

export function putParameter(input: PutParameterRequest, ctx: OperationContext): PutParameterResult {
  const r = new InputReader(input);
  const name = r.string('Name', NAME);
  const value = r.string('Value', { required: true, max: 8192 });
  const type = r.string('Type', { oneOf: TYPES });
  const overwrite = r.boolean('Overwrite') ?? false;
  const description = r.string('Description', { max: 1024 });
  const dataType = r.string('DataType', { oneOf: ['text', 'aws:ec2:image', 'aws:ssm:integration'] }) ?? 'text';
  r.done();
  assertPresent(name);
  assertPresent(value);
  return ctx.store.tx(() => {
    const existing = ctx.store.get('SELECT * FROM ssm_parameters WHERE name = ?', name);
    if (existing !== undefined && !overwrite) {
      throw new SlipwayError('ParameterAlreadyExists', `The parameter ${name} already exists; pass Overwrite to replace its value.`);
    }
    if (existing === undefined && type === undefined) {
      throw new SlipwayError('ValidationException', `1 validation error detected: Type: found nothing, expected one of ${TYPES.join(', ')} for a new parameter`);
    }
    const version = existing === undefined ? 1 : num(existing, 'version') + 1;
    ctx.store.run(
      `INSERT INTO ssm_parameters (name, type, value, version, description, data_type, last_modified) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET type = excluded.type, value = excluded.value, version = excluded.version,
         description = coalesce(excluded.description, ssm_parameters.description), data_type = excluded.data_type, last_modified = excluded.last_modified`,
      name,
      type ?? (existing === undefined ? 'String' : str(existing, 'type')),
      value,
      version,
      description ?? null,
      dataType,
      ctx.clock.now(),
    );
    ctx.bus.publish({ type: 'ssm.parameter.put', resource: arn(ctx.config, 'ssm', `parameter/${name.replace(/^\//, '')}`), detail: { name, version } });
    return { Version: version, Tier: 'Standard' };
  });
}

function readParameter(name: string, withDecryption: boolean, ctx: OperationContext): Parameter | undefined {
  const row = ctx.store.get('SELECT * FROM ssm_parameters WHERE name = ?', name);
  if (row === undefined) return undefined;
  const parameter = toParameter(row, ctx);
  if (parameter.Type === 'SecureString') {
    // Secret values are masked in every log line from the moment they are read.
    ctx.masker.add(parameter.Value ?? '');
    // Without decryption AWS returns the ciphertext; Slipway has no KMS, so it returns an opaque marker instead.
    if (!withDecryption) return { ...parameter, Value: `kms:${Buffer.from(parameter.Value ?? '').toString('base64')}` };
  }
  return parameter;
}

export function getParameter(input: GetParameterRequest, ctx: OperationContext): GetParameterResult {
  const r = new InputReader(input);
  const name = r.string('Name', { required: true, min: 1, max: 2048 });
  const withDecryption = r.boolean('WithDecryption') ?? false;
  r.done();
  assertPresent(name);
  if (name.includes(':')) {
    throw new SlipwayError('ValidationException', `Parameter selectors (${name}) are not supported by Slipway yet; expected a plain parameter name`);
  }
  const parameter = readParameter(name, withDecryption, ctx);
  if (parameter === undefined) throw notFound(name);
  return { Parameter: parameter };
}

export function getParameters(input: GetParametersRequest, ctx: OperationContext): GetParametersResult {
  const r = new InputReader(input);
  const names = r.stringList('Names', { required: true, min: 1, max: 10, item: { min: 1, max: 2048 } });
  const withDecryption = r.boolean('WithDecryption') ?? false;
  r.done();
  const parameters: Parameter[] = [];
  const invalid: string[] = [];
  for (const name of names ?? []) {
    const p = readParameter(name, withDecryption, ctx);
    if (p === undefined) invalid.push(name);
    else parameters.push(p);
  }
  return { Parameters: parameters, InvalidParameters: invalid };
}

export function deleteParameter(input: DeleteParameterRequest, ctx: OperationContext): Record<string, never> {
  const r = new InputReader(input);
  const name = r.string('Name', NAME);
  r.done();
  assertPresent(name);
  ctx.store.tx(() => {
    if (ctx.store.run('DELETE FROM ssm_parameters WHERE name = ?', name).changes === 0) throw notFound(name);
    ctx.bus.publish({ type: 'ssm.parameter.deleted', resource: arn(ctx.config, 'ssm', `parameter/${name.replace(/^\//, '')}`), detail: { name } });
  });
  return {};
}
