/**
 * Regression for opusscript 0.1.1's wrapper bugs (see opus-native.ts): with
 * many encoders and decoders alive, and concealment in use, no instance may
 * corrupt another, none may fail after the WASM heap grew, and destroying
 * them all must not throw ("memory access out of bounds" before the fix).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { opusCodec } from '../../../../electron/media/codecs/opus-codec.ts';
import type { Decoder, Encoder } from '../../../../electron/media/codecs/codec.ts';
import { dominantFrequency, sine } from '../../../helpers/audio-analysis.ts';

test('forty Opus streams side by side stay independent, survive heap growth, and free cleanly', () => {
  const pairs: { enc: Encoder; dec: Decoder; hz: number; out: Int16Array[] }[] = [];
  for (let i = 0; i < 40; i++) {
    pairs.push({ enc: opusCodec.createEncoder(), dec: opusCodec.createDecoder(), hz: 300 + 50 * i, out: [] });
    // Interleave use with creation so that later allocations land where earlier ones work.
    for (const p of pairs) {
      const pcm = sine(p.hz, 48000, 960, 8000, (p.out.length * 960 * 2 * Math.PI * p.hz) / 48000);
      const packet = p.enc.encode(pcm);
      p.out.push(p.out.length % 7 === 3 ? p.dec.conceal(960) : p.dec.decode(packet));
    }
  }
  // Grow the heap well past its start size, then keep using the first streams.
  const extra = Array.from({ length: 200 }, () => opusCodec.createDecoder());
  for (let k = 0; k < 25; k++) {
    for (const p of pairs.slice(0, 5)) {
      const pcm = sine(p.hz, 48000, 960, 8000, (p.out.length * 960 * 2 * Math.PI * p.hz) / 48000);
      p.out.push(p.dec.decode(p.enc.encode(pcm)));
    }
  }
  for (const p of pairs) {
    // The last decoded (not concealed) frame of each stream: its own tone, not a neighbour's.
    const last = [...p.out.keys()].reverse().find((i) => i % 7 !== 3 && i > 0);
    if (last === undefined) continue;
    const f = dominantFrequency(p.out[last]!, 48000);
    assert.ok(Math.abs(f - p.hz) < 25, `stream at ${p.hz} Hz decoded ${f.toFixed(1)} Hz`);
  }
  for (const d of extra) d.destroy();
  for (const p of pairs) {
    p.enc.destroy();
    p.dec.destroy();
  }
});
