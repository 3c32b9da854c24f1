// Task definition reading and validation: every rule with its field, position and message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { formatProblem, isSlipwayError } from '../../core/errors.ts';
import type { Problem } from '../../core/errors.ts';
import { assertTaskDefinition, parseTaskCpu, parseTaskMemory, readTaskDefinition, validateTaskDefinition } from './index.ts';

const example = readFileSync(new URL('../../../examples/ecs-bluegreen/taskdef.json', import.meta.url), 'utf8');

function problemsOf(text: string): Problem[] {
  try {
    readTaskDefinition(text);
  } catch (err) {
    assert.ok(isSlipwayError(err));
    assert.equal(err.code, 'ClientException');
    return [...err.problems];
  }
  assert.fail('expected problems');
}

function only(text: string): Problem {
  const ps = problemsOf(text);
  assert.equal(ps.length, 1, ps.map(formatProblem).join('\n'));
  return ps[0]!;
}

/** A valid Fargate task whose first container is overridden by `container` and the task by `task`. */
function fargate(container: Record<string, unknown> = {}, task: Record<string, unknown> = {}, more: unknown[] = []): string {
  const td = {
    family: 'app',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    containerDefinitions: [{ name: 'web', image: 'nginx:1', portMappings: [{ containerPort: 80 }], ...container }, ...more],
    ...task,
  };
  return JSON.stringify(td, null, 2);
}

test('the example taskdef reads cleanly and yields its image placeholder', () => {
  const { input, placeholders } = readTaskDefinition(example);
  assert.deepEqual(placeholders, ['<IMAGE1_NAME>']);
  assert.equal(input.family, 'test-api-td-prod');
  assert.equal(input.containerDefinitions?.[0]?.image, '<IMAGE1_NAME>');
});

test('JSON syntax errors carry line and column', () => {
  const ps = problemsOf('{\n  "family": "a",\n  "containerDefinitions": [\n}');
  assert.deepEqual([ps[0]!.field, ps[0]!.expected, ps[0]!.line, ps[0]!.column], ['(document)', 'valid JSON', 4, 1]);
  assert.match(ps[0]!.found ?? '', /Flow sequence/);
});

test('family and containerDefinitions are required', () => {
  const ps = problemsOf('{}');
  assert.deepEqual(
    ps.map((p) => [p.field, p.line, p.column, p.expected]),
    [
      ['family', 1, 1, 'a value (family is required)'],
      ['containerDefinitions', 1, 1, 'a value (containerDefinitions is required)'],
    ],
  );
});

test('family name rules', () => {
  const p = only(fargate({}, { family: 'my app' }));
  assert.deepEqual([p.field, p.line, p.column, p.found], ['family', 2, 13, '"my app"']);
  assert.match(p.expected, /1–255 letters, digits/);
  assert.match(only(fargate({}, { family: 'a'.repeat(256) })).expected, /1–255/);
});

test('containerDefinitions must not be empty', () => {
  const p = only(JSON.stringify({ family: 'a', containerDefinitions: [] }));
  assert.deepEqual([p.field, p.found, p.expected], ['containerDefinitions', 'an empty list', 'at least one container definition']);
});

test('container name, image and unique names', () => {
  const ps = problemsOf(fargate({ name: 'we b', image: undefined }, {}, [{ name: 'db', image: 'x' }, { name: 'db', image: 'y' }]));
  const text = ps.map(formatProblem);
  assert.ok(text.includes('taskdef.json:11:15: containerDefinitions[0].name: found "we b", expected 1–255 letters, digits, underscores (_) and hyphens (-)'), text.join('\n'));
  assert.ok(text.some((t) => /^taskdef\.json:10:5: containerDefinitions\[0\]\.image: found nothing, expected an image \(image is required\)/.test(t)), text.join('\n'));
  assert.ok(text.includes('taskdef.json:23:15: containerDefinitions[2].name: found "db", expected a unique container name (containerDefinitions[1] is also "db")'), text.join('\n'));
});

