// ECS services, API side: create/update/describe/list/delete; the scheduler engine reconciles what they record.
import type {
  CreateServiceRequest,
  CreateServiceResponse,
  DeleteServiceRequest,
  DeleteServiceResponse,
  DeploymentConfiguration,
  DescribeServicesRequest,
  DescribeServicesResponse,
  Failure,
  ListServicesRequest,
  ListServicesResponse,
  Service,
  UpdateServiceRequest,
  UpdateServiceResponse,
} from '@aws-sdk/client-ecs';
import { SlipwayError } from '../../core/errors.ts';
import { arn } from '../../core/ids.ts';
import { str } from '../../store/db.ts';
import type { OperationContext } from '../types.ts';
import { InputReader } from '../validate.ts';
import { page } from './paging.ts';
import {
  findService,
  getService,
  insertDeployment,
  requireActiveService,
  serviceArn,
  toService,
  type Controller,
  type ServiceBody,
  type ServiceRecord,
} from './service-store.ts';
import { checkLoadBalancers } from './load-balancers.ts';
import { insertTaskSet } from './task-sets.ts';
import { resolveTaskDefinition } from './task-store.ts';
import { checkNetworkConfiguration, requireCluster } from './tasks.ts';

const SERVICE_NAME = { min: 1, max: 255, pattern: /^[A-Za-z0-9_-]+$/, patternText: "letters, digits, '-' and '_' (1-255)" };
const CONTROLLERS = ['ECS', 'CODE_DEPLOY', 'EXTERNAL'] as const;

function readDeploymentConfiguration(input: DeploymentConfiguration | undefined, base: DeploymentConfiguration): DeploymentConfiguration {
  const r = new InputReader({ deploymentConfiguration: input ?? {} });
  const dc = r.struct('deploymentConfiguration');
  const max = dc?.integer('maximumPercent', { min: 0 });
  const min = dc?.integer('minimumHealthyPercent', { min: 0, max: 100 });
  const cb = dc?.struct('deploymentCircuitBreaker');
  const enable = cb?.boolean('enable', { required: true });
  const rollback = cb?.boolean('rollback', { required: true });
  r.done();
  const out: DeploymentConfiguration = {
    ...base,
    ...(max === undefined ? {} : { maximumPercent: max }),
    ...(min === undefined ? {} : { minimumHealthyPercent: min }),
    ...(cb === undefined ? {} : { deploymentCircuitBreaker: { enable: enable ?? false, rollback: rollback ?? false } }),
    ...(input?.alarms === undefined ? {} : { alarms: input.alarms }),
  };
  if ((out.maximumPercent ?? 200) < (out.minimumHealthyPercent ?? 100)) {
    throw new SlipwayError('InvalidParameterException', `deploymentConfiguration: maximumPercent ${out.maximumPercent} is below minimumHealthyPercent ${out.minimumHealthyPercent}; expected maximumPercent ≥ minimumHealthyPercent`);
  }
  return out;
}

const DEFAULT_DEPLOYMENT_CONFIGURATION: DeploymentConfiguration = {
  maximumPercent: 200,
  minimumHealthyPercent: 100,
  deploymentCircuitBreaker: { enable: false, rollback: false },
};

