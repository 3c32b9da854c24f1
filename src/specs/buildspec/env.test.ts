import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSecretReference, readBuildspec } from './read.ts';
import { problemAt, problemsOf, yaml } from './test-helpers.ts';

const env = (...lines: string[]): string => yaml('version: 0.2', 'env:', ...lines);

test('variables are literal; numbers and booleans become the text as written', () => {
  const spec = readBuildspec(
    env('  shell: bash', '  variables:', '    PATH: "$PATH:/x"', '    NODE: 22', '    PY: 3.10', '    DEBUG: yes', '    ON: true', "    EMPTY: ''", '    CMD: $(date)'),
  );
  assert.deepEqual(spec.env.variables, { PATH: '$PATH:/x', NODE: '22', PY: '3.10', DEBUG: 'yes', ON: 'true', EMPTY: '', CMD: '$(date)' });
  assert.equal(spec.env.shell, 'bash');
});

test('env.shell accepts bash, /bin/sh and sh; other shells are problems', () => {
  assert.equal(readBuildspec(env('  shell: /bin/sh')).env.shell, '/bin/sh');
  assert.equal(readBuildspec(env('  shell: sh')).env.shell, 'sh');
  problemAt(env('  shell: zsh'), 'env.shell', { line: 3, column: 10 }, { found: '"zsh"', expected: 'one of bash, /bin/sh, sh' });
  problemAt(env('  shell: powershell.exe'), 'env.shell', { line: 3, column: 10 }, { suggestion: /Windows images/ });
  problemAt(env('  shell: bsh'), 'env.shell', { line: 3, column: 10 }, { suggestion: 'did you mean bash?' });
});

test('a nested object or list as a variable value is a problem', () => {
  problemAt(env('  variables:', '    OBJ:', '      a: 1'), 'env.variables.OBJ', { line: 5, column: 7 }, {
    found: 'a mapping',
    expected: /single value/,
  });
  problemAt(env('  variables:', '    LIST: [a, b]'), 'env.variables.LIST', { line: 4, column: 11 }, { found: 'a list of 2' });
  problemAt(env('  variables:', '    NOTHING:'), 'env.variables.NOTHING', { line: 4, column: 5 }, { found: 'nothing', suggestion: /""/ });
});

test('names starting with CODEBUILD_ are reserved', () => {
  problemAt(env('  variables:', '    CODEBUILD_SRC_DIR: /x'), 'env.variables.CODEBUILD_SRC_DIR', { line: 4, column: 5 }, {
    found: '"CODEBUILD_SRC_DIR"',
    expected: /CODEBUILD_ \(reserved/,
  });
  problemAt(env('  parameter-store:', '    CODEBUILD_X: /p'), 'env.parameter-store.CODEBUILD_X', { line: 4, column: 5 }, { expected: /CODEBUILD_/ });
  problemAt(env('  variables:', '    MY-VAR: x'), 'env.variables.MY-VAR', { line: 4, column: 5 }, { expected: /letters, digits and underscores/ });
});

test('parameter-store maps names to SSM parameter names', () => {
  const spec = readBuildspec(env('  parameter-store:', '    DB_PASS: /prod/db/password'));
  assert.deepEqual(spec.env.parameterStore, { DB_PASS: '/prod/db/password' });
  problemAt(env('  parameter-store: /prod/x'), 'env.parameter-store', { line: 3, column: 20 }, { found: '"/prod/x"', expected: /mapping/ });
});

test('secrets-manager references are split into secret-id, json-key, version-stage and version-id', () => {
  const spec = readBuildspec(
    env(
      '  secrets-manager:',
      '    WHOLE: prod/db',
      '    KEY: prod/db:password',
      '    STAGE: prod/db:password:AWSPREVIOUS',
      '    ID: "prod/db:::0a1b2c"',
      '    ARN: arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf:username',
    ),
  );
  assert.deepEqual(spec.env.secretsManager['WHOLE'], { raw: 'prod/db', secretId: 'prod/db' });
  assert.deepEqual(spec.env.secretsManager['KEY'], { raw: 'prod/db:password', secretId: 'prod/db', jsonKey: 'password' });
  assert.deepEqual(spec.env.secretsManager['STAGE'], { raw: 'prod/db:password:AWSPREVIOUS', secretId: 'prod/db', jsonKey: 'password', versionStage: 'AWSPREVIOUS' });
  assert.equal(spec.env.secretsManager['ID']?.versionId, '0a1b2c');
  assert.equal(spec.env.secretsManager['ID']?.jsonKey, undefined);
  assert.deepEqual(spec.env.secretsManager['ARN'], {
    raw: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf:username',
    secretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf',
    jsonKey: 'username',
  });
});

test('secrets-manager: version-stage and version-id together, too many parts, or no id are problems', () => {
  problemAt(env('  secrets-manager:', '    S: "id:key:AWSCURRENT:abc"'), 'env.secrets-manager.S', { line: 4, column: 8 }, {
    expected: /mutually exclusive/,
  });
  problemAt(env('  secrets-manager:', '    S: a:b:c:d:e'), 'env.secrets-manager.S', { line: 4, column: 8 }, { expected: /too many colons/ });
  problemAt(env('  secrets-manager:', '    S: ":key"'), 'env.secrets-manager.S', { line: 4, column: 8 }, { expected: /secret id/ });
  assert.equal(typeof parseSecretReference('x:y:AWSCURRENT:abc'), 'string');
});

test('exported-variables is a list of names; AWS_ names cannot be exported', () => {
  const spec = readBuildspec(env('  exported-variables:', '    - IMAGE_TAG', '    - BUILD_OK'));
  assert.deepEqual(spec.env.exportedVariables, ['IMAGE_TAG', 'BUILD_OK']);
  problemAt(env('  exported-variables:', '    - IMAGE_TAG', '    - AWS_REGION'), 'env.exported-variables[1]', { line: 5, column: 7 }, {
    found: '"AWS_REGION"',
    expected: /AWS_/,
  });
  problemAt(env('  exported-variables:', '    - CODEBUILD_BUILD_ID'), 'env.exported-variables[0]', { line: 4, column: 7 }, { expected: /CODEBUILD_/ });
  problemAt(env('  exported-variables: IMAGE_TAG'), 'env.exported-variables', { line: 3, column: 23 }, { expected: /list/, suggestion: /- value/ });
});

test('git-credential-helper is yes or no', () => {
  assert.equal(readBuildspec(env('  git-credential-helper: yes')).env.gitCredentialHelper, true);
  assert.equal(readBuildspec(env('  git-credential-helper: no')).env.gitCredentialHelper, false);
  assert.equal(readBuildspec(env('  git-credential-helper: true')).env.gitCredentialHelper, true);
  assert.equal(readBuildspec(yaml('version: 0.2')).env.gitCredentialHelper, false);
  problemAt(env('  git-credential-helper: maybe'), 'env.git-credential-helper', { line: 3, column: 26 }, { found: '"maybe"', expected: 'yes or no' });
});

test('env problems are all reported together', () => {
  const fields = problemsOf(env('  shell: zsh', '  variables:', '    CODEBUILD_X: a', '  exported-variables: [AWS_X]', '  git-credential-helper: 1')).map((p) => p.field);
  assert.deepEqual(fields, ['env.shell', 'env.variables.CODEBUILD_X', 'env.exported-variables[0]', 'env.git-credential-helper']);
});
