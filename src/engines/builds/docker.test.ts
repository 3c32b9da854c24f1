import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { findDockerCli } from './tools.ts';
import { createProject, runBuild, startBuildHarness, type BuildHarness } from './testing.ts';

let h: BuildHarness;
let docker: string | undefined;

before(async () => {
  docker = await findDockerCli();
  h = await startBuildHarness();
});

after(async () => {
  await h.stop();
});

test('aws ecr get-login-password answers inside a build (the shim calls Slipway ECR over HTTP)', async () => {
  const project = await createProject(h, 'version: 0.2\nphases:\n  build:\n    commands:\n      - aws ecr get-login-password | wc -c\n      - aws s3 ls\n', {});
  const { build, output } = await runBuild(h, project);
  assert.equal(build.buildStatus, 'FAILED');
  assert.ok(Number(output[0]) > 20, `a password came back: ${output.join(' | ')}`);
  assert.match(output.join('\n'), /supports only 'aws ecr get-login-password'/);
});

test('privileged build: docker build, tag, login and push to Slipway ECR from inside the build', async (ctx) => {
  if (docker === undefined) {
    ctx.skip('no docker CLI on this machine to lend to builds');
    return;
  }
  const ecr = new ECRClient(h.t.sdk);
  const repo = (await ecr.send(new CreateRepositoryCommand({ repositoryName: 'built/app' }))).repository;
  const uri = repo?.repositoryUri ?? '';
  const registry = uri.split('/')[0] ?? '';
  const buildspec = [
    'version: 0.2',
    'phases:',
    '  pre_build:',
    '    commands:',
    `      - aws ecr get-login-password --region $AWS_DEFAULT_REGION | docker login --username AWS --password-stdin ${registry}`,
    '  build:',
    '    commands:',
    `      - printf 'FROM ${h.image}\\nRUN echo built-in-slipway > /built.txt\\n' > Dockerfile`,
    '      - docker build -t app:latest .',
    `      - docker tag app:latest ${uri}:$CODEBUILD_BUILD_NUMBER`,
    `      - docker push ${uri}:$CODEBUILD_BUILD_NUMBER`,
    '',
  ].join('\n');
  const project = await createProject(h, buildspec, { privilegedMode: true });
  const { build, log } = await runBuild(h, project);
  assert.equal(build.buildStatus, 'SUCCEEDED', log.join('\n'));
  const images = await ecr.send(new DescribeImagesCommand({ repositoryName: 'built/app' }));
  assert.deepEqual(images.imageDetails?.[0]?.imageTags, ['1']);
});
