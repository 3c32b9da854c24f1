// Reads CreateDeploymentGroup/UpdateDeploymentGroup members into a stored group, checking AWS's ECS blue/green rules all at once.
import type {
  AlarmConfiguration,
  AutoRollbackConfiguration,
  BlueGreenDeploymentConfiguration,
  ComputePlatform,
  DeploymentStyle,
  ECSService,
  LoadBalancerInfo,
  Tag,
} from '@aws-sdk/client-codedeploy';
import { describeValue } from '../../core/errors.ts';
import type { CodedProblems } from './problems.ts';

/** A deployment group as stored: the DeploymentGroupInfo members a client set (ids and last deployments are added on read). */
export interface GroupBody {
  readonly deploymentGroupName: string;
  readonly computePlatform: ComputePlatform;
  readonly deploymentConfigName: string;
  readonly serviceRoleArn: string;
  readonly ecsServices: ECSService[];
  readonly loadBalancerInfo?: LoadBalancerInfo;
  readonly blueGreenDeploymentConfiguration?: BlueGreenDeploymentConfiguration;
  readonly deploymentStyle: DeploymentStyle;
  readonly autoRollbackConfiguration: AutoRollbackConfiguration;
  readonly alarmConfiguration: AlarmConfiguration;
  /** Server-platform members, stored as given for a later issue. */
  readonly ec2TagFilters: unknown[];
  readonly onPremisesInstanceTagFilters: unknown[];
  readonly autoScalingGroups: string[];
  readonly triggerConfigurations: unknown[];
  readonly ec2TagSet?: unknown;
  readonly onPremisesTagSet?: unknown;
  readonly outdatedInstancesStrategy: 'UPDATE' | 'IGNORE';
  readonly terminationHookEnabled: boolean;
}

export const DEFAULT_CONFIG: Readonly<Record<string, string>> = { ECS: 'CodeDeployDefault.ECSAllAtOnce', Server: 'CodeDeployDefault.OneAtATime', Lambda: 'CodeDeployDefault.LambdaAllAtOnce' };
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const LISTENER_ARN = /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener\/(app|net)\/[^/]+\/[^/]+\/[^/]+$/;
const ROLLBACK_EVENTS = ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'] as const;
const MAX_WAIT_MINUTES = 2880;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const given = (v: unknown): boolean => v !== undefined && v !== null;

function list(p: CodedProblems, code: string, field: string, v: unknown): unknown[] {
  if (!given(v)) return [];
  if (Array.isArray(v)) return v;
  p.add(code, field, 'a list', describeValue(v));
  return [];
}

function waitMinutes(p: CodedProblems, field: string, v: unknown): number | undefined {
  if (!given(v)) return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_WAIT_MINUTES) return v;
  p.add('InvalidBlueGreenDeploymentConfigurationException', field, `whole minutes from 0 to ${MAX_WAIT_MINUTES} (2 days)`, describeValue(v));
  return undefined;
}

export function readServiceRole(p: CodedProblems, v: unknown, required: boolean): string | undefined {
  if (!given(v) || v === '') {
    if (required) p.add('RoleRequiredException', 'serviceRoleArn', 'the ARN of the IAM role CodeDeploy acts as (the member is required)', 'nothing');
    return undefined;
  }
  if (typeof v !== 'string' || !ROLE_ARN.test(v)) {
    p.add('InvalidRoleException', 'serviceRoleArn', 'an IAM role ARN, arn:aws:iam::<account>:role/<name>', describeValue(v));
    return undefined;
  }
  return v;
}

