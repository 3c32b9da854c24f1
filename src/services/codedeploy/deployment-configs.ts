// Deployment configurations: AWS's predefined ones (ECS, Server, Lambda) and custom ones with traffic routing or minimum healthy hosts.
import { createHash } from 'node:crypto';
import type {
  ComputePlatform,
  CreateDeploymentConfigInput,
  CreateDeploymentConfigOutput,
  DeleteDeploymentConfigInput,
  DeploymentConfigInfo,
  GetDeploymentConfigInput,
  GetDeploymentConfigOutput,
  ListDeploymentConfigsInput,
  ListDeploymentConfigsOutput,
  MinimumHealthyHosts,
  TrafficRoutingConfig,
} from '@aws-sdk/client-codedeploy';
import { SlipwayError, describeValue } from '../../core/errors.ts';
import { arn, uuid } from '../../core/ids.ts';
import { num, str } from '../../store/db.ts';
import type { OperationContext, ServiceContext } from '../types.ts';
import { COMPUTE_PLATFORMS, checkName, requireName } from './applications.ts';
import { CodedProblems, page } from './problems.ts';

const PREFIX = 'CodeDeployDefault.';
/** When AWS's predefined configurations are reported to have been created: a fixed time, not Slipway's start. */
const PREDEFINED_TIME = new Date(Date.UTC(2014, 9, 6));

const canary = (percent: number, minutes: number): TrafficRoutingConfig => ({ type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: percent, canaryInterval: minutes } });
const linear = (percent: number, minutes: number): TrafficRoutingConfig => ({ type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: percent, linearInterval: minutes } });
const allAtOnce: TrafficRoutingConfig = { type: 'AllAtOnce' };

const PREDEFINED: readonly [string, ComputePlatform, { trafficRoutingConfig?: TrafficRoutingConfig; minimumHealthyHosts?: MinimumHealthyHosts }][] = [
  ['ECSAllAtOnce', 'ECS', { trafficRoutingConfig: allAtOnce }],
  ['ECSLinear10PercentEvery1Minutes', 'ECS', { trafficRoutingConfig: linear(10, 1) }],
  ['ECSLinear10PercentEvery3Minutes', 'ECS', { trafficRoutingConfig: linear(10, 3) }],
  ['ECSCanary10Percent5Minutes', 'ECS', { trafficRoutingConfig: canary(10, 5) }],
  ['ECSCanary10Percent15Minutes', 'ECS', { trafficRoutingConfig: canary(10, 15) }],
  ['OneAtATime', 'Server', { minimumHealthyHosts: { type: 'HOST_COUNT', value: 1 } }],
  ['HalfAtATime', 'Server', { minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 50 } }],
  ['AllAtOnce', 'Server', { minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 } }],
  ['LambdaAllAtOnce', 'Lambda', { trafficRoutingConfig: allAtOnce }],
  ['LambdaCanary10Percent5Minutes', 'Lambda', { trafficRoutingConfig: canary(10, 5) }],
  ['LambdaCanary10Percent10Minutes', 'Lambda', { trafficRoutingConfig: canary(10, 10) }],
  ['LambdaCanary10Percent15Minutes', 'Lambda', { trafficRoutingConfig: canary(10, 15) }],
  ['LambdaCanary10Percent30Minutes', 'Lambda', { trafficRoutingConfig: canary(10, 30) }],
  ['LambdaLinear10PercentEvery1Minute', 'Lambda', { trafficRoutingConfig: linear(10, 1) }],
  ['LambdaLinear10PercentEvery2Minutes', 'Lambda', { trafficRoutingConfig: linear(10, 2) }],
  ['LambdaLinear10PercentEvery3Minutes', 'Lambda', { trafficRoutingConfig: linear(10, 3) }],
  ['LambdaLinear10PercentEvery10Minutes', 'Lambda', { trafficRoutingConfig: linear(10, 10) }],
];

