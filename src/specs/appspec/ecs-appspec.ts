// Reads a CodeDeploy ECS appspec (YAML or JSON) with AWS's rules, optionally matching it against the task definition it deploys.
import type { RegisterTaskDefinitionRequest } from '@aws-sdk/client-ecs';
import { Problems } from '../../core/errors.ts';
import type { Problem } from '../../core/errors.ts';
import type { Shape, StructureShape } from '../taskdef/model.ts';
import { sortByPosition } from '../taskdef/read.ts';
import { checkShape } from '../taskdef/shape-check.ts';
import { Reporter, isRecord, nearName, parseSource } from '../taskdef/source.ts';
import type { Path } from '../taskdef/source.ts';

/** The hookable ECS lifecycle events, in the order they run. */
export const ECS_HOOK_EVENTS = ['BeforeInstall', 'AfterInstall', 'AfterAllowTestTraffic', 'BeforeAllowTraffic', 'AfterAllowTraffic'] as const;
export type EcsHookEvent = (typeof ECS_HOOK_EVENTS)[number];

/** Lifecycle steps CodeDeploy runs itself; they cannot be scripted. */
const UNHOOKABLE: readonly string[] = ['Start', 'Install', 'TestTraffic', 'AllowTestTraffic', 'AllowTraffic', 'End'];

export const TASK_DEFINITION_PLACEHOLDER = '<TASK_DEFINITION>';
const TASK_DEFINITION_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]{1,255}:\d+$/;

export interface EcsAppSpec {
  readonly version: '0.0';
  readonly targetService: {
    readonly taskDefinition: string;
    readonly containerName: string;
    readonly containerPort: number;
    readonly platformVersion?: string;
    readonly awsvpcConfiguration?: { readonly subnets: string[]; readonly securityGroups: string[]; readonly assignPublicIp: 'ENABLED' | 'DISABLED' };
    readonly capacityProviderStrategy?: { readonly capacityProvider: string; readonly base?: number; readonly weight?: number }[];
  };
  /** Lambda function names (or ARNs) by event, in file order. */
  readonly hooks: { readonly event: EcsHookEvent; readonly functionName: string }[];
}

export interface ReadEcsAppSpecOptions {
  /** When given, LoadBalancerInfo must name one of its containers and a port that container maps. */
  readonly taskDefinition?: RegisterTaskDefinitionRequest;
}

const S: Shape = { kind: 'string' };
const I: Shape = { kind: 'integer' };
const list = (member: Shape): Shape => ({ kind: 'list', member });
const struct = (members: Record<string, Shape>, required: readonly string[] = []): StructureShape => ({ kind: 'structure', members, required });

const propertiesShape = struct(
  {
    TaskDefinition: S,
    LoadBalancerInfo: struct({ ContainerName: S, ContainerPort: I }, ['ContainerName', 'ContainerPort']),
    PlatformVersion: S,
    NetworkConfiguration: struct(
      {
        AwsvpcConfiguration: struct(
          { Subnets: list(S), SecurityGroups: list(S), AssignPublicIp: { kind: 'string', enum: ['ENABLED', 'DISABLED'] } },
          ['Subnets', 'SecurityGroups', 'AssignPublicIp'],
        ),
      },
      ['AwsvpcConfiguration'],
    ),
    CapacityProviderStrategy: list(struct({ Base: I, CapacityProvider: S, Weight: I }, ['CapacityProvider'])),
  },
  ['TaskDefinition', 'LoadBalancerInfo'],
);

const appSpecShape = struct(
  {
    version: { kind: 'any' },
    Resources: list(struct({ TargetService: struct({ Type: S, Properties: propertiesShape }, ['Type', 'Properties']) }, ['TargetService'])),
    Hooks: list(struct(Object.fromEntries(ECS_HOOK_EVENTS.map((e) => [e, S])))),
  },
  ['version', 'Resources'],
);

const PROPS: Path = ['Resources', 0, 'TargetService', 'Properties'];