test('at least one essential container; essential defaults to true', () => {
  const p = only(fargate({ essential: false }));
  assert.equal(p.field, 'containerDefinitions');
  assert.match(p.expected, /at least one essential container/);
  assert.doesNotThrow(() => readTaskDefinition(fargate({}, {}, [{ name: 'side', image: 'x', essential: false }])));
});

test('memory: at least 6 MiB, reservation below memory, within the task memory', () => {
  const ps = problemsOf(fargate({ memory: 4, memoryReservation: 8 }));
  assert.deepEqual(
    ps.map((p) => [p.field, p.found, p.expected]),
    [
      ['containerDefinitions[0].memory', 'number 4', 'at least 6 MiB (Docker 20.10+ reserves 6 MiB per container)'],
      ['containerDefinitions[0].memoryReservation', 'number 8', 'less than memory (4 MiB)'],
    ],
  );
  assert.equal(only(fargate({ memory: 1024 })).expected, 'at most the task memory (512 MiB)');
});

test('EC2 without task memory needs container memory', () => {
  const p = only(JSON.stringify({ family: 'a', containerDefinitions: [{ name: 'w', image: 'x' }] }));
  assert.deepEqual([p.field, p.expected], ['containerDefinitions[0].memory', 'memory or memoryReservation (the task sets no memory)']);
});

test('networkMode enum with a suggestion', () => {
  const p = only(fargate({}, { networkMode: 'awsvcp' }).replace('"networkMode": "awsvpc",\n', ''));
  assert.equal(p.field, 'networkMode');
  assert.equal(p.expected, 'one of bridge, host, awsvpc, none');
  assert.equal(p.suggestion, 'did you mean "awsvpc"?');
});

test('Fargate requires awsvpc and a valid cpu/memory pair', () => {
  const ps = problemsOf(fargate({}, { networkMode: 'bridge', cpu: '512', memory: '512' }));
  assert.deepEqual(
    ps.map((p) => [p.field, p.line, p.column, p.expected]),
    [
      ['networkMode', 3, 18, 'awsvpc (FARGATE in requiresCompatibilities requires it)'],
      ['memory', 8, 13, 'a Fargate memory for cpu 512: 1024–4096 in steps of 1024 MiB'],
    ],
  );
  const missing = problemsOf(fargate({}, { cpu: undefined, memory: undefined }));
  assert.deepEqual(missing.map((p) => p.field), ['cpu', 'memory']);
  assert.match(only(fargate({}, { cpu: '300' })).expected, /^a Fargate cpu: one of 256, 512/);
});

test('"1 vCPU" and "1GB" forms are accepted and converted', () => {
  assert.doesNotThrow(() => readTaskDefinition(fargate({}, { cpu: '1 vCPU', memory: '2GB' })));
  assert.doesNotThrow(() => readTaskDefinition(fargate({}, { cpu: '.25 vcpu'.replace('.', '0.'), memory: '0.5 GB' })));
  assert.equal(parseTaskCpu('2 vCPU'), 2048);
  assert.equal(parseTaskMemory('1GB'), 1024);
  assert.equal(parseTaskMemory('lots'), undefined);
  const p = only(fargate({}, { memory: 'lots' }));
  assert.deepEqual([p.field, p.expected], ['memory', 'a whole number of MiB ("512") or GB ("1GB")']);
});

