import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { listZip, reportsForBuild } from './outputs/index.ts';
import { createProject, runBuild, startBuildHarness, type BuildHarness } from './testing.ts';

let h: BuildHarness;

before(async () => {
  h = await startBuildHarness();
});

after(async () => {
  await h.stop();
});

test('UPLOAD_ARTIFACTS zips the buildspec artifacts (also after a failed BUILD) and lists them on the build', async () => {
  const buildspec = [
    'version: 0.2',
    'phases:',
    '  build:',
    '    commands:',
    '      - mkdir -p out/sub && echo a > out/a.txt && echo b > out/sub/b.txt',
    '      - exit 1',
    'artifacts:',
    '  base-directory: out',
    "  files: ['**/*']",
    '  name: app-$CODEBUILD_BUILD_NUMBER-$(echo evaluated)',
    '',
  ].join('\n');
  const project = await createProject(h, buildspec, { artifacts: { type: 'S3', location: 'bucket', name: 'app', overrideArtifactName: true } });
  const { build, log } = await runBuild(h, project);
  assert.equal(build.buildStatus, 'FAILED');
  assert.equal(build.phases?.find((p) => p.phaseType === 'UPLOAD_ARTIFACTS')?.phaseStatus, 'SUCCEEDED', log.join('\n'));
  assert.match(build.artifacts?.location ?? '', /app-1-evaluated/);
  assert.match(build.artifacts?.sha256sum ?? '', /^[0-9a-f]{64}$/);
  const digest = `sha256:${build.artifacts?.sha256sum ?? ''}`;
  const entries = await listZip(h.t.daemon.blobs, digest);
  assert.deepEqual(entries.map((e) => e.path).sort(), ['a.txt', 'sub/b.txt']);
});

test('cache.paths (absolute and relative) are restored in the next build of the project', async () => {
  const buildspec = [
    'version: 0.2',
    'phases:',
    '  build:',
    '    commands:',
    '      - cat /root/.deps/dep.txt 2>/dev/null || echo no cache yet',
    '      - cat vendor/v.txt 2>/dev/null || true',
    '      - mkdir -p /root/.deps vendor && echo "cached $CODEBUILD_BUILD_NUMBER" > /root/.deps/dep.txt && echo vendored > vendor/v.txt',
    'cache:',
    "  paths: ['/root/.deps/**/*', 'vendor/**/*']",
    '',
  ].join('\n');
  const project = await createProject(h, buildspec, { cache: { type: 'LOCAL', modes: ['LOCAL_CUSTOM_CACHE'] } });
  const first = await runBuild(h, project);
  assert.equal(first.build.buildStatus, 'SUCCEEDED', first.log.join('\n'));
  assert.equal(first.output[0], 'no cache yet');
  const second = await runBuild(h, project);
  assert.deepEqual(second.output.slice(0, 2), ['cached 1', 'vendored'], second.log.join('\n'));
});

test('a cache unchanged since its restore is not saved again (even when rewritten with the same content); a changed one is', async () => {
  const buildspec = [
    'version: 0.2',
    'phases:',
    '  build:',
    '    commands:',
    '      - cat vendor/v.txt 2>/dev/null || echo no cache yet',
    '      - mkdir -p /root/.deps vendor && echo "$CONTENT" > vendor/v.txt && echo "$CONTENT" > /root/.deps/d.txt',
    'cache:',
    "  paths: ['/root/.deps/**/*', 'vendor/**/*']",
    '',
  ].join('\n');
  const project = await createProject(h, buildspec, { cache: { type: 'LOCAL', modes: ['LOCAL_CUSTOM_CACHE'] } });
  const run = (content: string) => runBuild(h, project, { environmentVariablesOverride: [{ name: 'CONTENT', value: content, type: 'PLAINTEXT' }] });
  const saveLine = (log: string[]): string => log.find((l) => /Saved cache|Cache not saved/.test(l)) ?? 'no cache line';
  const first = await run('one');
  assert.match(saveLine(first.log), /Saved cache {2}\(2 files/);
  const same = await run('one');
  assert.equal(same.output[0], 'one');
  assert.match(saveLine(same.log), /Cache not saved: unchanged since it was restored \(2 files\)/);
  const changed = await run('two');
  assert.match(saveLine(changed.log), /Saved cache {2}\(2 files/);
  assert.equal((await run('two')).output[0], 'two');
});

test('host mode (image slipway:host) runs the buildspec on this machine, not isolated', async () => {
  const project = await createProject(h, 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo "host $CODEBUILD_BUILD_NUMBER"\n      - test "$CODEBUILD_SRC_DIR" = "$(pwd)"\n      - cd /tmp\n  post_build:\n    commands:\n      - pwd\n', { image: 'slipway:host' });
  const { build, output, log } = await runBuild(h, project);
  assert.equal(build.buildStatus, 'SUCCEEDED', log.join('\n'));
  assert.deepEqual(output, ['host 1', '/tmp']);
});

test('run-as runs a phase as another user', async () => {
  const project = await createProject(h, 'version: 0.2\nphases:\n  build:\n    run-as: "65534"\n    commands:\n      - id -u\n  post_build:\n    commands:\n      - id -u\n');
  const { build, output, log } = await runBuild(h, project);
  assert.equal(build.buildStatus, 'SUCCEEDED', log.join('\n'));
  assert.deepEqual(output, ['65534', '0']);
});

test('reports: JUnit XML written by a failing test run becomes a report of <project>-<group>, listed in reportArns', async () => {
  const xml = '<testsuite name="s" tests="2" failures="1"><testcase classname="c" name="ok" time="0.1"/><testcase classname="c" name="bad" time="0.2"><failure message="boom"/></testcase></testsuite>';
  const buildspec = [
    'version: 0.2',
    'phases:',
    '  build:',
    '    commands:',
    `      - mkdir -p results && echo '${xml}' > results/junit.xml`,
    '      - exit 1',
    'reports:',
    '  unit:',
    '    files: [junit.xml]',
    '    base-directory: results',
    '',
  ].join('\n');
  const project = await createProject(h, buildspec);
  const { build, log } = await runBuild(h, project);
  assert.equal(build.buildStatus, 'FAILED');
  assert.equal(build.reportArns?.length, 1, log.join('\n'));
  const [report] = reportsForBuild(h.t.daemon.store, build.arn ?? '');
  assert.equal(report?.name, `${project}-unit`);
  assert.equal(report?.status, 'FAILED');
  assert.equal(report?.testSummary?.total, 2);
  assert.equal(report?.testSummary?.statusCounts.FAILED, 1);
});
