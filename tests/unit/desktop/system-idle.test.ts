/**
 * The desktop's away-after-idle glue (electron/desktop/system-idle.ts): the
 * system idle time is reported at start and every half-minute; a
 * powerMonitor without it, or one that throws, reports nothing and does not
 * break the app.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IDLE_POLL_MS } from '../../../electron/phone/idle-away.ts';
import { reportSystemIdle, type IntervalTimers } from '../../../electron/desktop/system-idle.ts';

function fakeTimers() {
  const ticks: { fn: () => void; ms: number }[] = [];
  let cleared = 0;
  const timers: IntervalTimers = {
    setInterval: (fn, ms) => ticks.push({ fn, ms }),
    clearInterval: () => void cleared++,
  };
  return { timers, ticks, cleared: () => cleared };
}

test('reports the system idle time at start and on every poll; stop clears the timer', () => {
  let idle = 0;
  const reports: number[] = [];
  const t = fakeTimers();
  const stop = reportSystemIdle({ getSystemIdleTime: () => idle }, (s) => reports.push(s), t.timers);
  assert.deepEqual(reports, [0]);
  assert.equal(t.ticks.length, 1);
  assert.equal(t.ticks[0]!.ms, IDLE_POLL_MS);
  idle = 30;
  t.ticks[0]!.fn();
  idle = 660;
  t.ticks[0]!.fn();
  assert.deepEqual(reports, [0, 30, 660]);
  stop();
  assert.equal(t.cleared(), 1);
});

test('no getSystemIdleTime (or one that throws): nothing reported, nothing breaks', () => {
  const reports: number[] = [];
  const t = fakeTimers();
  reportSystemIdle({}, (s) => reports.push(s), t.timers)();
  assert.equal(t.ticks.length, 0);
  reportSystemIdle({ getSystemIdleTime: () => { throw new Error('not on this system'); } }, (s) => reports.push(s), t.timers);
  t.ticks[0]!.fn();
  reportSystemIdle({ getSystemIdleTime: () => Number.NaN }, (s) => reports.push(s), t.timers);
  assert.deepEqual(reports, []);
});
