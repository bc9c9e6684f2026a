import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpusCodecError, opusCodec } from '../../../../electron/media/codecs/opus-codec.ts';
import type { EncoderOptions } from '../../../../electron/media/codecs/codec.ts';
import { activeFraction, dominantFrequency, findLag, rmsDbfs, sine, snrDb } from '../../../helpers/audio-analysis.ts';
import { speechAt } from './speech-fixture.ts';

const RATE = 48000;
const F = 960;

function roundTrip(ref: Int16Array, opts?: EncoderOptions): { out: Int16Array; bytes: number[] } {
  const enc = opusCodec.createEncoder(opts);
  const dec = opusCodec.createDecoder();
  const out = new Int16Array(ref.length - (ref.length % F));
  const bytes: number[] = [];
  try {
    for (let i = 0; i + F <= ref.length; i += F) {
      const p = enc.encode(ref.subarray(i, i + F));
      bytes.push(p.length);
      const pcm = dec.decode(p);
      assert.equal(pcm.length, F);
      out.set(pcm, i);
    }
  } finally {
    enc.destroy();
    dec.destroy();
  }
  return { out, bytes };
}

test('opus codec description follows RFC 7587 (opus/48000/2, dynamic PT, FEC in fmtp)', () => {
  assert.equal(opusCodec.name, 'opus');
  assert.equal(opusCodec.clockRate, 48000);
  assert.equal(opusCodec.sampleRate, 48000);
  assert.equal(opusCodec.channels, 2);
  assert.equal(opusCodec.defaultPayloadType, undefined);
  assert.match(opusCodec.fmtp ?? '', /useinbandfec=1/);
});

test('1 kHz tone keeps its frequency (±1 Hz) and level (±0.5 dB)', () => {
  const ref = sine(1000, RATE, RATE * 2, 10000);
  const { out } = roundTrip(ref);
  const steady = out.subarray(RATE / 2);
  const f = dominantFrequency(steady, RATE);
  assert.ok(Math.abs(f - 1000) < 1, `frequency ${f}`);
  const dl = rmsDbfs(steady) - rmsDbfs(ref);
  assert.ok(Math.abs(dl) < 0.5, `level change ${dl.toFixed(2)} dB`);
  assert.ok(snrDb(ref, out, { skip: RATE / 2, maxLag: 400 }) > 20);
});

test('tones across the band keep frequency and level', () => {
  for (const hz of [300, 3000, 7000]) {
    const ref = sine(hz, RATE, RATE, 8000);
    const steady = roundTrip(ref).out.subarray(RATE / 2);
    assert.ok(Math.abs(dominantFrequency(steady, RATE) - hz) < 1, `${hz} Hz`);
    assert.ok(Math.abs(rmsDbfs(steady) - rmsDbfs(ref)) < 1, `${hz} Hz level`);
  }
});

test('espeak-ng speech: 6.5 ms codec delay, level within 1 dB, activity preserved, SNR > 8 dB', async (t) => {
  const speech = await speechAt(RATE);
  if (!speech) return t.skip('espeak-ng not installed');
  const { out, bytes } = roundTrip(speech);
  const ref = speech.subarray(0, out.length);
  const lag = findLag(ref, out, 1000);
  assert.ok(Math.abs(lag - 312) <= 6, `lag ${lag}`); // 6.5 ms look-ahead at 48 kHz
  assert.ok(Math.abs(rmsDbfs(out) - rmsDbfs(ref)) < 1);
  assert.ok(Math.abs(activeFraction(out, RATE, 20, -45) - activeFraction(ref, RATE, 20, -45)) < 0.05);
  const snr = snrDb(ref, out, { skip: RATE / 10 });
  assert.ok(snr > 8, `speech SNR ${snr.toFixed(1)} dB (a perceptual codec: low waveform SNR is normal)`);
  const kbps = (bytes.reduce((a, b) => a + b, 0) * 8) / (bytes.length * 20);
  assert.ok(kbps > 20 && kbps < 45, `average ${kbps.toFixed(1)} kbit/s for a 32 kbit/s target`);
});

test('bitrate option changes the packet sizes', () => {
  const ref = sine(700, RATE, RATE, 12000).map((v, i) => v + ((i * 7919) % 2001) - 1000);
  const avg = (b: number[]) => b.reduce((x, y) => x + y, 0) / b.length;
  const low = avg(roundTrip(ref, { bitrate: 12000 }).bytes);
  const high = avg(roundTrip(ref, { bitrate: 64000 }).bytes);
  assert.ok(low < 45 && high > 120, `12k → ${low.toFixed(0)} B, 64k → ${high.toFixed(0)} B`);
});

test('encoder options are validated, FEC/DTX/complexity accepted', () => {
  assert.throws(() => opusCodec.createEncoder({ complexity: 11 }), OpusCodecError);
  assert.throws(() => opusCodec.createEncoder({ bitrate: 100 }), OpusCodecError);
  for (const opts of [{ fec: false }, { dtx: true }, { complexity: 0 }, { complexity: 10, packetLossPercent: 30 }]) {
    const e = opusCodec.createEncoder(opts);
    assert.ok(e.encode(new Int16Array(F)).length > 0);
    e.destroy();
  }
  const e = opusCodec.createEncoder();
  assert.throws(() => e.encode(new Int16Array(1000)), OpusCodecError);
  e.destroy();
  assert.throws(() => e.encode(new Int16Array(F)), OpusCodecError);
});

test('PLC: conceal gives the asked length, continues the tone, then fades', () => {
  const enc = opusCodec.createEncoder();
  const dec = opusCodec.createDecoder();
  const ref = sine(500, RATE, RATE, 10000);
  for (let i = 0; i < 20 * F; i += F) dec.decode(enc.encode(ref.subarray(i, i + F)));
  const c1 = dec.conceal(F);
  assert.equal(c1.length, F);
  assert.ok(Math.abs(dominantFrequency(c1, RATE) - 500) < 10);
  assert.ok(rmsDbfs(c1) > rmsDbfs(ref) - 6, 'first lost frame near the original level');
  const c2 = dec.conceal(F);
  const c3 = dec.conceal(F);
  const c4 = dec.conceal(480); // a different size works too
  assert.equal(c4.length, 480);
  const later = dec.conceal(F * 10);
  assert.ok(rmsDbfs(later.subarray(F * 9)) < rmsDbfs(c1) - 10, 'long losses fade');
  assert.ok(c2.length === F && c3.length === F);
  // Decoding resumes normally.
  for (let i = 20 * F; i < 30 * F; i += F) assert.equal(dec.decode(enc.encode(ref.subarray(i, i + F))).length, F);
  enc.destroy();
  dec.destroy();
});

test('garbage and empty payloads are concealed, not thrown', () => {
  const dec = opusCodec.createDecoder();
  const enc = opusCodec.createEncoder();
  dec.decode(enc.encode(sine(400, RATE, F, 8000)));
  const bad = dec.decode(new Uint8Array([0xff, 0xff, 0xff]));
  assert.equal(bad.length, F);
  assert.equal((dec as unknown as { errors: number }).errors, 1);
  assert.equal(dec.decode(new Uint8Array(0)).length, F);
  dec.destroy();
  enc.destroy();
});
