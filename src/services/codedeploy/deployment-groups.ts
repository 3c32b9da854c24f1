// Deployment groups: create, get (with last attempted/successful deployment), update (incl. rename), list, delete.
import type {
  ComputePlatform,
  CreateDeploymentGroupInput,
  CreateDeploymentGroupOutput,
  DeleteDeploymentGroupInput,
  DeleteDeploymentGroupOutput,
  DeploymentGroupInfo,
  GetDeploymentGroupInput,
  GetDeploymentGroupOutput,
  LastDeploymentInfo,
  ListDeploymentGroupsInput,
  ListDeploymentGroupsOutput,
  Tag,
  UpdateDeploymentGroupInput,
  UpdateDeploymentGroupOutput,
} from '@aws-sdk/client-codedeploy';
import { SlipwayError } from '../../core/errors.ts';
import { arn, uuid } from '../../core/ids.ts';
import { num, str, type Row } from '../../store/db.ts';
import type { OperationContext, ServiceContext } from '../types.ts';
import { checkName, getApplicationRow, requireName } from './applications.ts';
import { findDeploymentConfig } from './deployment-configs.ts';
import { readGroup, readGroupTags, type GroupBody } from './group-input.ts';
import { CodedProblems, page } from './problems.ts';

interface StoredGroup {
  readonly group: GroupBody;
  readonly tags: Tag[];
}

export interface DeploymentGroup extends GroupBody {
  readonly applicationName: string;
  readonly deploymentGroupId: string;
}

export function deploymentGroupArn(ctx: ServiceContext, application: string, group: string): string {
  return arn(ctx.config, 'codedeploy', `deploymentgroup:${application}/${group}`);
}

function fromRow(row: Row): DeploymentGroup {
  const stored = JSON.parse(str(row, 'body')) as StoredGroup;
  return { ...stored.group, applicationName: str(row, 'application_name'), deploymentGroupId: str(row, 'id') };
}

/** The stored group, or DeploymentGroupDoesNotExistException in AWS's words. */
export function getGroup(ctx: ServiceContext, application: string, name: string): DeploymentGroup {
  const row = ctx.store.get('SELECT * FROM codedeploy_deployment_groups WHERE application_name = ? AND name = ?', application, name);
  if (row === undefined) throw new SlipwayError('DeploymentGroupDoesNotExistException', `No Deployment Group found for name: ${name} in application ${application}`);
  return fromRow(row);
}

function lastDeployment(ctx: ServiceContext, application: string, group: string, succeededOnly: boolean): LastDeploymentInfo | undefined {
  const row = ctx.store.get(
    `SELECT id, status, create_time, body FROM codedeploy_deployments WHERE application_name = ? AND group_name = ? ${succeededOnly ? "AND status = 'Succeeded'" : ''} ORDER BY create_time DESC, rowid DESC LIMIT 1`,
    application,
    group,
  );
  if (row === undefined) return undefined;
  const completeTime = (JSON.parse(str(row, 'body')) as { completeTime?: number }).completeTime;
  return {
    deploymentId: str(row, 'id'),
    status: str(row, 'status') as LastDeploymentInfo['status'],
    createTime: new Date(num(row, 'create_time')),
    ...(completeTime === undefined ? {} : { endTime: new Date(completeTime) }),
  };
}

function toInfo(ctx: ServiceContext, g: DeploymentGroup): DeploymentGroupInfo {
  const attempted = lastDeployment(ctx, g.applicationName, g.deploymentGroupName, false);
  const succeeded = lastDeployment(ctx, g.applicationName, g.deploymentGroupName, true);
  return {
    applicationName: g.applicationName,
    deploymentGroupId: g.deploymentGroupId,
    deploymentGroupName: g.deploymentGroupName,
    deploymentConfigName: g.deploymentConfigName,
    ec2TagFilters: g.ec2TagFilters as DeploymentGroupInfo['ec2TagFilters'],
    onPremisesInstanceTagFilters: g.onPremisesInstanceTagFilters as DeploymentGroupInfo['onPremisesInstanceTagFilters'],
    autoScalingGroups: g.autoScalingGroups.map((name) => ({ name })),
    serviceRoleArn: g.serviceRoleArn,
    triggerConfigurations: g.triggerConfigurations as DeploymentGroupInfo['triggerConfigurations'],
    alarmConfiguration: g.alarmConfiguration,
    autoRollbackConfiguration: g.autoRollbackConfiguration,
    deploymentStyle: g.deploymentStyle,
    outdatedInstancesStrategy: g.outdatedInstancesStrategy,
    ...(g.blueGreenDeploymentConfiguration === undefined ? {} : { blueGreenDeploymentConfiguration: g.blueGreenDeploymentConfiguration }),
    ...(g.loadBalancerInfo === undefined ? {} : { loadBalancerInfo: g.loadBalancerInfo }),
    ...(attempted === undefined ? {} : { lastAttemptedDeployment: attempted }),
    ...(succeeded === undefined ? {} : { lastSuccessfulDeployment: succeeded }),
    ...(g.ec2TagSet === undefined ? {} : { ec2TagSet: g.ec2TagSet as DeploymentGroupInfo['ec2TagSet'] }),
    ...(g.onPremisesTagSet === undefined ? {} : { onPremisesTagSet: g.onPremisesTagSet as DeploymentGroupInfo['onPremisesTagSet'] }),
    computePlatform: g.computePlatform,
    ecsServices: g.ecsServices,
    terminationHookEnabled: g.terminationHookEnabled,
  };
}

