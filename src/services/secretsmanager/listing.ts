// Secrets Manager's read-only views of secrets: DescribeSecret and ListSecrets with AWS's filters and sorting.
import type { DescribeSecretRequest, DescribeSecretResponse, ListSecretsRequest, ListSecretsResponse, SecretListEntry, Tag } from '@aws-sdk/client-secrets-manager';
import { describeValue, Problems, SlipwayError } from '../../core/errors.ts';
import { num, str, type Row } from '../../store/db.ts';
import { pageAt, resumeAt } from '../paging.ts';
import type { OperationContext } from '../types.ts';
import { assertPresent, InputReader } from '../validate.ts';
import { SECRET_ID } from './input.ts';
import { purgeExpired, requireSecret, versionsToStages } from './secret-store.ts';

function optionalDate(row: Row, key: string): Date | undefined {
  const v = row[key];
  return v === null || v === undefined ? undefined : new Date(num(row, key));
}

function describe(row: Row): DescribeSecretResponse & SecretListEntry {
  const secretArn = str(row, 'arn');
  const tags = JSON.parse(str(row, 'tags')) as Tag[];
  return {
    ARN: secretArn,
    Name: str(row, 'name'),
    ...(row['description'] === null ? {} : { Description: str(row, 'description') }),
    ...(row['kms_key_id'] === null ? {} : { KmsKeyId: str(row, 'kms_key_id') }),
    LastChangedDate: new Date(num(row, 'last_changed')),
    LastAccessedDate: optionalDate(row, 'last_accessed'),
    DeletedDate: optionalDate(row, 'deleted_date'),
    ...(tags.length === 0 ? {} : { Tags: tags }),
    CreatedDate: new Date(num(row, 'created')),
  };
}

export function describeSecret(input: DescribeSecretRequest, ctx: OperationContext): DescribeSecretResponse {
  const r = new InputReader(input);
  const secretId = r.string('SecretId', SECRET_ID);
  r.done();
  assertPresent(secretId);
  const row = requireSecret(ctx, secretId, { allowDeleted: true });
  return { ...describe(row), VersionIdsToStages: versionsToStages(ctx, str(row, 'arn')) };
}

const FILTER_KEYS = ['description', 'name', 'tag-key', 'tag-value', 'primary-region', 'owning-service', 'all'] as const;
const SORT_COLUMNS: Readonly<Record<string, string>> = {
  'created-date': 'created',
  'last-accessed-date': 'last_accessed',
  'last-changed-date': 'last_changed',
  name: 'name',
};

interface Filter {
  readonly key: string;
  readonly values: readonly string[];
}

/** AWS's filters: prefix matches (description case-insensitive), a leading '!' negates; values of one filter OR, filters AND. */
function matches(row: Row, filter: Filter): boolean {
  const tags = JSON.parse(str(row, 'tags')) as Tag[];
  const fields: Readonly<Record<string, readonly string[]>> = {
    name: [str(row, 'name')],
    description: [str(row, 'description')],
    'tag-key': tags.map((t) => t.Key ?? ''),
    'tag-value': tags.map((t) => t.Value ?? ''),
  };
  const keys = filter.key === 'all' ? Object.keys(fields) : [filter.key];
  return filter.values.some((raw) => {
    const negate = raw.startsWith('!');
    const value = negate ? raw.slice(1) : raw;
    const hit = keys.some((key) =>
      (fields[key] ?? []).some((c) => (key === 'description' ? c.toLowerCase().startsWith(value.toLowerCase()) : c.startsWith(value))),
    );
    return negate ? !hit : hit;
  });
}

export function listSecrets(input: ListSecretsRequest, ctx: OperationContext): ListSecretsResponse {
  const problems = new Problems();
  const r = new InputReader(input, problems);
  const includeDeleted = r.boolean('IncludePlannedDeletion') ?? false;
  const max = r.integer('MaxResults', { min: 1, max: 100 }) ?? 100;
  const token = r.string('NextToken', { min: 1, max: 4096 });
  const sortOrder = r.string('SortOrder', { oneOf: ['asc', 'desc'] }) ?? 'asc';
  const sortBy = r.string('SortBy', { oneOf: Object.keys(SORT_COLUMNS) }) ?? 'created-date';
  const filters: Filter[] = [];
  const rawFilters = (input as unknown as Record<string, unknown>)['Filters'];
  if (rawFilters !== undefined && rawFilters !== null) {
    if (!Array.isArray(rawFilters) || rawFilters.length > 10) {
      problems.add({ field: 'Filters', found: describeValue(rawFilters), expected: 'a list of at most 10 {Key, Values}' });
    } else {
      rawFilters.forEach((item: unknown, i) => {
        const f = new InputReader({ [`Filters[${i}]`]: item }, problems).struct(`Filters[${i}]`, { required: true });
        const key = f?.string('Key', { required: true, oneOf: FILTER_KEYS });
        const values = f?.stringList('Values', { required: true, min: 1, max: 10, item: { max: 512 } });
        if (key !== undefined && values !== undefined) filters.push({ key, values });
      });
    }
  }
  r.done();
  const offset = resumeAt(token, (t) => new SlipwayError('InvalidNextTokenException', `NextToken ${t} was not returned by ListSecrets; expected a token from an earlier page`));
  purgeExpired(ctx);
  const column = SORT_COLUMNS[sortBy] ?? 'created';
  const direction = sortOrder === 'desc' ? 'DESC' : 'ASC';
  const rows = ctx.store
    .all(`SELECT * FROM secretsmanager_secrets ${includeDeleted ? '' : 'WHERE deleted_date IS NULL'} ORDER BY ${column} ${direction}, name ${direction}`)
    .filter((row) => filters.every((f) => matches(row, f)));
  const page = pageAt(rows, offset, max);
  return {
    SecretList: page.items.map((row) => ({ ...describe(row), SecretVersionsToStages: versionsToStages(ctx, str(row, 'arn')) })),
    ...(page.nextToken === undefined ? {} : { NextToken: page.nextToken }),
  };
}

