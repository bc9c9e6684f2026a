// Checks the renderer's frame codec against the engine's own (electron/api/audio-frames.ts),
// byte for byte: the two must never drift apart.
import { describe, expect, it } from 'vitest';
import { decodeAudioFrame, encodeAudioFrame } from '../../../electron/api/audio-frames.ts';
import type { AudioFrame } from './types.ts';
import { decodeFrame, encodeFrame, frameSamples, SAMPLE_RATES } from './audio-frame-codec.ts';

function frame(rate: AudioFrame['sampleRate'], kind: AudioFrame['kind'], sequence: number, stream: number): AudioFrame {
  const n = frameSamples(rate);
  return { kind, sampleRate: rate, sequence, stream, samples: Int16Array.from({ length: n }, (_, i) => ((i * 7919) % 65536) - 32768) };
}

describe('audio frame codec', () => {
  it.each(SAMPLE_RATES.map((r) => [r]))('encodes like the engine at %d Hz', (rate) => {
    for (const [kind, seq, stream] of [
      ['capture', 0, 0],
      ['playback', 65535, 0xffffffff],
      ['capture', 1234, 0xdeadbeef],
    ] as const) {
      const f = frame(rate, kind, seq, stream);
      expect(encodeFrame(f)).toEqual(encodeAudioFrame(f));
    }
  });

  it('decodes what the engine encodes, and the engine decodes ours', () => {
    const f = frame(48000, 'playback', 42, 7);
    const fromEngine = decodeFrame(encodeAudioFrame(f));
    expect(fromEngine).toEqual(f);
    const back = decodeAudioFrame(encodeFrame(f));
    expect(back.ok && back.frame).toEqual(f);
  });

  it('decodes from a view into a larger buffer', () => {
    const bytes = encodeFrame(frame(8000, 'capture', 1, 0));
    const big = new Uint8Array(bytes.length + 10);
    big.set(bytes, 5);
    expect(decodeFrame(big.subarray(5, 5 + bytes.length))?.sequence).toBe(1);
  });

  it('refuses what the engine refuses', () => {
    const good = encodeFrame(frame(16000, 'capture', 1, 0));
    const cases = [good.slice(0, 7), good.slice(0, good.length - 2), Uint8Array.from([9, ...good.slice(1)]), Uint8Array.from([1, 17, ...good.slice(2)])];
    for (const bad of cases) {
      expect(decodeFrame(bad)).toBeUndefined();
      expect(decodeAudioFrame(bad).ok).toBe(false);
    }
    expect(() => encodeFrame({ ...frame(48000, 'capture', 0, 0), samples: new Int16Array(959) })).toThrow(RangeError);
  });
});