export function readAlarms(p: CodedProblems, v: unknown): AlarmConfiguration {
  const off: AlarmConfiguration = { enabled: false, ignorePollAlarmFailure: false, alarms: [] };
  if (!given(v)) return off;
  if (!isObj(v)) {
    p.add('InvalidAlarmConfigException', 'alarmConfiguration', 'an object {enabled, ignorePollAlarmFailure, alarms}', describeValue(v));
    return off;
  }
  const alarms = list(p, 'InvalidAlarmConfigException', 'alarmConfiguration.alarms', v['alarms']);
  const names: string[] = [];
  alarms.forEach((a, i) => {
    const name = isObj(a) ? a['name'] : undefined;
    if (typeof name !== 'string' || name.length === 0 || name.length > 255) p.add('InvalidAlarmConfigException', `alarmConfiguration.alarms[${i}].name`, 'an alarm name of 1 to 255 characters', describeValue(name));
    else if (names.includes(name)) p.add('InvalidAlarmConfigException', `alarmConfiguration.alarms[${i}].name`, 'each alarm once', `"${name}" twice`);
    else names.push(name);
  });
  if (alarms.length > 10) p.add('AlarmsLimitExceededException', 'alarmConfiguration.alarms', 'at most 10 alarms', `${alarms.length} alarms`);
  const enabled = v['enabled'] === true;
  if (enabled && alarms.length === 0) p.add('InvalidAlarmConfigException', 'alarmConfiguration.alarms', 'at least one alarm when alarmConfiguration.enabled is true', 'none');
  return { enabled, ignorePollAlarmFailure: v['ignorePollAlarmFailure'] === true, alarms: names.map((name) => ({ name })) };
}

export function readRollback(p: CodedProblems, v: unknown): AutoRollbackConfiguration {
  if (!given(v)) return { enabled: false, events: [] };
  if (!isObj(v)) {
    p.add('InvalidAutoRollbackConfigException', 'autoRollbackConfiguration', 'an object {enabled, events}', describeValue(v));
    return { enabled: false, events: [] };
  }
  const events = list(p, 'InvalidAutoRollbackConfigException', 'autoRollbackConfiguration.events', v['events']).filter((e, i) => {
    if ((ROLLBACK_EVENTS as readonly unknown[]).includes(e)) return true;
    p.add('InvalidAutoRollbackConfigException', `autoRollbackConfiguration.events[${i}]`, `one of ${ROLLBACK_EVENTS.join(', ')}`, describeValue(e));
    return false;
  }) as (typeof ROLLBACK_EVENTS)[number][];
  const enabled = v['enabled'] === true;
  if (enabled && events.length === 0) p.add('InvalidAutoRollbackConfigException', 'autoRollbackConfiguration.events', 'at least one event when autoRollbackConfiguration.enabled is true', 'none');
  return { enabled, events: [...new Set(events)] };
}

function readEcsServices(p: CodedProblems, v: unknown): ECSService[] {
  const services = list(p, 'InvalidECSServiceException', 'ecsServices', v);
  if (services.length === 0) p.add('InvalidECSServiceException', 'ecsServices', 'exactly one {serviceName, clusterName} for an ECS deployment group', 'none');
  if (services.length > 1) p.add('ECSServiceMappingLimitExceededException', 'ecsServices', 'exactly one ECS service per deployment group', `${services.length} services`);
  const out: ECSService[] = [];
  services.slice(0, 1).forEach((s, i) => {
    const field = `ecsServices[${i}]`;
    const serviceName = isObj(s) ? s['serviceName'] : undefined;
    const clusterName = isObj(s) ? s['clusterName'] : undefined;
    if (typeof serviceName !== 'string' || serviceName === '') p.add('InvalidECSServiceException', `${field}.serviceName`, 'the name of the ECS service', describeValue(serviceName));
    if (typeof clusterName !== 'string' || clusterName === '') p.add('InvalidECSServiceException', `${field}.clusterName`, 'the name of the ECS cluster the service runs in', describeValue(clusterName));
    if (typeof serviceName === 'string' && serviceName !== '' && typeof clusterName === 'string' && clusterName !== '') out.push({ serviceName, clusterName });
  });
  return out;
}

function readRoute(p: CodedProblems, field: string, v: unknown, required: boolean): { listenerArns: string[] } | undefined {
  if (!given(v)) {
    if (required) p.add('InvalidLoadBalancerInfoException', field, 'a route {listenerArns: [the production listener ARN]}', 'nothing');
    return undefined;
  }
  const arns = list(p, 'InvalidLoadBalancerInfoException', `${field}.listenerArns`, isObj(v) ? v['listenerArns'] : undefined);
  if (arns.length !== 1) {
    p.add('InvalidLoadBalancerInfoException', `${field}.listenerArns`, 'exactly one listener ARN', `${arns.length} listeners`);
    return undefined;
  }
  const arn = arns[0];
  if (typeof arn !== 'string' || !LISTENER_ARN.test(arn)) {
    p.add('InvalidLoadBalancerInfoException', `${field}.listenerArns[0]`, 'an ELBv2 listener ARN (arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<lb>/<id>/<id>)', describeValue(arn));
    return undefined;
  }
  return { listenerArns: [arn] };
}

