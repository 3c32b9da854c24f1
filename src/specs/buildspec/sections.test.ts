import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readBuildspec } from './read.ts';
import { problemAt, problemsOf, yaml } from './test-helpers.ts';

const doc = (...lines: string[]): string => yaml('version: 0.2', ...lines);

test('artifacts: every key is read and normalised, yes/no booleans included', () => {
  const spec = readBuildspec(
    doc(
      'artifacts:',
      "  files: ['**/*']",
      '  name: build-$(date +%Y-%m-%d)',
      '  discard-paths: yes',
      '  base-directory: dist',
      '  exclude-paths: ["*.map"]',
      '  enable-symlinks: no',
      '  s3-prefix: builds',
      '  secondary-artifacts:',
      '    images:',
      '      files: [imageDetail.json]',
      '      discard-paths: true',
      '    reports:',
      '      files: [out/*]',
    ),
  );
  const a = spec.artifacts;
  assert.deepEqual(a?.files, ['**/*']);
  assert.equal(a?.name, 'build-$(date +%Y-%m-%d)');
  assert.equal(a?.discardPaths, true);
  assert.equal(a?.baseDirectory, 'dist');
  assert.deepEqual(a?.excludePaths, ['*.map']);
  assert.equal(a?.enableSymlinks, false);
  assert.equal(a?.s3Prefix, 'builds');
  assert.deepEqual(Object.keys(a?.secondaryArtifacts ?? {}), ['images', 'reports']);
  assert.equal(a?.secondaryArtifacts['images']?.discardPaths, true);
  assert.deepEqual(a?.secondaryArtifacts['reports']?.files, ['out/*']);
});

test('artifacts.files is required, at the top level too when secondary-artifacts are given', () => {
  problemAt(doc('artifacts:', '  name: out'), 'artifacts', { line: 2, column: 1 }, {
    found: 'no files',
    expected: 'artifacts.files, a list of path patterns',
    suggestion: /\*\*\/\*/,
  });
  problemAt(doc('artifacts:', '  secondary-artifacts:', '    one:', '      files: [a]'), 'artifacts', { line: 2, column: 1 }, { found: 'no files' });
  problemAt(doc('artifacts:', '  files: [a]', '  secondary-artifacts:', '    one:', '      name: x'), 'artifacts.secondary-artifacts.one', { line: 5, column: 5 }, {
    found: 'no files',
  });
  problemAt(doc('artifacts:', '  files:'), 'artifacts.files', { line: 3, column: 3 }, { found: 'an empty files list' });
  problemAt(doc('artifacts:', '  files: x.json'), 'artifacts.files', { line: 3, column: 10 }, { found: '"x.json"', suggestion: /- value/ });
});

test('artifacts: bad booleans and unknown keys are problems; secondary artifacts cannot nest', () => {
  problemAt(doc('artifacts:', '  files: [a]', '  discard-paths: maybe'), 'artifacts.discard-paths', { line: 4, column: 18 }, { expected: 'yes or no' });
  problemAt(doc('artifacts:', '  files: [a]', '  base_directory: dist'), 'artifacts.base_directory', { line: 4, column: 3 }, {
    suggestion: 'did you mean base-directory?',
  });
  problemAt(
    doc('artifacts:', '  files: [a]', '  secondary-artifacts:', '    one:', '      files: [b]', '      secondary-artifacts: {}'),
    'artifacts.secondary-artifacts.one.secondary-artifacts',
    { line: 7, column: 7 },
    { found: /unknown key/ },
  );
});

test('reports: groups with files, base-directory, discard-paths and file-format (default JUNITXML)', () => {
  const spec = readBuildspec(
    doc(
      'reports:',
      '  unit:',
      '    files: ["**/*.xml"]',
      '    base-directory: test-results',
      '  arn:aws:codebuild:us-east-1:123456789012:report-group/coverage:',
      '    files: [coverage.xml]',
      '    file-format: COBERTURAXML',
      '    discard-paths: yes',
    ),
  );
  assert.deepEqual(spec.reports['unit'], { files: ['**/*.xml'], baseDirectory: 'test-results', discardPaths: false, fileFormat: 'JUNITXML' });
  assert.equal(spec.reports['arn:aws:codebuild:us-east-1:123456789012:report-group/coverage']?.fileFormat, 'COBERTURAXML');
});

test('reports: an unknown file-format names the valid ones; files is required; at most 5 groups', () => {
  problemAt(doc('reports:', '  unit:', '    files: [a]', '    file-format: JUNIT'), 'reports.unit.file-format', { line: 5, column: 18 }, {
    found: '"JUNIT"',
    expected: 'one of JUNITXML, CUCUMBERJSON, NUNITXML, NUNIT3XML, TESTNGXML, VISUALSTUDIOTRX, CLOVERXML, COBERTURAXML, JACOCOXML, SIMPLECOV',
    suggestion: 'did you mean JUNITXML?',
  });
  problemAt(doc('reports:', '  unit:', '    base-directory: out'), 'reports.unit', { line: 3, column: 3 }, { found: 'no files' });
  const six = ['a', 'b', 'c', 'd', 'e', 'f'].flatMap((g) => [`  ${g}:`, '    files: [x]']);
  problemAt(doc('reports:', ...six), 'reports.f', { line: 13, column: 3 }, { found: '6 report groups', expected: 'at most 5 report groups per project' });
  assert.equal(Object.keys(readBuildspec(doc('reports:', ...six.slice(0, 10))).reports).length, 5);
});

