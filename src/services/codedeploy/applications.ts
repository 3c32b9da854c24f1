// CodeDeploy applications: create (ECS, or Server stored for later), get, batch get, list, delete with their groups.
import type {
  ApplicationInfo,
  BatchGetApplicationsInput,
  BatchGetApplicationsOutput,
  ComputePlatform,
  CreateApplicationInput,
  CreateApplicationOutput,
  DeleteApplicationInput,
  GetApplicationInput,
  GetApplicationOutput,
  ListApplicationsInput,
  ListApplicationsOutput,
  Tag,
} from '@aws-sdk/client-codedeploy';
import { SlipwayError, describeValue } from '../../core/errors.ts';
import { arn, uuid } from '../../core/ids.ts';
import { num, str, type Row } from '../../store/db.ts';
import type { OperationContext, ServiceContext } from '../types.ts';
import { activeDeploymentIds, getDeploymentRecord, stopDeployment } from './lifecycle.ts';
import { CodedProblems, page } from './problems.ts';

export const COMPUTE_PLATFORMS = ['Server', 'Lambda', 'ECS'] as const;

export function applicationArn(ctx: ServiceContext, name: string): string {
  return arn(ctx.config, 'codedeploy', `application:${name}`);
}

/** Checks a name member the way CodeDeploy does: its own "required" and "invalid" exception for each kind of name. */
export function checkName(p: CodedProblems, field: string, value: unknown, kind: 'Application' | 'DeploymentGroup' | 'DeploymentConfig'): string | undefined {
  if (value === undefined || value === null || value === '') {
    p.add(`${kind}NameRequiredException`, field, 'a name (the member is required)', value === '' ? 'an empty string' : 'nothing');
    return undefined;
  }
  if (typeof value !== 'string' || value.length > 100) {
    p.add(`Invalid${kind}NameException`, field, '1 to 100 characters', typeof value === 'string' ? `${value.length} characters` : describeValue(value));
    return undefined;
  }
  return value;
}

export function requireName(value: unknown, field: string, kind: 'Application' | 'DeploymentGroup' | 'DeploymentConfig'): string {
  const p = new CodedProblems();
  const name = checkName(p, field, value, kind);
  p.throwIfAny('Invalid input');
  return name ?? '';
}

function toInfo(row: Row): ApplicationInfo {
  return {
    applicationId: str(row, 'id'),
    applicationName: str(row, 'name'),
    createTime: new Date(num(row, 'create_time')),
    linkedToGitHub: false,
    computePlatform: str(row, 'compute_platform') as ComputePlatform,
  };
}

/** The application row, or ApplicationDoesNotExistException in AWS's words. */
export function getApplicationRow(ctx: ServiceContext, name: string): Row {
  const row = ctx.store.get('SELECT * FROM codedeploy_applications WHERE name = ?', name);
  if (row === undefined) throw new SlipwayError('ApplicationDoesNotExistException', `No application found for name: ${name}`);
  return row;
}

function readTags(p: CodedProblems, value: unknown): Tag[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    p.add('InvalidTagsToAddException', 'tags', 'a list of {Key, Value}', describeValue(value));
    return [];
  }
  const tags: Tag[] = [];
  value.forEach((t: unknown, i) => {
    const tag = t as { Key?: unknown; Value?: unknown } | null;
    if (typeof tag?.Key !== 'string' || tag.Key.length === 0 || tag.Key.length > 128) p.add('InvalidTagsToAddException', `tags[${i}].Key`, 'a key of 1 to 128 characters', describeValue(tag?.Key));
    else if (tag.Value !== undefined && (typeof tag.Value !== 'string' || tag.Value.length > 256)) p.add('InvalidTagsToAddException', `tags[${i}].Value`, 'a value of at most 256 characters', describeValue(tag.Value));
    else tags.push({ Key: tag.Key, ...(tag.Value === undefined ? {} : { Value: tag.Value }) });
  });
  return tags;
}