function readLoadBalancer(p: CodedProblems, v: unknown): LoadBalancerInfo | undefined {
  if (!isObj(v)) {
    p.add('InvalidLoadBalancerInfoException', 'loadBalancerInfo', 'an object with targetGroupPairInfoList (required for ECS blue/green)', describeValue(v));
    return undefined;
  }
  for (const other of ['elbInfoList', 'targetGroupInfoList']) {
    if (given(v[other]) && list(p, 'InvalidLoadBalancerInfoException', `loadBalancerInfo.${other}`, v[other]).length > 0) {
      p.add('InvalidLoadBalancerInfoException', `loadBalancerInfo.${other}`, 'nothing for ECS (use targetGroupPairInfoList)', 'a list');
    }
  }
  const pairs = list(p, 'InvalidLoadBalancerInfoException', 'loadBalancerInfo.targetGroupPairInfoList', v['targetGroupPairInfoList']);
  if (pairs.length !== 1) {
    p.add('InvalidLoadBalancerInfoException', 'loadBalancerInfo.targetGroupPairInfoList', 'exactly one target group pair', `${pairs.length} pairs`);
    return undefined;
  }
  const pair = pairs[0];
  const field = 'loadBalancerInfo.targetGroupPairInfoList[0]';
  if (!isObj(pair)) {
    p.add('InvalidTargetGroupPairException', field, 'an object {targetGroups, prodTrafficRoute, testTrafficRoute}', describeValue(pair));
    return undefined;
  }
  const groups = list(p, 'InvalidTargetGroupPairException', `${field}.targetGroups`, pair['targetGroups']);
  const names: string[] = [];
  groups.forEach((g, i) => {
    const name = isObj(g) ? g['name'] : undefined;
    if (typeof name !== 'string' || name === '') p.add('InvalidTargetGroupPairException', `${field}.targetGroups[${i}].name`, 'a target group name', describeValue(name));
    else names.push(name);
  });
  if (groups.length !== 2) p.add('InvalidTargetGroupPairException', `${field}.targetGroups`, 'exactly two target groups (one for the original task set, one for the replacement)', `${groups.length}`);
  else if (names.length === 2 && names[0] === names[1]) p.add('InvalidTargetGroupPairException', `${field}.targetGroups`, 'two different target groups', `"${names[0]}" twice`);
  const prod = readRoute(p, `${field}.prodTrafficRoute`, pair['prodTrafficRoute'], true);
  const test = readRoute(p, `${field}.testTrafficRoute`, pair['testTrafficRoute'], false);
  if (prod !== undefined && test !== undefined && prod.listenerArns[0] === test.listenerArns[0]) {
    p.add('InvalidLoadBalancerInfoException', `${field}.testTrafficRoute.listenerArns[0]`, 'a listener other than the production listener', describeValue(test.listenerArns[0]));
  }
  return {
    targetGroupPairInfoList: [
      { targetGroups: names.map((name) => ({ name })), ...(prod === undefined ? {} : { prodTrafficRoute: prod }), ...(test === undefined ? {} : { testTrafficRoute: test }) },
    ],
  };
}

