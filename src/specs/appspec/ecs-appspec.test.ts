// ECS appspec reading: every rule with its field, position and message; matching against a task definition; finding the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { formatProblem, isSlipwayError } from '../../core/errors.ts';
import type { Problem } from '../../core/errors.ts';
import { readTaskDefinition } from '../taskdef/index.ts';
import { findAppSpecFile, readEcsAppSpec } from './index.ts';
import type { ReadEcsAppSpecOptions } from './index.ts';

const dir = new URL('../../../examples/ecs-bluegreen/', import.meta.url);
const exampleAppSpec = readFileSync(new URL('appspec.yaml', dir), 'utf8');
const exampleTaskDef = readTaskDefinition(readFileSync(new URL('taskdef.json', dir), 'utf8')).input;

function problemsOf(text: string, file = 'appspec.yaml', options: ReadEcsAppSpecOptions = {}): Problem[] {
  try {
    readEcsAppSpec(text, file, options);
  } catch (err) {
    assert.ok(isSlipwayError(err));
    assert.equal(err.code, 'InvalidRevisionException');
    return [...err.problems];
  }
  assert.fail('expected problems');
}

function only(text: string, options: ReadEcsAppSpecOptions = {}): Problem {
  const ps = problemsOf(text, 'appspec.yaml', options);
  assert.equal(ps.length, 1, ps.map(formatProblem).join('\n'));
  return ps[0]!;
}

const base = (props = '', hooks = '') => `version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: <TASK_DEFINITION>
        LoadBalancerInfo:
          ContainerName: "web"
          ContainerPort: 80
${props}${hooks}`;

test('the example appspec reads cleanly and matches the example taskdef', () => {
  const spec = readEcsAppSpec(exampleAppSpec, 'appspec.yaml', { taskDefinition: exampleTaskDef });
  assert.deepEqual(spec, {
    version: '0.0',
    targetService: { taskDefinition: '<TASK_DEFINITION>', containerName: 'test-api', containerPort: 80 },
    hooks: [],
  });
});

