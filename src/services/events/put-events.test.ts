import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeConfig } from '../../core/config.ts';
import { envelope, fillTemplate, selectPath, targetInput } from './put-events.ts';

const event = envelope(
  { config: makeConfig({ dataDir: '/nonexistent' }) },
  { source: 'aws.codepipeline', detailType: 'CodePipeline Pipeline Execution State Change', detail: { pipeline: 'web "api"', state: 'FAILED', version: 2, tags: ['a'] }, time: Date.UTC(2026, 0, 2, 3, 4, 5, 678) },
);
const rule = { name: 'r', arn: 'arn:aws:events:us-east-1:000000000000:rule/r' };

test('the envelope is shaped and timed as EventBridge writes it', () => {
  assert.deepEqual(Object.keys(event), ['version', 'id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'detail']);
  assert.equal(event.time, '2026-01-02T03:04:05Z');
  assert.equal(event.version, '0');
});

test('InputPath selects with a JSONPath; Input is sent as given', () => {
  assert.equal(selectPath(event, '$.detail.tags[0]'), 'a');
  assert.equal(selectPath(event, '$.detail.missing.deeper'), undefined);
  assert.equal(targetInput({ Id: 't', Arn: 'x', InputPath: '$.detail.state' }, event, rule), '"FAILED"');
  assert.equal(targetInput({ Id: 't', Arn: 'x', Input: '{"fixed":true}' }, event, rule), '{"fixed":true}');
  assert.deepEqual(JSON.parse(targetInput({ Id: 't', Arn: 'x' }, event, rule)), JSON.parse(JSON.stringify(event)));
});

test('InputTransformer: strings quoted outside JSON quotes, escaped inside, as text in a text template', () => {
  const paths = { p: '$.detail.pipeline', s: '$.detail.state', v: '$.detail.version', none: '$.detail.nothing' };
  const json = targetInput({ Id: 't', Arn: 'x', InputTransformer: { InputPathsMap: paths, InputTemplate: '{"pipeline": <p>, "text": "<p> is <s>", "version": <v>, "gone": <none>, "rule": "<aws.events.rule-name>", "event": <aws.events.event>}' } }, event, rule);
  const parsed = JSON.parse(json) as Record<string, unknown>;
  assert.equal(parsed['pipeline'], 'web "api"');
  assert.equal(parsed['text'], 'web "api" is FAILED');
  assert.equal(parsed['version'], 2);
  assert.equal(parsed['gone'], null);
  assert.equal(parsed['rule'], 'r');
  assert.equal((parsed['event'] as Record<string, unknown>)['id'], event.id);
  const { detail: _detail, ...withoutDetail } = event;
  const both = targetInput({ Id: 't', Arn: 'x', InputTransformer: { InputTemplate: '{"event": <aws.events.event>, "full": <aws.events.event.json>}' } }, event, rule);
  const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
  assert.deepEqual(JSON.parse(both), { event: plain(withoutDetail), full: plain(event) }, '<aws.events.event> leaves out detail, <aws.events.event.json> has it');
  assert.equal(fillTemplate('Pipeline <p> is <s>; <unknown> stays', (n) => ({ p: 'web', s: 'FAILED' })[n]), 'Pipeline web is FAILED; <unknown> stays');
});
