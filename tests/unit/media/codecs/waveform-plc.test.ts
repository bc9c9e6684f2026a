import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WaveformPlc } from '../../../../electron/media/codecs/waveform-plc.ts';
import { g722Codec } from '../../../../electron/media/codecs/g722-codec.ts';
import { pcmaCodec, pcmuCodec } from '../../../../electron/media/codecs/g711-codec.ts';
import { dominantFrequency, rmsDbfs, sine } from '../../../helpers/audio-analysis.ts';

function maxStep(x: Int16Array, from: number, to: number): number {
  let m = 0;
  for (let i = Math.max(1, from); i < to; i++) m = Math.max(m, Math.abs(x[i]! - x[i - 1]!));
  return m;
}

test('repeats the pitch of a periodic signal at full level for the first 10 ms', () => {
  for (const rate of [8000, 16000, 48000]) {
    const plc = new WaveformPlc(rate);
    const f = rate / 50;
    const hz = 200; // a 5 ms period, inside the 5–15 ms search range
    const ref = sine(hz, rate, rate, 12000);
    for (let i = 0; i < 10 * f; i += f) plc.good(ref.subarray(i, i + f));
    const c = plc.conceal(f);
    // The continuation should match the true signal closely (same phase).
    const truth = ref.subarray(10 * f, 11 * f);
    let err = 0;
    for (let i = 0; i < f / 2; i++) err = Math.max(err, Math.abs(c[i]! - truth[i]!));
    assert.ok(err < 600, `${rate} Hz: max deviation ${err} in the first 10 ms`);
    assert.ok(Math.abs(dominantFrequency(c, rate) - hz) < 10);
    assert.ok(plc.concealing);
  }
});

test('fades 20 % per 10 ms after the first 10 ms and is silent from 60 ms', () => {
  const rate = 8000;
  const plc = new WaveformPlc(rate);
  const ref = sine(250, rate, 1600, 10000);
  plc.good(ref);
  const lost = plc.conceal(rate * 0.08); // 80 ms
  const level = (ms: number) => rmsDbfs(lost.subarray(ms * 8, (ms + 5) * 8));
  assert.ok(Math.abs(level(0) - rmsDbfs(ref)) < 1);
  assert.ok(level(20) < level(0) - 1 && level(40) < level(20) - 2, 'decreasing');
  assert.equal(rmsDbfs(lost.subarray(60 * 8)), -Infinity);
});

test('a lost packet leaves no click at either seam', () => {
  for (const codec of [pcmuCodec, pcmaCodec, g722Codec]) {
    const rate = codec.sampleRate;
    const f = rate / 50;
    const enc = codec.createEncoder();
    const dec = codec.createDecoder();
    const ref = sine(440, rate, rate, 10000);
    const out = new Int16Array(rate);
    for (let k = 0; k < 50; k++) {
      const payload = enc.encode(ref.subarray(k * f, (k + 1) * f)); // encoded, then lost on the way
      out.set(k === 10 || k === 20 || k === 21 ? dec.conceal(f) : dec.decode(payload), k * f);
    }
    // The steepest slope of the clean tone is 2π·440/rate·10000.
    const natural = (2 * Math.PI * 440 * 10000) / rate;
    assert.ok(maxStep(out, 9 * f, 12 * f) < natural * 1.3, `${codec.name}: single loss`);
    assert.ok(maxStep(out, 19 * f, 23 * f) < natural * 1.3, `${codec.name}: double loss`);
  }
});

test('concealment before any audio is silence, and good frames pass unchanged', () => {
  const plc = new WaveformPlc(8000);
  assert.equal(rmsDbfs(plc.conceal(160)), -Infinity);
  const frame = sine(300, 8000, 160, 5000);
  const plc2 = new WaveformPlc(8000);
  assert.equal(plc2.good(frame), frame);
});
