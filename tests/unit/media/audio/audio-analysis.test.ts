import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  activeFraction,
  dominantFrequency,
  fft,
  findLag,
  peakDbfs,
  rmsDbfs,
  sine,
  snrDb,
  toneLevelDbfs,
} from '../../../helpers/audio-analysis.ts';

function noise(n: number, amplitude: number, seed = 7): Int16Array {
  const out = new Int16Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    out[i] = Math.round(((s / 0x7fffffff) * 2 - 1) * amplitude);
  }
  return out;
}

test('fft of an impulse is flat and of a bin-centred cosine is two spikes', () => {
  const n = 64;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  re[0] = 1;
  fft(re, im);
  for (let k = 0; k < n; k++) assert.ok(Math.abs(re[k]! - 1) < 1e-12 && Math.abs(im[k]!) < 1e-12);
  re.fill(0);
  im.fill(0);
  for (let i = 0; i < n; i++) re[i] = Math.cos((2 * Math.PI * 5 * i) / n);
  fft(re, im);
  assert.ok(Math.abs(re[5]! - n / 2) < 1e-9);
  assert.ok(Math.abs(re[n - 5]! - n / 2) < 1e-9);
  assert.ok(Math.abs(re[6]!) < 1e-9);
  assert.throws(() => fft(new Float64Array(6), new Float64Array(6)), RangeError);
});

test('dominantFrequency finds off-bin tones within 0.5 Hz at several rates and lengths', () => {
  for (const [hz, rate, n] of [
    [1000, 8000, 8000],
    [997.3, 16000, 3200],
    [440, 48000, 960 * 5],
    [3141.5, 48000, 48000],
    [300, 8000, 1600],
    [7000, 16000, 16000],
  ] as const) {
    const f = dominantFrequency(sine(hz, rate, n, 10000, 0.3), rate);
    assert.ok(Math.abs(f - hz) < 0.5, `${hz} Hz at ${rate}/${n}: measured ${f}`);
  }
});

test('dominantFrequency picks the stronger of two tones and survives noise and DC', () => {
  const rate = 16000;
  const a = sine(1200, rate, 16000, 8000);
  const b = sine(2500, rate, 16000, 3000);
  const z = noise(16000, 2000);
  const mix = new Int16Array(16000).map((_, i) => a[i]! + b[i]! + z[i]! + 3000);
  const f = dominantFrequency(mix, rate);
  assert.ok(Math.abs(f - 1200) < 1, `measured ${f}`);
  assert.ok(Math.abs(dominantFrequency(mix, rate, { minHz: 2000 }) - 2500) < 1);
});

test('rmsDbfs and peakDbfs follow the sox convention', () => {
  const full = sine(1000, 8000, 8000, 32767);
  assert.ok(Math.abs(rmsDbfs(full) - -3.01) < 0.02, `${rmsDbfs(full)}`);
  assert.ok(Math.abs(peakDbfs(full) - 0) < 0.01);
  const half = sine(1000, 8000, 8000, 16384);
  assert.ok(Math.abs(rmsDbfs(half) - -9.03) < 0.02);
  assert.ok(Math.abs(rmsDbfs(new Int16Array(100).fill(16384)) - -6.02) < 0.01);
  assert.equal(rmsDbfs(new Int16Array(10)), -Infinity);
  assert.equal(rmsDbfs([]), -Infinity);
  assert.equal(peakDbfs(new Int16Array(10)), -Infinity);
});

test('toneLevelDbfs measures one component among others', () => {
  const rate = 8000;
  const a = sine(697, rate, 8000, 10000);
  const b = sine(1209, rate, 8000, 5000);
  const mix = a.map((v, i) => v + b[i]!);
  assert.ok(Math.abs(toneLevelDbfs(mix, rate, 697) - rmsDbfs(a)) < 0.1);
  assert.ok(Math.abs(toneLevelDbfs(mix, rate, 1209) - rmsDbfs(b)) < 0.1);
  assert.ok(toneLevelDbfs(mix, rate, 941) < rmsDbfs(b) - 30);
});

test('activeFraction counts windows above the threshold', () => {
  const rate = 8000;
  const x = new Int16Array(rate); // 1 s: 50 windows of 20 ms
  x.set(sine(500, rate, 2400, 8000), 0); // first 300 ms loud = 15 windows
  x.set(noise(800, 3), 4000); // a whisper at -80 dBFS: below threshold
  assert.equal(activeFraction(x, rate, 20, -50), 15 / 50);
  assert.equal(activeFraction(x, rate, 20, -100), 20 / 50);
  assert.equal(activeFraction(new Int16Array(0), rate), 0);
});

test('findLag finds positive and negative delays', () => {
  const ref = noise(4000, 10000, 3);
  for (const lag of [0, 1, 37, 480, -25]) {
    const dec = new Int16Array(4600);
    for (let i = 0; i < ref.length; i++) if (i + lag >= 0 && i + lag < dec.length) dec[i + lag] = ref[i]!;
    assert.equal(findLag(ref, dec, 600), lag);
  }
});

test('snrDb aligns delay and measures known noise levels', () => {
  const rate = 16000;
  const ref = sine(440, rate, 16000, 10000);
  const delayed = new Int16Array(16000 + 123);
  delayed.set(ref, 123);
  assert.equal(snrDb(ref, delayed), Infinity);
  // Add noise 30 dB below the signal (RMS).
  const sigRms = 10000 / Math.SQRT2;
  const nz = noise(16000 + 123, (sigRms / 10 ** (30 / 20)) * Math.sqrt(3), 11);
  const noisy = delayed.map((v, i) => v + nz[i]!);
  const snr = snrDb(ref, noisy);
  assert.ok(Math.abs(snr - 30) < 0.5, `snr ${snr}`);
  // A gain error is noise unless fitGain is asked for.
  const quiet = delayed.map((v) => Math.round(v * 0.5));
  assert.ok(Math.abs(snrDb(ref, quiet) - 6.02) < 0.05);
  assert.ok(snrDb(ref, quiet, { fitGain: true }) > 40);
});
