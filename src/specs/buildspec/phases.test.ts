import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseOnFailure, readBuildspec } from './read.ts';
import { problemAt, problemsOf, yaml } from './test-helpers.ts';

const phases = (...lines: string[]): string => yaml('version: 0.2', 'phases:', ...lines);

test('each phase reads commands, finally, run-as and on-failure', () => {
  const spec = readBuildspec(
    yaml(
      'version: 0.2',
      'run-as: builder',
      'phases:',
      '  install:',
      '    runtime-versions:',
      '      nodejs: 22',
      '      python: 3.10',
      '      java: corretto17',
      '    commands: [npm ci]',
      '  pre_build:',
      '    run-as: root',
      '    commands: [echo pre]',
      '  build:',
      '    on-failure: CONTINUE',
      '    commands: [make]',
      '    finally:',
      '      - echo done',
      '  post_build:',
      '    on-failure: ABORT',
      '    commands: [echo post]',
    ),
  );
  assert.equal(spec.runAs, 'builder');
  assert.deepEqual(spec.phases.install?.runtimeVersions, { nodejs: '22', python: '3.10', java: 'corretto17' });
  assert.equal(spec.phases.pre_build?.runAs, 'root');
  assert.deepEqual(spec.phases.build?.onFailure, { mode: 'CONTINUE' });
  assert.deepEqual(spec.phases.build?.finally, ['echo done']);
  assert.deepEqual(spec.phases.post_build?.onFailure, { mode: 'ABORT' });
  assert.equal(spec.phases.pre_build?.onFailure, undefined);
});

test('on-failure RETRY forms are parsed into mode, count and pattern', () => {
  assert.deepEqual(parseOnFailure('RETRY'), { mode: 'RETRY', count: 3 });
  assert.deepEqual(parseOnFailure('RETRY-5'), { mode: 'RETRY', count: 5 });
  assert.deepEqual(parseOnFailure('RETRY-timeout.*'), { mode: 'RETRY', count: 3, pattern: 'timeout.*' });
  assert.deepEqual(parseOnFailure('RETRY-2-connection (reset|refused)'), { mode: 'RETRY', count: 2, pattern: 'connection (reset|refused)' });
  assert.deepEqual(parseOnFailure('RETRY-2-a-b'), { mode: 'RETRY', count: 2, pattern: 'a-b' });
  const spec = readBuildspec(phases('  build:', '    on-failure: RETRY-4-.*503.*', '    commands: [make]'));
  assert.deepEqual(spec.phases.build?.onFailure, { mode: 'RETRY', count: 4, pattern: '.*503.*' });
});

test('on-failure: unknown values, bad counts and bad regexes are problems', () => {
  problemAt(phases('  build:', '    on-failure: STOP', '    commands: [make]'), 'phases.build.on-failure', { line: 4, column: 17 }, {
    found: '"STOP"',
    expected: /ABORT, CONTINUE, RETRY/,
  });
  problemAt(phases('  build:', '    on-failure: continue', '    commands: [make]'), 'phases.build.on-failure', { line: 4, column: 17 }, {
    suggestion: 'did you mean CONTINUE?',
  });
  problemAt(phases('  build:', '    on-failure: RETRY-0', '    commands: [make]'), 'phases.build.on-failure', { line: 4, column: 17 }, { expected: /at least 1/ });
  problemAt(phases('  build:', '    on-failure: RETRY-2-(', '    commands: [make]'), 'phases.build.on-failure', { line: 4, column: 17 }, {
    expected: /valid regular expression/,
  });
  problemAt(phases('  build:', '    on-failure: RETRY-', '    commands: [make]'), 'phases.build.on-failure', { line: 4, column: 17 }, { expected: /nothing after RETRY-/ });
});

test('commands must be strings: a bare number asks to be quoted', () => {
  problemAt(phases('  build:', '    commands:', '      - make', '      - 123', '      - make test'), 'phases.build.commands[1]', { line: 6, column: 9 }, {
    found: 'number 123',
    expected: 'a command string',
    suggestion: 'quote it: "123"',
  });
  problemAt(phases('  build:', '    commands:', '      - true'), 'phases.build.commands[0]', { line: 5, column: 9 }, { suggestion: 'quote it: "true"' });
  problemAt(phases('  build:', '    commands:', '      - a', '      - b', '      - key: value'), 'phases.build.commands[2]', { line: 7, column: 9 }, {
    found: 'a mapping',
  });
  problemAt(phases('  build:', '    commands: make'), 'phases.build.commands', { line: 4, column: 15 }, { expected: 'a list of commands', suggestion: /- value/ });
  problemAt(phases('  build:', '    finally: [1.5]'), 'phases.build.finally[0]', { line: 4, column: 15 }, { suggestion: 'quote it: "1.5"' });
});

test('a multi-line block scalar is kept as one command', () => {
  const spec = readBuildspec(phases('  build:', '    commands:', '      - |', '        if [ -f x ]; then', '          echo yes', '        fi', '      - echo after'));
  assert.deepEqual(spec.phases.build?.commands, ['if [ -f x ]; then\n  echo yes\nfi\n', 'echo after']);
  const folded = readBuildspec(phases('  build:', '    commands:', '      - >-', '        docker build', '        -t app .'));
  assert.deepEqual(folded.phases.build?.commands, ['docker build -t app .']);
});

test('runtime-versions outside the install phase is a problem', () => {
  problemAt(phases('  build:', '    runtime-versions:', '      nodejs: 22', '    commands: [make]'), 'phases.build.runtime-versions', { line: 4, column: 5 }, {
    expected: 'runtime-versions only in the install phase',
    suggestion: 'move it to phases.install.runtime-versions',
  });
  problemAt(phases('  install:', '    runtime-versions: [nodejs]'), 'phases.install.runtime-versions', { line: 4, column: 23 }, { expected: /mapping/ });
});

test('an empty phase or a phase that is not a mapping is a problem', () => {
  problemAt(phases('  build:'), 'phases.build', { line: 3, column: 3 }, { found: 'an empty phase' });
  problemAt(phases('  build: [make]'), 'phases.build', { line: 3, column: 10 }, { found: 'a list of 1' });
});

test('an empty commands list reads as no commands; a phase of only finally is fine', () => {
  const spec = readBuildspec(phases('  build:', '    commands:', '    finally: [echo bye]'));
  assert.deepEqual(spec.phases.build?.commands, []);
  assert.deepEqual(spec.phases.build?.finally, ['echo bye']);
});

test('problems across phases are all reported', () => {
  const problems = problemsOf(
    phases('  install:', '    comands: [a]', '  pre_build:', '    on-failure: NOPE', '  build:', '    commands: [1, 2]', '  post-build:', '    commands: [c]'),
  );
  assert.deepEqual(
    problems.map((p) => p.field),
    ['phases.install.comands', 'phases.pre_build.on-failure', 'phases.build.commands[0]', 'phases.build.commands[1]', 'phases.post-build'],
  );
});
