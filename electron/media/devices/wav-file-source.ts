/**
 * Plays a 16-bit PCM WAV file (mono, or stereo averaged to mono) as an
 * AudioSource at any rate: the whole file is resampled once when opened,
 * with the filter delay removed, so the output is time-aligned with the
 * file. Optional looping (hold music, test announcements).
 */
import { DEVICE_RATE, type AudioSource } from '../audio/frame.ts';
import { downmixToMono } from '../audio/pcm.ts';
import { Resampler, initResampler } from '../audio/resampler.ts';
import { readWavFile, type WavData } from './wav-format.ts';

export interface WavFileSourceOptions {
  /** Rate of the frames read() returns (default DEVICE_RATE). */
  sampleRate?: number;
  /** Start again at the end instead of ending. */
  loop?: boolean;
  /** speexdsp quality for the conversion (0..10, default 8: done once, so afford it). */
  quality?: number;
}

export class WavFileSource implements AudioSource {
  readonly sampleRate: number;
  /** Rate and channel count of the file itself. */
  readonly fileRate: number;
  readonly fileChannels: number;
  readonly #pcm: Int16Array;
  readonly #loop: boolean;
  #pos = 0;
  #closed = false;

  /**
   * Builds a source from decoded WAV data. When the rates differ the WASM
   * resampler must be initialised (openWavSource does that).
   */
  constructor(data: WavData, opts: WavFileSourceOptions = {}) {
    this.sampleRate = opts.sampleRate ?? DEVICE_RATE;
    this.fileRate = data.sampleRate;
    this.fileChannels = data.channels;
    this.#loop = opts.loop ?? false;
    this.#pcm = convert(downmixToMono(data.samples, data.channels), data.sampleRate, this.sampleRate, opts.quality ?? 8);
  }

  /** Total length at the output rate, in samples. */
  get length(): number {
    return this.#pcm.length;
  }

  read(n: number): Int16Array | null {
    if (this.#closed) return null;
    const pcm = this.#pcm;
    if (pcm.length === 0) return null;
    if (this.#pos >= pcm.length) {
      if (!this.#loop) return null;
      this.#pos = 0;
    }
    const out = new Int16Array(n);
    let filled = 0;
    while (filled < n) {
      const take = Math.min(n - filled, pcm.length - this.#pos);
      out.set(pcm.subarray(this.#pos, this.#pos + take), filled);
      filled += take;
      this.#pos += take;
      if (this.#pos >= pcm.length) {
        if (!this.#loop) break; // the last frame is padded with silence
        this.#pos = 0;
      }
    }
    return out;
  }

  close(): void {
    this.#closed = true;
  }
}

function convert(pcm: Int16Array, from: number, to: number, quality: number): Int16Array {
  if (from === to) return pcm.slice();
  const r = new Resampler(from, to, { quality });
  try {
    const lat = r.inputLatency;
    const body = r.process(pcm);
    const tail = r.process(new Int16Array(lat));
    const all = new Int16Array(body.length + tail.length);
    all.set(body);
    all.set(tail, body.length);
    // Drop the filter delay so sample 0 of the output is sample 0 of the file.
    const skip = Math.round((lat * to) / from);
    const want = Math.round((pcm.length * to) / from);
    return all.slice(skip, skip + want);
  } finally {
    r.destroy();
  }
}

/** Reads `path` and returns a source at the requested rate (initialising the resampler if needed). */
export async function openWavSource(path: string, opts: WavFileSourceOptions = {}): Promise<WavFileSource> {
  const data = readWavFile(path);
  if (data.sampleRate !== (opts.sampleRate ?? DEVICE_RATE)) await initResampler();
  return new WavFileSource(data, opts);
}
