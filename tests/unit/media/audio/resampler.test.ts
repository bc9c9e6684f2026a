import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Resampler,
  ResamplerError,
  createResampler,
  initResampler,
  resamplerReady,
} from '../../../../electron/media/audio/resampler.ts';
import { initMedia } from '../../../../electron/media/audio/init-media.ts';
import { dominantFrequency, rmsDbfs, sine, snrDb, toneLevelDbfs } from '../../../helpers/audio-analysis.ts';

function inFrames(r: Resampler, x: Int16Array, frame: number): Int16Array {
  const parts: Int16Array[] = [];
  for (let i = 0; i < x.length; i += frame) parts.push(r.process(x.subarray(i, i + frame)));
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

test('before init: equal rates pass through, different rates throw a typed error', () => {
  assert.equal(resamplerReady(), false);
  const same = new Resampler(16000, 16000);
  const x = sine(300, 16000, 320);
  const y = same.process(x);
  assert.deepEqual(y, x);
  assert.notEqual(y, x, 'a copy, not the caller buffer');
  assert.throws(() => new Resampler(48000, 16000), ResamplerError);
  assert.throws(() => new Resampler(0, 16000), ResamplerError);
});

test('initMedia loads the WASM once; createResampler works', async () => {
  await Promise.all([initMedia(), initResampler(), initResampler()]);
  assert.equal(resamplerReady(), true);
  const r = await createResampler(48000, 8000);
  assert.equal(r.process(new Int16Array(960)).length, 160);
  r.destroy();
  assert.throws(() => r.process(new Int16Array(960)), ResamplerError);
  r.destroy(); // idempotent
});

test('48 kHz → 16 kHz keeps a 1 kHz tone and gives exactly 320 samples per 20 ms frame', async () => {
  await initResampler();
  const r = new Resampler(48000, 16000);
  const x = sine(1000, 48000, 48000, 10000);
  for (let i = 0; i < x.length; i += 960) assert.equal(r.process(x.subarray(i, i + 960)).length, 320);
  r.reset();
  const y = inFrames(r, x, 960);
  const steady = y.subarray(1600);
  assert.ok(Math.abs(dominantFrequency(steady, 16000) - 1000) < 0.5);
  assert.ok(Math.abs(rmsDbfs(steady) - rmsDbfs(x)) < 0.1);
  r.destroy();
});

test('48 → 16 → 48 kHz round trip of tones within 300–6300 Hz has SNR > 60 dB at quality 5', async () => {
  await initResampler();
  const down = new Resampler(48000, 16000);
  const up = new Resampler(16000, 48000);
  assert.equal(down.quality, 5);
  const x = new Int16Array(48000);
  for (const hz of [300, 1013, 2500, 4100, 6300]) sine(hz, 48000, 48000, 4000).forEach((v, i) => (x[i] = x[i]! + v));
  const y = inFrames(up, inFrames(down, x, 960), 320);
  const snr = snrDb(x, y, { skip: 4800, maxLag: 2000 });
  assert.ok(snr > 60, `SNR ${snr.toFixed(1)} dB`);
  // Near the 8 kHz band edge the low-pass takes over: a 7.9 kHz tone is mostly gone.
  const edge = inFrames(new Resampler(16000, 48000), inFrames(new Resampler(48000, 16000), sine(7900, 48000, 48000, 8000), 960), 320);
  assert.ok(rmsDbfs(edge.subarray(4800)) < rmsDbfs(x) - 10);
  down.destroy();
  up.destroy();
});

test('48 kHz → 8 kHz removes content above 4 kHz (no aliasing)', async () => {
  await initResampler();
  const r = new Resampler(48000, 8000);
  const x = sine(5000, 48000, 48000, 16000); // would alias to 3 kHz
  const y = inFrames(r, x, 960).subarray(800);
  assert.ok(toneLevelDbfs(y, 8000, 3000) < rmsDbfs(x) - 40, `alias at ${toneLevelDbfs(y, 8000, 3000).toFixed(1)} dBFS`);
  r.destroy();
});

test('44.1 kHz → 48 kHz: non-integer ratio keeps the count exact over time', async () => {
  await initResampler();
  const r = new Resampler(44100, 48000);
  const x = sine(440, 44100, 44100 * 2, 10000);
  let total = 0;
  for (let i = 0; i < x.length; i += 882) {
    const n = r.process(x.subarray(i, i + 882)).length;
    assert.ok(Math.abs(n - 960) <= 1, `frame of ${n}`);
    total += n;
  }
  assert.ok(Math.abs(total - 96000) <= 1, `total ${total}`);
  r.reset();
  const y = inFrames(r, x, 882);
  assert.ok(Math.abs(dominantFrequency(y.subarray(4800), 48000) - 440) < 0.5);
  r.destroy();
});

test('state carries across calls: frame size does not change the output', async () => {
  await initResampler();
  const x = sine(700, 48000, 9600, 12000);
  const a = new Resampler(48000, 16000);
  const b = new Resampler(48000, 16000);
  assert.deepEqual(inFrames(a, x, 960), inFrames(b, x, 9600));
  assert.ok(a.inputLatency > 0);
  a.destroy();
  b.destroy();
});

test('a destroyed resampler’s state serves the next stream of the same rates exactly as a new one would', async () => {
  await initResampler();
  const x = sine(440, 8000, 1600);
  const fresh = new Resampler(8000, 48000);
  const first = inFrames(fresh, x, 160);
  fresh.destroy();
  // Same rates: the kept state, its history cleared; a different quality gets a state of its own.
  const reused = new Resampler(8000, 48000);
  const second = inFrames(reused, x, 160);
  const other = new Resampler(8000, 48000, { quality: 3 });
  assert.deepEqual(second, first, 'no history carried over from the previous stream');
  assert.notDeepEqual(inFrames(other, x, 160), first);
  reused.destroy();
  other.destroy();
  assert.throws(() => reused.process(x), ResamplerError);
});
