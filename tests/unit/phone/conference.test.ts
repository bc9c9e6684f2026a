/** conference.ts with fake legs on a hand-driven ticker: routing, the local side moving when its owner leaves, dissolving, bounds. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AudioSink, AudioSource } from '../../../electron/media/audio/frame.ts';
import type { FrameTick, FrameTicker, FrameTickListener } from '../../../electron/media/session/media-clock.ts';
import { nullLogger } from '../../../electron/common/logger.ts';
import type { CallAudioDevices } from '../../../electron/phone/audio-router.ts';
import { Conference, MAX_CONFERENCE_LEGS, type ConferenceLeg } from '../../../electron/phone/conference.ts';

const N = 960;

class HandTicker implements FrameTicker {
  readonly frameMs = 20;
  readonly listeners = new Set<FrameTickListener>();
  subscribe(l: FrameTickListener): () => void {
    this.listeners.add(l);
    return () => void this.listeners.delete(l);
  }
  tick(): void {
    for (const l of this.listeners) l({ index: 0, dueMs: 0, skippedFrames: 0 } as FrameTick);
  }
}

/** A constant "voice" and a sink keeping the last frame. */
function devices(value: number): CallAudioDevices & { last: () => number } {
  let last = 0;
  const source: AudioSource = { sampleRate: 48000, read: (n) => new Int16Array(n).fill(value) };
  const sink: AudioSink = { sampleRate: 48000, write: (f) => void (last = f[0] ?? 0) };
  return { source, sink, last: () => last };
}

/** A leg whose "peer" says `voice` into the conference and hears what the conference gives it. */
class FakeLeg implements ConferenceLeg {
  readonly id: string;
  readonly voice: number;
  readonly own: ReturnType<typeof devices> | undefined;
  routed: CallAudioDevices | undefined;
  heard = 0;
  constructor(id: string, voice: number, own: ReturnType<typeof devices> | undefined) {
    this.id = id;
    this.voice = voice;
    this.own = own;
  }
  ownDevices() {
    return this.own;
  }
  routeThrough(d: CallAudioDevices | undefined): void {
    this.routed = d;
  }
  /** One media tick of the leg's session: what the peer said goes in, what it hears comes out. */
  session(): void {
    if (!this.routed) return;
    this.routed.sink.write(new Int16Array(N).fill(this.voice));
    this.heard = this.routed.source.read(N)?.[0] ?? 0;
  }
}

describe('Conference', () => {
  test('mix-minus: each leg hears the others and the local user; the local user hears the legs', () => {
    const ticker = new HandTicker();
    let dissolved = 0;
    const conf = new Conference({ ticker, logger: nullLogger, onDissolve: () => dissolved++ });
    const local = devices(100);
    const b = new FakeLeg('b', 10, local);
    const c = new FakeLeg('c', 1, devices(7));
    conf.add(b);
    conf.add(c);
    for (let i = 0; i < 3; i++) {
      b.session();
      c.session();
      ticker.tick();
    }
    assert.equal(b.heard, 101, 'B hears the local user and C');
    assert.equal(c.heard, 110, 'C hears the local user and B');
    assert.equal(local.last(), 11, 'the local user hears B and C, not itself');
    conf.setLocalMuted(true);
    b.session();
    c.session();
    ticker.tick();
    b.session();
    assert.equal(b.heard, 1, 'muted: B hears only C');
    assert.equal(dissolved, 0);
  });

  test('the owner leaves: the next leg’s devices become the local side; below two legs it dissolves and routes back', () => {
    const ticker = new HandTicker();
    let dissolved = 0;
    const conf = new Conference({ ticker, logger: nullLogger, onDissolve: () => dissolved++ });
    const first = devices(100);
    const second = devices(200);
    const b = new FakeLeg('b', 10, first);
    const c = new FakeLeg('c', 1, second);
    const d = new FakeLeg('d', 1000, devices(300));
    conf.add(b);
    conf.add(c);
    conf.add(d);
    conf.leave(b);
    assert.equal(b.routed, undefined, 'B is back on its own devices');
    for (let i = 0; i < 3; i++) {
      c.session();
      d.session();
      ticker.tick();
    }
    assert.equal(c.heard, 1200, 'C hears D and the local user, now on C’s own devices');
    assert.equal(second.last(), 1001);
    conf.leave(d);
    assert.equal(dissolved, 1);
    assert.equal(conf.dissolved, true);
    assert.equal(c.routed, undefined, 'the last leg talks on its own devices');
    assert.equal(ticker.listeners.size, 0, 'the mixer no longer ticks');
    assert.throws(() => conf.add(b), /ended/);
  });

  test(`at most ${MAX_CONFERENCE_LEGS} legs`, () => {
    const conf = new Conference({ ticker: new HandTicker(), logger: nullLogger, onDissolve: () => {} });
    for (let i = 0; i < MAX_CONFERENCE_LEGS; i++) conf.add(new FakeLeg(`l${i}`, 1, devices(0)));
    assert.throws(() => conf.add(new FakeLeg('extra', 1, devices(0))), RangeError);
    conf.dissolve();
  });
});
