import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeConfig } from '../../core/config.ts';
import type { SlipwayEvent } from '../../core/events.ts';
import type { Store } from '../../store/db.ts';
import { toEnvelope } from './envelopes.ts';

// CodeBuild and CodeDeploy events need no stored state: a store that is never read proves it.
const ctx = { config: makeConfig({ dataDir: '/nonexistent', accountId: '111122223333', region: 'eu-west-1' }), store: undefined as unknown as Store };
const at = Date.UTC(2026, 2, 1, 12, 0, 0, 250);

function bus(type: string, resource: string, detail: Record<string, unknown>): SlipwayEvent {
  return { seq: 1, time: at, type, resource, detail };
}

test('CodeBuild: IN_PROGRESS when provisioning starts and the final status, as "CodeBuild Build State Change"', () => {
  const arn = 'arn:aws:codebuild:eu-west-1:111122223333:build/web:1234';
  const started = toEnvelope(ctx, bus('codebuild.build.phase-change', arn, { id: 'web:1234', projectName: 'web', buildStatus: 'IN_PROGRESS', currentPhase: 'PROVISIONING', phaseType: 'PROVISIONING' }));
  assert.equal(started?.['detail-type'], 'CodeBuild Build State Change');
  assert.equal(started?.source, 'aws.codebuild');
  assert.equal(started?.time, '2026-03-01T12:00:00Z');
  assert.equal(started?.account, '111122223333');
  assert.deepEqual(started?.detail, { 'build-status': 'IN_PROGRESS', 'project-name': 'web', 'build-id': arn, 'current-phase': 'PROVISIONING', version: '1' });
  const done = toEnvelope(ctx, bus('codebuild.build.completed', arn, { id: 'web:1234', projectName: 'web', buildStatus: 'FAILED', currentPhase: 'COMPLETED' }));
  assert.equal(done?.detail['build-status'], 'FAILED');
  assert.equal(toEnvelope(ctx, bus('codebuild.build.phase-change', arn, { phaseType: 'BUILD' })), undefined, 'other phase changes are not state changes');
});

test('CodeDeploy: started/ready/succeeded/failed/stopped as "CodeDeploy Deployment State-change Notification"', () => {
  const detail = { deploymentId: 'd-ABCDEFGHI', applicationName: 'web', deploymentGroupName: 'web-dg', status: 'Succeeded' };
  const states = ['started', 'ready', 'succeeded', 'failed', 'stopped'].map((s) => toEnvelope(ctx, bus(`codedeploy.deployment.${s}`, 'd-ABCDEFGHI', detail))?.detail['state']);
  assert.deepEqual(states, ['START', 'READY', 'SUCCESS', 'FAILURE', 'STOP']);
  const e = toEnvelope(ctx, bus('codedeploy.deployment.succeeded', 'd-ABCDEFGHI', detail));
  assert.equal(e?.source, 'aws.codedeploy');
  assert.deepEqual(e?.resources, ['arn:aws:codedeploy:eu-west-1:111122223333:application:web', 'arn:aws:codedeploy:eu-west-1:111122223333:deploymentgroup:web/web-dg']);
  assert.deepEqual(e?.detail, { account: '111122223333', region: 'eu-west-1', deploymentId: 'd-ABCDEFGHI', deploymentGroup: 'web-dg', application: 'web', state: 'SUCCESS' });
  assert.equal(toEnvelope(ctx, bus('codedeploy.deployment.traffic-shifted', 'd-ABCDEFGHI', detail)), undefined);
});

test('CodePipeline action progress reports are not new STARTED events; other Slipway events have no EventBridge twin', () => {
  assert.equal(toEnvelope(ctx, bus('codepipeline.action.state-change', 'arn:aws:codepipeline:eu-west-1:111122223333:p', { state: 'InProgress', progress: { summary: 'half' } })), undefined);
  assert.equal(toEnvelope(ctx, bus('codepipeline.pipeline.changed', 'arn:aws:codepipeline:eu-west-1:111122223333:p', {})), undefined);
  assert.equal(toEnvelope(ctx, bus('ecr.image.push', 'x', {})), undefined);
});
