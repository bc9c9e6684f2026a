/**
 * Synthetic speech for codec tests: espeak-ng renders a sentence to a WAV
 * (22050 Hz) in a fresh temp dir, which is read and resampled to the rate a
 * test needs. Returns undefined when espeak-ng is not installed, so tests
 * can skip rather than fail on machines without it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resampler, initResampler } from '../../../../electron/media/audio/resampler.ts';
import { readWavFile } from '../../../../electron/media/devices/wav-format.ts';

export const SPEECH_TEXT = 'The quick brown fox jumps over the lazy dog. Parley places real calls with real audio.';

let cached: { rate: number; samples: Int16Array } | null | undefined;

function render(): { rate: number; samples: Int16Array } | null {
  const dir = mkdtempSync(join(tmpdir(), 'parley-speech-'));
  try {
    const wav = join(dir, 'speech.wav');
    const r = spawnSync('espeak-ng', ['-w', wav, SPEECH_TEXT], { timeout: 20000, stdio: 'ignore' });
    if (r.error || r.status !== 0) return null;
    const data = readWavFile(wav);
    return { rate: data.sampleRate, samples: data.samples };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** espeak-ng speech at `rate` (≈ 5 s), or undefined without espeak-ng. */
export async function speechAt(rate: number): Promise<Int16Array | undefined> {
  if (cached === undefined) cached = render();
  if (cached === null) return undefined;
  if (cached.rate === rate) return cached.samples.slice();
  await initResampler();
  const r = new Resampler(cached.rate, rate, { quality: 10 });
  try {
    const lat = r.inputLatency;
    const a = r.process(cached.samples);
    const b = r.process(new Int16Array(lat));
    const all = new Int16Array(a.length + b.length);
    all.set(a);
    all.set(b, a.length);
    const skip = Math.round((lat * rate) / cached.rate);
    return all.slice(skip, skip + Math.round((cached.samples.length * rate) / cached.rate));
  } finally {
    r.destroy();
  }
}
