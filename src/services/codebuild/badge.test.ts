import { BatchGetProjectsCommand, CodeBuildClient, CreateProjectCommand, StartBuildCommand, UpdateProjectCommand, type StartBuildInput } from '@aws-sdk/client-codebuild';
import { CodeCommitClient, CreateBranchCommand, CreateRepositoryCommand, PutFileCommand } from '@aws-sdk/client-codecommit';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { typeFilter } from '../../core/events.ts';
import { awsCliAvailable, awsCliJson } from '../../../test/helpers/aws-cli.ts';
import { startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';

let t: TestDaemon;
let cb: CodeBuildClient;

before(async () => {
  // Host-mode builds (image slipway:host) need no container engine.
  t = await startTestDaemon();
  cb = new CodeBuildClient(t.sdk);
});

after(async () => {
  await t.stop();
});

// Waits (when GATE is set) for the gate file, so a test can look at the badge of a build in progress.
const BUILDSPEC = 'version: 0.2\nphases:\n  build:\n    commands:\n      - if [ -n "$GATE" ]; then while [ ! -f "$GATE" ]; do sleep 0.05; done; fi\n      - test "$FAIL" != yes\n';

async function build(project: string, input: Omit<StartBuildInput, 'projectName'> = {}, vars: Record<string, string> = {}): Promise<string> {
  const ref: { id?: string | undefined } = {};
  const done = t.daemon.bus.next((e) => typeFilter('codebuild.build.completed')(e) && e.detail['id'] === ref.id);
  const environmentVariablesOverride = Object.entries(vars).map(([name, value]) => ({ name, value, type: 'PLAINTEXT' as const }));
  const out = await cb.send(new StartBuildCommand({ projectName: project, ...input, environmentVariablesOverride }));
  ref.id = out.build?.id;
  return String((await done).detail['buildStatus']);
}

async function badge(url: string): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

function withParams(url: string, params: Record<string, string | undefined>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) u.searchParams.delete(k);
    else u.searchParams.set(k, v);
  }
  return u.href;
}

test('badgeEnabled: CreateProjectCommand gives badge.badgeRequestUrl (<endpoint>/badges?uuid=…&branch=<default branch>) serving the latest build as an SVG', async () => {
  const cc = new CodeCommitClient(t.sdk);
  const repo = (await cc.send(new CreateRepositoryCommand({ repositoryName: 'badged' }))).repositoryMetadata;
  const first = await cc.send(new PutFileCommand({ repositoryName: 'badged', branchName: 'main', filePath: 'README.md', fileContent: Buffer.from('hi\n') }));
  await cc.send(new CreateBranchCommand({ repositoryName: 'badged', branchName: 'feature', commitId: first.commitId }));
  const created = await cb.send(
    new CreateProjectCommand({
      name: 'badged',
      source: { type: 'CODECOMMIT', location: repo?.cloneUrlHttp ?? '', buildspec: BUILDSPEC },
      artifacts: { type: 'NO_ARTIFACTS' },
      environment: { type: 'LINUX_CONTAINER', image: 'slipway:host', computeType: 'BUILD_GENERAL1_SMALL' },
      serviceRole: 'arn:aws:iam::000000000000:role/codebuild',
      badgeEnabled: true,
    }),
  );
  const token = Buffer.from('arn:aws:codebuild:us-east-1:000000000000:project/badged').toString('base64url');
  const url = created.project?.badge?.badgeRequestUrl ?? '';
  assert.equal(url, `${t.endpoint}/badges?uuid=${token}&branch=main`);
  assert.equal(created.project?.badge?.badgeEnabled, true);

  const never = await badge(url);
  assert.equal(never.status, 200);
  assert.equal(never.type, 'image/svg+xml;charset=utf-8');
  assert.match(never.text, /^<svg [^>]*aria-label="build: unknown"/);

  assert.equal(await build('badged'), 'SUCCEEDED');
  assert.match((await badge(url)).text, /build: passing/);

  // The feature branch fails: its badge says so, main's stays passing, and without a branch the latest build counts.
  assert.equal(await build('badged', { sourceVersion: 'feature' }, { FAIL: 'yes' }), 'FAILED');
  assert.match((await badge(withParams(url, { branch: 'feature' }))).text, /build: failing/);
  assert.match((await badge(url)).text, /build: passing/);
  assert.match((await badge(withParams(url, { branch: undefined }))).text, /build: failing/);
  assert.match((await badge(withParams(url, { branch: 'never-built' }))).text, /build: unknown/);

  // tag= replaces branch=: builds of that tag only (this one fails: the repository has no such tag).
  assert.equal(await build('badged', { sourceVersion: 'refs/tags/v1' }), 'FAILED');
  assert.match((await badge(withParams(url, { branch: undefined, tag: 'v1' }))).text, /build: failing/);
  assert.match((await badge(withParams(url, { branch: undefined, tag: 'v2' }))).text, /build: unknown/);

  // A build still running is IN_PROGRESS until it ends.
  const gate = join(t.dataDir, 'gate');
  const building = t.daemon.bus.next((e) => typeFilter('codebuild.build.phase-change')(e) && e.detail['phaseType'] === 'BUILD' && e.detail['phaseStatus'] === undefined);
  const running = build('badged', {}, { GATE: gate });
  await building;
  assert.match((await badge(url)).text, /build: in progress/);
  writeFileSync(gate, '');
  assert.equal(await running, 'SUCCEEDED');
  assert.match((await badge(url)).text, /build: passing/);
  assert.equal((await fetch(url, { method: 'HEAD' })).status, 200);
});