export function createApplication(input: CreateApplicationInput, ctx: OperationContext): CreateApplicationOutput {
  const p = new CodedProblems();
  const name = checkName(p, 'applicationName', input.applicationName, 'Application');
  const platform = (input.computePlatform as string | undefined) ?? 'Server';
  if (!(COMPUTE_PLATFORMS as readonly string[]).includes(platform)) {
    p.add('InvalidComputePlatformException', 'computePlatform', `one of ${COMPUTE_PLATFORMS.join(', ')}`, describeValue(platform));
  } else if (platform === 'Lambda') {
    p.add('InvalidComputePlatformException', 'computePlatform', 'ECS or Server (Slipway runs no Lambda functions, so Lambda applications are not supported)', '"Lambda"');
  }
  const tags = readTags(p, input.tags);
  p.throwIfAny('Invalid CreateApplication input');
  const appName = name ?? '';
  return ctx.store.tx(() => {
    if (ctx.store.get('SELECT 1 FROM codedeploy_applications WHERE name = ?', appName) !== undefined) {
      throw new SlipwayError('ApplicationAlreadyExistsException', `The application already exists: ${appName}; expected a name not used by another application`);
    }
    const id = uuid();
    ctx.store.run(
      'INSERT INTO codedeploy_applications (name, id, compute_platform, create_time, tags) VALUES (?, ?, ?, ?, ?)',
      appName,
      id,
      platform,
      ctx.clock.now(),
      JSON.stringify(tags),
    );
    ctx.bus.publish({ type: 'codedeploy.application.created', resource: applicationArn(ctx, appName), detail: { applicationName: appName, computePlatform: platform } });
    return { applicationId: id };
  });
}

export function getApplication(input: GetApplicationInput, ctx: OperationContext): GetApplicationOutput {
  const name = requireName(input.applicationName, 'applicationName', 'Application');
  return { application: toInfo(getApplicationRow(ctx, name)) };
}

export function batchGetApplications(input: BatchGetApplicationsInput, ctx: OperationContext): BatchGetApplicationsOutput {
  const names: unknown = input.applicationNames;
  if (!Array.isArray(names)) throw new SlipwayError('ApplicationNameRequiredException', 'applicationNames: found nothing, expected a list of application names');
  if (names.length > 100) throw new SlipwayError('BatchLimitExceededException', `applicationNames: found ${names.length} names, expected at most 100`);
  const infos = names.map((n: unknown, i) => toInfo(getApplicationRow(ctx, requireName(n, `applicationNames[${i}]`, 'Application'))));
  return { applicationsInfo: infos };
}

export function listApplications(input: ListApplicationsInput, ctx: OperationContext): ListApplicationsOutput {
  const names = ctx.store.all('SELECT name FROM codedeploy_applications ORDER BY name').map((r) => str(r, 'name'));
  const p = page(names, input.nextToken);
  return { applications: p.items, ...(p.nextToken === undefined ? {} : { nextToken: p.nextToken }) };
}

/**
 * Deletes the application with its deployment groups and deployment history; deleting a missing one succeeds.
 * Active deployments are stopped first (without rollback), so an engine driving one hears it end.
 */
export function deleteApplication(input: DeleteApplicationInput, ctx: OperationContext): Record<string, never> {
  const name = requireName(input.applicationName, 'applicationName', 'Application');
  ctx.store.tx(() => {
    for (const id of activeDeploymentIds(ctx)) {
      if (getDeploymentRecord(ctx, id).applicationName === name) stopDeployment(ctx, id, 'request', { rollback: false });
    }
    const { changes } = ctx.store.run('DELETE FROM codedeploy_applications WHERE name = ?', name);
    if (changes === 0) return;
    ctx.store.run('DELETE FROM codedeploy_deployment_groups WHERE application_name = ?', name);
    ctx.store.run('DELETE FROM codedeploy_deployments WHERE application_name = ?', name);
    ctx.bus.publish({ type: 'codedeploy.application.deleted', resource: applicationArn(ctx, name), detail: { applicationName: name } });
  });
  return {};
}
