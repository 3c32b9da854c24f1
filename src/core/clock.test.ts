import assert from 'node:assert/strict';
import { test } from 'node:test';
import { everyPeriod, ManualClock } from './clock.ts';

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

test('everyPeriod ticks at each period boundary plus the offset, and ends when aborted', async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 30));
  const stop = new AbortController();
  const ticks: number[] = [];
  const running = everyPeriod(clock, 60_000, 1000, stop.signal, (at) => ticks.push(at - Date.UTC(2026, 0, 1, 12)));
  await clock.advance(31_000);
  await clock.advance(60_000);
  await clock.advance(59_999);
  assert.deepEqual(ticks, [61_000, 121_000]);
  stop.abort();
  await running;
  await clock.advance(60_000);
  assert.deepEqual(ticks, [61_000, 121_000]);
});