function readBlueGreen(p: CodedProblems, v: unknown): BlueGreenDeploymentConfiguration | undefined {
  const code = 'InvalidBlueGreenDeploymentConfigurationException';
  if (!isObj(v)) {
    p.add(code, 'blueGreenDeploymentConfiguration', 'an object {deploymentReadyOption, terminateBlueInstancesOnDeploymentSuccess} (required for ECS)', describeValue(v));
    return undefined;
  }
  if (given(v['greenFleetProvisioningOption'])) p.add(code, 'blueGreenDeploymentConfiguration.greenFleetProvisioningOption', 'nothing for ECS (CodeDeploy creates the replacement task set itself)', 'an object');
  const ready = v['deploymentReadyOption'];
  let actionOnTimeout: 'CONTINUE_DEPLOYMENT' | 'STOP_DEPLOYMENT' = 'CONTINUE_DEPLOYMENT';
  let waitTimeInMinutes = 0;
  if (given(ready)) {
    const r = isObj(ready) ? ready : {};
    const action = r['actionOnTimeout'] ?? 'CONTINUE_DEPLOYMENT';
    if (action !== 'CONTINUE_DEPLOYMENT' && action !== 'STOP_DEPLOYMENT') p.add(code, 'blueGreenDeploymentConfiguration.deploymentReadyOption.actionOnTimeout', 'CONTINUE_DEPLOYMENT or STOP_DEPLOYMENT', describeValue(action));
    else actionOnTimeout = action;
    waitTimeInMinutes = waitMinutes(p, 'blueGreenDeploymentConfiguration.deploymentReadyOption.waitTimeInMinutes', r['waitTimeInMinutes']) ?? 0;
    if (action === 'STOP_DEPLOYMENT' && !given(r['waitTimeInMinutes'])) {
      p.add(code, 'blueGreenDeploymentConfiguration.deploymentReadyOption.waitTimeInMinutes', 'how long to wait for ContinueDeployment(READY_WAIT) when actionOnTimeout is STOP_DEPLOYMENT', 'nothing');
    }
  }
  const term = v['terminateBlueInstancesOnDeploymentSuccess'];
  let terminationWaitTimeInMinutes = 0;
  if (given(term)) {
    const t = isObj(term) ? term : {};
    const action = t['action'] ?? 'TERMINATE';
    if (action !== 'TERMINATE') {
      p.add(code, 'blueGreenDeploymentConfiguration.terminateBlueInstancesOnDeploymentSuccess.action', 'TERMINATE (ECS always removes the original task set)', describeValue(action));
    }
    terminationWaitTimeInMinutes = waitMinutes(p, 'blueGreenDeploymentConfiguration.terminateBlueInstancesOnDeploymentSuccess.terminationWaitTimeInMinutes', t['terminationWaitTimeInMinutes']) ?? 0;
  }
  return {
    deploymentReadyOption: { actionOnTimeout, waitTimeInMinutes },
    terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes },
  };
}

function readStyle(p: CodedProblems, v: unknown, platform: string): DeploymentStyle {
  const ecs = platform === 'ECS';
  const fallback: DeploymentStyle = ecs ? { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' } : { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' };
  if (!given(v)) {
    if (ecs) p.add('InvalidDeploymentStyleException', 'deploymentStyle', 'deploymentType BLUE_GREEN and deploymentOption WITH_TRAFFIC_CONTROL (required for ECS)', 'nothing');
    return fallback;
  }
  const s = isObj(v) ? v : {};
  const type = s['deploymentType'] ?? fallback.deploymentType;
  const option = s['deploymentOption'] ?? fallback.deploymentOption;
  if (type !== 'IN_PLACE' && type !== 'BLUE_GREEN') p.add('InvalidDeploymentStyleException', 'deploymentStyle.deploymentType', 'IN_PLACE or BLUE_GREEN', describeValue(type));
  else if (ecs && type !== 'BLUE_GREEN') p.add('InvalidDeploymentStyleException', 'deploymentStyle.deploymentType', 'BLUE_GREEN (the only deployment type for ECS)', describeValue(type));
  if (option !== 'WITH_TRAFFIC_CONTROL' && option !== 'WITHOUT_TRAFFIC_CONTROL') p.add('InvalidDeploymentStyleException', 'deploymentStyle.deploymentOption', 'WITH_TRAFFIC_CONTROL or WITHOUT_TRAFFIC_CONTROL', describeValue(option));
  else if (ecs && option !== 'WITH_TRAFFIC_CONTROL') p.add('InvalidDeploymentStyleException', 'deploymentStyle.deploymentOption', 'WITH_TRAFFIC_CONTROL (ECS deployments always shift traffic through the load balancer)', describeValue(option));
  return { deploymentType: type as DeploymentStyle['deploymentType'], deploymentOption: option as DeploymentStyle['deploymentOption'] };
}

