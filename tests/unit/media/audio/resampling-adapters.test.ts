import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initMedia } from '../../../../electron/media/audio/init-media.ts';
import { ResamplingSource } from '../../../../electron/media/audio/resampling-source.ts';
import { ResamplingSink } from '../../../../electron/media/audio/resampling-sink.ts';
import type { AudioSink } from '../../../../electron/media/audio/frame.ts';
import { ToneSource } from '../../../../electron/media/devices/tone-source.ts';
import { dominantFrequency, rmsDbfs } from '../../../helpers/audio-analysis.ts';

before(async () => {
  await initMedia();
});

test('ResamplingSource: exact frames at the new rate, frequency kept, ends after the inner source', () => {
  const tone = new ToneSource({ frequency: 1000, levelDbfs: -6, sampleRate: 44100, durationMs: 1000 });
  const src = new ResamplingSource(tone, 16000);
  assert.equal(src.sampleRate, 16000);
  const frames: Int16Array[] = [];
  for (let f = src.read(320); f !== null; f = src.read(320)) {
    assert.equal(f.length, 320);
    frames.push(f);
    assert.ok(frames.length < 100, 'must end');
  }
  // 1 s of audio plus the flushed filter tail, rounded up to whole frames.
  assert.ok(frames.length >= 50 && frames.length <= 52, `${frames.length} frames`);
  const all = new Int16Array(frames.length * 320);
  frames.forEach((f, i) => all.set(f, i * 320));
  assert.ok(Math.abs(dominantFrequency(all.subarray(1600, 14400), 16000) - 1000) < 0.5);
  assert.ok(Math.abs(rmsDbfs(all.subarray(1600, 14400)) - (-6 - 3.01)) < 0.2);
  src.close();
});

test('ResamplingSink: re-cuts into 20 ms frames of the inner rate and flushes on close', async () => {
  const got: Int16Array[] = [];
  let closed = false;
  const inner: AudioSink = {
    sampleRate: 48000,
    write: (f) => got.push(f.slice()),
    close: () => {
      closed = true;
    },
  };
  const sink = new ResamplingSink(inner, 8000);
  const tone = new ToneSource({ frequency: 500, sampleRate: 8000 });
  for (let i = 0; i < 50; i++) sink.write(tone.read(160)!);
  await sink.close();
  assert.ok(closed);
  const whole = got.slice(0, -1);
  assert.ok(whole.every((f) => f.length === 960));
  const total = got.reduce((n, f) => n + f.length, 0);
  assert.ok(total >= 48000 && total <= 48000 + 960, `${total} samples`);
  const all = new Int16Array(total);
  let at = 0;
  for (const f of got) {
    all.set(f, at);
    at += f.length;
  }
  assert.ok(Math.abs(dominantFrequency(all.subarray(4800, 43200), 48000) - 500) < 0.5);
});