export function createService(input: CreateServiceRequest, ctx: OperationContext): CreateServiceResponse {
  const r = new InputReader(input);
  const clusterRef = r.string('cluster');
  const name = r.string('serviceName', { ...SERVICE_NAME, required: true }) ?? '';
  const tdRef = r.string('taskDefinition', { min: 1 });
  const desiredCount = r.integer('desiredCount', { min: 0 });
  const launchType = r.string('launchType', { oneOf: ['EC2', 'FARGATE', 'EXTERNAL'] });
  const grace = r.integer('healthCheckGracePeriodSeconds', { min: 0, max: 2147483647 });
  const controllerReader = r.struct('deploymentController');
  const controller = (controllerReader?.string('type', { required: true, oneOf: CONTROLLERS }) ?? 'ECS') as Controller;
  r.string('schedulingStrategy', { oneOf: ['REPLICA'] });
  r.done();
  const cluster = requireCluster(ctx, clusterRef);
  if (tdRef === undefined && controller !== 'EXTERNAL') {
    throw new SlipwayError('InvalidParameterException', 'taskDefinition: found nothing, expected a task definition (required unless the deployment controller is EXTERNAL)');
  }
  if (desiredCount === undefined) throw new SlipwayError('InvalidParameterException', 'desiredCount: found nothing, expected a count (required for the REPLICA scheduling strategy)');
  const td = tdRef === undefined ? undefined : resolveTaskDefinition(ctx, tdRef);
  if (td !== undefined && td.status !== 'ACTIVE') throw new SlipwayError('ClientException', `TaskDefinition is inactive: ${td.arn}; expected an ACTIVE revision`);
  if (td !== undefined) checkNetworkConfiguration(td, input.networkConfiguration);
  const loadBalancers = checkLoadBalancers(input.loadBalancers ?? [], td);
  const deploymentConfiguration = readDeploymentConfiguration(input.deploymentConfiguration, DEFAULT_DEPLOYMENT_CONFIGURATION);
  const a = serviceArn(ctx, cluster, name);
  return ctx.store.tx(() => {
    const existing = getService(ctx, a);
    if (existing !== undefined && existing.status !== 'INACTIVE') throw new SlipwayError('InvalidParameterException', 'Creation of service was not idempotent.');
    const body: ServiceBody = {
      loadBalancers,
      ...(input.networkConfiguration === undefined ? {} : { networkConfiguration: input.networkConfiguration }),
      deploymentConfiguration,
      ...(grace === undefined ? {} : { healthCheckGracePeriodSeconds: grace }),
      launchType: launchType ?? 'FARGATE',
      tags: input.tags ?? [],
      propagateTags: input.propagateTags ?? 'NONE',
      enableECSManagedTags: input.enableECSManagedTags ?? false,
      ...(input.role === undefined ? {} : { role: input.role }),
      createdBy: arn(ctx.config, 'iam', 'root', ''),
    };
    ctx.store.run('DELETE FROM ecs_services WHERE arn = ?', a);
    ctx.store.run(
      `INSERT INTO ecs_services (arn, cluster, name, status, controller, task_definition, desired_count, body, created_at) VALUES (?, ?, ?, 'ACTIVE', ?, ?, ?, ?, ?)`,
      a,
      cluster,
      name,
      controller,
      td?.arn ?? null,
      desiredCount,
      JSON.stringify(body),
      ctx.clock.now(),
    );
    if (controller === 'ECS' && td !== undefined) insertDeployment(ctx, a, td.arn);
    // AWS creates the first (PRIMARY, 100%) task set itself for blue/green services.
    if (controller === 'CODE_DEPLOY' && td !== undefined) {
      insertTaskSet(ctx, getServiceOrThrow(ctx, a), { taskDefinition: td, scale: 100, status: 'PRIMARY', loadBalancers, launchType: body.launchType, ...(body.networkConfiguration === undefined ? {} : { networkConfiguration: body.networkConfiguration }), tags: [] });
    }
    ctx.bus.publish({ type: 'ecs.service.created', resource: a, detail: { cluster, name, controller } });
    return { service: toService(ctx, getServiceOrThrow(ctx, a)) };
  });
}

function getServiceOrThrow(ctx: OperationContext, a: string): ServiceRecord {
  const s = getService(ctx, a);
  if (s === undefined) throw new Error(`unreachable: service ${a} was written in this transaction`);
  return s;
}

/** What UpdateService may change under a CODE_DEPLOY or EXTERNAL controller; AWS's errors for the rest. */
function refuseUnderExternalController(s: ServiceRecord, input: UpdateServiceRequest, tdArn: string | undefined): void {
  const how = s.controller === 'CODE_DEPLOY' ? 'Use AWS CodeDeploy to trigger a new deployment.' : 'Use the task set APIs (CreateTaskSet, UpdateServicePrimaryTaskSet) instead.';
  const refuse = (what: string): never => {
    throw new SlipwayError('InvalidParameterException', `Unable to update ${what} on services with a ${s.controller} deployment controller. ${how}`);
  };
  if (tdArn !== undefined && tdArn !== s.taskDefinition) refuse('task definition');
  if (input.networkConfiguration !== undefined && JSON.stringify(input.networkConfiguration) !== JSON.stringify(s.body.networkConfiguration)) refuse('network parameters');
  if (input.loadBalancers !== undefined && JSON.stringify(input.loadBalancers) !== JSON.stringify(s.body.loadBalancers)) refuse('load balancers');
  if (input.platformVersion !== undefined) refuse('platform version');
  if (input.forceNewDeployment === true) refuse('forceNewDeployment');
}