/** A stable UUID-shaped id per predefined name, so ids do not change between restarts. */
function stableId(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function predefinedConfig(name: string): DeploymentConfigInfo | undefined {
  const entry = PREDEFINED.find(([n]) => `${PREFIX}${n}` === name);
  if (entry === undefined) return undefined;
  const [, computePlatform, body] = entry;
  return { deploymentConfigId: stableId(name), deploymentConfigName: name, createTime: PREDEFINED_TIME, computePlatform, ...body };
}

/** Predefined or custom; undefined when neither. */
export function findDeploymentConfig(ctx: ServiceContext, name: string): DeploymentConfigInfo | undefined {
  const predefined = predefinedConfig(name);
  if (predefined !== undefined) return predefined;
  const row = ctx.store.get('SELECT * FROM codedeploy_deployment_configs WHERE name = ?', name);
  if (row === undefined) return undefined;
  const body = JSON.parse(str(row, 'body')) as Pick<DeploymentConfigInfo, 'trafficRoutingConfig' | 'minimumHealthyHosts'>;
  return {
    deploymentConfigId: str(row, 'id'),
    deploymentConfigName: name,
    createTime: new Date(num(row, 'create_time')),
    computePlatform: str(row, 'compute_platform') as ComputePlatform,
    ...body,
  };
}

export function deploymentConfigArn(ctx: ServiceContext, name: string): string {
  return arn(ctx.config, 'codedeploy', `deploymentconfig:${name}`);
}

function readRouting(p: CodedProblems, value: unknown): TrafficRoutingConfig | undefined {
  const code = 'InvalidTrafficRoutingConfigurationException';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    p.add(code, 'trafficRoutingConfig', 'an object {type, timeBasedCanary | timeBasedLinear}', describeValue(value));
    return undefined;
  }
  const v = value as Record<string, unknown>;
  const type = v['type'];
  const checkInt = (field: string, n: unknown, min: number, max: number): number | undefined => {
    if (typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max) return n;
    p.add(code, field, `an integer from ${min} to ${max}`, describeValue(n));
    return undefined;
  };
  const sub = (key: string): Record<string, unknown> => {
    const s = v[key];
    if (typeof s === 'object' && s !== null && !Array.isArray(s)) return s as Record<string, unknown>;
    p.add(code, `trafficRoutingConfig.${key}`, `an object (required when type is ${String(type)})`, describeValue(s));
    return {};
  };
  if (type === 'AllAtOnce') {
    for (const extra of ['timeBasedCanary', 'timeBasedLinear']) {
      if (v[extra] !== undefined && v[extra] !== null) p.add(code, `trafficRoutingConfig.${extra}`, 'nothing when type is AllAtOnce', 'an object');
    }
    return { type };
  }
  if (type === 'TimeBasedCanary') {
    const s = sub('timeBasedCanary');
    const percent = checkInt('trafficRoutingConfig.timeBasedCanary.canaryPercentage', s['canaryPercentage'], 1, 99);
    const interval = checkInt('trafficRoutingConfig.timeBasedCanary.canaryInterval', s['canaryInterval'], 1, 2880);
    if (v['timeBasedLinear'] !== undefined && v['timeBasedLinear'] !== null) p.add(code, 'trafficRoutingConfig.timeBasedLinear', 'nothing when type is TimeBasedCanary', 'an object');
    return percent === undefined || interval === undefined ? undefined : canary(percent, interval);
  }
  if (type === 'TimeBasedLinear') {
    const s = sub('timeBasedLinear');
    const percent = checkInt('trafficRoutingConfig.timeBasedLinear.linearPercentage', s['linearPercentage'], 1, 99);
    const interval = checkInt('trafficRoutingConfig.timeBasedLinear.linearInterval', s['linearInterval'], 1, 2880);
    if (v['timeBasedCanary'] !== undefined && v['timeBasedCanary'] !== null) p.add(code, 'trafficRoutingConfig.timeBasedCanary', 'nothing when type is TimeBasedLinear', 'an object');
    return percent === undefined || interval === undefined ? undefined : linear(percent, interval);
  }
  p.add(code, 'trafficRoutingConfig.type', 'one of TimeBasedCanary, TimeBasedLinear, AllAtOnce', describeValue(type));
  return undefined;
}

function readMinimumHealthyHosts(p: CodedProblems, value: unknown): MinimumHealthyHosts | undefined {
  const code = 'InvalidMinimumHealthyHostValueException';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    p.add(code, 'minimumHealthyHosts', 'an object {type: HOST_COUNT | FLEET_PERCENT, value} (required for the Server platform)', describeValue(value));
    return undefined;
  }
  const { type, value: n } = value as Record<string, unknown>;
  if (type !== 'HOST_COUNT' && type !== 'FLEET_PERCENT') {
    p.add(code, 'minimumHealthyHosts.type', 'HOST_COUNT or FLEET_PERCENT', describeValue(type));
    return undefined;
  }
  const max = type === 'FLEET_PERCENT' ? 99 : Number.MAX_SAFE_INTEGER;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max) {
    p.add(code, 'minimumHealthyHosts.value', type === 'FLEET_PERCENT' ? 'an integer from 0 to 99' : 'an integer of 0 or more', describeValue(n));
    return undefined;
  }
  return { type, value: n };
}

