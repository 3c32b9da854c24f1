import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { formatProblem, isSlipwayError } from '../../core/errors.ts';
import { readBuildspec } from './read.ts';
import { problemAt, problemsOf, yaml } from './test-helpers.ts';

const SEED = yaml(
  'version: 0.2',
  'env:',
  '  variables:',
  '    CONTAINER_NAME: test-api',
  'phases:',
  '  pre_build:',
  '    commands:',
  '      - aws ecr get-login-password --region $AWS_DEFAULT_REGION | docker login --username AWS --password-stdin ${REPOSITORY_URI%%/*}',
  '      - IMAGE_TAG=$(echo $CODEBUILD_RESOLVED_SOURCE_VERSION | cut -c 1-7)',
  '  build:',
  '    commands:',
  '      - docker build -t $REPOSITORY_URI:$IMAGE_TAG .',
  '  post_build:',
  '    commands:',
  '      - docker push $REPOSITORY_URI:$IMAGE_TAG',
  `      - printf '{"ImageURI":"%s"}' "$REPOSITORY_URI:$IMAGE_TAG" > imageDetail.json`,
  'artifacts:',
  '  files:',
  '    - imageDetail.json',
  '    - appspec.yaml',
);

test('a realistic ECR build/push buildspec reads cleanly', () => {
  const spec = readBuildspec(SEED);
  assert.equal(spec.version, '0.2');
  assert.equal(spec.shellPerCommand, false);
  assert.deepEqual(spec.env.variables, { CONTAINER_NAME: 'test-api' });
  assert.equal(spec.phases.pre_build?.commands.length, 2);
  assert.deepEqual(spec.phases.build?.commands, ['docker build -t $REPOSITORY_URI:$IMAGE_TAG .']);
  assert.equal(spec.phases.post_build?.commands[1], `printf '{"ImageURI":"%s"}' "$REPOSITORY_URI:$IMAGE_TAG" > imageDetail.json`);
  assert.equal(spec.phases.install, undefined);
  assert.deepEqual(spec.artifacts?.files, ['imageDetail.json', 'appspec.yaml']);
  assert.equal(spec.artifacts?.discardPaths, false);
  assert.deepEqual(spec.artifacts?.secondaryArtifacts, {});
  assert.deepEqual(spec.proxy, { uploadArtifacts: false, logs: false });
  assert.deepEqual(spec.reports, {});
});

test("the example app's buildspec reads cleanly", () => {
  const text = readFileSync(new URL('../../../examples/ecs-bluegreen/buildspec.yml', import.meta.url), 'utf8');
  const spec = readBuildspec(text, 'examples/ecs-bluegreen/buildspec.yml');
  assert.equal(spec.file, 'examples/ecs-bluegreen/buildspec.yml');
  assert.ok((spec.artifacts?.files.length ?? 0) > 0);
});

test('version: number 0.2, string "0.2" and 0.1 are accepted; 0.1 runs each command in its own shell', () => {
  assert.equal(readBuildspec('version: 0.2\n').version, '0.2');
  assert.equal(readBuildspec('version: "0.2"\n').version, '0.2');
  const old = readBuildspec('version: 0.1\n');
  assert.equal(old.version, '0.1');
  assert.equal(old.shellPerCommand, true);
});

test('version: missing or unsupported is a problem naming the supported versions', () => {
  problemAt(yaml('phases:', '  build:', '    commands: [make]'), 'version', { line: 1, column: 1 }, {
    found: 'no version',
    expected: 'version 0.1 or 0.2',
  });
  problemAt(yaml('version: 0.3'), 'version', { line: 1, column: 10 }, { found: 'number 0.3', expected: /0\.1 or 0\.2/ });
  problemAt(yaml('version: "1.0"'), 'version', { line: 1, column: 10 }, { found: '"1.0"' });
});

test('the error is one InvalidBuildspec SlipwayError whose message lists every problem as file:line:column', () => {
  try {
    readBuildspec(yaml('version: 0.3', 'artifact:', '  files: [a]'), 'ci/buildspec.yml');
    assert.fail('expected a throw');
  } catch (err) {
    assert.ok(isSlipwayError(err));
    assert.equal(err.code, 'InvalidBuildspec');
    assert.equal(err.problems.length, 2);
    assert.match(err.message, /ci\/buildspec\.yml:1:10: version: found number 0\.3, expected version 0\.1 or 0\.2/);
    assert.match(err.message, /ci\/buildspec\.yml:2:1: artifact: found unknown key "artifact"/);
    assert.match(formatProblem(err.problems[1]!), /\(did you mean artifacts\?\)$/);
  }
});

test('several problems in one file are all reported, in file order', () => {
  const problems = problemsOf(
    yaml(
      'version: 0.2',
      'env:',
      '  shell: zsh',
      'phases:',
      '  pre-build:',
      '    commands: [a]',
      '  build:',
      '    comands:',
      '      - make',
      '    on-failure: STOP',
      'artifacts:',
      '  name: out',
      'cache:',
      '  action: load',
    ),
  );
  assert.deepEqual(
    problems.map((p) => [p.field, p.line, p.column]),
    [
      ['env.shell', 3, 10],
      ['phases.pre-build', 5, 3],
      ['phases.build.comands', 8, 5],
      ['phases.build.on-failure', 10, 17],
      ['artifacts', 11, 1],
      ['cache.action', 14, 11],
    ],
  );
});

