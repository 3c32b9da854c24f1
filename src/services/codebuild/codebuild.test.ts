import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  BatchGetProjectsCommand,
  CodeBuildClient,
  CreateProjectCommand,
  type CreateProjectCommandInput,
  DeleteProjectCommand,
  InvalidInputException,
  ListProjectsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  UpdateProjectCommand,
} from '@aws-sdk/client-codebuild';
import { ManualClock } from '../../core/clock.ts';
import { awsCliAvailable, awsCliJson } from '../../../test/helpers/aws-cli.ts';
import { checkShape, loadModel } from '../../../test/helpers/aws-model.ts';
import { callJson, startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';

let t: TestDaemon;
let cb: CodeBuildClient;
const clock = new ManualClock(Date.UTC(2026, 0, 10, 12));
const model = loadModel('codebuild.2016-10-06');
const ROLE = 'arn:aws:iam::000000000000:role/codebuild-service-role';
const TARGET = 'CodeBuild_20161006';

/** A minimal valid project; tests override what they are about. */
function project(name: string, extra: Partial<CreateProjectCommandInput> = {}): CreateProjectCommandInput {
  return {
    name,
    source: { type: 'NO_SOURCE', buildspec: 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo hi\n' },
    artifacts: { type: 'NO_ARTIFACTS' },
    environment: { type: 'LINUX_CONTAINER', image: 'slipway/build:base', computeType: 'BUILD_GENERAL1_SMALL' },
    serviceRole: ROLE,
    ...extra,
  };
}

async function invalidMessage(input: unknown, op = 'CreateProject'): Promise<string> {
  const res = await callJson(t.endpoint, `${TARGET}.${op}`, input);
  assert.equal(res.status, 400);
  assert.equal(res.body['__type'], 'InvalidInputException');
  return String(res.body['message']);
}

before(async () => {
  t = await startTestDaemon({ clock });
  cb = new CodeBuildClient(t.sdk);
});
after(async () => {
  cb.destroy();
  await t.stop();
});

test('CreateProject with a CodeCommit source returns the project with AWS defaults, ARN and clock timestamps', async () => {
  const location = `${t.endpoint}/v1/repos/app`;
  const out = await cb.send(
    new CreateProjectCommand(
      project('app-build', {
        source: { type: 'CODECOMMIT', location, gitCloneDepth: 1 },
        sourceVersion: 'refs/heads/main',
        environment: {
          type: 'LINUX_CONTAINER',
          image: 'slipway/build:docker',
          computeType: 'BUILD_GENERAL1_MEDIUM',
          privilegedMode: true,
          environmentVariables: [
            { name: 'STAGE', value: 'dev' },
            { name: 'DB_HOST', value: '/app/db-host', type: 'PARAMETER_STORE' },
            { name: 'DB_PASSWORD', value: 'app/db:password', type: 'SECRETS_MANAGER' },
          ],
        },
        tags: [{ key: 'team', value: 'platform' }],
        concurrentBuildLimit: 2,
      }),
    ),
  );
  const p = out.project;
  assert.equal(p?.name, 'app-build');
  assert.equal(p?.arn, 'arn:aws:codebuild:us-east-1:000000000000:project/app-build');
  assert.deepEqual(p?.source, { type: 'CODECOMMIT', location, gitCloneDepth: 1 });
  assert.equal(p?.sourceVersion, 'refs/heads/main');
  assert.equal(p?.timeoutInMinutes, 60);
  assert.equal(p?.queuedTimeoutInMinutes, 480);
  assert.equal(p?.concurrentBuildLimit, 2);
  assert.deepEqual(p?.cache, { type: 'NO_CACHE' });
  assert.equal(p?.environment?.privilegedMode, true);
  assert.deepEqual(
    p?.environment?.environmentVariables?.map((v) => v.type),
    ['PLAINTEXT', 'PARAMETER_STORE', 'SECRETS_MANAGER'],
  );
  assert.deepEqual(p?.tags, [{ key: 'team', value: 'platform' }]);
  assert.deepEqual(p?.badge, { badgeEnabled: false });
  assert.equal(p?.logsConfig?.cloudWatchLogs?.status, 'ENABLED');
  assert.equal(p?.created?.getTime(), clock.now());
  assert.equal(p?.lastModified?.getTime(), clock.now());
});

test('CreateProject on an existing name is ResourceAlreadyExistsException', async () => {
  await cb.send(new CreateProjectCommand(project('twice')));
  await assert.rejects(cb.send(new CreateProjectCommand(project('twice'))), ResourceAlreadyExistsException);
});

test('CreateProject accepts S3 and CODEPIPELINE artifacts, secondary artifacts, caches, logs and a badge (refused with a CODEPIPELINE source, as AWS)', async () => {
  const out = await cb.send(
    new CreateProjectCommand(
      project('full', {
        source: { type: 'CODECOMMIT', location: 'https://git-codecommit.us-east-1.amazonaws.com/v1/repos/full' },
        artifacts: { type: 'S3', location: 'artifact-bucket' },
        secondaryArtifacts: [{ type: 'S3', location: 'artifact-bucket', artifactIdentifier: 'extra', packaging: 'ZIP' }],
        cache: { type: 'LOCAL', modes: ['LOCAL_DOCKER_LAYER_CACHE', 'LOCAL_SOURCE_CACHE'] },
        logsConfig: { cloudWatchLogs: { status: 'ENABLED', groupName: '/slipway/builds' }, s3Logs: { status: 'DISABLED' } },
        timeoutInMinutes: 5,
        queuedTimeoutInMinutes: 480,
        badgeEnabled: true,
      }),
    ),
  );
  assert.deepEqual(out.project?.artifacts, { type: 'S3', location: 'artifact-bucket' });
  const pipeline = await cb.send(new CreateProjectCommand(project('in-pipeline', { source: { type: 'CODEPIPELINE' }, artifacts: { type: 'CODEPIPELINE' } })));
  assert.deepEqual(pipeline.project?.artifacts, { type: 'CODEPIPELINE' });
  // As AWS answers: "Build badges are not supported for CodePipeline source".
  assert.match(await invalidMessage({ ...project('badge-in-pipeline', { source: { type: 'CODEPIPELINE' }, artifacts: { type: 'CODEPIPELINE' } }), badgeEnabled: true }), /badgeEnabled: found true.*CodePipeline source/);
  await assert.rejects(cb.send(new UpdateProjectCommand({ name: 'in-pipeline', badgeEnabled: true })), (err: Error) => err.name === 'InvalidInputException' && /CodePipeline source/.test(err.message));
  assert.equal(out.project?.secondaryArtifacts?.[0]?.artifactIdentifier, 'extra');
  assert.deepEqual(out.project?.cache?.modes, ['LOCAL_DOCKER_LAYER_CACHE', 'LOCAL_SOURCE_CACHE']);
  assert.equal(out.project?.logsConfig?.cloudWatchLogs?.groupName, '/slipway/builds');
  const token = Buffer.from('arn:aws:codebuild:us-east-1:000000000000:project/full').toString('base64url');
  assert.deepEqual(out.project?.badge, { badgeEnabled: true, badgeRequestUrl: `${t.endpoint}/badges?uuid=${token}&branch=main` });
  const s3 = await cb.send(new CreateProjectCommand(project('to-s3', { artifacts: { type: 'S3', location: 'bucket' }, cache: { type: 'S3', location: 'bucket/cache' } })));
  assert.equal(s3.project?.artifacts?.location, 'bucket');
});

test('a local directory is a NO_SOURCE project with an absolute location; then the buildspec may come from the directory', async () => {
  const out = await cb.send(new CreateProjectCommand(project('local-dir', { source: { type: 'NO_SOURCE', location: '/home/dev/app' } })));
  assert.deepEqual(out.project?.source, { type: 'NO_SOURCE', location: '/home/dev/app' });
  const message = await invalidMessage(project('bad-dir', { source: { type: 'NO_SOURCE', location: 'relative/dir' } }));
  assert.match(message, /source\.location: found "relative\/dir", expected nothing, or an absolute local directory/);
});

test('NO_SOURCE without a location needs an inline buildspec', async () => {
  const message = await invalidMessage(project('no-spec', { source: { type: 'NO_SOURCE' } }));
  assert.match(message, /source\.buildspec: found nothing, expected an inline buildspec/);
  await assert.rejects(cb.send(new CreateProjectCommand(project('no-spec', { source: { type: 'NO_SOURCE', buildspec: '' } }))), InvalidInputException);
});

test('CreateProject requires name, source, artifacts, environment and serviceRole, listing every missing one', async () => {
  const message = await invalidMessage({});
  for (const member of ['name', 'source', 'artifacts', 'environment', 'serviceRole']) {
    assert.match(message, new RegExp(`- ${member}: found nothing, expected a value \\(the member is required\\)`));
  }
  assert.match(message, /\(5 problems\)/);
});

test('project names follow the model: 2 to 150 characters, letter or digit first, then letters, digits, - and _', async () => {
  assert.match(await invalidMessage(project('a')), /name: found 1 characters, expected at least 2/);
  assert.match(await invalidMessage(project('-dash-first')), /name: found "-dash-first", expected a letter or digit followed by/);
  assert.match(await invalidMessage(project('has space')), /name: found "has space"/);
  assert.match(await invalidMessage(project('x'.repeat(151))), /name: found 151 characters, expected at most 150/);
  const ok = await cb.send(new CreateProjectCommand(project(`A_${'b'.repeat(148)}`)));
  assert.equal(ok.project?.name?.length, 150);
});

test('timeouts are bounded: timeoutInMinutes 5–2160, queuedTimeoutInMinutes 5–480', async () => {
  const message = await invalidMessage(project('timeouts', { timeoutInMinutes: 4, queuedTimeoutInMinutes: 481 }));
  assert.match(message, /timeoutInMinutes: found 4, expected an integer from 5 to 2160/);
  assert.match(message, /queuedTimeoutInMinutes: found 481, expected an integer from 5 to 480/);
  assert.match(await invalidMessage(project('timeouts', { timeoutInMinutes: 2161 })), /timeoutInMinutes: found 2161/);
  const ok = await cb.send(new CreateProjectCommand(project('timeouts', { timeoutInMinutes: 2160, queuedTimeoutInMinutes: 5 })));
  assert.equal(ok.project?.timeoutInMinutes, 2160);
});

test('invalid nested members are all reported at once with field, found and expected', async () => {
  const message = await invalidMessage({
    ...project('nested'),
    source: { type: 'GITHUB', location: 'https://github.com/x/y', gitCloneDepth: -1, reportBuildStatus: true },
    artifacts: { type: 'S3' },
    environment: {
      type: 'WINDOWS_CONTAINER',
      image: 'img',
      computeType: 'BUILD_TINY',
      environmentVariables: [{ name: 'A', value: 'x', type: 'VAULT' }, { name: 'A', value: 'y' }, { value: 'z' }],
    },
    cache: { type: 'S3' },
    logsConfig: { s3Logs: { status: 'ENABLED' }, cloudWatchLogs: {} },
    tags: [{ value: 'no-key' }],
    concurrentBuildLimit: 0,
  });
  for (const pattern of [
    /source\.type: found "GITHUB", expected one of CODECOMMIT, CODEPIPELINE, NO_SOURCE/,
    /source\.gitCloneDepth: found -1/,
    /artifacts\.location: found nothing, expected a bucket name for S3 artifacts/,
    /environment\.computeType: found "BUILD_TINY", expected one of BUILD_GENERAL1_SMALL/,
    /environment\.type: found "WINDOWS_CONTAINER", expected LINUX_CONTAINER/,
    /environment\.environmentVariables\[0\]\.type: found "VAULT", expected one of PLAINTEXT, PARAMETER_STORE, SECRETS_MANAGER/,
    /environment\.environmentVariables\[1\]\.name: found "A", expected a name not already used/,
    /environment\.environmentVariables\[2\]\.name: found nothing/,
    /cache\.location: found nothing, expected a bucket/,
    /logsConfig\.s3Logs\.location: found nothing/,
    /logsConfig\.cloudWatchLogs\.status: found nothing/,
    /tags\[0\]\.key: found nothing/,
    /concurrentBuildLimit: found 0/,
  ]) {
    assert.match(message, pattern);
  }
});

test('CODECOMMIT needs a clone URL; LOCAL cache needs modes; CODEPIPELINE source and artifacts go together', async () => {
  assert.match(await invalidMessage(project('cc', { source: { type: 'CODECOMMIT' } })), /source\.location: found nothing, expected the repository clone URL/);
  assert.match(await invalidMessage(project('cc', { source: { type: 'CODECOMMIT', location: 'not a url' } })), /source\.location: found "not a url", expected an http\(s\) clone URL/);
  assert.match(await invalidMessage(project('cc', { cache: { type: 'LOCAL' } })), /cache\.modes: found nothing, expected at least one of/);
  assert.match(await invalidMessage(project('cc', { artifacts: { type: 'CODEPIPELINE' } })), /artifacts\.type: found "CODEPIPELINE", expected CODEPIPELINE artifacts exactly when the source type is CODEPIPELINE/);
  const ok = await cb.send(new CreateProjectCommand(project('cc', { source: { type: 'CODECOMMIT', location: 'https://git.example.com/app.git' } })));
  assert.equal(ok.project?.source?.location, 'https://git.example.com/app.git');
});

test('secondary sources need identifiers; secondarySourceVersions must name one of them', async () => {
  const message = await invalidMessage(
    project('secondary', {
      secondarySources: [{ type: 'CODECOMMIT', location: 'https://h/r' } as never],
      secondarySourceVersions: [{ sourceIdentifier: 'other', sourceVersion: 'main' }],
      secondaryArtifacts: [{ type: 'NO_ARTIFACTS' } as never],
    }),
  );
  assert.match(message, /secondarySources\[0\]\.sourceIdentifier: found nothing/);
  assert.match(message, /secondaryArtifacts\[0\]\.artifactIdentifier: found nothing/);
  assert.match(message, /secondarySourceVersions\[0\]\.sourceIdentifier: found "other", expected the sourceIdentifier of one of the secondarySources/);
  const ok = await cb.send(
    new CreateProjectCommand(
      project('secondary', {
        secondarySources: [{ type: 'CODECOMMIT', location: 'https://h/r', sourceIdentifier: 'lib' }],
        secondarySourceVersions: [{ sourceIdentifier: 'lib', sourceVersion: 'main' }],
      }),
    ),
  );
  assert.deepEqual(ok.project?.secondarySourceVersions, [{ sourceIdentifier: 'lib', sourceVersion: 'main' }]);
});

test('BatchGetProjects returns found projects by name or ARN and lists the rest in projectsNotFound', async () => {
  await cb.send(new CreateProjectCommand(project('batch-one')));
  const out = await cb.send(new BatchGetProjectsCommand({ names: ['batch-one', 'arn:aws:codebuild:us-east-1:000000000000:project/batch-one', 'missing'] }));
  assert.deepEqual(out.projects?.map((p) => p.name), ['batch-one', 'batch-one']);
  assert.deepEqual(out.projectsNotFound, ['missing']);
  await assert.rejects(cb.send(new BatchGetProjectsCommand({ names: [] })), InvalidInputException);
});

test('ListProjects sorts by NAME, CREATED_TIME or LAST_MODIFIED_TIME in either order and pages by nextToken', async () => {
  const fresh = await startTestDaemon({ clock: new ManualClock(Date.UTC(2026, 1, 1)) });
  const client = new CodeBuildClient(fresh.sdk);
  try {
    for (const name of ['charlie', 'alpha', 'bravo']) {
      await client.send(new CreateProjectCommand(project(name)));
    }
    const byName = await client.send(new ListProjectsCommand({}));
    assert.deepEqual(byName.projects, ['alpha', 'bravo', 'charlie']);
    const byNameDesc = await client.send(new ListProjectsCommand({ sortBy: 'NAME', sortOrder: 'DESCENDING' }));
    assert.deepEqual(byNameDesc.projects, ['charlie', 'bravo', 'alpha']);
    await client.send(new UpdateProjectCommand({ name: 'alpha', description: 'touched' }));
    const created = await client.send(new ListProjectsCommand({ sortBy: 'CREATED_TIME' }));
    assert.equal(created.projects?.length, 3);
    const modified = await client.send(new ListProjectsCommand({ sortBy: 'LAST_MODIFIED_TIME', sortOrder: 'DESCENDING' }));
    assert.equal(modified.projects?.length, 3);
    for (let i = 0; i < 101; i++) await client.send(new CreateProjectCommand(project(`page-${String(i).padStart(3, '0')}`)));
    const first = await client.send(new ListProjectsCommand({ sortBy: 'NAME' }));
    assert.equal(first.projects?.length, 100);
    assert.ok(first.nextToken);
    const second = await client.send(new ListProjectsCommand({ sortBy: 'NAME', nextToken: first.nextToken }));
    assert.equal(second.projects?.length, 4);
    assert.equal(second.nextToken, undefined);
    await assert.rejects(client.send(new ListProjectsCommand({ nextToken: 'garbage' })), InvalidInputException);
    await assert.rejects(client.send(new ListProjectsCommand({ sortBy: 'SIZE' as never })), InvalidInputException);
  } finally {
    client.destroy();
    await fresh.stop();
  }
});

test('ListProjects CREATED_TIME and LAST_MODIFIED_TIME follow the clock', async () => {
  const own = new ManualClock(Date.UTC(2026, 2, 1));
  const fresh = await startTestDaemon({ clock: own });
  const client = new CodeBuildClient(fresh.sdk);
  try {
    await client.send(new CreateProjectCommand(project('zulu')));
    await own.advance(1000);
    await client.send(new CreateProjectCommand(project('yankee')));
    await own.advance(1000);
    await client.send(new UpdateProjectCommand({ name: 'zulu', description: 'newest change' }));
    assert.deepEqual((await client.send(new ListProjectsCommand({ sortBy: 'CREATED_TIME' }))).projects, ['zulu', 'yankee']);
    assert.deepEqual((await client.send(new ListProjectsCommand({ sortBy: 'LAST_MODIFIED_TIME', sortOrder: 'DESCENDING' }))).projects, ['zulu', 'yankee']);
    assert.deepEqual((await client.send(new ListProjectsCommand({ sortBy: 'LAST_MODIFIED_TIME', sortOrder: 'ASCENDING' }))).projects, ['yankee', 'zulu']);
  } finally {
    client.destroy();
    await fresh.stop();
  }
});

test('UpdateProject replaces only the given members and moves lastModified; -1 removes the concurrent build limit', async () => {
  await cb.send(new CreateProjectCommand(project('upd', { concurrentBuildLimit: 3, tags: [{ key: 'a', value: '1' }] })));
  const before = clock.now();
  await clock.advance(60_000);
  const out = await cb.send(
    new UpdateProjectCommand({
      name: 'upd',
      environment: { type: 'LINUX_CONTAINER', image: 'slipway/build:next', computeType: 'BUILD_GENERAL1_LARGE' },
      timeoutInMinutes: 30,
      concurrentBuildLimit: -1,
      tags: [{ key: 'b', value: '2' }],
      badgeEnabled: true,
    }),
  );
  const p = out.project;
  assert.equal(p?.environment?.image, 'slipway/build:next');
  assert.deepEqual(p?.environment?.environmentVariables, []);
  assert.equal(p?.timeoutInMinutes, 30);
  assert.equal(p?.concurrentBuildLimit, undefined);
  assert.deepEqual(p?.tags, [{ key: 'b', value: '2' }]);
  assert.equal(p?.badge?.badgeEnabled, true);
  assert.equal(p?.source?.type, 'NO_SOURCE');
  assert.equal(p?.serviceRole, ROLE);
  assert.equal(p?.created?.getTime(), before);
  assert.equal(p?.lastModified?.getTime(), before + 60_000);
  await assert.rejects(cb.send(new UpdateProjectCommand({ name: 'nope', description: 'x' })), ResourceNotFoundException);
  const message = await invalidMessage({ name: 'upd', timeoutInMinutes: 3, artifacts: { type: 'CODEPIPELINE' } }, 'UpdateProject');
  assert.match(message, /timeoutInMinutes: found 3/);
  assert.match(await invalidMessage({ name: 'upd', artifacts: { type: 'CODEPIPELINE' } }, 'UpdateProject'), /artifacts\.type: found "CODEPIPELINE"/);
});

test('DeleteProject removes the project; deleting a missing one succeeds as in AWS', async () => {
  await cb.send(new CreateProjectCommand(project('gone')));
  await cb.send(new DeleteProjectCommand({ name: 'gone' }));
  const out = await cb.send(new BatchGetProjectsCommand({ names: ['gone'] }));
  assert.deepEqual(out.projectsNotFound, ['gone']);
  await cb.send(new DeleteProjectCommand({ name: 'gone' }));
  await cb.send(new CreateProjectCommand(project('gone')));
});

test('responses on the wire match the AWS model shapes', async () => {
  const created = await callJson(t.endpoint, `${TARGET}.CreateProject`, project('wire', { badgeEnabled: true, tags: [{ key: 'k', value: 'v' }] }));
  assert.equal(created.status, 200);
  assert.deepEqual(checkShape(model, 'CreateProjectOutput', created.body), []);
  const got = await callJson(t.endpoint, `${TARGET}.BatchGetProjects`, { names: ['wire', 'missing'] });
  assert.deepEqual(checkShape(model, 'BatchGetProjectsOutput', got.body), []);
  const listed = await callJson(t.endpoint, `${TARGET}.ListProjects`, { sortBy: 'NAME' });
  assert.deepEqual(checkShape(model, 'ListProjectsOutput', listed.body), []);
  const updated = await callJson(t.endpoint, `${TARGET}.UpdateProject`, { name: 'wire', description: 'd' });
  assert.deepEqual(checkShape(model, 'UpdateProjectOutput', updated.body), []);
  const deleted = await callJson(t.endpoint, `${TARGET}.DeleteProject`, { name: 'wire' });
  assert.deepEqual(checkShape(model, 'DeleteProjectOutput', deleted.body), []);
  const duplicate = await callJson(t.endpoint, `${TARGET}.CreateProject`, project('twice'));
  assert.equal(duplicate.body['__type'], 'ResourceAlreadyExistsException');
  assert.ok(model.operations['CreateProject']?.errors?.some((e) => e.shape === 'ResourceAlreadyExistsException'));
});

test('the AWS CLI reads projects with codebuild batch-get-projects', async (ctx) => {
  if (!(await awsCliAvailable())) {
    ctx.skip('aws CLI not installed');
    return;
  }
  await cb.send(new CreateProjectCommand(project('cli-project')));
  const parsed = (await awsCliJson(t.endpoint, ['codebuild', 'batch-get-projects', '--names', 'cli-project', 'not-there'])) as unknown as {
    projects: Array<{ name: string; arn: string; timeoutInMinutes: number }>;
    projectsNotFound: string[];
  };
  assert.equal(parsed.projects[0]?.name, 'cli-project');
  assert.equal(parsed.projects[0]?.arn, 'arn:aws:codebuild:us-east-1:000000000000:project/cli-project');
  assert.equal(parsed.projects[0]?.timeoutInMinutes, 60);
  assert.deepEqual(parsed.projectsNotFound, ['not-there']);
});