/** The deployment controller of an ACTIVE service in Slipway's ECS; undefined when ECS has no such service (checked later, by the engine). */
function ecsServiceController(ctx: ServiceContext, cluster: string, service: string): string | undefined {
  try {
    const row = ctx.store.get("SELECT controller FROM ecs_services WHERE cluster = ? AND name = ? AND status = 'ACTIVE'", cluster, service);
    return row === undefined ? undefined : str(row, 'controller');
  } catch {
    // ECS's table belongs to another service; without it there is nothing to check.
    return undefined;
  }
}

/** The configuration must exist and be for the group's platform; an ECS service may belong to one group only. */
function checkReferences(ctx: ServiceContext, p: CodedProblems, body: GroupBody, self: { application: string; name: string } | undefined): void {
  const config = findDeploymentConfig(ctx, body.deploymentConfigName);
  if (config === undefined) p.add('DeploymentConfigDoesNotExistException', 'deploymentConfigName', 'a predefined or created deployment configuration', `"${body.deploymentConfigName}"`);
  else if (config.computePlatform !== body.computePlatform) {
    p.add('InvalidDeploymentConfigNameException', 'deploymentConfigName', `a configuration for the ${body.computePlatform} platform`, `"${body.deploymentConfigName}" (a ${config.computePlatform} configuration)`);
  }
  const service = body.ecsServices[0];
  if (service === undefined) return;
  const controller = ecsServiceController(ctx, service.clusterName ?? '', service.serviceName ?? '');
  if (controller !== undefined && controller !== 'CODE_DEPLOY') {
    p.add(
      'InvalidECSServiceException',
      'ecsServices[0]',
      "an ECS service whose deploymentController is CODE_DEPLOY (Deployment group's ECS service must be configured for a CODE_DEPLOY deployment controller)",
      `${service.clusterName}/${service.serviceName} with deploymentController ${controller}`,
    );
  }
  for (const row of ctx.store.all('SELECT * FROM codedeploy_deployment_groups')) {
    const other = fromRow(row);
    if (self !== undefined && other.applicationName === self.application && other.deploymentGroupName === self.name) continue;
    if (other.ecsServices.some((s) => s.serviceName === service.serviceName && s.clusterName === service.clusterName)) {
      p.add(
        'ECSServiceMappingLimitExceededException',
        'ecsServices[0]',
        'an ECS service no other deployment group deploys',
        `${service.clusterName}/${service.serviceName}, already in deployment group ${other.applicationName}/${other.deploymentGroupName}`,
      );
    }
  }
}

export function createDeploymentGroup(input: CreateDeploymentGroupInput, ctx: OperationContext): CreateDeploymentGroupOutput {
  const p = new CodedProblems();
  const application = checkName(p, 'applicationName', input.applicationName, 'Application');
  const name = checkName(p, 'deploymentGroupName', input.deploymentGroupName, 'DeploymentGroup');
  p.throwIfAny('Invalid CreateDeploymentGroup input');
  const appName = application ?? '';
  const groupName = name ?? '';
  return ctx.store.tx(() => {
    const platform = str(getApplicationRow(ctx, appName), 'compute_platform') as ComputePlatform;
    const body = readGroup(p, input as unknown as Record<string, unknown>, undefined, groupName, platform, true);
    const tags = readGroupTags(p, input.tags);
    if (p.size === 0) checkReferences(ctx, p, body, undefined);
    p.throwIfAny('Invalid CreateDeploymentGroup input');
    if (ctx.store.get('SELECT 1 FROM codedeploy_deployment_groups WHERE application_name = ? AND name = ?', appName, groupName) !== undefined) {
      throw new SlipwayError('DeploymentGroupAlreadyExistsException', `The deployment group ${groupName} already exists in application ${appName}; expected a new name`);
    }
    const id = uuid();
    ctx.store.run('INSERT INTO codedeploy_deployment_groups (application_name, name, id, body) VALUES (?, ?, ?, ?)', appName, groupName, id, JSON.stringify({ group: body, tags } satisfies StoredGroup));
    ctx.bus.publish({ type: 'codedeploy.deployment-group.created', resource: deploymentGroupArn(ctx, appName, groupName), detail: { applicationName: appName, deploymentGroupName: groupName } });
    return { deploymentGroupId: id };
  });
}

