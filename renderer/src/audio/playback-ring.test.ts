import { describe, expect, it } from 'vitest';
import { PlaybackRing } from './playback-ring.ts';

const ramp = (n: number, start = 1) => Float32Array.from({ length: n }, (_, i) => (start + i) / 10000);

describe('PlaybackRing', () => {
  it('stays silent until primed, then plays what was written in order', () => {
    const ring = new PlaybackRing(100, 30, 0);
    const out = new Float32Array(10);
    ring.write(ramp(20));
    expect(ring.read(out)).toBe(0);
    expect([...out].every((x) => x === 0)).toBe(true);
    ring.write(ramp(20, 21));
    expect(ring.read(out)).toBe(10);
    expect(out[0]).toBeCloseTo(0.0001);
    expect(out[9]).toBeCloseTo(0.001);
    expect(ring.stats).toMatchObject({ buffered: 30, playing: true, underruns: 0 });
  });

  it('scales Int16 frames to ±1', () => {
    const ring = new PlaybackRing(10, 2, 0);
    ring.write(Int16Array.from([16384, -32768, 32767]));
    const out = new Float32Array(3);
    ring.read(out);
    expect(out[0]).toBeCloseTo(0.5);
    expect(out[1]).toBe(-1);
    expect(out[2]).toBeCloseTo(0.99997, 4);
  });

  it('on underrun plays what is there, fades it out, pads with silence and primes again', () => {
    const ring = new PlaybackRing(100, 8, 4);
    ring.write(new Float32Array(12).fill(1));
    const out = new Float32Array(8);
    ring.read(out); // primed: fades in over 4 samples
    expect([...out.slice(0, 5)]).toEqual([0.25, 0.5, 0.75, 1, 1]);
    const tail = new Float32Array(8);
    expect(ring.read(tail)).toBe(4);
    expect([...tail]).toEqual([0.75, 0.5, 0.25, 0, 0, 0, 0, 0]);
    expect(ring.stats).toMatchObject({ underruns: 1, playing: false, buffered: 0 });
    // Below the prime level it waits instead of stuttering sample by sample.
    ring.write(new Float32Array(4).fill(1));
    expect(ring.read(new Float32Array(4))).toBe(0);
    ring.write(new Float32Array(4).fill(1));
    const again = new Float32Array(4);
    expect(ring.read(again)).toBe(4);
    expect(again[0]).toBe(0.25);
  });

  it('drops the oldest samples when full, keeping latency bounded', () => {
    const ring = new PlaybackRing(10, 5, 0);
    ring.write(ramp(8));
    ring.write(ramp(5, 9)); // 13 samples into 10: the first 3 go
    expect(ring.stats).toMatchObject({ buffered: 10, overflows: 1, droppedSamples: 3 });
    const out = new Float32Array(10);
    ring.read(out);
    expect(out[0]).toBeCloseTo(0.0004);
    expect(out[9]).toBeCloseTo(0.0013);
  });

  it('keeps only the newest part of a write larger than the whole buffer', () => {
    const ring = new PlaybackRing(4, 2, 0);
    ring.write(ramp(10));
    const out = new Float32Array(4);
    ring.read(out);
    expect([...out].map((x) => Math.round(x * 10000))).toEqual([7, 8, 9, 10]);
    expect(ring.stats.droppedSamples).toBe(6);
  });

  it('wraps around its storage across many 20 ms frames read in 128-sample quanta', () => {
    const ring = new PlaybackRing(2880, 1440, 0);
    let written = 0;
    let read = 0;
    let expected = 1;
    let wrong = 0;
    const out = new Float32Array(128);
    for (let frame = 0; frame < 50; frame++) {
      ring.write(Int16Array.from({ length: 960 }, (_, i) => ((written + i) % 30000) + 1));
      written += 960;
      while (ring.stats.buffered >= 1440 || (ring.stats.playing && ring.stats.buffered >= 128)) {
        const n = ring.read(out);
        for (let i = 0; i < n; i++) {
          if (Math.round(out[i]! * 32768) !== expected) wrong++;
          expected = (expected % 30000) + 1;
        }
        read += n;
      }
    }
    expect(wrong).toBe(0);
    expect(read).toBeGreaterThan(45_000);
    expect(ring.stats.underruns).toBe(0);
    expect(ring.stats.overflows).toBe(0);
  });

  it('refuses nonsense sizes', () => {
    expect(() => new PlaybackRing(10, 20)).toThrow(RangeError);
    expect(() => new PlaybackRing(0, 0)).toThrow(RangeError);
  });

  describe('adaptive (the worklet\'s settings at 48 kHz)', () => {
    const ADAPT = { frame: 960, quantum: 128, minMargin: 128, initialMargin: 480, maxMargin: 2400, window: 25 };
    const tone = (n: number, at: number) => Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin(((at + i) * 2 * Math.PI * 440) / 48000));

    /**
     * Frames of 960 samples written at `arrival(k)` (in samples of the render clock), read in 128-sample
     * quanta; returns the level just before each write (ms) by time, and the ring.
     */
    function simulate(frames: number, arrival: (k: number) => number, content: (k: number) => Float32Array = (k) => tone(960, k * 960)) {
      const ring = new PlaybackRing(4800, 1440, 48, ADAPT);
      const out = new Float32Array(128);
      const levels: { at: number; ms: number }[] = [];
      let k = 0;
      for (let now = 0; now <= arrival(frames - 1); now += 128) {
        while (k < frames && arrival(k) <= now) {
          levels.push({ at: now / 48, ms: ring.stats.buffered / 48 });
          ring.write(content(k++));
        }
        ring.read(out);
      }
      return { ring, levels };
    }

    it('on time: it settles at a few ms of slack instead of the fixed 30 ms prime', () => {
      const { ring, levels } = simulate(500, (k) => 1000 + k * 960);
      const late = levels.filter((l) => l.at > 5000);
      expect(Math.max(...late.map((l) => l.ms))).toBeLessThanOrEqual(6);
      expect(ring.stats.underruns).toBe(0);
    });

    it('after a burst of late frames (a 100 ms stall) the delay comes back down within 2 s, sound skipped in 64-sample pieces', () => {
      // The page stalls at 8 s: frames due in [8000, 8100) ms arrive together at 8100 ms.
      const due = (k: number) => 1000 + k * 960;
      const { ring, levels } = simulate(600, (k) => (due(k) >= 384_000 && due(k) < 388_800 ? 388_800 : due(k)));
      const before = levels.filter((l) => l.at > 7000 && l.at < 8000);
      const after = levels.filter((l) => l.at > 10_100);
      expect(Math.max(...before.map((l) => l.ms))).toBeLessThanOrEqual(6);
      expect(Math.max(...after.map((l) => l.ms)), after.map((l) => l.ms.toFixed(1)).join(' ')).toBeLessThanOrEqual(8);
      expect(ring.stats.skippedSamples).toBeGreaterThan(2400);
    });

    it('frames that arrive unevenly (±6 ms): the low-water mark keeps their spread, underruns stay rare', () => {
      let seed = 7;
      const random = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
      const offsets = Array.from({ length: 1500 }, () => Math.round((random() - 0.5) * 12 * 48));
      const { ring, levels } = simulate(1500, (k) => 1000 + k * 960 + 288 + offsets[k]!);
      // The level before the latest writes is kept at the margin, so the early ones find up to 12 ms more.
      expect(ring.stats.underruns).toBeLessThanOrEqual(12);
      const late = levels.filter((l) => l.at > 20_000);
      const mean = late.reduce((a, l) => a + l.ms, 0) / late.length;
      expect(mean).toBeLessThan(20);
    });

    it('skips silence at once, but sound only in short cross-faded pieces', () => {
      // 600 ms of slack builds up (frames written with no reads), then playback drains it.
      const quiet = new PlaybackRing(48000, 1440, 48, { ...ADAPT, maxMargin: 2400 });
      const loud = new PlaybackRing(48000, 1440, 48, { ...ADAPT, maxMargin: 2400 });
      const out = new Float32Array(128);
      for (const [ring, content] of [[quiet, () => new Float32Array(960)], [loud, (k: number) => tone(960, k * 960)]] as const) {
        for (let k = 0; k < 30; k++) ring.write(content(k));
        ring.read(out);
        for (let k = 30; k < 60; k++) {
          ring.write(content(k)); // one frame per 960 samples read: the level stays high, the window judges it
          for (let q = 0; q < 7.5; q++) ring.read(out);
        }
      }
      // Silence: the whole excess (≈ 28,000 samples held beyond the margin) is skipped as soon as it is judged.
      expect(quiet.stats.skippedSamples).toBeGreaterThan(25_000);
      // Sound: 64 samples per 8 reads at most (30 frames × 8 reads since the ring began to play), cross-faded.
      expect(loud.stats.skippedSamples).toBeGreaterThan(0);
      expect(loud.stats.skippedSamples).toBeLessThanOrEqual(Math.ceil((30 * 8 + 1) / 8) * 64);
      expect(loud.stats.buffered).toBeGreaterThan(25_000);
    });

    it('refuses a margin that does not fit', () => {
      expect(() => new PlaybackRing(2000, 1440, 48, ADAPT)).toThrow(RangeError);
    });
  });
});