export function updateService(input: UpdateServiceRequest, ctx: OperationContext): UpdateServiceResponse {
  const r = new InputReader(input);
  const clusterRef = r.string('cluster');
  const ref = r.string('service', { required: true, min: 1 }) ?? '';
  const desiredCount = r.integer('desiredCount', { min: 0 });
  const tdRef = r.string('taskDefinition', { min: 1 });
  const grace = r.integer('healthCheckGracePeriodSeconds', { min: 0, max: 2147483647 });
  const force = r.boolean('forceNewDeployment') ?? false;
  const controllerReader = r.struct('deploymentController');
  const controller = controllerReader?.string('type', { required: true, oneOf: CONTROLLERS });
  r.done();
  const cluster = requireCluster(ctx, clusterRef);
  return ctx.store.tx(() => {
    const s = requireActiveService(ctx, cluster, ref);
    if (controller !== undefined && controller !== s.controller) {
      throw new SlipwayError(
        'InvalidParameterException',
        `Unable to update the deployment controller of service ${s.name} from ${s.controller} to ${controller}: Slipway keeps the controller chosen at creation; create a new service to change it.`,
      );
    }
    const td = tdRef === undefined ? undefined : resolveTaskDefinition(ctx, tdRef);
    if (s.controller !== 'ECS') refuseUnderExternalController(s, input, td?.arn);
    if (td !== undefined && td.status !== 'ACTIVE') throw new SlipwayError('ClientException', `TaskDefinition is inactive: ${td.arn}; expected an ACTIVE revision`);
    const newTd = td ?? (s.taskDefinition === undefined ? undefined : resolveTaskDefinition(ctx, s.taskDefinition));
    const loadBalancers = input.loadBalancers === undefined ? s.body.loadBalancers : checkLoadBalancers(input.loadBalancers, newTd);
    if (input.loadBalancers === undefined && td !== undefined) checkLoadBalancers(loadBalancers, td);
    const body: ServiceBody = {
      ...s.body,
      loadBalancers,
      deploymentConfiguration: readDeploymentConfiguration(input.deploymentConfiguration, s.body.deploymentConfiguration),
      ...(grace === undefined ? {} : { healthCheckGracePeriodSeconds: grace }),
      ...(input.networkConfiguration === undefined ? {} : { networkConfiguration: input.networkConfiguration }),
    };
    const newDeployment =
      s.controller === 'ECS' &&
      (force ||
        (td !== undefined && td.arn !== s.taskDefinition) ||
        input.networkConfiguration !== undefined ||
        (input.loadBalancers !== undefined && JSON.stringify(loadBalancers) !== JSON.stringify(s.body.loadBalancers)));
    ctx.store.run(
      'UPDATE ecs_services SET desired_count = ?, task_definition = ?, body = ?, steady = 0 WHERE arn = ?',
      desiredCount ?? s.desiredCount,
      newTd?.arn ?? null,
      JSON.stringify(body),
      s.arn,
    );
    if (newDeployment && newTd !== undefined) insertDeployment(ctx, s.arn, newTd.arn);
    ctx.bus.publish({ type: 'ecs.service.updated', resource: s.arn, detail: { desiredCount: desiredCount ?? s.desiredCount, newDeployment } });
    return { service: toService(ctx, getServiceOrThrow(ctx, s.arn)) };
  });
}

export function describeServices(input: DescribeServicesRequest, ctx: OperationContext): DescribeServicesResponse {
  const r = new InputReader(input);
  const clusterRef = r.string('cluster');
  const refs = r.stringList('services', { required: true, max: 10 }) ?? [];
  const include = r.stringList('include', { item: { oneOf: ['TAGS'] } }) ?? [];
  r.done();
  const cluster = requireCluster(ctx, clusterRef);
  const services: Service[] = [];
  const failures: Failure[] = [];
  for (const ref of refs) {
    const s = findService(ctx, cluster, ref);
    if (s === undefined) failures.push({ arn: ref.startsWith('arn:') ? ref : serviceArn(ctx, cluster, ref), reason: 'MISSING' });
    else services.push(toService(ctx, s, include.includes('TAGS')));
  }
  return { services, failures };
}

export function listServices(input: ListServicesRequest, ctx: OperationContext): ListServicesResponse {
  const r = new InputReader(input);
  const clusterRef = r.string('cluster');
  const launchType = r.string('launchType', { oneOf: ['EC2', 'FARGATE', 'EXTERNAL'] });
  r.string('schedulingStrategy', { oneOf: ['REPLICA', 'DAEMON'] });
  const maxResults = r.integer('maxResults', { min: 1, max: 100 });
  const nextToken = r.string('nextToken');
  r.done();
  const cluster = requireCluster(ctx, clusterRef);
  const arns = ctx.store
    .all("SELECT arn, body FROM ecs_services WHERE cluster = ? AND status != 'INACTIVE' ORDER BY name", cluster)
    .filter((row) => launchType === undefined || (JSON.parse(str(row, 'body')) as ServiceBody).launchType === launchType)
    .map((row) => str(row, 'arn'));
  const p = page(arns, maxResults, nextToken);
  return { serviceArns: p.items, ...(p.nextToken === undefined ? {} : { nextToken: p.nextToken }) };
}

export function deleteService(input: DeleteServiceRequest, ctx: OperationContext): DeleteServiceResponse {
  const r = new InputReader(input);
  const clusterRef = r.string('cluster');
  const ref = r.string('service', { required: true, min: 1 }) ?? '';
  const force = r.boolean('force') ?? false;
  r.done();
  const cluster = requireCluster(ctx, clusterRef);
  return ctx.store.tx(() => {
    const s = requireActiveService(ctx, cluster, ref);
    if (s.desiredCount > 0 && !force) {
      throw new SlipwayError('InvalidParameterException', 'The service cannot be stopped while it is scaled above 0.');
    }
    // DRAINING until the scheduler has stopped every task; then INACTIVE.
    ctx.store.run("UPDATE ecs_services SET status = 'DRAINING', desired_count = 0 WHERE arn = ?", s.arn);
    ctx.store.run("UPDATE ecs_task_sets SET status = 'DRAINING', updated_at = ? WHERE service_arn = ? AND deleted = 0", ctx.clock.now(), s.arn);
    ctx.bus.publish({ type: 'ecs.service.deleted', resource: s.arn, detail: { cluster, name: s.name } });
    return { service: toService(ctx, getServiceOrThrow(ctx, s.arn)) };
  });
}
