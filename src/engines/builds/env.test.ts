import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createProject, runBuild, startBuildHarness, type BuildHarness } from './testing.ts';

let h: BuildHarness;

before(async () => {
  h = await startBuildHarness();
});

after(async () => {
  await h.stop();
});

// Independent builds: they run at once (each its own project and container).
describe('builds', { concurrency: true }, () => {
  test('env precedence: start-build override > project > buildspec, values taken literally', async () => {
    const buildspec = [
      'version: 0.2',
      'env:',
      '  variables:',
      '    FROM_ALL: buildspec',
      '    FROM_BS_PROJECT: buildspec',
      '    ONLY_BS: buildspec',
      "    LITERAL: '$HOME:/x'",
      'phases:',
      '  build:',
      '    commands:',
      '      - echo "all=$FROM_ALL bsproject=$FROM_BS_PROJECT only=$ONLY_BS literal=$LITERAL"',
      '',
    ].join('\n');
    const project = await createProject(h, buildspec, {
      environmentVariables: [
        { name: 'FROM_ALL', value: 'project' },
        { name: 'FROM_BS_PROJECT', value: 'project' },
      ],
    });
    const { build, output } = await runBuild(h, project, { environmentVariablesOverride: [{ name: 'FROM_ALL', value: 'override', type: 'PLAINTEXT' }] });
    assert.equal(build.buildStatus, 'SUCCEEDED');
    assert.deepEqual(output, ['all=override bsproject=project only=buildspec literal=$HOME:/x']);
  });

  test('built-in variables of AWS-SEMANTICS §1.5 are set', async () => {
    const names = ['CODEBUILD_BUILD_ID', 'CODEBUILD_BUILD_ARN', 'CODEBUILD_BUILD_NUMBER', 'CODEBUILD_SRC_DIR', 'CODEBUILD_INITIATOR', 'CODEBUILD_START_TIME', 'CODEBUILD_BUILD_IMAGE', 'CODEBUILD_BUILD_SUCCEEDING', 'CODEBUILD_LOG_PATH', 'AWS_REGION', 'AWS_DEFAULT_REGION'];
    const project = await createProject(h, `version: 0.2\nphases:\n  build:\n    commands:\n${names.map((n) => `      - echo "${n}=$${n}"`).join('\n')}\n      - pwd\n`);
    const { build, output } = await runBuild(h, project);
    const env = Object.fromEntries(output.filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    assert.equal(env['CODEBUILD_BUILD_ID'], build.id);
    assert.equal(env['CODEBUILD_BUILD_ARN'], build.arn);
    assert.equal(env['CODEBUILD_BUILD_NUMBER'], '1');
    assert.equal(env['CODEBUILD_INITIATOR'], 'root');
    assert.equal(env['CODEBUILD_START_TIME'], String(build.startTime?.getTime()));
    assert.equal(env['CODEBUILD_BUILD_IMAGE'], h.image);
    assert.equal(env['CODEBUILD_BUILD_SUCCEEDING'], '1');
    assert.equal(env['CODEBUILD_LOG_PATH'], build.logs?.streamName);
    assert.equal(env['AWS_REGION'], 'us-east-1');
    assert.equal(env['AWS_DEFAULT_REGION'], 'us-east-1');
    assert.match(env['CODEBUILD_SRC_DIR'] ?? '', /^\/codebuild\/output\/src\d+\/src$/);
    assert.equal(output.at(-1), env['CODEBUILD_SRC_DIR'], 'commands start in CODEBUILD_SRC_DIR');
  });

  test('parameter-store and secrets-manager values reach the commands and are masked in every log line', async () => {
    const ssm = new SSMClient(h.t.sdk);
    const sm = new SecretsManagerClient(h.t.sdk);
    await ssm.send(new PutParameterCommand({ Name: '/build/token', Value: 'param-secret-123', Type: 'SecureString' }));
    await sm.send(new CreateSecretCommand({ Name: 'build/db', SecretString: JSON.stringify({ password: 'db-pass-456', user: 'admin' }) }));
    await sm.send(new CreateSecretCommand({ Name: 'build/project', SecretString: 'project-secret-789' }));
    const buildspec = [
      'version: 0.2',
      'env:',
      '  parameter-store:',
      '    TOKEN: /build/token',
      '  secrets-manager:',
      '    DB_PASS: build/db:password',
      '  exported-variables:',
      '    - EXPORTED',
      'phases:',
      '  build:',
      '    commands:',
      '      - echo "token=$TOKEN pass=$DB_PASS project=$PROJECT_SECRET"',
      '      - echo "length ${#TOKEN}"',
      '      - export EXPORTED="value-$CODEBUILD_BUILD_NUMBER"',
      '',
    ].join('\n');
    const project = await createProject(h, buildspec, { environmentVariables: [{ name: 'PROJECT_SECRET', value: 'build/project', type: 'SECRETS_MANAGER' }] });
    const { build, log, output } = await runBuild(h, project);
    assert.equal(build.buildStatus, 'SUCCEEDED', log.join('\n'));
    assert.deepEqual(output, ['token=**** pass=**** project=****', 'length 16']);
    for (const secret of ['param-secret-123', 'db-pass-456', 'project-secret-789']) assert.ok(!log.some((l) => l.includes(secret)), `${secret} appears in the log`);
    const filtered = await h.logs.send(new FilterLogEventsCommand({ logGroupName: build.logs?.groupName, filterPattern: '"db-pass-456"' }));
    assert.deepEqual(filtered.events, []);
    assert.deepEqual(build.exportedEnvironmentVariables, [{ name: 'EXPORTED', value: 'value-1' }]);
  });

  test('a missing parameter fails DOWNLOAD_SOURCE with a message naming the variable and the parameter', async () => {
    const project = await createProject(h, 'version: 0.2\nenv:\n  parameter-store:\n    MISSING: /no/such/param\nphases:\n  build:\n    commands:\n      - echo never\n');
    const { build, output } = await runBuild(h, project);
    assert.equal(build.buildStatus, 'FAILED');
    assert.deepEqual(output, []);
    const phase = build.phases?.find((p) => p.phaseType === 'DOWNLOAD_SOURCE');
    assert.equal(phase?.phaseStatus, 'FAILED');
    assert.match(phase?.contexts?.[0]?.message ?? '', /MISSING.*\/no\/such\/param/);
  });
});