test('UpdateProjectCommand with badgeEnabled false: the badge reads unknown; an unknown uuid is 404', async () => {
  const created = await cb.send(
    new CreateProjectCommand({
      name: 'badge-off',
      source: { type: 'NO_SOURCE', buildspec: BUILDSPEC },
      artifacts: { type: 'NO_ARTIFACTS' },
      environment: { type: 'LINUX_CONTAINER', image: 'slipway:host', computeType: 'BUILD_GENERAL1_SMALL' },
      serviceRole: 'arn:aws:iam::000000000000:role/codebuild',
      badgeEnabled: true,
    }),
  );
  const url = created.project?.badge?.badgeRequestUrl ?? '';
  assert.match(url, /&branch=main$/);
  assert.equal(await build('badge-off'), 'SUCCEEDED');
  assert.match((await badge(url)).text, /build: passing/);
  const updated = await cb.send(new UpdateProjectCommand({ name: 'badge-off', badgeEnabled: false }));
  assert.deepEqual(updated.project?.badge, { badgeEnabled: false });
  assert.deepEqual((await cb.send(new BatchGetProjectsCommand({ names: ['badge-off'] }))).projects?.[0]?.badge, { badgeEnabled: false });
  assert.match((await badge(url)).text, /build: unknown/);

  const stranger = Buffer.from('arn:aws:codebuild:us-east-1:000000000000:project/no-such-project').toString('base64url');
  assert.equal((await badge(`${t.endpoint}/badges?uuid=${stranger}`)).status, 404);
  assert.equal((await badge(`${t.endpoint}/badges?uuid=garbage`)).status, 404);
  assert.equal((await badge(`${t.endpoint}/badges/elsewhere`)).status, 404);
});

test('the AWS CLI turns a badge on with codebuild update-project --badge-enabled and reads the URL back', async (t2) => {
  if (!(await awsCliAvailable())) return t2.skip('no aws CLI on this machine');
  await cb.send(
    new CreateProjectCommand({
      name: 'badge-cli',
      source: { type: 'NO_SOURCE', buildspec: BUILDSPEC },
      artifacts: { type: 'NO_ARTIFACTS' },
      environment: { type: 'LINUX_CONTAINER', image: 'slipway:host', computeType: 'BUILD_GENERAL1_SMALL' },
      serviceRole: 'arn:aws:iam::000000000000:role/codebuild',
    }),
  );
  const updated = await awsCliJson(t.endpoint, ['codebuild', 'update-project', '--name', 'badge-cli', '--badge-enabled']);
  const shown = (updated['project'] as { badge: { badgeEnabled: boolean; badgeRequestUrl: string } }).badge;
  assert.equal(shown.badgeEnabled, true);
  assert.match((await badge(shown.badgeRequestUrl)).text, /build: unknown/);
  const got = await awsCliJson(t.endpoint, ['codebuild', 'batch-get-projects', '--names', 'badge-cli']);
  assert.equal((got['projects'] as { badge: { badgeRequestUrl: string } }[])[0]?.badge.badgeRequestUrl, shown.badgeRequestUrl);
});
