import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createProject, phaseStatuses, runBuild, startBuildHarness, type BuildHarness } from './testing.ts';

let h: BuildHarness;

before(async () => {
  h = await startBuildHarness();
});

after(async () => {
  await h.stop();
});

const bs = (phases: string): string => `version: 0.2\nphases:\n${phases}`;


// Independent builds: they run at once (each its own project and container).
describe('builds', { concurrency: true }, () => {
  test('a succeeding build lists every phase SUCCEEDED and logs in AWS form', async () => {
    const project = await createProject(h, bs('  build:\n    commands:\n      - echo hello from build\n'));
    const { build, log, output } = await runBuild(h, project);
    assert.equal(build.buildStatus, 'SUCCEEDED');
    assert.equal(build.buildComplete, true);
    assert.deepEqual(phaseStatuses(build), [
      'SUBMITTED:SUCCEEDED',
      'QUEUED:SUCCEEDED',
      'PROVISIONING:SUCCEEDED',
      'DOWNLOAD_SOURCE:SUCCEEDED',
      'INSTALL:SUCCEEDED',
      'PRE_BUILD:SUCCEEDED',
      'BUILD:SUCCEEDED',
      'POST_BUILD:SUCCEEDED',
      'UPLOAD_ARTIFACTS:SUCCEEDED',
      'FINALIZING:SUCCEEDED',
      'COMPLETED:-',
    ]);
    assert.deepEqual(output, ['hello from build']);
    assert.match(log.join('\n'), /^\[Container\] \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d{6} Entering phase BUILD$/m);
    assert.match(log.join('\n'), /^\[Container\] .* Running command echo hello from build$/m);
    assert.match(log.join('\n'), /^\[Container\] .* Phase complete: BUILD State: SUCCEEDED$/m);
    assert.equal(build.logs?.groupName, `/aws/codebuild/${project}`);
    assert.equal(build.logs?.streamName, build.id?.split(':')[1]);
    assert.match(build.id ?? '', new RegExp(`^${project}:[0-9a-f-]{36}$`));
    assert.equal(build.buildNumber, 1);
  });

  test('a failing build command skips the rest of BUILD, runs finally and POST_BUILD with CODEBUILD_BUILD_SUCCEEDING=0', async () => {
    const project = await createProject(
      h,
      bs(
        [
          '  build:',
          '    commands:',
          '      - echo "succeeding=$CODEBUILD_BUILD_SUCCEEDING"',
          '      - exit 3',
          '      - echo never',
          '    finally:',
          '      - echo finally ran',
          '  post_build:',
          '    commands:',
          '      - echo "post succeeding=$CODEBUILD_BUILD_SUCCEEDING"',
          '',
        ].join('\n'),
      ),
    );
    const { build, log, output } = await runBuild(h, project);
    assert.equal(build.buildStatus, 'FAILED');
    assert.deepEqual(output, ['succeeding=1', 'finally ran', 'post succeeding=0']);
    const phases = phaseStatuses(build);
    assert.ok(phases.includes('BUILD:FAILED') && phases.includes('POST_BUILD:SUCCEEDED') && phases.includes('UPLOAD_ARTIFACTS:SUCCEEDED'), phases.join(' '));
    const buildPhase = build.phases?.find((p) => p.phaseType === 'BUILD');
    assert.deepEqual(buildPhase?.contexts, [{ statusCode: 'COMMAND_EXECUTION_ERROR', message: 'Error while executing command: exit 3. Reason: exit status 3' }]);
    assert.ok(log.some((l) => / Phase context status code: COMMAND_EXECUTION_ERROR Message: Error while executing command: exit 3\. Reason: exit status 3$/.test(l)));
  });

  test('an INSTALL failure skips PRE_BUILD, BUILD, POST_BUILD and artifacts', async () => {
    const project = await createProject(h, bs('  install:\n    commands:\n      - exit 1\n  build:\n    commands:\n      - echo never\n  post_build:\n    commands:\n      - echo never\n'));
    const { build, output } = await runBuild(h, project);
    assert.equal(build.buildStatus, 'FAILED');
    assert.deepEqual(output, []);
    assert.deepEqual(phaseStatuses(build).slice(4), ['INSTALL:FAILED', 'FINALIZING:SUCCEEDED', 'COMPLETED:-']);
  });

  test('a PRE_BUILD failure skips BUILD and POST_BUILD', async () => {
    const project = await createProject(h, bs('  pre_build:\n    commands:\n      - exit 1\n    finally:\n      - echo pre finally\n  build:\n    commands:\n      - echo never\n  post_build:\n    commands:\n      - echo never\n'));
    const { build, output } = await runBuild(h, project);
    assert.equal(build.buildStatus, 'FAILED');
    assert.deepEqual(output, ['pre finally']);
    assert.deepEqual(phaseStatuses(build).slice(4), ['INSTALL:SUCCEEDED', 'PRE_BUILD:FAILED', 'FINALIZING:SUCCEEDED', 'COMPLETED:-']);
  });

  test('on-failure CONTINUE goes on after INSTALL; ABORT on BUILD skips POST_BUILD and artifacts', async () => {
    const cont = await createProject(h, bs('  install:\n    on-failure: CONTINUE\n    commands:\n      - exit 1\n  build:\n    commands:\n      - echo build ran\n'));
    const first = await runBuild(h, cont);
    assert.equal(first.build.buildStatus, 'FAILED');
    assert.deepEqual(first.output, ['build ran']);
    const abort = await createProject(h, bs('  build:\n    on-failure: ABORT\n    commands:\n      - exit 1\n  post_build:\n    commands:\n      - echo never\n'));
    const second = await runBuild(h, abort);
    assert.equal(second.build.buildStatus, 'FAILED');
    assert.deepEqual(second.output, []);
    assert.deepEqual(phaseStatuses(second.build).slice(6), ['BUILD:FAILED', 'FINALIZING:SUCCEEDED', 'COMPLETED:-']);
  });

  test('on-failure RETRY-2 runs the phase again until it succeeds', async () => {
    const project = await createProject(
      h,
      bs('  build:\n    on-failure: RETRY-2\n    commands:\n      - n=$((${n:-0}+1)); export n; echo "attempt $n"\n      - test "$n" -ge 2\n'),
    );
    const { build, output } = await runBuild(h, project);
    assert.equal(build.buildStatus, 'SUCCEEDED');
    assert.deepEqual(output, ['attempt 1', 'attempt 2']);
  });

  test('one shell: cd, export and functions carry across commands and phases; exit in a command keeps cd and exports', async () => {
    const project = await createProject(
      h,
      bs(
        [
          '  install:',
          '    commands:',
          '      - mkdir -p /tmp/work && cd /tmp/work',
          '      - export CARRIED=yes; greet() { echo "hi $1"; }',
          '  build:',
          '    on-failure: CONTINUE',
          '    commands:',
          '      - pwd',
          '      - echo "carried=$CARRIED"',
          '      - greet there',
          '      - exit 4',
          '  post_build:',
          '    commands:',
          "      - 'echo \"after exit: $(pwd) $CARRIED\"'",
          '',
        ].join('\n'),
      ),
    );
    const { build, output } = await runBuild(h, project);
    assert.equal(build.buildStatus, 'FAILED');
    assert.deepEqual(output, ['/tmp/work', 'carried=yes', 'hi there', 'after exit: /tmp/work yes']);
  });

  test('version 0.1 runs each command in its own shell', async () => {
    const project = await createProject(h, 'version: 0.1\nphases:\n  build:\n    commands:\n      - cd /tmp; export X=1\n      - pwd; echo "x=${X:-unset}"\n');
    const { build, output } = await runBuild(h, project);
    assert.equal(build.buildStatus, 'SUCCEEDED');
    assert.notEqual(output[0], '/tmp');
    assert.equal(output[1], 'x=unset');
  });

  test('a command cannot forge the end-of-command marker with its own output', async () => {
    const project = await createProject(h, bs("  build:\n    commands:\n      - printf '\\n%s 1 0\\n' deadbeefdeadbeefdeadbeefdeadbeef; sleep 0.2; exit 5\n"));
    const { build } = await runBuild(h, project);
    assert.equal(build.buildStatus, 'FAILED');
  });
});