/** Parses and validates; throws InvalidRevisionException (CodeDeploy's code for a bad revision) carrying every problem. */
export function readEcsAppSpec(text: string, file = 'appspec.yaml', options: ReadEcsAppSpecOptions = {}): EcsAppSpec {
  const problems: Problem[] = [];
  const source = parseSource(text, file, problems);
  if (problems.length === 0) {
    const r = new Reporter(file, source);
    checkShape(source.value, appSpecShape, [], r, (path, member) =>
      path[0] === 'Hooks' && UNHOOKABLE.includes(member) ? `${member} runs no hook; only ${ECS_HOOK_EVENTS.join(', ')} can be hooked` : undefined,
    );
    if (isRecord(source.value)) checkAppSpec(source.value, r, options.taskDefinition);
    problems.push(...r.problems);
  }
  const all = new Problems();
  for (const p of sortByPosition(problems)) all.add(p);
  all.throwIfAny('InvalidRevisionException', `Invalid AppSpec ${file}`);
  return toAppSpec(source.value as Record<string, unknown>);
}

function checkAppSpec(spec: Record<string, unknown>, r: Reporter, taskDefinition: RegisterTaskDefinitionRequest | undefined): void {
  const version = spec['version'];
  if (version !== undefined && version !== 0 && version !== '0.0') r.add(['version'], '0.0 (the only AppSpec version)', { found: version });

  const resources = spec['Resources'];
  if (Array.isArray(resources) && resources.length !== 1) {
    r.add(['Resources'], 'exactly one resource (TargetService) for an ECS deployment', { foundText: `${resources.length} resources` });
  }
  const target = get(spec, ['Resources', 0, 'TargetService']);
  const type = isRecord(target) ? target['Type'] : undefined;
  if (typeof type === 'string' && type !== 'AWS::ECS::Service') {
    r.add(['Resources', 0, 'TargetService', 'Type'], 'AWS::ECS::Service', { found: type });
  }
  const taskDef = get(spec, [...PROPS, 'TaskDefinition']);
  if (typeof taskDef === 'string' && taskDef !== TASK_DEFINITION_PLACEHOLDER && !TASK_DEFINITION_ARN.test(taskDef)) {
    const placeholderLike = /^<.*>$/.test(taskDef);
    r.add([...PROPS, 'TaskDefinition'], `a task definition ARN (arn:aws:ecs:region:account:task-definition/family:revision) or ${TASK_DEFINITION_PLACEHOLDER}`, {
      found: taskDef,
      ...(placeholderLike ? { suggestion: `the pipeline substitutes ${TASK_DEFINITION_PLACEHOLDER} only` } : {}),
    });
  }
  const port = get(spec, [...PROPS, 'LoadBalancerInfo', 'ContainerPort']);
  if (typeof port === 'number' && Number.isInteger(port) && (port < 1 || port > 65535)) {
    r.add([...PROPS, 'LoadBalancerInfo', 'ContainerPort'], 'a port from 1 to 65535', { found: port });
  }
  const subnets = get(spec, [...PROPS, 'NetworkConfiguration', 'AwsvpcConfiguration', 'Subnets']);
  if (Array.isArray(subnets) && subnets.length === 0) {
    r.add([...PROPS, 'NetworkConfiguration', 'AwsvpcConfiguration', 'Subnets'], 'at least one subnet', { foundText: 'an empty list' });
  }
  checkHooks(spec['Hooks'], r);
  if (taskDefinition !== undefined) checkAgainstTaskDefinition(spec, taskDefinition, r);
}

