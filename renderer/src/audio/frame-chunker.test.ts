import { describe, expect, it } from 'vitest';
import { floatToInt16, FrameChunker } from './frame-chunker.ts';
import { meterFraction } from './level.ts';
import { resampleLinear } from './resample.ts';

describe('floatToInt16', () => {
  it('maps the full scale without wrapping', () => {
    expect(floatToInt16(0)).toBe(0);
    expect(floatToInt16(1)).toBe(32767);
    expect(floatToInt16(-1)).toBe(-32768);
    expect(floatToInt16(1.5)).toBe(32767);
    expect(floatToInt16(-7)).toBe(-32768);
    expect(floatToInt16(0.5)).toBe(16384);
    expect(floatToInt16(-0.5)).toBe(-16384);
  });
});

describe('FrameChunker', () => {
  it('turns 128-sample quanta into 960-sample frames with nothing lost or repeated', () => {
    const chunker = new FrameChunker(960);
    const frames: Int16Array[] = [];
    let n = 0;
    for (let q = 0; q < 30; q++) {
      const quantum = Float32Array.from({ length: 128 }, () => ((n++ % 1000) - 500) / 1000);
      chunker.push(quantum, (frame) => frames.push(frame));
    }
    // 30 × 128 = 3840 = 4 frames exactly.
    expect(frames.length).toBe(4);
    expect(chunker.buffered).toBe(0);
    const all = frames.flatMap((f) => [...f]);
    for (let i = 0; i < all.length; i++) expect(all[i]).toBe(floatToInt16(((i % 1000) - 500) / 1000));
  });

  it('hands out a fresh array per frame (safe to transfer)', () => {
    const chunker = new FrameChunker(4);
    const frames: Int16Array[] = [];
    chunker.push(new Float32Array([0.1, 0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 0.2]), (f) => frames.push(f));
    expect(frames[0]).not.toBe(frames[1]);
    expect(frames[0]![0]).toBe(floatToInt16(0.1));
    expect(frames[1]![0]).toBe(floatToInt16(0.2));
  });

  it('keeps a partial frame for the next push and forgets it on reset', () => {
    const chunker = new FrameChunker(4);
    const got: number[][] = [];
    chunker.push([0.5, 0.5, 0.5], (f) => got.push([...f]));
    expect(got).toEqual([]);
    expect(chunker.buffered).toBe(3);
    chunker.reset();
    chunker.push([0.25, 0.25, 0.25, 0.25], (f) => got.push([...f]));
    expect(got).toEqual([[8192, 8192, 8192, 8192]]);
  });

  it('measures each frame’s RMS and peak, clipping and NaN included', () => {
    const chunker = new FrameChunker(4);
    const levels: Array<{ rms: number; peak: number }> = [];
    chunker.push([0.5, -0.5, 0.5, -0.5], (_, l) => levels.push(l));
    chunker.push([2, Number.NaN, 0, 0], (f, l) => {
      levels.push(l);
      expect([...f]).toEqual([32767, 0, 0, 0]);
    });
    expect(levels[0]!.rms).toBeCloseTo(0.5);
    expect(levels[0]!.peak).toBe(0.5);
    expect(levels[1]!.peak).toBe(1);
    expect(levels[1]!.rms).toBeCloseTo(0.5);
  });

  it('refuses a frame size of zero', () => {
    expect(() => new FrameChunker(0)).toThrow(RangeError);
  });
});

describe('meterFraction', () => {
  it('maps -60…0 dBFS to 0…1', () => {
    expect(meterFraction(0)).toBe(0);
    expect(meterFraction(1)).toBe(1);
    expect(meterFraction(0.001)).toBeCloseTo(0);
    expect(meterFraction(0.0316)).toBeCloseTo(0.5, 2);
  });
});

describe('resampleLinear', () => {
  it('passes equal rates through and changes the length by the ratio', () => {
    const x = Int16Array.from({ length: 160 }, (_, i) => i * 10);
    expect(resampleLinear(x, 8000, 8000)).toBe(x);
    const up = resampleLinear(x, 8000, 48000);
    expect(up.length).toBe(960);
    expect(up[6]).toBe(10);
    expect(up[3]).toBe(5);
    expect(resampleLinear(up, 48000, 16000).length).toBe(320);
  });
});
