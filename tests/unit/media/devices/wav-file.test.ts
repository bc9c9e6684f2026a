import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initMedia } from '../../../../electron/media/audio/init-media.ts';
import { WavFileSink, openWavSink } from '../../../../electron/media/devices/wav-file-sink.ts';
import { WavFileSource, openWavSource } from '../../../../electron/media/devices/wav-file-source.ts';
import { encodeWav, readWavFile, writeWavFile } from '../../../../electron/media/devices/wav-format.ts';
import { ToneSource } from '../../../../electron/media/devices/tone-source.ts';
import { dominantFrequency, findLag, rmsDbfs, sine } from '../../../helpers/audio-analysis.ts';

let dir = '';
before(async () => {
  await initMedia();
  dir = mkdtempSync(join(tmpdir(), 'parley-wav-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function readAll(src: { read(n: number): Int16Array | null }, n: number, limit = 100000): Int16Array {
  const parts: Int16Array[] = [];
  for (let f = src.read(n); f !== null && parts.length < limit; f = src.read(n)) parts.push(f);
  const out = new Int16Array(parts.length * n);
  parts.forEach((p, i) => out.set(p, i * n));
  return out;
}

test('source at the file rate: exact samples, last frame padded, then null', async () => {
  const x = sine(440, 8000, 1000, 9000);
  const p = join(dir, 'a.wav');
  writeWavFile(p, x, 8000);
  const src = await openWavSource(p, { sampleRate: 8000 });
  assert.equal(src.fileRate, 8000);
  const all = readAll(src, 160);
  assert.equal(all.length, 1120); // 7 frames, the last padded
  assert.deepEqual(all.subarray(0, 1000), x);
  assert.ok(all.subarray(1000).every((v) => v === 0));
  assert.equal(src.read(160), null);
});

test('stereo file is averaged to mono; looping wraps around', () => {
  const st = new Int16Array([100, 300, -100, -300, 50, 150]);
  const src = new WavFileSource({ sampleRate: 8000, channels: 2, samples: st }, { sampleRate: 8000, loop: true });
  assert.equal(src.fileChannels, 2);
  assert.deepEqual([...src.read(7)!], [200, -200, 100, 200, -200, 100, 200]);
  src.close();
  assert.equal(src.read(7), null);
});

test('source resamples 22050 → 48000 time-aligned with the file, keeping tone and level', async () => {
  const x = sine(1000, 22050, 22050, 12000);
  const p = join(dir, 'b.wav');
  writeWavFile(p, x, 22050);
  const src = await openWavSource(p); // DEVICE_RATE
  assert.equal(src.sampleRate, 48000);
  assert.equal(src.length, 48000);
  const y = readAll(src, 960);
  assert.ok(Math.abs(dominantFrequency(y.subarray(2400, 45600), 48000) - 1000) < 0.5);
  assert.ok(Math.abs(rmsDbfs(y.subarray(2400, 45600)) - rmsDbfs(x)) < 0.1);
  // Alignment: compare with the same tone generated at 48 kHz.
  const ref = sine(1000, 48000, 48000, 12000);
  assert.ok(Math.abs(findLag(ref.subarray(0, 4800), y.subarray(0, 4800), 20)) <= 1);
});

test('sink writes a valid file and finalises sizes on close; sox agrees', () => {
  const p = join(dir, 'c.wav');
  const sink = new WavFileSink(p, { sampleRate: 16000 });
  const tone = new ToneSource({ frequency: 800, levelDbfs: -6, sampleRate: 16000 });
  for (let i = 0; i < 100; i++) sink.write(tone.read(320)!); // 2 s
  assert.equal(sink.samplesWritten, 32000);
  sink.close();
  sink.close(); // idempotent
  const bytes = readFileSync(p);
  assert.equal(bytes.length, 44 + 64000);
  assert.equal(bytes.readUInt32LE(4), 36 + 64000);
  assert.equal(bytes.readUInt32LE(40), 64000);
  const d = readWavFile(p);
  assert.equal(d.samples.length, 32000);
  assert.ok(Math.abs(dominantFrequency(d.samples, 16000) - 800) < 0.5);
  const soxi = (flag: string) => spawnSync('soxi', [flag, p], { encoding: 'utf8', timeout: 10000 });
  const r = soxi('-r');
  if (!r.error && r.status === 0) {
    assert.equal(r.stdout.trim(), '16000');
    assert.equal(soxi('-c').stdout.trim(), '1');
    assert.equal(soxi('-s').stdout.trim(), '32000');
  }
});

test('stereo sink duplicates the mono signal on both channels', () => {
  const p = join(dir, 'd.wav');
  const sink = new WavFileSink(p, { sampleRate: 8000, channels: 2 });
  sink.write(new Int16Array([1, -2, 3]));
  sink.close();
  const d = readWavFile(p);
  assert.equal(d.channels, 2);
  assert.deepEqual([...d.samples], [1, 1, -2, -2, 3, 3]);
});

test('an unfinalised recording (writer crashed) is still readable up to the last flush', () => {
  const p = join(dir, 'e.wav');
  const sink = new WavFileSink(p, { sampleRate: 8000 });
  for (let i = 0; i < 30; i++) sink.write(new Int16Array(160).fill(1000)); // > 100 ms: batches flushed
  const d = readWavFile(p); // header still holds the 0xFFFFFFFF placeholder
  assert.ok(d.samples.length >= 3000 && d.samples.length < 4800, `${d.samples.length}`);
  assert.ok(d.samples.every((v) => v === 1000));
  sink.close();
  assert.equal(readWavFile(p).samples.length, 4800);
});

test('openWavSink records at another rate (48 kHz frames → 8 kHz file)', async () => {
  const p = join(dir, 'f.wav');
  const sink = await openWavSink(p, { sampleRate: 48000, fileRate: 8000 });
  const tone = new ToneSource({ frequency: 1000, levelDbfs: -10 });
  for (let i = 0; i < 50; i++) sink.write(tone.read(960)!);
  await sink.close?.();
  const d = readWavFile(p);
  assert.equal(d.sampleRate, 8000);
  assert.ok(Math.abs(d.samples.length - 8000) <= 160, `${d.samples.length}`);
  assert.ok(Math.abs(dominantFrequency(d.samples.subarray(800), 8000) - 1000) < 0.5);
  assert.ok(Math.abs(rmsDbfs(d.samples.subarray(800, 7000)) - (-10 - 3.01)) < 0.2);
});

test('a WAV written by sox plays back (interop)', async (t) => {
  const p = join(dir, 'sox.wav');
  const r = spawnSync('sox', ['-n', '-r', '44100', '-c', '2', '-b', '16', p, 'synth', '0.5', 'sine', '600', 'vol', '-6dB'], {
    timeout: 10000,
  });
  if (r.error || r.status !== 0) return t.skip('sox not available');
  const src = await openWavSource(p, { sampleRate: 16000 });
  const y = readAll(src, 320);
  assert.ok(Math.abs(dominantFrequency(y.subarray(800, 7200), 16000) - 600) < 0.5);
  assert.ok(Math.abs(rmsDbfs(y.subarray(800, 7200)) - (-6 - 3.01)) < 0.3);
  writeFileSync(join(dir, 'unused'), encodeWav(new Int16Array(0), 8000));
});