test('near names are suggested for mistyped keys at every level', () => {
  problemAt(yaml('version: 0.2', 'artifact:', '  files: [a]'), 'artifact', { line: 2, column: 1 }, { suggestion: 'did you mean artifacts?' });
  problemAt(yaml('version: 0.2', 'phases:', '  pre-build:', '    commands: [a]'), 'phases.pre-build', { line: 3, column: 3 }, {
    found: 'unknown key "pre-build"',
    expected: /install, pre_build, build, post_build/,
    suggestion: 'did you mean pre_build?',
  });
  problemAt(yaml('version: 0.2', 'phases:', '  postbuild:', '    commands: [a]'), 'phases.postbuild', { line: 3, column: 3 }, { suggestion: 'did you mean post_build?' });
  problemAt(yaml('version: 0.2', 'phases:', '  deploy:', '    commands: [a]'), 'phases.deploy', { line: 3, column: 3 }, { found: 'unknown key "deploy"' });
  problemAt(yaml('version: 0.2', 'phases:', '  build:', '    comands: [a]'), 'phases.build.comands', { line: 4, column: 5 }, { suggestion: 'did you mean commands?' });
  problemAt(yaml('version: 0.2', 'env:', '  variable:', '    A: b'), 'env.variable', { line: 3, column: 3 }, { suggestion: 'did you mean variables?' });
  problemAt(yaml('version: 0.2', 'artifacts:', '  files: [a]', '  discard_paths: yes'), 'artifacts.discard_paths', { line: 4, column: 3 }, { suggestion: 'did you mean discard-paths?' });
});

test('a phase written at the top level is pointed under phases', () => {
  problemAt(yaml('version: 0.2', 'build:', '  commands: [a]'), 'build', { line: 2, column: 1 }, { suggestion: 'put build under phases:' });
});

test('duplicate keys are problems with the position of the second one', () => {
  problemAt(yaml('version: 0.2', 'phases:', '  build:', '    commands: [a]', '  build:', '    commands: [b]'), 'phases.build', { line: 5, column: 3 }, {
    found: 'a second "build" key',
    suggestion: /first defined at line 3/,
  });
});

test('YAML syntax errors carry their position', () => {
  const [p] = problemsOf(yaml('version: 0.2', 'phases:', '  build:', '    commands: [a, b', 'artifacts: {}'));
  assert.equal(p?.field, '(yaml)');
  assert.equal(p?.expected, 'valid YAML');
  assert.equal(typeof p?.line, 'number');
  assert.ok((p?.line ?? 0) >= 4);
  const tab = problemsOf('version: 0.2\nphases:\n\tbuild: {}\n');
  assert.equal(tab[0]?.line, 3);
});

test('an empty file and a non-mapping top level are clear errors', () => {
  problemAt('', '(file)', { line: 1, column: 1 }, { found: /empty file/, expected: /version: 0\.2/ });
  problemAt('# only a comment\n', '(file)', { line: 1, column: 1 }, { found: /empty file/ });
  problemAt(yaml('- make', '- test'), '(top level)', { line: 1, column: 1 }, { found: 'a list of 2', expected: /mapping/ });
  problemAt('just text\n', '(top level)', { line: 1, column: 1 }, { found: '"just text"' });
});

test('a second YAML document is a problem at its start', () => {
  problemAt(yaml('version: 0.2', '---', 'version: 0.2'), '(yaml)', { line: 2, column: 1 }, { found: 'a second YAML document (---)' });
});

test('anchors and aliases are followed', () => {
  const spec = readBuildspec(
    yaml('version: 0.2', 'phases:', '  build:', '    commands: [make]', '    finally: &cleanup', '      - rm -rf tmp', '  post_build:', '    commands: *cleanup'),
  );
  assert.deepEqual(spec.phases.post_build?.commands, ['rm -rf tmp']);
});

test('keys are case-sensitive, with the right spelling suggested', () => {
  problemAt(yaml('Version: 0.2'), 'Version', { line: 1, column: 1 }, { suggestion: 'did you mean version?' });
});

test('merge keys (<<: *anchor) fill in keys the mapping does not set itself', () => {
  const spec = readBuildspec(
    yaml(
      'version: 0.2',
      'phases:',
      '  pre_build: &base',
      '    on-failure: ABORT',
      '    commands: [echo base]',
      '  build:',
      '    <<: *base',
      '    commands: [make]',
    ),
  );
  assert.deepEqual(spec.phases.build, { onFailure: { mode: 'ABORT' }, commands: ['make'], finally: [] });
  problemAt(yaml('version: 0.2', 'phases:', '  build:', '    <<: [a]', '    commands: [make]'), 'phases.build.<<', { line: 4, column: 10 }, { found: '"a"' });
});

test('an alias to an unknown anchor is a problem at the alias', () => {
  problemAt(yaml('version: 0.2', 'env: *defaults'), '(yaml)', { line: 2, column: 6 }, { found: 'an alias *defaults with no anchor' });
});
