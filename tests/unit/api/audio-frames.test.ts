import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  AUDIO_FRAME_HEADER_BYTES,
  AUDIO_SAMPLE_RATES,
  MAX_AUDIO_FRAME_BYTES,
  MIX_STREAM,
  decodeAudioFrame,
  encodeAudioFrame,
  samplesPerFrame,
  streamIdOf,
  type AudioFrame,
} from '../../../electron/api/audio-frames.ts';

function tone(rate: (typeof AUDIO_SAMPLE_RATES)[number]): Int16Array {
  const n = samplesPerFrame(rate);
  return Int16Array.from({ length: n }, (_, i) => Math.round(10000 * Math.sin((2 * Math.PI * 440 * i) / rate)));
}

describe('audio frames', () => {
  test('20 ms at each rate', () => {
    assert.deepEqual(AUDIO_SAMPLE_RATES.map(samplesPerFrame), [160, 320, 480, 640, 882, 960]);
    assert.equal(MAX_AUDIO_FRAME_BYTES, 8 + 1920);
  });

  test('the header layout is as documented', () => {
    const bytes = encodeAudioFrame({ kind: 'playback', sampleRate: 8000, sequence: 0x1234, stream: 0xdeadbeef, samples: Int16Array.from({ length: 160 }, (_, i) => (i === 0 ? -2 : 0)) });
    assert.equal(bytes.length, AUDIO_FRAME_HEADER_BYTES + 320);
    assert.deepEqual([...bytes.subarray(0, 10)], [2, 0, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0xfe, 0xff]);
  });

  test('round trip at every rate', () => {
    for (const rate of AUDIO_SAMPLE_RATES) {
      const frame: AudioFrame = { kind: 'capture', sampleRate: rate, sequence: 65535, stream: streamIdOf('call-1'), samples: tone(rate) };
      const back = decodeAudioFrame(encodeAudioFrame(frame));
      assert.ok(back.ok);
      assert.deepEqual(back.frame, frame);
    }
  });

  test('property: any valid frame survives encode/decode, also from an odd offset', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...AUDIO_SAMPLE_RATES),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: -32768, max: 32767 }),
        (rate, sequence, stream, sample) => {
          const samples = new Int16Array(samplesPerFrame(rate)).fill(sample);
          const bytes = encodeAudioFrame({ kind: 'playback', sampleRate: rate, sequence, stream, samples });
          // A WebSocket library may hand the frame over at an odd offset inside a larger buffer.
          const holder = new Uint8Array(bytes.length + 1);
          holder.set(bytes, 1);
          const back = decodeAudioFrame(holder.subarray(1));
          return back.ok && back.frame.sequence === sequence && back.frame.stream === stream && back.frame.samples.every((s) => s === sample);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('refuses short, unknown-kind, unknown-rate and wrong-length frames', () => {
    const good = encodeAudioFrame({ kind: 'capture', sampleRate: 48000, sequence: 1, stream: MIX_STREAM, samples: tone(48000) });
    assert.match((decodeAudioFrame(good.subarray(0, 7)) as { reason: string }).reason, /shorter than its 8-byte header/);
    const kind = good.slice();
    kind[0] = 9;
    assert.match((decodeAudioFrame(kind) as { reason: string }).reason, /unknown audio frame kind 9/);
    const rate = good.slice();
    rate[1] = 6;
    assert.match((decodeAudioFrame(rate) as { reason: string }).reason, /unknown sample rate code 6/);
    assert.match((decodeAudioFrame(good.subarray(0, good.length - 2)) as { reason: string }).reason, /carries 1920 bytes of samples, not 1918/);
    const longer = new Uint8Array(good.length + 2);
    longer.set(good);
    assert.equal(decodeAudioFrame(longer).ok, false);
    const asRate8k = good.slice();
    asRate8k[1] = 0; // 1920 bytes of samples labelled 8 kHz
    assert.equal(decodeAudioFrame(asRate8k).ok, false);
  });

  test('encode refuses frames that are not 20 ms or have bad header values', () => {
    assert.throws(() => encodeAudioFrame({ kind: 'capture', sampleRate: 48000, sequence: 0, stream: 0, samples: new Int16Array(959) }), /960 samples/);
    assert.throws(() => encodeAudioFrame({ kind: 'capture', sampleRate: 48000, sequence: 65536, stream: 0, samples: tone(48000) }), /sequence/);
    assert.throws(() => encodeAudioFrame({ kind: 'capture', sampleRate: 48000, sequence: 0, stream: -1, samples: tone(48000) }), /stream/);
    assert.throws(() => encodeAudioFrame({ kind: 'capture', sampleRate: 22050 as 48000, sequence: 0, stream: 0, samples: new Int16Array(441) }), /unsupported sample rate/);
  });

  test('stream ids: FNV-1a of the call id, never the mix stream', () => {
    assert.equal(streamIdOf(''), 0x811c9dc5);
    assert.equal(streamIdOf('a'), 0xe40c292c); // FNV-1a 32 reference value for "a"
    assert.notEqual(streamIdOf('call-1'), streamIdOf('call-2'));
    assert.notEqual(streamIdOf('x'), MIX_STREAM);
  });

  test('decoded samples are a copy', () => {
    const bytes = encodeAudioFrame({ kind: 'capture', sampleRate: 8000, sequence: 0, stream: 0, samples: new Int16Array(160).fill(7) });
    const back = decodeAudioFrame(bytes);
    assert.ok(back.ok);
    bytes.fill(0);
    assert.equal(back.frame.samples[0], 7);
  });
});
