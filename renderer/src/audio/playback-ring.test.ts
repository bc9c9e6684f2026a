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
});
