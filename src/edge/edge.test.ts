import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DescribeParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { readEventStream } from '../cli/events.ts';
import { callJson, startTestDaemon, type TestDaemon } from '../../test/helpers/daemon.ts';

let t: TestDaemon;

before(async () => {
  t = await startTestDaemon();
});
after(async () => t.stop());

test('an operation the SDK knows but Slipway does not implement gets UnknownOperationException', async () => {
  const ssm = new SSMClient({ ...t.sdk, maxAttempts: 1 });
  try {
    await assert.rejects(ssm.send(new DescribeParametersCommand({})), (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(error.name, 'UnknownOperationException');
      assert.equal(error.$metadata?.httpStatusCode, 400);
      return true;
    });
  } finally {
    ssm.destroy();
  }
});

test('unknown target prefixes, bad JSON and non-object bodies get AWS error bodies with request ids', async () => {
  const unknown = await callJson(t.endpoint, 'NoSuchService_2020.DoThing', {});
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body['__type'], 'UnknownOperationException');
  assert.match(unknown.headers.get('x-amzn-requestid') ?? '', /^[0-9a-f-]{36}$/);

  const bad = await fetch(t.endpoint, { method: 'POST', headers: { 'x-amz-target': 'AmazonSSM.GetParameter', 'content-type': 'application/x-amz-json-1.1' }, body: '{nope' });
  assert.equal(bad.status, 400);
  const badBody = (await bad.json()) as Record<string, unknown>;
  assert.equal(badBody['__type'], 'SerializationException');
  assert.equal(bad.headers.get('x-amzn-errortype'), 'SerializationException');

  const list = await fetch(t.endpoint, { method: 'POST', headers: { 'x-amz-target': 'AmazonSSM.GetParameter' }, body: '[1]' });
  assert.equal(((await list.json()) as Record<string, unknown>)['__type'], 'SerializationException');
});

test('a Query-protocol request for an unimplemented action gets an XML ErrorResponse', async () => {
  const res = await fetch(t.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      authorization: 'AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/elasticloadbalancing/aws4_request, SignedHeaders=host, Signature=00',
    },
    body: 'Action=DescribeSSLPolicies&Version=2015-12-01',
  });
  assert.equal(res.status, 400);
  const text = await res.text();
  assert.match(text, /<ErrorResponse><Error><Type>Sender<\/Type><Code>InvalidAction<\/Code>/);
});

test('status reports every component over the API', async () => {
  const res = await fetch(`${t.endpoint}/_slipway/status`);
  const body = (await res.json()) as { components: { name: string; status: string }[]; endpoint: string };
  assert.equal(body.endpoint, t.endpoint);
  assert.deepEqual(
    body.components.map((c) => [c.name, c.status]),
    [
      ['store', 'Healthy'],
      ['events', 'Healthy'],
      ['edge', 'Healthy'],
      ['git-server', 'Healthy'],
      ['registry', 'Healthy'],
      ['load-balancer', 'Healthy'],
      ['alarms', 'Healthy'],
      ['scheduler', 'Healthy'],
      ['deployer', 'Healthy'],
      ['build-runner', 'Healthy'],
      ['pipelines', 'Healthy'],
      ['notifications', 'Healthy'],
      ['runtime', 'Stopped'],
    ],
  );
});

test('events are persisted and followed live over server-sent events, backlog first without gaps', async () => {
  const ssm = new SSMClient(t.sdk);
  try {
    await ssm.send(new PutParameterCommand({ Name: 'ev-before', Value: 'x', Type: 'String' }));
    const controller = new AbortController();
    const res = await fetch(`${t.endpoint}/_slipway/events?type=ssm.*`, { signal: controller.signal });
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const seen: string[] = [];
    const reading = (async () => {
      try {
        for await (const e of readEventStream(res.body!)) {
          seen.push(String(e.detail['name']));
          if (seen.includes('ev-after')) controller.abort();
        }
      } catch (error) {
        if (!controller.signal.aborted) throw error;
      }
    })();
    await ssm.send(new PutParameterCommand({ Name: 'ev-after', Value: 'y', Type: 'String' }));
    await reading;
    assert.deepEqual(seen.filter((n) => n.startsWith('ev-')), ['ev-before', 'ev-after']);
  } finally {
    ssm.destroy();
  }
});
