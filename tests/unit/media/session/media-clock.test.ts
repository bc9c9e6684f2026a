/**
 * The 20 ms clock must not drift (tick n at t0 + 20n, however late each
 * timer fires), must catch up after a short stall and give up, reporting the
 * skipped frames, after a long one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Clock, TimerHandle } from '../../../../electron/common/clock.ts';
import { MediaClock } from '../../../../electron/media/session/media-clock.ts';
import type { FrameTick } from '../../../../electron/media/session/media-clock.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';

/** A FakeClock whose timers fire `lateMs()` after they are due, like a busy event loop. */
class LateClock implements Clock {
  readonly inner = new FakeClock();
  readonly #late: () => number;
  constructor(late: () => number) {
    this.#late = late;
  }
  now(): number {
    return this.inner.now();
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.inner.setTimeout(fn, ms + this.#late());
  }
  clearTimeout(h: TimerHandle | undefined): void {
    this.inner.clearTimeout(h);
  }
}

describe('MediaClock', () => {
  it('ticks every 20 ms on the monotonic time line without drift, even when every timer fires late', () => {
    let n = 0;
    const clock = new LateClock(() => [0.3, 1.7, 4, 0.9][n++ % 4]!);
    const media = new MediaClock({ clock });
    const ticks: FrameTick[] = [];
    const stop = media.subscribe((t) => ticks.push(t));
    clock.inner.advance(60_000);
    stop();
    // A setInterval re-armed from each late callback would manage ~2960 in a minute.
    assert.ok(ticks.length >= 3000 && ticks.length <= 3001, `${ticks.length} ticks in 60 s`);
    ticks.forEach((t, i) => {
      assert.equal(t.index, i);
      assert.equal(t.dueMs, i * 20);
      assert.ok(t.nowMs - t.dueMs <= 4.0001, `tick ${i} ran ${t.nowMs - t.dueMs} ms late`);
      assert.equal(t.skippedFrames, 0);
    });
    assert.equal(media.stats.skippedFrames, 0);
    assert.equal(media.running, false);
    assert.equal(clock.inner.pending, 0, 'no timer left behind');
  });

  it('runs a tick whose timer fires up to 1 ms early (Node counts whole milliseconds) instead of arming a second timer', () => {
    let n = 0;
    let timers = 0;
    const clock = new LateClock(() => {
      timers++;
      return [-0.9, -0.4, 0, -1][n++ % 4]!;
    });
    const media = new MediaClock({ clock });
    const ticks: FrameTick[] = [];
    const stop = media.subscribe((t) => ticks.push(t));
    clock.inner.advance(10_000);
    stop();
    assert.ok(ticks.length >= 500 && ticks.length <= 501, `${ticks.length} ticks in 10 s`);
    ticks.forEach((t, i) => {
      assert.equal(t.dueMs, i * 20, 'still no drift');
      assert.ok(t.nowMs - t.dueMs >= -1.0001 && t.nowMs - t.dueMs <= 0, `tick ${i} ran ${t.nowMs - t.dueMs} ms from its due time`);
    });
    assert.ok(timers <= ticks.length + 1, `one timer per tick: ${timers} timers for ${ticks.length} ticks`);
  });

  it('runs missed ticks back to back after a short stall', () => {
    let stall = 0;
    const clock = new LateClock(() => {
      const s = stall;
      stall = 0;
      return s;
    });
    const media = new MediaClock({ clock, maxCatchUpFrames: 10 });
    const ticks: FrameTick[] = [];
    media.subscribe((t) => ticks.push(t));
    clock.inner.advance(100);
    stall = 90; // the next timer fires 90 ms late
    clock.inner.advance(1000);
    media.stop();
    const dues = ticks.map((t) => t.dueMs);
    assert.deepEqual(dues.slice(0, 12), [0, 20, 40, 60, 80, 100, 120, 140, 160, 180, 200, 220]);
    assert.ok(ticks.every((t) => t.skippedFrames === 0));
    assert.ok(ticks.length >= 55);
  });

  it('a late tick first lets the event loop in (datagrams that arrived meanwhile are read before it pulls), then catches up back to back', () => {
    let stall = 0;
    const clock = new LateClock(() => {
      const s = stall;
      stall = 0;
      return s;
    });
    // Every timer callback is one turn of the event loop; I/O is read between two turns.
    let turn = 0;
    const inner = clock.setTimeout.bind(clock);
    clock.setTimeout = (fn, ms) => inner(() => (turn++, fn()), ms);
    const media = new MediaClock({ clock, maxCatchUpFrames: 10 });
    const turns: { dueMs: number; lateMs: number; turn: number }[] = [];
    media.subscribe((t) => turns.push({ dueMs: t.dueMs, lateMs: t.nowMs - t.dueMs, turn }));
    clock.inner.advance(100);
    stall = 90;
    clock.inner.advance(400);
    media.stop();
    const lateOnes = turns.filter((t) => t.lateMs > 5);
    assert.equal(lateOnes.length, 5, 'the 90 ms stall: the tick due then and four missed ones');
    const firstLate = lateOnes[0]!;
    const previous = turns[turns.indexOf(firstLate) - 1]!;
    // The turn whose timer fired late ran no tick: it only gave way.
    assert.equal(firstLate.turn - previous.turn, 2, `late tick ran in turn ${firstLate.turn}, the previous one in ${previous.turn}`);
    assert.ok(lateOnes.every((t) => t.turn === firstLate.turn), 'the missed ticks ran back to back');
    assert.deepEqual(turns.map((t) => t.dueMs).slice(0, 15), Array.from({ length: 15 }, (_, i) => 20 * i));
  });

  it('re-anchors after a long stall and reports the skipped frames', () => {
    let stall = 0;
    const clock = new LateClock(() => {
      const s = stall;
      stall = 0;
      return s;
    });
    const media = new MediaClock({ clock, maxCatchUpFrames: 5 });
    const ticks: FrameTick[] = [];
    media.subscribe((t) => ticks.push(t));
    clock.inner.advance(40);
    stall = 1000;
    clock.inner.advance(2000);
    const after = ticks.find((t) => t.skippedFrames > 0)!;
    assert.ok(after, 'a tick reports skipped frames');
    assert.ok(after.skippedFrames >= 45 && after.skippedFrames <= 51, `${after.skippedFrames} skipped`);
    assert.equal(media.stats.skippedFrames, after.skippedFrames);
    // Frames played + skipped still cover the time that passed.
    const last = ticks.at(-1)!;
    assert.ok(Math.abs(ticks.length + after.skippedFrames - (last.dueMs / 20 + 1)) <= 1);
    media.stop();
  });

  it('runs tick 0 inside the subscribe() that starts it (a first packet waits for no timer); a listener joining a running clock gets the next tick', () => {
    const clock = new FakeClock();
    const media = new MediaClock({ clock });
    clock.advance(7);
    const first: FrameTick[] = [];
    const off1 = media.subscribe((t) => first.push(t));
    assert.equal(first.length, 1, 'tick 0 ran before subscribe() returned');
    assert.deepEqual([first[0]!.index, first[0]!.dueMs, first[0]!.nowMs], [0, 7, 7]);
    assert.equal(clock.pending, 1, 'tick 1 armed');
    clock.advance(5);
    const second: number[] = [];
    const off2 = media.subscribe((t) => second.push(t.dueMs));
    assert.deepEqual(second, [], 'no extra tick for a listener joining a running clock');
    clock.advance(15);
    assert.deepEqual(second, [27]);
    assert.deepEqual(first.map((t) => t.dueMs), [7, 27], 'still on the first time line');
    off1();
    off2();
    assert.equal(media.running, false);
  });

  it('survives a throwing listener and stops with its last listener', () => {
    const clock = new FakeClock();
    const errors: unknown[] = [];
    const media = new MediaClock({ clock, onListenerError: (e) => errors.push(e) });
    let calls = 0;
    const off1 = media.subscribe(() => {
      throw new Error('boom');
    });
    // The second listener joins after tick 0, which ran as the first one subscribed.
    const off2 = media.subscribe(() => calls++);
    clock.advance(100);
    assert.equal(calls, 5);
    assert.equal(errors.length, 6);
    off1();
    off2();
    assert.equal(media.running, false);
    clock.advance(100);
    assert.equal(calls, 5);
    // A new listener starts a fresh time line.
    const dues: number[] = [];
    media.subscribe((t) => dues.push(t.dueMs));
    clock.advance(40);
    assert.deepEqual(dues, [200, 220, 240]);
  });
});
