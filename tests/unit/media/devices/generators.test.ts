import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ToneSource } from '../../../../electron/media/devices/tone-source.ts';
import { SilenceSource } from '../../../../electron/media/devices/silence-source.ts';
import { NullSink } from '../../../../electron/media/devices/null-sink.ts';
import { dominantFrequency, peakDbfs, rmsDbfs, toneLevelDbfs } from '../../../helpers/audio-analysis.ts';

function collect(src: { read(n: number): Int16Array | null }, n: number, frames: number): Int16Array {
  const out = new Int16Array(n * frames);
  for (let i = 0; i < frames; i++) out.set(src.read(n)!, i * n);
  return out;
}

test('tone: frequency and peak level as asked, phase-continuous across frames', () => {
  const t = new ToneSource({ frequency: 1004, levelDbfs: -6, sampleRate: 48000 });
  assert.equal(t.sampleRate, 48000);
  const x = collect(t, 960, 50);
  assert.ok(Math.abs(dominantFrequency(x, 48000) - 1004) < 0.2);
  assert.ok(Math.abs(peakDbfs(x) - -6) < 0.05);
  assert.ok(Math.abs(rmsDbfs(x) - (-6 - 3.01)) < 0.05);
  // Continuity: the largest sample-to-sample step is the sine's slope, also at frame edges.
  let step = 0;
  for (let i = 1; i < x.length; i++) step = Math.max(step, Math.abs(x[i]! - x[i - 1]!));
  assert.ok(step <= Math.ceil((2 * Math.PI * 1004 * 16422) / 48000) + 1);
});

test('tone: several frequencies (a DTMF pair), each at the given level', () => {
  const t = new ToneSource({ frequency: [697, 1209], levelDbfs: -12, sampleRate: 8000 });
  const x = collect(t, 160, 50);
  for (const hz of [697, 1209]) assert.ok(Math.abs(toneLevelDbfs(x, 8000, hz) - (-12 - 3.01)) < 0.2, `${hz}`);
  assert.ok(toneLevelDbfs(x, 8000, 941) < -40);
});

test('tone: a duration ends it, padding the last frame; bad frequencies are refused', () => {
  const t = new ToneSource({ frequency: 440, sampleRate: 8000, durationMs: 50 });
  assert.equal(t.read(160)!.length, 160);
  assert.equal(t.read(160)!.length, 160);
  const last = t.read(160)!;
  assert.ok(last.subarray(80).every((v) => v === 0));
  assert.equal(t.read(160), null);
  assert.throws(() => new ToneSource({ frequency: 5000, sampleRate: 8000 }), RangeError);
  assert.throws(() => new ToneSource({ frequency: 0 }), RangeError);
  const c = new ToneSource({ frequency: 440 });
  c.close();
  assert.equal(c.read(960), null);
});

test('silence: zeros, endless or timed', () => {
  const s = new SilenceSource({ sampleRate: 16000, durationMs: 40 });
  assert.deepEqual(s.read(320), new Int16Array(320));
  assert.ok(s.read(320));
  assert.equal(s.read(320), null);
  const forever = new SilenceSource();
  assert.equal(forever.sampleRate, 48000);
  for (let i = 0; i < 1000; i++) assert.ok(forever.read(960));
});

test('null sink counts what it swallows', () => {
  const n = new NullSink(8000);
  n.write(new Int16Array(160));
  n.write(new Int16Array(80));
  assert.equal(n.framesWritten, 2);
  assert.equal(n.samplesWritten, 240);
  assert.equal(new NullSink().sampleRate, 48000);
});