test('a full appspec: network configuration, platform version, capacity providers and hooks', () => {
  const spec = readEcsAppSpec(
    base(
      `        PlatformVersion: "1.4.0"
        NetworkConfiguration:
          AwsvpcConfiguration:
            Subnets: ["subnet-1", "subnet-2"]
            SecurityGroups: ["sg-1"]
            AssignPublicIp: "DISABLED"
        CapacityProviderStrategy:
          - Base: 1
            CapacityProvider: FARGATE_SPOT
            Weight: 2
`,
      'Hooks:\n  - BeforeInstall: "fn-before"\n  - AfterAllowTraffic: "arn:aws:lambda:us-east-1:000000000000:function:after"\n',
    ).replace('<TASK_DEFINITION>', 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:3'),
  );
  assert.equal(spec.targetService.taskDefinition, 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:3');
  assert.equal(spec.targetService.platformVersion, '1.4.0');
  assert.deepEqual(spec.targetService.awsvpcConfiguration, { subnets: ['subnet-1', 'subnet-2'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' });
  assert.deepEqual(spec.targetService.capacityProviderStrategy, [{ capacityProvider: 'FARGATE_SPOT', base: 1, weight: 2 }]);
  assert.deepEqual(spec.hooks.map((h) => h.event), ['BeforeInstall', 'AfterAllowTraffic']);
});

test('JSON appspecs read too, with line and column', () => {
  const json = JSON.stringify(
    { version: 0.0, Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: { TaskDefinition: '<TASK_DEFINITION>', LoadBalancerInfo: { ContainerName: 'web', ContainerPort: '80' } } } }] },
    null,
    2,
  );
  const p = problemsOf(json, 'appspec.json')[0]!;
  assert.equal(
    formatProblem(p),
    'appspec.json:11:30: Resources[0].TargetService.Properties.LoadBalancerInfo.ContainerPort: found "80", expected an integer (write 80 without quotes)',
  );
});

test('YAML syntax errors carry line and column', () => {
  const p = problemsOf('version: 0.0\nResources:\n  - TargetService: [\n')[0]!;
  assert.deepEqual([p.field, p.expected, p.line], ['(document)', 'valid YAML or JSON', 4]);
});

test('version must be 0.0', () => {
  const p = only(base().replace('version: 0.0', 'version: 1.0'));
  assert.deepEqual([p.field, p.line, p.column, p.found, p.expected], ['version', 1, 10, 'number 1', '0.0 (the only AppSpec version)']);
  assert.doesNotThrow(() => readEcsAppSpec(base().replace('version: 0.0', 'version: "0.0"')));
});

test('Resources: exactly one TargetService of Type AWS::ECS::Service', () => {
  const two = base() + base().split('\n').slice(2, 9).join('\n') + '\n';
  assert.equal(only(two).expected, 'exactly one resource (TargetService) for an ECS deployment');
  const type = only(base().replace('AWS::ECS::Service', 'AWS::Lambda::Function'));
  assert.deepEqual([type.field, type.line, type.column, type.expected], ['Resources[0].TargetService.Type', 4, 13, 'AWS::ECS::Service']);
  const missing = only('version: 0.0\n');
  assert.deepEqual([missing.field, missing.expected], ['Resources', 'a value (Resources is required)']);
});

test('TaskDefinition is an ARN or <TASK_DEFINITION>', () => {
  const p = only(base().replace('<TASK_DEFINITION>', '<TASKDEF>'));
  assert.deepEqual([p.field, p.line, p.column], ['Resources[0].TargetService.Properties.TaskDefinition', 6, 25]);
  assert.match(p.expected, /^a task definition ARN .* or <TASK_DEFINITION>$/);
  assert.equal(p.suggestion, 'the pipeline substitutes <TASK_DEFINITION> only');
});

test('LoadBalancerInfo needs ContainerName and a numeric ContainerPort', () => {
  const p = only(base().replace('          ContainerPort: 80\n', ''));
  assert.deepEqual([p.field, p.line, p.column, p.expected], [
    'Resources[0].TargetService.Properties.LoadBalancerInfo.ContainerPort',
    8,
    11,
    'a value (ContainerPort is required)',
  ]);
  const q = only(base().replace('ContainerPort: 80', 'ContainerPort: "80"'));
  assert.equal(q.suggestion, 'write 80 without quotes');
});

test('NetworkConfiguration is all or nothing; AssignPublicIp is ENABLED or DISABLED', () => {
  const ps = problemsOf(base('        NetworkConfiguration:\n          AwsvpcConfiguration:\n            Subnets: ["s-1"]\n            AssignPublicIp: "YES"\n'));
  assert.deepEqual(
    ps.map((p) => [p.field, p.line, p.column, p.expected]),
    [
      ['Resources[0].TargetService.Properties.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups', 12, 13, 'a value (SecurityGroups is required)'],
      ['Resources[0].TargetService.Properties.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp', 13, 29, 'one of ENABLED, DISABLED'],
    ],
  );
});

test('hooks: valid events only, listed; near names suggested; one event per item', () => {
  const ps = problemsOf(base('', 'Hooks:\n  - BeforeInstal: "a"\n  - Install: "b"\n  - AfterInstall: "c"\n    AfterAllowTraffic: "d"\n'));
  assert.deepEqual(
    ps.map(formatProblem),
    [
      'appspec.yaml:11:5: Hooks[0].BeforeInstal: found unknown member "BeforeInstal", expected one of the known members: BeforeInstall, AfterInstall, AfterAllowTestTraffic, BeforeAllowTraffic, AfterAllowTraffic (did you mean "BeforeInstall"?)',
      'appspec.yaml:12:5: Hooks[1].Install: found unknown member "Install", expected one of the known members: BeforeInstall, AfterInstall, AfterAllowTestTraffic, BeforeAllowTraffic, AfterAllowTraffic (Install runs no hook; only BeforeInstall, AfterInstall, AfterAllowTestTraffic, BeforeAllowTraffic, AfterAllowTraffic can be hooked)',
      'appspec.yaml:13:5: Hooks[2]: found 2 events (AfterInstall, AfterAllowTraffic), expected one event per list item, e.g. "- BeforeInstall: fnName"',
    ],
  );
});

test('unknown keys suggest near names', () => {
  const p = only(base().replace('LoadBalancerInfo', 'LoadbalancerInfo').replace('          ContainerName: "web"\n          ContainerPort: 80\n', '          ContainerName: "web"\n          ContainerPort: 80\n        LoadBalancerInfo: {ContainerName: web, ContainerPort: 80}\n'));
  assert.deepEqual([p.field, p.line, p.column, p.suggestion], ['Resources[0].TargetService.Properties.LoadbalancerInfo', 7, 9, 'did you mean "LoadBalancerInfo"?']);
});

test('with a task definition: ContainerName must be one of its containers', () => {
  const p = only(base(), { taskDefinition: exampleTaskDef });
  assert.equal(
    formatProblem(p),
    'appspec.yaml:8:26: Resources[0].TargetService.Properties.LoadBalancerInfo.ContainerName: found "web", expected one of the task definition\'s containers: test-api',
  );
});

test('with a task definition: the container must map ContainerPort', () => {
  const p = only(exampleAppSpec.replace('ContainerPort: 80', 'ContainerPort: 8080'), { taskDefinition: exampleTaskDef });
  assert.deepEqual([p.field, p.line, p.column, p.found, p.expected], [
    'Resources[0].TargetService.Properties.LoadBalancerInfo.ContainerPort',
    9,
    26,
    'number 8080',
    'a port container "test-api" maps: 80',
  ]);
});

test('many problems are reported at once, in file order', () => {
  const ps = problemsOf(base('', 'Hooks:\n  - Before: x\n').replace('version: 0.0', 'version: 2').replace('AWS::ECS::Service', 'ECS').replace('ContainerPort: 80', 'ContainerPort: eighty'));
  assert.deepEqual(ps.map((p) => p.line), [1, 4, 9, 11]);
});

test('findAppSpecFile finds the file or points at a near name', () => {
  assert.deepEqual(findAppSpecFile(['taskdef.json', 'appspec.yaml']), { name: 'appspec.yaml' });
  const { problem } = findAppSpecFile(['taskdef.json', 'appspec.yml']);
  assert.ok(problem);
  assert.equal(problem.suggestion, 'appspec.yml found; the action expects appspec.yaml');
  assert.equal(formatProblem(problem), 'appspec.yaml: (file): found no appspec.yaml, expected a file named appspec.yaml in the artifact (appspec.yml found; the action expects appspec.yaml)');
  assert.equal(findAppSpecFile(['README.md']).problem?.suggestion, undefined);
  assert.deepEqual(findAppSpecFile(['appspec.json'], 'appspec.json'), { name: 'appspec.json' });
});

test('hooks: an event at most once; Hooks is a list, not a map', () => {
  const dup = only(base('', 'Hooks:\n  - AfterInstall: a\n  - AfterInstall: b\n'));
  assert.deepEqual([dup.field, dup.line, dup.column, dup.expected], ['Hooks[1].AfterInstall', 12, 5, 'each event at most once (Hooks[0] is also AfterInstall)']);
  const map = only(base('', 'Hooks:\n  AfterInstall: a\n'));
  assert.deepEqual([map.field, map.found, map.expected], ['Hooks', 'an object', 'a list']);
});