/**
 * Reads the group members from `input` over `base` (UpdateDeploymentGroup sends only what changes), then checks the
 * whole group against the application's compute platform. Problems land in `p`; the caller throws.
 */
export function readGroup(p: CodedProblems, input: Obj, base: GroupBody | undefined, name: string, platform: ComputePlatform, creating: boolean): GroupBody {
  const pick = (key: string): unknown => (given(input[key]) ? input[key] : (base as unknown as Obj | undefined)?.[key]);
  const ecs = platform === 'ECS';
  const role = readServiceRole(p, pick('serviceRoleArn'), creating) ?? base?.serviceRoleArn ?? '';
  const style = readStyle(p, pick('deploymentStyle'), platform);
  const body: GroupBody = {
    deploymentGroupName: name,
    computePlatform: platform,
    deploymentConfigName: typeof pick('deploymentConfigName') === 'string' ? (pick('deploymentConfigName') as string) : (DEFAULT_CONFIG[platform] ?? ''),
    serviceRoleArn: role,
    ecsServices: ecs ? readEcsServices(p, pick('ecsServices')) : [],
    ...(ecs ? { loadBalancerInfo: readLoadBalancer(p, pick('loadBalancerInfo')) } : given(pick('loadBalancerInfo')) ? { loadBalancerInfo: pick('loadBalancerInfo') as LoadBalancerInfo } : {}),
    ...(ecs
      ? { blueGreenDeploymentConfiguration: readBlueGreen(p, pick('blueGreenDeploymentConfiguration')) }
      : given(pick('blueGreenDeploymentConfiguration'))
        ? { blueGreenDeploymentConfiguration: pick('blueGreenDeploymentConfiguration') as BlueGreenDeploymentConfiguration }
        : {}),
    deploymentStyle: style,
    autoRollbackConfiguration: readRollback(p, pick('autoRollbackConfiguration')),
    alarmConfiguration: readAlarms(p, pick('alarmConfiguration')),
    ec2TagFilters: list(p, 'InvalidEC2TagException', 'ec2TagFilters', pick('ec2TagFilters')),
    onPremisesInstanceTagFilters: list(p, 'InvalidTagException', 'onPremisesInstanceTagFilters', pick('onPremisesInstanceTagFilters')),
    autoScalingGroups: list(p, 'InvalidAutoScalingGroupException', 'autoScalingGroups', pick('autoScalingGroups')).map(String),
    triggerConfigurations: list(p, 'InvalidTriggerConfigException', 'triggerConfigurations', pick('triggerConfigurations')),
    ...(given(pick('ec2TagSet')) ? { ec2TagSet: pick('ec2TagSet') } : {}),
    ...(given(pick('onPremisesTagSet')) ? { onPremisesTagSet: pick('onPremisesTagSet') } : {}),
    outdatedInstancesStrategy: pick('outdatedInstancesStrategy') === 'IGNORE' ? 'IGNORE' : 'UPDATE',
    terminationHookEnabled: pick('terminationHookEnabled') === true,
  };
  if (ecs) {
    for (const key of ['ec2TagFilters', 'onPremisesInstanceTagFilters', 'autoScalingGroups'] as const) {
      if (body[key].length > 0) p.add('InvalidInputException', key, 'nothing for an ECS deployment group (instances belong to the Server platform)', `${body[key].length} entries`);
    }
    if (given(pick('ec2TagSet')) || given(pick('onPremisesTagSet'))) p.add('InvalidInputException', given(pick('ec2TagSet')) ? 'ec2TagSet' : 'onPremisesTagSet', 'nothing for an ECS deployment group', 'an object');
  }
  return body;
}

export function readGroupTags(p: CodedProblems, v: unknown): Tag[] {
  if (!given(v)) return [];
  if (!Array.isArray(v)) {
    p.add('InvalidTagsToAddException', 'tags', 'a list of {Key, Value}', describeValue(v));
    return [];
  }
  return v.filter((t): t is Tag => isObj(t) && typeof t['Key'] === 'string');
}