function checkHooks(hooks: unknown, r: Reporter): void {
  if (!Array.isArray(hooks)) return;
  const seen = new Map<string, number>();
  hooks.forEach((hook, i) => {
    if (!isRecord(hook)) return;
    const keys = Object.keys(hook);
    if (keys.length !== 1) {
      r.add(['Hooks', i], 'one event per list item, e.g. "- BeforeInstall: fnName"', { foundText: keys.length === 0 ? 'an empty map' : `${keys.length} events (${keys.join(', ')})` });
    }
    for (const k of keys) {
      const v = hook[k];
      if (v === '' || v === null) r.add(['Hooks', i, k], 'a Lambda function name or ARN', { found: v });
      const first = seen.get(k);
      if (first !== undefined && (ECS_HOOK_EVENTS as readonly string[]).includes(k)) {
        r.add(['Hooks', i, k], `each event at most once (Hooks[${first}] is also ${k})`, { key: true, foundText: `${k} again` });
      } else seen.set(k, i);
    }
  });
}

function checkAgainstTaskDefinition(spec: Record<string, unknown>, td: RegisterTaskDefinitionRequest, r: Reporter): void {
  const name = get(spec, [...PROPS, 'LoadBalancerInfo', 'ContainerName']);
  const port = get(spec, [...PROPS, 'LoadBalancerInfo', 'ContainerPort']);
  if (typeof name !== 'string') return;
  const containers = td.containerDefinitions ?? [];
  const names = containers.map((c) => c.name ?? '').filter((n) => n !== '');
  const container = containers.find((c) => c.name === name);
  if (container === undefined) {
    const near = nearName(name, names);
    r.add([...PROPS, 'LoadBalancerInfo', 'ContainerName'], `one of the task definition's containers: ${names.join(', ')}`, {
      found: name,
      ...(near === undefined ? {} : { suggestion: `did you mean "${near}"?` }),
    });
    return;
  }
  if (typeof port !== 'number') return;
  const ports = (container.portMappings ?? []).map((m) => m.containerPort).filter((p) => p !== undefined);
  if (!ports.includes(port)) {
    r.add([...PROPS, 'LoadBalancerInfo', 'ContainerPort'], ports.length === 0 ? `a port container "${name}" maps (it has no portMappings)` : `a port container "${name}" maps: ${ports.join(', ')}`, {
      found: port,
    });
  }
}

function get(value: unknown, path: Path): unknown {
  let v = value;
  for (const seg of path) {
    if (typeof seg === 'number') v = Array.isArray(v) ? v[seg] : undefined;
    else v = isRecord(v) ? v[seg] : undefined;
  }
  return v;
}

function toAppSpec(spec: Record<string, unknown>): EcsAppSpec {
  const p = get(spec, PROPS) as Record<string, unknown>;
  const lb = p['LoadBalancerInfo'] as { ContainerName: string; ContainerPort: number };
  const vpc = get(p, ['NetworkConfiguration', 'AwsvpcConfiguration']) as
    | { Subnets: string[]; SecurityGroups: string[]; AssignPublicIp: 'ENABLED' | 'DISABLED' }
    | undefined;
  const strategy = p['CapacityProviderStrategy'] as { CapacityProvider: string; Base?: number; Weight?: number }[] | undefined;
  const hooks = (Array.isArray(spec['Hooks']) ? spec['Hooks'] : []) as Record<string, string>[];
  return {
    version: '0.0',
    targetService: {
      taskDefinition: p['TaskDefinition'] as string,
      containerName: lb.ContainerName,
      containerPort: lb.ContainerPort,
      ...(typeof p['PlatformVersion'] === 'string' ? { platformVersion: p['PlatformVersion'] } : {}),
      ...(vpc === undefined ? {} : { awsvpcConfiguration: { subnets: vpc.Subnets, securityGroups: vpc.SecurityGroups, assignPublicIp: vpc.AssignPublicIp } }),
      ...(strategy === undefined
        ? {}
        : {
            capacityProviderStrategy: strategy.map((s) => ({
              capacityProvider: s.CapacityProvider,
              ...(s.Base === undefined ? {} : { base: s.Base }),
              ...(s.Weight === undefined ? {} : { weight: s.Weight }),
            })),
          }),
    },
    hooks: hooks.flatMap((h) => Object.entries(h).map(([event, functionName]) => ({ event: event as EcsHookEvent, functionName }))),
  };
}
