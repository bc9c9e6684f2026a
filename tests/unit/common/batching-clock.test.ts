import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { batchingClock, LONG_TIMER_MS, longTimerSlack, systemClock } from '../../../electron/common/clock.ts';
import { IdleTimers } from '../../../electron/common/idle-timers.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

function setup() {
  const base = new FakeClock();
  const clock = batchingClock(base, new IdleTimers(base));
  const runs: string[] = [];
  return { base, clock, runs, at: (name: string) => () => runs.push(`${name}@${base.now()}`) };
}

describe('batchingClock (the system clock: long timers share one wake-up)', () => {
  it('a short timer is the base clock\'s own, run at its time', () => {
    const { base, clock, runs, at } = setup();
    clock.setTimeout(at('e'), 500);
    clock.setTimeout(at('k'), LONG_TIMER_MS - 1);
    base.advance(500);
    assert.deepEqual(runs, ['e@500']);
    base.advance(LONG_TIMER_MS - 501);
    assert.deepEqual(runs, ['e@500', `k@${LONG_TIMER_MS - 1}`]);
  });

  it('timers of 32 s armed a few ms apart (a start\'s Timer F and J) run in one wake-up, none before its time', () => {
    const { base, clock, runs, at } = setup();
    clock.setTimeout(at('f1'), 32_000);
    base.advance(40);
    clock.setTimeout(at('j1'), 32_000);
    base.advance(60);
    clock.setTimeout(at('j2'), 32_000);
    assert.equal(base.pending, 1, 'one real timer for the three');
    base.advance(32_899);
    assert.deepEqual(runs, [], 'not before f1\'s slack is used up');
    base.advance(1);
    assert.deepEqual(runs, ['f1@33000', 'j1@33000', 'j2@33000']);
    assert.equal(longTimerSlack(32_000), 1000);
    assert.equal(base.pending, 0);
  });

  it('a cleared long timer does not run, and the real timer moves to the next one (the API\'s 45 s command timeout)', () => {
    const { base, clock, runs, at } = setup();
    const f = clock.setTimeout(at('f'), 32_000);
    base.advance(100);
    clock.setTimeout(at('j'), 32_000);
    const api = clock.setTimeout(at('api'), 45_000);
    clock.clearTimeout(f);
    clock.clearTimeout(api);
    clock.clearTimeout(undefined);
    assert.equal(base.pending, 1);
    base.advance(32_999);
    assert.deepEqual(runs, [], 'not at f\'s time');
    base.advance(1);
    assert.deepEqual(runs, ['j@33100']);
    base.advance(60_000);
    assert.deepEqual(runs, ['j@33100'], 'the cleared 45 s timer never runs');
    assert.equal(base.pending, 0);
  });

  it('a long timer runs within its slack however it is batched, and can arm another', () => {
    const { base, clock, runs } = setup();
    const times: number[] = [];
    const tick = () => {
      times.push(base.now());
      if (times.length < 5) clock.setTimeout(tick, 10_000);
    };
    clock.setTimeout(tick, 10_000);
    base.advance(60_000);
    assert.equal(times.length, 5);
    times.forEach((t, i) => assert.ok(t - (i === 0 ? 0 : times[i - 1]!) >= 10_000 && t - (i === 0 ? 0 : times[i - 1]!) <= 10_000 + longTimerSlack(10_000), `tick ${i} at ${t}`));
    assert.deepEqual(runs, []);
  });

  it('a delay beyond 2^31 - 1 ms is left to the base clock (Node fires it at once)', () => {
    const { base, clock, runs, at } = setup();
    clock.setTimeout(at('huge'), 2 ** 31);
    base.advance(1);
    assert.deepEqual(runs, ['huge@1']);
  });

  it('the system clock is one', () => {
    const h = systemClock.setTimeout(() => assert.fail('cleared'), 60_000);
    systemClock.clearTimeout(h);
    assert.ok(typeof systemClock.now() === 'number');
  });
});
