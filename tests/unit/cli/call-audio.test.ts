import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallAudio, recordingPath } from '../../../electron/cli/call-audio.ts';
import { writeWavFile, readWavFile } from '../../../electron/media/devices/wav-format.ts';
import { dominantFrequency, rmsDbfs } from '../../helpers/audio-analysis.ts';

const dir = mkdtempSync(join(tmpdir(), 'parley-cli-audio-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function readFrames(source: { read(n: number): Int16Array | null }, frames: number): Int16Array {
  const out = new Int16Array(frames * 960);
  for (let i = 0; i < frames; i++) out.set(source.read(960)!, i * 960);
  return out;
}

test('recordings of later calls get -2, -3', () => {
  assert.equal(recordingPath('/x/b.wav', 1), '/x/b.wav');
  assert.equal(recordingPath('/x/b.wav', 2), '/x/b-2.wav');
  assert.equal(recordingPath('/x/rec', 3), '/x/rec-3');
});

test('--tone sends the tone at 48 kHz; --record writes what is heard, one file per call', async () => {
  const audio = await CallAudio.create({ tone: 1000, record: join(dir, 'b.wav') });
  const one = audio.devicesFor('call-1');
  assert.equal(audio.devicesFor('call-1').source, one.source, 'the same devices for the same call');
  const sent = readFrames(one.source, 50);
  assert.ok(Math.abs(dominantFrequency(sent, 48000) - 1000) < 1);
  assert.ok(Math.abs(rmsDbfs(sent) - -13) < 0.5, 'a -10 dBFS peak sine is about -13 dBFS RMS');
  for (let i = 0; i < 25; i++) one.sink.write(sent.subarray(i * 960, (i + 1) * 960));
  const two = audio.devicesFor('call-2');
  two.sink.write(new Int16Array(960));
  audio.release('call-1');
  audio.releaseAll();
  assert.equal(audio.recordingOf('call-1'), join(dir, 'b.wav'));
  assert.equal(audio.recordingOf('call-2'), join(dir, 'b-2.wav'));
  const wav = readWavFile(join(dir, 'b.wav'));
  assert.equal(wav.sampleRate, 48000);
  assert.equal(wav.samples.length, 25 * 960);
  assert.ok(Math.abs(dominantFrequency(wav.samples, 48000) - 1000) < 1);
  assert.equal(readWavFile(join(dir, 'b-2.wav')).samples.length, 960);
});

test('--play plays the file (resampled to 48 kHz) then silence; no source means silence', async () => {
  const file = join(dir, 'in.wav');
  const n = 8000; // 1 s at 8 kHz
  const pcm = new Int16Array(n);
  for (let i = 0; i < n; i++) pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000));
  writeWavFile(file, pcm, 8000);
  const audio = await CallAudio.create({ play: file });
  assert.equal(audio.playSeconds, 1);
  const { source } = audio.devicesFor('c');
  const first = readFrames(source, 50);
  assert.ok(Math.abs(dominantFrequency(first, 48000) - 440) < 1);
  const after = readFrames(source, 10);
  assert.equal(rmsDbfs(after), -Infinity, 'silence once the file has played, never null');
  const quiet = (await CallAudio.create({})).devicesFor('q').source;
  assert.equal(rmsDbfs(readFrames(quiet, 5)), -Infinity);
});

test('echo sends back what it hears', async () => {
  const audio = await CallAudio.create({ echo: true });
  const { source, sink } = audio.devicesFor('e');
  const frame = new Int16Array(960).map((_, i) => (i % 100) * 10);
  sink.write(frame);
  assert.deepEqual(source.read(960), frame);
});

test('a missing --play file is reported before any call', async () => {
  await assert.rejects(CallAudio.create({ play: join(dir, 'nope.wav') }), /ENOENT|no such file/i);
});
