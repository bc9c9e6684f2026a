import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameBridge } from '../../../../electron/media/devices/frame-bridge.ts';
import { EchoDevice } from '../../../../electron/media/devices/echo-device.ts';
import { ToneSource } from '../../../../electron/media/devices/tone-source.ts';
import { dominantFrequency, findLag } from '../../../helpers/audio-analysis.ts';

test('bridge: frames of one size in, another size out; underrun pads with silence', () => {
  const b = new FrameBridge({ sampleRate: 8000 });
  b.write(new Int16Array(160).fill(7));
  assert.equal(b.buffered, 160);
  assert.ok(b.read(100)!.every((v) => v === 7));
  const r = b.read(100)!;
  assert.ok(r.subarray(0, 60).every((v) => v === 7) && r.subarray(60).every((v) => v === 0));
  assert.equal(b.underruns, 1);
});

test('bridge: bounded, drops oldest on overrun; close drains then ends', () => {
  const b = new FrameBridge({ sampleRate: 8000, maxBufferMs: 40 }); // 320 samples
  for (let i = 1; i <= 4; i++) b.write(new Int16Array(160).fill(i));
  assert.equal(b.buffered, 320);
  assert.equal(b.dropped, 320);
  b.close();
  b.write(new Int16Array(160).fill(9)); // ignored after close
  assert.ok(b.read(160)!.every((v) => v === 3));
  assert.ok(b.read(160)!.every((v) => v === 4));
  assert.equal(b.read(160), null);
});

test('bridge, newest only (live capture): frames that waited while nobody read are skipped, not played late', () => {
  const b = new FrameBridge({ sampleRate: 8000, maxBufferMs: 200, newestOnly: true });
  // The call was on hold (or its media not started) for 5 frames: nobody read them.
  for (let i = 1; i <= 5; i++) b.write(new Int16Array(160).fill(i));
  // Then each frame is written and read at once: the read takes the newest, every time.
  b.write(new Int16Array(160).fill(6));
  assert.ok(b.read(160)!.every((v) => v === 6));
  b.write(new Int16Array(160).fill(7));
  assert.ok(b.read(160)!.every((v) => v === 7));
  assert.equal(b.stale, 5 * 160);
  assert.equal(b.buffered, 0);
  // An ordinary bridge would have played the backlog, 100 ms late for the rest of the call.
  const old = new FrameBridge({ sampleRate: 8000, maxBufferMs: 200 });
  for (let i = 1; i <= 6; i++) old.write(new Int16Array(160).fill(i));
  assert.ok(old.read(160)!.every((v) => v === 1));
});

test('echo device returns what it receives, after the set delay', () => {
  const echo = new EchoDevice({ sampleRate: 16000, delayMs: 100 });
  const tone = new ToneSource({ frequency: 600, sampleRate: 16000 });
  const sent = new Int16Array(16000);
  const back = new Int16Array(16000);
  for (let i = 0; i < 50; i++) {
    const f = tone.read(320)!;
    sent.set(f, i * 320);
    echo.sink.write(f);
    back.set(echo.source.read(320)!, i * 320);
  }
  assert.equal(findLag(sent, back, 4000), 1600);
  assert.ok(Math.abs(dominantFrequency(back.subarray(1600), 16000) - 600) < 0.5);
});

test('echo device is bounded when nobody reads', () => {
  const echo = new EchoDevice({ sampleRate: 8000, maxBufferMs: 1000 });
  for (let i = 0; i < 200; i++) echo.sink.write(new Int16Array(160));
  assert.equal(echo.buffered, 8000);
  assert.equal(echo.dropped, 200 * 160 - 8000);
});