test('cache: paths, key, fallback-keys and action', () => {
  const spec = readBuildspec(
    doc('cache:', '  key: npm-$(codebuild-hash-files package-lock.json)', '  fallback-keys: [npm-]', '  action: restore', '  paths:', "    - '/root/.npm/**/*'"),
  );
  assert.deepEqual(spec.cache, { paths: ['/root/.npm/**/*'], key: 'npm-$(codebuild-hash-files package-lock.json)', fallbackKeys: ['npm-'], action: 'restore' });
  assert.equal(readBuildspec(doc('cache:', '  paths: [a]')).cache?.action, undefined);
  problemAt(doc('cache:', '  action: saves'), 'cache.action', { line: 3, column: 11 }, { expected: 'one of restore, save', suggestion: 'did you mean save?' });
  problemAt(doc('cache:', '  path: [a]'), 'cache.path', { line: 3, column: 3 }, { suggestion: 'did you mean paths?' });
});

test('proxy: upload-artifacts and logs default to no', () => {
  assert.deepEqual(readBuildspec(doc('proxy:', '  upload-artifacts: yes', '  logs: no')).proxy, { uploadArtifacts: true, logs: false });
  problemAt(doc('proxy:', '  logs: sometimes'), 'proxy.logs', { line: 3, column: 9 }, { expected: 'yes or no' });
});

test('batch: build-list, build-graph and build-matrix shapes are read and type-checked', () => {
  const list = readBuildspec(
    doc(
      'batch:',
      '  fast-fail: true',
      '  build-list:',
      '    - identifier: linux_small',
      '      env:',
      '        compute-type: BUILD_GENERAL1_SMALL',
      '        privileged-mode: yes',
      '        variables: {N: 1}',
      '      ignore-failure: false',
      '    - identifier: other',
      '      buildspec: other.yml',
    ),
  ).batch;
  assert.equal(list?.fastFail, true);
  assert.equal(list?.kind, 'build-list');
  if (list?.kind !== 'build-list') return;
  assert.deepEqual(list.tasks[0]?.env, { computeType: 'BUILD_GENERAL1_SMALL', privilegedMode: true, variables: { N: '1' } });
  assert.equal(list.tasks[1]?.buildspec, 'other.yml');

  const graph = readBuildspec(doc('batch:', '  build-graph:', '    - identifier: a', '    - identifier: b', '      depend-on: [a]')).batch;
  assert.ok(graph?.kind === 'build-graph');
  assert.deepEqual(graph.tasks[1]?.dependOn, ['a']);
  assert.equal(graph.fastFail, false);

  const matrix = readBuildspec(
    doc('batch:', '  build-matrix:', '    static:', '      ignore-failure: yes', '    dynamic:', '      buildspec: [a.yml, b.yml]', '      env:', '        image: [img1, img2]', '        variables:', '          V: [1, 2]'),
  ).batch;
  assert.ok(matrix?.kind === 'build-matrix');
  assert.equal(matrix.matrix.static.ignoreFailure, true);
  assert.deepEqual(matrix.matrix.dynamic.buildspec, ['a.yml', 'b.yml']);
  assert.deepEqual(matrix.matrix.dynamic.env.variables, { V: ['1', '2'] });
});

test('batch: shape problems are reported', () => {
  problemAt(doc('batch:', '  build-list:', '    - buildspec: a.yml'), 'batch.build-list[0]', { line: 4, column: 7 }, { found: 'no identifier' });
  problemAt(doc('batch:', '  build-list:', '    - identifier: a', '      depend-on: [b]'), 'batch.build-list[0].depend-on', { line: 5, column: 7 }, {
    suggestion: undefined,
    found: /unknown key/,
  });
  problemAt(doc('batch:', '  build-list: []', '  build-graph: []'), 'batch.build-graph', { line: 4, column: 3 }, {
    expected: 'only one of build-list, build-graph, build-matrix',
  });
  problemAt(doc('batch:', '  fast_fail: yes'), 'batch.fast_fail', { line: 3, column: 3 }, { suggestion: 'did you mean fast-fail?' });
  problemAt(doc('batch:', '  build-list: {identifier: a}'), 'batch.build-list', { line: 3, column: 15 }, { expected: /list of builds/ });
});

test('problems from every section come back together', () => {
  const fields = problemsOf(
    doc('env:', '  shell: zsh', 'phases:', '  build:', '    commands: [1]', 'reports:', '  r:', '    files: [a]', '    file-format: X', 'artifacts:', '  name: a', 'cache:', '  action: x'),
  ).map((p) => p.field);
  assert.deepEqual(fields, ['env.shell', 'phases.build.commands[0]', 'reports.r.file-format', 'artifacts', 'cache.action']);
});