export function createDeploymentConfig(input: CreateDeploymentConfigInput, ctx: OperationContext): CreateDeploymentConfigOutput {
  const p = new CodedProblems();
  const name = checkName(p, 'deploymentConfigName', input.deploymentConfigName, 'DeploymentConfig');
  if (name?.startsWith(PREFIX) === true) p.add('InvalidDeploymentConfigNameException', 'deploymentConfigName', `a name not starting with ${PREFIX} (reserved for AWS's predefined configurations)`, describeValue(name));
  const platform = (input.computePlatform as string | undefined) ?? 'Server';
  if (!(COMPUTE_PLATFORMS as readonly string[]).includes(platform)) p.add('InvalidComputePlatformException', 'computePlatform', `one of ${COMPUTE_PLATFORMS.join(', ')}`, describeValue(platform));
  let body: Pick<DeploymentConfigInfo, 'trafficRoutingConfig' | 'minimumHealthyHosts'> = {};
  if (platform === 'Server') {
    const hosts = readMinimumHealthyHosts(p, input.minimumHealthyHosts);
    if (input.trafficRoutingConfig !== undefined) p.add('InvalidTrafficRoutingConfigurationException', 'trafficRoutingConfig', 'nothing for the Server platform (it uses minimumHealthyHosts)', 'an object');
    if (hosts !== undefined) body = { minimumHealthyHosts: hosts };
  } else if (platform === 'ECS' || platform === 'Lambda') {
    const routing = readRouting(p, input.trafficRoutingConfig);
    if (input.minimumHealthyHosts !== undefined) p.add('InvalidMinimumHealthyHostValueException', 'minimumHealthyHosts', `nothing for the ${platform} platform (it uses trafficRoutingConfig)`, 'an object');
    if (input.zonalConfig !== undefined) p.add('InvalidZonalDeploymentConfigurationException', 'zonalConfig', 'nothing (zonal configuration applies to the Server platform only)', 'an object');
    if (routing !== undefined) body = { trafficRoutingConfig: routing };
  }
  p.throwIfAny('Invalid CreateDeploymentConfig input');
  const configName = name ?? '';
  return ctx.store.tx(() => {
    if (ctx.store.get('SELECT 1 FROM codedeploy_deployment_configs WHERE name = ?', configName) !== undefined) {
      throw new SlipwayError('DeploymentConfigAlreadyExistsException', `A deployment configuration with the name ${configName} already exists; expected a new name`);
    }
    const id = uuid();
    ctx.store.run('INSERT INTO codedeploy_deployment_configs (name, id, compute_platform, create_time, body) VALUES (?, ?, ?, ?, ?)', configName, id, platform, ctx.clock.now(), JSON.stringify(body));
    ctx.bus.publish({ type: 'codedeploy.deployment-config.created', resource: deploymentConfigArn(ctx, configName), detail: { deploymentConfigName: configName, computePlatform: platform } });
    return { deploymentConfigId: id };
  });
}

export function getDeploymentConfig(input: GetDeploymentConfigInput, ctx: OperationContext): GetDeploymentConfigOutput {
  const name = requireName(input.deploymentConfigName, 'deploymentConfigName', 'DeploymentConfig');
  const info = findDeploymentConfig(ctx, name);
  if (info === undefined) throw new SlipwayError('DeploymentConfigDoesNotExistException', `No deployment configuration found for name: ${name}`);
  return { deploymentConfigInfo: info };
}

export function listDeploymentConfigs(input: ListDeploymentConfigsInput, ctx: OperationContext): ListDeploymentConfigsOutput {
  const custom = ctx.store.all('SELECT name FROM codedeploy_deployment_configs ORDER BY name').map((r) => str(r, 'name'));
  const all = [...PREDEFINED.map(([n]) => `${PREFIX}${n}`), ...custom];
  const p = page(all, input.nextToken);
  return { deploymentConfigsList: p.items, ...(p.nextToken === undefined ? {} : { nextToken: p.nextToken }) };
}

export function deleteDeploymentConfig(input: DeleteDeploymentConfigInput, ctx: OperationContext): Record<string, never> {
  const name = requireName(input.deploymentConfigName, 'deploymentConfigName', 'DeploymentConfig');
  if (predefinedConfig(name) !== undefined) throw new SlipwayError('InvalidOperationException', `${name} is a predefined deployment configuration and cannot be deleted`);
  ctx.store.tx(() => {
    const users = ctx.store
      .all('SELECT application_name, name, body FROM codedeploy_deployment_groups')
      .filter((r) => (JSON.parse(str(r, 'body')) as { group?: { deploymentConfigName?: string } }).group?.deploymentConfigName === name)
      .map((r) => `${str(r, 'application_name')}/${str(r, 'name')}`);
    if (users.length > 0) throw new SlipwayError('DeploymentConfigInUseException', `The deployment configuration ${name} is in use by deployment groups ${users.join(', ')}; change their deploymentConfigName first`);
    const { changes } = ctx.store.run('DELETE FROM codedeploy_deployment_configs WHERE name = ?', name);
    if (changes > 0) ctx.bus.publish({ type: 'codedeploy.deployment-config.deleted', resource: deploymentConfigArn(ctx, name), detail: { deploymentConfigName: name } });
  });
  return {};
}
