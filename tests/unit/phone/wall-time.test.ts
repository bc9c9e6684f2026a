import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock, type Clock } from '../../../electron/common/clock.ts';
import { wallTime } from '../../../electron/phone/wall-time.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

test('the system clock gives the wall clock itself, not the start-up time plus monotonic elapsed time', () => {
  // A clock whose wall time moved on without its monotonic time (what a laptop's sleep or an NTP correction does).
  let wall = 1_800_000_000_000;
  let mono = 0;
  const clock: Clock = { ...systemClock, now: () => mono, wallNow: () => wall };
  const now = wallTime(clock, 1);
  assert.equal(now(), 1_800_000_000_000);
  wall += 3_600_000; // an hour asleep: the monotonic clock did not count it
  mono += 10;
  assert.equal(now(), 1_800_003_600_000);
});

test('with the real system clock the timestamps are Date.now()', () => {
  const now = wallTime(systemClock, 0);
  const before = Date.now();
  const t = now();
  assert.ok(t >= before && t <= Date.now(), `${t} within [${before}, ${Date.now()}]`);
});

test('a fake clock (no wall time) moves every timestamp with its own elapsed time from the epoch at start', () => {
  const clock = new FakeClock();
  const now = wallTime(clock, 5_000_000);
  assert.equal(now(), 5_000_000);
  clock.advance(32_000);
  assert.equal(now(), 5_032_000);
});
