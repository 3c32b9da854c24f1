import { BatchGetBuildsCommand, ListBuildsCommand, ListBuildsForProjectCommand, RetryBuildCommand, StartBuildCommand, StopBuildCommand } from '@aws-sdk/client-codebuild';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { typeFilter } from '../../core/events.ts';
import { checkShape, loadModel } from '../../../test/helpers/aws-model.ts';
import { awsCliAvailable, awsCliJson } from '../../../test/helpers/aws-cli.ts';
import { callJson } from '../../../test/helpers/daemon.ts';
import { completion, createProject, getBuild, runBuild, startBuildHarness, type BuildHarness } from '../../engines/builds/testing.ts';

const model = loadModel('codebuild.2016-10-06');
const T = 'CodeBuild_20161006';
let h: BuildHarness;

before(async () => {
  h = await startBuildHarness();
});

after(async () => {
  await h.stop();
});

test('StartBuild returns a QUEUED-phase build; BatchGetBuilds returns the full Build shape once it completes', async () => {
  const project = await createProject(h, 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo ok\n');
  const ref: { id?: string | undefined } = {};
  const done = completion(h, () => ref.id);
  const queued = h.t.daemon.bus.next(typeFilter('codebuild.build.queued'));
  const started = await h.codebuild.send(new StartBuildCommand({ projectName: project, sourceVersion: 'main', timeoutInMinutesOverride: 5 }));
  ref.id = started.build?.id;
  const id = ref.id;
  assert.equal((await queued).detail['id'], id);
  assert.equal(started.build?.buildStatus, 'IN_PROGRESS');
  assert.equal(started.build?.currentPhase, 'QUEUED');
  assert.equal(started.build?.timeoutInMinutes, 5);
  assert.equal(started.build?.sourceVersion, 'main');
  assert.equal(started.build?.initiator, 'root');
  assert.equal(started.build?.arn, `arn:aws:codebuild:us-east-1:000000000000:build/${id ?? ''}`);
  await done;
  const raw = await callJson(h.t.endpoint, `${T}.BatchGetBuilds`, { ids: [id, `${project}:missing`] });
  assert.deepEqual(checkShape(model, 'BatchGetBuildsOutput', raw.body), []);
  assert.deepEqual(raw.body['buildsNotFound'], [`${project}:missing`]);
  const got = await h.codebuild.send(new BatchGetBuildsCommand({ ids: [id ?? ''] }));
  const build = got.builds?.[0];
  assert.equal(build?.buildStatus, 'SUCCEEDED');
  assert.equal(build?.currentPhase, 'COMPLETED');
  assert.ok(build?.endTime instanceof Date);
  for (const phase of build?.phases ?? []) {
    if (phase.phaseType === 'COMPLETED') continue;
    assert.equal(typeof phase.durationInSeconds, 'number', `${phase.phaseType ?? ''} has a duration`);
  }
  // As AWS reports them: FINALIZING ends with a status and a duration; COMPLETED is only a type and a start time,
  // the build's end time (on the wire, not just as the SDK reads it).
  const wirePhases = ((raw.body['builds'] as Record<string, unknown>[])[0]?.['phases'] ?? []) as Record<string, unknown>[];
  const finalizing = wirePhases.find((p) => p['phaseType'] === 'FINALIZING');
  assert.equal(finalizing?.['phaseStatus'], 'SUCCEEDED');
  assert.equal(typeof finalizing?.['endTime'], 'number');
  assert.equal(finalizing?.['durationInSeconds'], Math.round(((finalizing?.['endTime'] as number) - (finalizing?.['startTime'] as number))));
  const completed = wirePhases.at(-1);
  assert.deepEqual(Object.keys(completed ?? {}).sort(), ['phaseType', 'startTime']);
  assert.equal(completed?.['phaseType'], 'COMPLETED');
  assert.equal(completed?.['startTime'], finalizing?.['endTime']);
  assert.equal(build?.endTime?.getTime(), Math.round((completed?.['startTime'] as number) * 1000));
  assert.match(build?.logs?.deepLink ?? '', /^https:\/\/console\.aws\.amazon\.com\/cloudwatch\/home\?region=us-east-1#logsV2:log-groups/);
});

test('StartBuild: unknown project is ResourceNotFoundException; bad overrides are one InvalidInputException naming each', async () => {
  await assert.rejects(h.codebuild.send(new StartBuildCommand({ projectName: 'no-such-project' })), (err: Error) => err.name === 'ResourceNotFoundException');
  const project = await createProject(h, 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo ok\n');
  await assert.rejects(
    h.codebuild.send(new StartBuildCommand({ projectName: project, timeoutInMinutesOverride: 1, environmentVariablesOverride: [{ name: 'A', value: 'x', type: 'NOPE' as 'PLAINTEXT' }] })),
    (err: Error) => err.name === 'InvalidInputException' && /timeoutInMinutesOverride/.test(err.message) && /environmentVariablesOverride\[0\]\.type/.test(err.message),
  );
});

test('ListBuilds and ListBuildsForProject list newest first by default; RetryBuild makes a new numbered build', async () => {
  const project = await createProject(h, 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo ok\n');
  const first = await runBuild(h, project);
  const ref: { id?: string | undefined } = {};
  const done = completion(h, () => ref.id);
  const retried = await h.codebuild.send(new RetryBuildCommand({ id: first.build.id }));
  ref.id = retried.build?.id;
  const id = ref.id;
  assert.equal(retried.build?.buildNumber, 2);
  assert.notEqual(id, first.build.id);
  await done;
  const forProject = await h.codebuild.send(new ListBuildsForProjectCommand({ projectName: project }));
  assert.deepEqual(forProject.ids, [id, first.build.id]);
  const ascending = await h.codebuild.send(new ListBuildsForProjectCommand({ projectName: project, sortOrder: 'ASCENDING' }));
  assert.deepEqual(ascending.ids, [first.build.id, id]);
  const all = await h.codebuild.send(new ListBuildsCommand({}));
  assert.ok(all.ids?.includes(id ?? '') && all.ids.includes(first.build.id ?? ''));
  await assert.rejects(h.codebuild.send(new ListBuildsForProjectCommand({ projectName: 'nope-project' })), (err: Error) => err.name === 'ResourceNotFoundException');
});

test('StopBuild stops a running build: the open phase and the build are STOPPED', async () => {
  const project = await createProject(h, 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo started\n      - sleep 300\n');
  const ref: { id?: string | undefined } = {};
  const done = completion(h, () => ref.id);
  const inBuild = h.t.daemon.bus.next((e) => e.type === 'codebuild.build.log' && e.detail['id'] === ref.id && (e.detail['lines'] as string[]).includes('started'));
  const started = await h.codebuild.send(new StartBuildCommand({ projectName: project }));
  ref.id = started.build?.id;
  const id = ref.id;
  await inBuild;
  const stopped = await h.codebuild.send(new StopBuildCommand({ id }));
  assert.equal(stopped.build?.id, id);
  await done;
  const build = await getBuild(h, id ?? '');
  assert.equal(build.buildStatus, 'STOPPED');
  const phase = build.phases?.find((p) => p.phaseType === 'BUILD');
  assert.equal(phase?.phaseStatus, 'STOPPED');
  assert.deepEqual(phase?.contexts, [{ statusCode: 'BUILD_STOPPED', message: 'Build was stopped.' }]);
  assert.equal(build.phases?.some((p) => p.phaseType === 'POST_BUILD'), false);
  await assert.rejects(h.codebuild.send(new StopBuildCommand({ id: `${project}:nope` })), (err: Error) => err.name === 'ResourceNotFoundException');
});

test('concurrentBuildLimit: a StartBuild beyond the limit is AccountLimitExceededException', async () => {
  const project = await createProject(h, 'version: 0.2\nphases:\n  build:\n    commands:\n      - sleep 300\n', { concurrentBuildLimit: 1 });
  const ref: { id?: string | undefined } = {};
  const done = completion(h, () => ref.id);
  const started = await h.codebuild.send(new StartBuildCommand({ projectName: project }));
  ref.id = started.build?.id;
  const id = ref.id;
  await assert.rejects(h.codebuild.send(new StartBuildCommand({ projectName: project })), (err: Error) => err.name === 'AccountLimitExceededException' && /concurrentBuildLimit/.test(err.message));
  await h.codebuild.send(new StopBuildCommand({ id }));
  await done;
});

test('the AWS CLI starts a build with overrides and reads it back', async (ctx) => {
  if (!(await awsCliAvailable())) {
    ctx.skip('aws CLI not installed');
    return;
  }
  const project = await createProject(h, 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo "v=$V"\n');
  const ref: { id?: string | undefined } = {};
  const done = completion(h, () => ref.id);
  const started = await awsCliJson(h.t.endpoint, ['codebuild', 'start-build', '--project-name', project, '--environment-variables-override', 'name=V,value=cli,type=PLAINTEXT']);
  ref.id = (started['build'] as { id: string }).id;
  await done;
  const got = await awsCliJson(h.t.endpoint, ['codebuild', 'batch-get-builds', '--ids', ref.id]);
  const build = (got['builds'] as { buildStatus: string; environment: { environmentVariables: { name: string; value: string }[] } }[])[0];
  assert.equal(build?.buildStatus, 'SUCCEEDED');
  assert.deepEqual(build?.environment.environmentVariables, [{ name: 'V', value: 'cli', type: 'PLAINTEXT' }]);
  const listed = await awsCliJson(h.t.endpoint, ['codebuild', 'list-builds-for-project', '--project-name', project]);
  assert.deepEqual(listed['ids'], [ref.id]);
});