test('portMappings: hostPort must equal containerPort with awsvpc; none forbids mappings; protocol tcp|udp', () => {
  const p = only(fargate({ portMappings: [{ containerPort: 80, hostPort: 8080 }] }));
  assert.deepEqual([p.field, p.line, p.column, p.found], ['containerDefinitions[0].portMappings[0].hostPort', 16, 23, 'number 8080']);
  assert.equal(p.expected, 'no hostPort, or the containerPort (80), with networkMode awsvpc');
  const none = only(JSON.stringify({ family: 'a', networkMode: 'none', memory: '512', containerDefinitions: [{ name: 'w', image: 'x', portMappings: [{ containerPort: 80 }] }] }));
  assert.match(none.expected, /networkMode none/);
  const proto = only(fargate({ portMappings: [{ containerPort: 80, protocol: 'TCP' }] }));
  assert.deepEqual([proto.field, proto.expected, proto.suggestion], ['containerDefinitions[0].portMappings[0].protocol', 'one of tcp, udp', 'did you mean "tcp"?']);
  assert.doesNotThrow(() =>
    readTaskDefinition(JSON.stringify({ family: 'a', memory: '512', containerDefinitions: [{ name: 'w', image: 'x', portMappings: [{ containerPort: 80, hostPort: 0 }] }] })),
  );
});

test('healthCheck ranges and command form', () => {
  const ps = problemsOf(fargate({ healthCheck: { command: ['curl -f http://localhost'], interval: 4, timeout: 61, retries: 0, startPeriod: 301 } }));
  assert.deepEqual(
    ps.map((p) => [p.field, p.expected]),
    [
      ['containerDefinitions[0].healthCheck.command[0]', 'CMD, CMD-SHELL or NONE as the first element'],
      ['containerDefinitions[0].healthCheck.interval', 'between 5 and 300'],
      ['containerDefinitions[0].healthCheck.timeout', 'between 2 and 60'],
      ['containerDefinitions[0].healthCheck.retries', 'between 1 and 10'],
      ['containerDefinitions[0].healthCheck.startPeriod', 'between 0 and 300'],
    ],
  );
  assert.equal(ps[0]!.suggestion, 'e.g. ["CMD-SHELL", "curl -f http://localhost"]');
  assert.deepEqual([ps[0]!.line, ps[0]!.column], [20, 11]);
});

test('dependsOn: known containers, condition enum, COMPLETE/SUCCESS not on essential containers', () => {
  const ps = problemsOf(
    fargate(
      { dependsOn: [{ containerName: 'init', condition: 'SUCCESS' }, { containerName: 'ghost', condition: 'START' }, { containerName: 'side', condition: 'DONE' }] },
      {},
      [{ name: 'init', image: 'x' }, { name: 'side', image: 'y', essential: false }],
    ),
  );
  assert.deepEqual(
    ps.map((p) => [p.field, p.found]),
    [
      ['containerDefinitions[0].dependsOn[0].condition', '"SUCCESS"'],
      ['containerDefinitions[0].dependsOn[1].containerName', '"ghost"'],
      ['containerDefinitions[0].dependsOn[2].condition', '"DONE"'],
    ],
  );
  assert.match(ps[0]!.expected, /SUCCESS is not allowed on an essential container; "init" is essential/);
  assert.equal(ps[1]!.expected, 'a container of this task: web, init, side');
  assert.equal(ps[2]!.expected, 'one of START, COMPLETE, SUCCESS, HEALTHY');
});

test('stopTimeout is at most 120 seconds on Fargate', () => {
  const p = only(fargate({ stopTimeout: 121 }));
  assert.deepEqual([p.field, p.expected], ['containerDefinitions[0].stopTimeout', 'between 0 and 120 seconds on Fargate']);
});

test('unknown members point at the key and suggest near names', () => {
  const ps = problemsOf(fargate({ portMapping: [], essentail: true }, { revision: 3 }));
  const text = ps.map(formatProblem);
  assert.deepEqual(text, [
    'taskdef.json:18:7: containerDefinitions[0].portMapping: found unknown member "portMapping", expected a known member (did you mean "portMappings"?)',
    'taskdef.json:19:7: containerDefinitions[0].essentail: found unknown member "essentail", expected a known member (did you mean "essential"?)',
    'taskdef.json:22:3: revision: found unknown member "revision", expected a known member (revision is DescribeTaskDefinition output; remove it from a RegisterTaskDefinition input)',
  ]);
});

