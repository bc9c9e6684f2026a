/**
 * The capture ticker: a client's 20 ms capture frames pace the calls; a
 * MediaClock takes over only while no capture comes — and is not left
 * running beside the capture (a timer per frame wakes the process for
 * nothing).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Clock, TimerHandle } from '../../../electron/common/clock.ts';
import { CaptureTicker } from '../../../electron/phone/capture-ticker.ts';
import type { FrameTick } from '../../../electron/media/session/media-clock.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

/** Counts the timers of the code under test that fired (each one a wake-up of the process). */
class CountingClock implements Clock {
  readonly inner = new FakeClock();
  fired = 0;
  now(): number {
    return this.inner.now();
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.inner.setTimeout(() => {
      this.fired++;
      fn();
    }, ms);
  }
  clearTimeout(h: TimerHandle | undefined): void {
    this.inner.clearTimeout(h);
  }
}

/** Capture frames from `client` every 20 ms from now until `untilMs` (the test's own timers, not counted). */
function captureFrames(clock: CountingClock, ticker: CaptureTicker, client: string, untilMs: number): void {
  for (let t = clock.now(); t < untilMs; t += 20) clock.inner.setTimeout(() => ticker.captured(client), t - clock.now());
}

describe('CaptureTicker', () => {
  it('ticks on each capture frame, and its own timers wake the process a few times a second at most meanwhile', () => {
    const clock = new CountingClock();
    let mixed = 0;
    const ticker = new CaptureTicker({ clock, afterTick: () => mixed++ });
    const ticks: FrameTick[] = [];
    ticker.captured('page'); // the page captures before the call starts
    const stop = ticker.subscribe((t) => ticks.push(t));
    clock.inner.advance(20);
    captureFrames(clock, ticker, 'page', 10_020);
    clock.inner.advance(10_000);
    assert.equal(ticks.length, 500, 'one tick per capture frame, none from a clock beside it');
    assert.equal(mixed, 500);
    assert.ok(clock.fired <= 60, `${clock.fired} of the ticker's timers fired in 10 s of capture (a 20 ms clock: 500)`);
    stop();
    assert.equal(clock.inner.pending, 0, 'no timer left once the last listener left');
  });

  it('ticks on its own clock while no capture comes, from the start and within 220 ms of the capture stopping, and stops it when capture resumes', () => {
    const clock = new CountingClock();
    const ticker = new CaptureTicker({ clock, afterTick: () => {} });
    const at: number[] = [];
    ticker.subscribe(() => at.push(clock.now()));
    clock.inner.advance(1000); // no microphone yet: the clock paces
    assert.ok(at.length >= 50 && at.length <= 51, `${at.length} ticks in the first second without capture`);
    captureFrames(clock, ticker, 'page', 3000);
    clock.inner.advance(2000);
    const during = at.filter((t) => t > 1000 && t < 3000);
    assert.ok(during.length >= 99 && during.length <= 101, `${during.length} ticks in 2 s of capture: no double ticks`);
    clock.inner.advance(1000); // the capture stopped at 2980 ms
    const after = at.filter((t) => t >= 3000);
    assert.ok(after.length > 0 && after[0]! <= 2980 + 220, `the clock took over at ${after[0]} ms`);
    assert.ok(after.length >= 40 && after.length <= 42, `${after.length} ticks in the second after the capture stopped`);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    assert.ok(gaps.every((g) => g >= 0), 'in order');
  });
});
