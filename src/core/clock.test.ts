import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from './clock.ts';

test('ManualClock wakes sleepers in due order as time advances', async () => {
  const clock = new ManualClock(0);
  const woke: string[] = [];
  void clock.sleep(200).then(() => woke.push(`b@${clock.now()}`));
  void clock.sleep(100).then(() => woke.push(`a@${clock.now()}`));
  await clock.whenSleepers(2);
  await clock.advance(150);
  assert.deepEqual(woke, ['a@100']);
  await clock.advance(100);
  assert.deepEqual(woke, ['a@100', 'b@200']);
  assert.equal(clock.now(), 250);
});

test('ManualClock sleep rejects when aborted and forgets the sleeper', async () => {
  const clock = new ManualClock(0);
  const controller = new AbortController();
  const slept = clock.sleep(1000, controller.signal);
  controller.abort(new Error('stop'));
  await assert.rejects(slept, /stop/);
  assert.equal(clock.pending, 0);
});
