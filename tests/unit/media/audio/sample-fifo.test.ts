import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SampleFifo } from '../../../../electron/media/audio/sample-fifo.ts';
import {
  applyGain,
  bytesToInt16,
  dbfsToAmplitude,
  downmixToMono,
  int16ToBytes,
  rmsDbfs,
  saturate16,
} from '../../../../electron/media/audio/pcm.ts';
import { frameSamples, DEVICE_RATE, FRAME_MS } from '../../../../electron/media/audio/frame.ts';

test('fifo: pushes and shifts in order across the ring boundary', () => {
  const f = new SampleFifo(5);
  f.push([1, 2, 3]);
  assert.deepEqual([...f.shift(2).samples], [1, 2]);
  f.push([4, 5, 6, 7]);
  assert.equal(f.length, 5);
  assert.deepEqual([...f.shift(5).samples], [3, 4, 5, 6, 7]);
  assert.equal(f.dropped, 0);
});

test('fifo: underrun pads with silence and reports how much was real', () => {
  const f = new SampleFifo(8);
  f.push([9, 9]);
  const { samples, available } = f.shift(4);
  assert.deepEqual([...samples], [9, 9, 0, 0]);
  assert.equal(available, 2);
  assert.equal(f.length, 0);
});

test('fifo: overflow drops the oldest samples', () => {
  const f = new SampleFifo(4);
  f.push([1, 2, 3]);
  f.push([4, 5, 6]);
  assert.equal(f.dropped, 2);
  assert.deepEqual([...f.shift(4).samples], [3, 4, 5, 6]);
  f.push([1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual([...f.shift(4).samples], [4, 5, 6, 7]);
  assert.equal(f.dropped, 5);
  f.push([1]);
  f.clear();
  assert.equal(f.length, 0);
  assert.throws(() => new SampleFifo(0), RangeError);
});

test('frame contract constants', () => {
  assert.equal(DEVICE_RATE, 48000);
  assert.equal(FRAME_MS, 20);
  assert.equal(frameSamples(48000), 960);
  assert.equal(frameSamples(8000), 160);
  assert.equal(frameSamples(16000, 10), 160);
});

test('pcm helpers', () => {
  assert.equal(saturate16(40000), 32767);
  assert.equal(saturate16(-40000), -32768);
  assert.equal(saturate16(12), 12);
  assert.ok(Math.abs(dbfsToAmplitude(-6) - 16422) < 2);
  assert.equal(dbfsToAmplitude(0), 32767);
  assert.equal(rmsDbfs(new Int16Array(4)), -Infinity);
  assert.ok(Math.abs(rmsDbfs(new Int16Array(4).fill(-16384)) + 6.02) < 0.01);
  assert.deepEqual([...applyGain(new Int16Array([1000, -20000, 30000]), 2)], [2000, -32768, 32767]);
  assert.deepEqual([...downmixToMono(new Int16Array([100, 200, -100, -300]), 2)], [150, -200]);
  const x = new Int16Array([1, -2, 32767, -32768]);
  const bytes = int16ToBytes(x);
  assert.deepEqual([...bytes.subarray(0, 4)], [1, 0, 0xfe, 0xff]);
  assert.deepEqual(bytesToInt16(bytes), x);
  // Works on an odd byte offset too.
  const odd = new Uint8Array(9);
  odd.set(bytes, 1);
  assert.deepEqual(bytesToInt16(odd.subarray(1)), x);
});
