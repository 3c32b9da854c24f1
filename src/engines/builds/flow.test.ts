import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PhaseType } from '../../services/codebuild/build-state.ts';
import { readBuildspec } from '../../specs/buildspec/read.ts';
import { runCommandPhases, type PhaseContext, type PhaseHost } from './phases.ts';

/** Runs the phase flow with commands `ok`, `fail` (status 1) and `failN` (status N) and records what happened. */
async function flow(yaml: string): Promise<{ trace: string[]; phases: string[]; failed: boolean; upload: boolean }> {
  const trace: string[] = [];
  const phases: string[] = [];
  let open: PhaseType | undefined;
  const host: PhaseHost = {
    runCommand(command) {
      trace.push(command);
      const m = /^fail(\d*)$/.exec(command);
      return Promise.resolve({ status: m === null ? 0 : Number(m[1] === '' ? 1 : m[1]), shellExited: false });
    },
    startPhase(type) {
      open = type;
    },
    endPhase(status: string, context?: PhaseContext) {
      phases.push(`${open ?? '?'}:${status}${context === undefined ? '' : `(${context.message})`}`);
    },
    interrupted: () => false,
    markFailing: () => {
      trace.push('<failing>');
      return Promise.resolve();
    },
    agent: () => undefined,
  };
  const result = await runCommandPhases(host, readBuildspec(`version: 0.2\nphases:\n${yaml}`));
  return { trace, phases, failed: result.failed, upload: result.uploadArtifacts };
}

test('every phase runs when nothing fails; phases without commands succeed', async () => {
  const r = await flow('  build:\n    commands: [ok]\n');
  assert.deepEqual(r.phases, ['INSTALL:SUCCEEDED', 'PRE_BUILD:SUCCEEDED', 'BUILD:SUCCEEDED', 'POST_BUILD:SUCCEEDED']);
  assert.deepEqual([r.failed, r.upload], [false, true]);
});

test('POST_BUILD failure: the build fails and artifacts are still attempted', async () => {
  const r = await flow('  post_build:\n    commands: [fail, ok]\n    finally: [ok]\n');
  assert.deepEqual(r.trace, ['fail', 'ok', '<failing>']);
  assert.deepEqual([r.failed, r.upload], [true, true]);
});

test('a failing finally command fails a phase whose commands succeeded', async () => {
  const r = await flow('  pre_build:\n    commands: [ok]\n    finally: [fail2, ok]\n  build:\n    commands: [ok]\n');
  assert.deepEqual(r.phases, ['INSTALL:SUCCEEDED', 'PRE_BUILD:FAILED(Error while executing command: fail2. Reason: exit status 2)']);
  assert.deepEqual(r.trace, ['ok', 'fail2', '<failing>']);
  assert.deepEqual([r.failed, r.upload], [true, false]);
});

test('CONTINUE on PRE_BUILD runs BUILD and POST_BUILD; the build still fails', async () => {
  const r = await flow('  pre_build:\n    on-failure: CONTINUE\n    commands: [fail]\n  build:\n    commands: [ok]\n  post_build:\n    commands: [ok]\n');
  assert.deepEqual(r.trace, ['fail', '<failing>', 'ok', 'ok']);
  assert.deepEqual([r.failed, r.upload], [true, true]);
});

test('RETRY-<regex> retries only failures whose message matches; a non-matching failure aborts', async () => {
  const matching = await flow('  build:\n    on-failure: RETRY-2-exit status 7\n    commands: [fail7]\n');
  assert.deepEqual(matching.trace, ['fail7', 'fail7', 'fail7', '<failing>']);
  assert.equal(matching.upload, false);
  const other = await flow('  build:\n    on-failure: RETRY-exit status 7\n    commands: [fail3]\n  post_build:\n    commands: [ok]\n');
  assert.deepEqual(other.trace, ['fail3', '<failing>']);
});

test('plain RETRY retries three times', async () => {
  const r = await flow('  install:\n    on-failure: RETRY\n    commands: [fail]\n');
  assert.deepEqual(r.trace, ['fail', 'fail', 'fail', 'fail', '<failing>']);
});