export function getDeploymentGroup(input: GetDeploymentGroupInput, ctx: OperationContext): GetDeploymentGroupOutput {
  const application = requireName(input.applicationName, 'applicationName', 'Application');
  const name = requireName(input.deploymentGroupName, 'deploymentGroupName', 'DeploymentGroup');
  getApplicationRow(ctx, application);
  return { deploymentGroupInfo: toInfo(ctx, getGroup(ctx, application, name)) };
}

export function updateDeploymentGroup(input: UpdateDeploymentGroupInput, ctx: OperationContext): UpdateDeploymentGroupOutput {
  const p = new CodedProblems();
  const application = checkName(p, 'applicationName', input.applicationName, 'Application') ?? '';
  const current = checkName(p, 'currentDeploymentGroupName', input.currentDeploymentGroupName, 'DeploymentGroup') ?? '';
  const renamed = input.newDeploymentGroupName === undefined ? undefined : checkName(p, 'newDeploymentGroupName', input.newDeploymentGroupName, 'DeploymentGroup');
  p.throwIfAny('Invalid UpdateDeploymentGroup input');
  return ctx.store.tx(() => {
    getApplicationRow(ctx, application);
    const existing = getGroup(ctx, application, current);
    const newName = renamed ?? current;
    const body = readGroup(p, input as unknown as Record<string, unknown>, existing, newName, existing.computePlatform, false);
    if (p.size === 0) checkReferences(ctx, p, body, { application, name: current });
    p.throwIfAny('Invalid UpdateDeploymentGroup input');
    if (newName !== current && ctx.store.get('SELECT 1 FROM codedeploy_deployment_groups WHERE application_name = ? AND name = ?', application, newName) !== undefined) {
      throw new SlipwayError('DeploymentGroupAlreadyExistsException', `The deployment group ${newName} already exists in application ${application}; expected a new name`);
    }
    const row = ctx.store.get('SELECT body FROM codedeploy_deployment_groups WHERE application_name = ? AND name = ?', application, current);
    const tags = row === undefined ? [] : (JSON.parse(str(row, 'body')) as StoredGroup).tags;
    ctx.store.run(
      'UPDATE codedeploy_deployment_groups SET name = ?, body = ? WHERE application_name = ? AND name = ?',
      newName,
      JSON.stringify({ group: body, tags } satisfies StoredGroup),
      application,
      current,
    );
    if (newName !== current) {
      ctx.store.run(
        "UPDATE codedeploy_deployments SET group_name = ?, body = json_set(body, '$.deploymentGroupName', ?) WHERE application_name = ? AND group_name = ?",
        newName,
        newName,
        application,
        current,
      );
    }
    ctx.bus.publish({
      type: 'codedeploy.deployment-group.updated',
      resource: deploymentGroupArn(ctx, application, newName),
      detail: { applicationName: application, deploymentGroupName: newName, ...(newName === current ? {} : { previousName: current }) },
    });
    return { hooksNotCleanedUp: [] };
  });
}

export function listDeploymentGroups(input: ListDeploymentGroupsInput, ctx: OperationContext): ListDeploymentGroupsOutput {
  const application = requireName(input.applicationName, 'applicationName', 'Application');
  getApplicationRow(ctx, application);
  const names = ctx.store.all('SELECT name FROM codedeploy_deployment_groups WHERE application_name = ? ORDER BY name', application).map((r) => str(r, 'name'));
  const p = page(names, input.nextToken);
  return { applicationName: application, deploymentGroups: p.items, ...(p.nextToken === undefined ? {} : { nextToken: p.nextToken }) };
}

/** Deleting a missing group succeeds, as on AWS (the operation lists no "does not exist" error). */
export function deleteDeploymentGroup(input: DeleteDeploymentGroupInput, ctx: OperationContext): DeleteDeploymentGroupOutput {
  const p = new CodedProblems();
  const application = checkName(p, 'applicationName', input.applicationName, 'Application') ?? '';
  const name = checkName(p, 'deploymentGroupName', input.deploymentGroupName, 'DeploymentGroup') ?? '';
  p.throwIfAny('Invalid DeleteDeploymentGroup input');
  ctx.store.tx(() => {
    const { changes } = ctx.store.run('DELETE FROM codedeploy_deployment_groups WHERE application_name = ? AND name = ?', application, name);
    if (changes > 0) ctx.bus.publish({ type: 'codedeploy.deployment-group.deleted', resource: deploymentGroupArn(ctx, application, name), detail: { applicationName: application, deploymentGroupName: name } });
  });
  return { hooksNotCleanedUp: [] };
}
