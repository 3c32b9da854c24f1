import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SlipwayEvent } from '../../../core/events.ts';
import { createTopic } from '../../../services/sns/topics.ts';
import { startHarness, type Harness } from '../testing.ts';
import type { ActionJob } from '../types.ts';
import { manualApproval } from './manual-approval.ts';

function job(h: Harness, topicArn: string, signal: AbortSignal, resumeState?: Record<string, unknown>): ActionJob & { persisted: Array<Record<string, unknown>> } {
  const persisted: Array<Record<string, unknown>> = [];
  return {
    actionExecutionId: 'a-approve',
    pipelineName: 'p',
    pipelineExecutionId: 'e-1',
    stageName: 'Approve',
    actionName: 'Approve',
    actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' },
    configuration: { NotificationArn: topicArn },
    inputArtifacts: [],
    outputArtifactNames: [],
    token: 'tok-1',
    ...(resumeState === undefined ? {} : { resumeState }),
    signal,
    clock: h.clock,
    progress: () => {},
    persist: (s) => persisted.push(s),
    persisted,
  };
}

/** Starts the approval, lets it reach its wait, stops it as Slipway's stop would; returns the topic's publishes. */
async function runUntilWaiting(h: Harness, topicArn: string, resumeState?: Record<string, unknown>): Promise<{ published: SlipwayEvent[]; persisted: Array<Record<string, unknown>> }> {
  const published: SlipwayEvent[] = [];
  const off = h.ctx.bus.subscribe((e) => e.type === 'sns.message.published' && e.resource === topicArn, (e) => published.push(e));
  const stop = new AbortController();
  const j = job(h, topicArn, stop.signal, resumeState);
  const running = manualApproval(h.ctx).run(j);
  await new Promise<void>((resolve) => setImmediate(resolve));
  stop.abort(new Error('Slipway is stopping'));
  await assert.rejects(running);
  off();
  return { published, persisted: j.persisted };
}

test('the approval notification is at least once: a resume whose state says it was not sent yet sends it; once marked, never again', async () => {
  const h = startHarness();
  try {
    const topicArn = createTopic({ Name: 'approvers' }, h.op).TopicArn ?? '';

    const first = await runUntilWaiting(h, topicArn);
    assert.equal(first.published.length, 1);
    assert.deepEqual(first.persisted, [{ token: 'tok-1' }, { token: 'tok-1', notified: true }], 'the mark is written after the notification');

    // Killed between persisting the token and queueing the notification: the resume sends it.
    const crashed = await runUntilWaiting(h, topicArn, { token: 'tok-1' });
    assert.equal(crashed.published.length, 1, 'the lost notification is sent on resume');
    assert.deepEqual(crashed.persisted, [{ token: 'tok-1', notified: true }]);

    const notifiedAlready = await runUntilWaiting(h, topicArn, { token: 'tok-1', notified: true });
    assert.deepEqual(notifiedAlready.published, [], 'not sent twice once marked');
  } finally {
    await h.stop();
  }
});