test('types are checked against the model', () => {
  const ps = problemsOf(fargate({ cpu: '256', essential: 'yes', command: 'npm start' }, { cpu: 256 }));
  assert.deepEqual(
    ps.map((p) => [p.field, p.found, p.expected]),
    [
      ['cpu', 'number 256', 'a string'],
      ['containerDefinitions[0].cpu', '"256"', 'an integer'],
      ['containerDefinitions[0].essential', '"yes"', 'true or false'],
      ['containerDefinitions[0].command', '"npm start"', 'a list'],
    ],
  );
});

test('many problems are reported at once, in file order', () => {
  const ps = problemsOf(fargate({ essentail: true, memory: 2, healthCheck: { command: ['CMD', 'true'], retries: 11 } }, { family: 'x y' }));
  assert.deepEqual(ps.map((p) => p.line), [...ps.map((p) => p.line)].sort((a, b) => (a ?? 0) - (b ?? 0)));
  assert.equal(ps.length, 4);
});

test('the API form has no file and no positions, and throws ClientException', () => {
  const ps = validateTaskDefinition({ family: 'a', containerDefinitions: [{ name: 'w' }], memory: '512' });
  assert.deepEqual(ps, [{ field: 'containerDefinitions[0].image', found: 'nothing', expected: 'an image (image is required)' }]);
  assert.throws(() => assertTaskDefinition({ family: 'a' }), (e: unknown) => isSlipwayError(e) && e.code === 'ClientException');
});

test('links work only with bridge networking', () => {
  const p = only(fargate({ links: ['db'] }));
  assert.deepEqual([p.field, p.found, p.expected], ['containerDefinitions[0].links', 'a list of 1', 'no links with networkMode awsvpc (links work only with bridge)']);
});

test('EC2 task cpu is 128–10240 units; container cpu adds up to at most the task cpu', () => {
  const ec2 = (cpu: string, containerCpu: number) =>
    JSON.stringify({ family: 'a', cpu, memory: '512', containerDefinitions: [{ name: 'w', image: 'x', cpu: containerCpu }] });
  assert.deepEqual(
    [only(ec2('64', 0)).field, only(ec2('64', 0)).expected],
    ['cpu', 'between 128 and 10240 CPU units'],
  );
  const sum = only(ec2('256', 512));
  assert.deepEqual([sum.field, sum.found, sum.expected], ['containerDefinitions', '512 units in all', 'container cpu adding up to at most the task cpu (256 units)']);
});

test('startTimeout and stopTimeout are not negative', () => {
  const ps = problemsOf(JSON.stringify({ family: 'a', memory: '512', containerDefinitions: [{ name: 'w', image: 'x', startTimeout: -1, stopTimeout: -1 }] }));
  assert.deepEqual(ps.map((p) => [p.field, p.expected]), [
    ['containerDefinitions[0].startTimeout', 'a number of seconds, 0 or more'],
    ['containerDefinitions[0].stopTimeout', 'a number of seconds, 0 or more'],
  ]);
});

test('duplicate JSON keys are an error with a position', () => {
  const p = problemsOf('{\n  "family": "a",\n  "family": "b",\n  "containerDefinitions": []\n}')[0]!;
  assert.deepEqual([p.field, p.line], ['(document)', 3]);
  assert.match(p.found ?? '', /unique/);
});

test('placeholders: every distinct token, in order', () => {
  const { placeholders } = readTaskDefinition(
    fargate({ image: '<IMAGE1_NAME>', environment: [{ name: 'SIDE', value: '<IMAGE2_NAME>' }] }, {}, [{ name: 'side', image: '<IMAGE2_NAME>', essential: false }]),
  );
  assert.deepEqual(placeholders, ['<IMAGE1_NAME>', '<IMAGE2_NAME>']);
});

test('YAML task definitions read too (the parser reads both)', () => {
  const { input } = readTaskDefinition('family: a\nmemory: "512"\ncontainerDefinitions:\n  - name: w\n    image: nginx\n', 'taskdef.yaml');
  assert.equal(input.containerDefinitions?.[0]?.name, 'w');
});
