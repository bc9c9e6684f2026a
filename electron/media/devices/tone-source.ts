/**
 * A sine tone (or a sum of them, e.g. a DTMF pair or a ring-back tone) at a
 * given peak level in dBFS: -6 dBFS peaks at half scale, as `sox synth`.
 * Phase runs on across frames so there are no clicks between reads.
 */
import { DEVICE_RATE, type AudioSource } from '../audio/frame.ts';
import { dbfsToAmplitude, saturate16 } from '../audio/pcm.ts';

export interface ToneSourceOptions {
  /** Hz; several frequencies are summed, each at `levelDbfs`. */
  frequency: number | readonly number[];
  /** Peak level of each component in dBFS (default -10). */
  levelDbfs?: number;
  sampleRate?: number;
  /** Ends (read() returns null) after this long; endless when absent. */
  durationMs?: number;
}

export class ToneSource implements AudioSource {
  readonly sampleRate: number;
  readonly #steps: number[];
  readonly #amplitude: number;
  readonly #total: number;
  #n = 0;
  #closed = false;

  constructor(opts: ToneSourceOptions) {
    this.sampleRate = opts.sampleRate ?? DEVICE_RATE;
    const freqs = typeof opts.frequency === 'number' ? [opts.frequency] : [...opts.frequency];
    for (const f of freqs) {
      if (!(f > 0 && f < this.sampleRate / 2)) throw new RangeError(`tone ${f} Hz outside (0, ${this.sampleRate / 2})`);
    }
    this.#steps = freqs.map((f) => (2 * Math.PI * f) / this.sampleRate);
    this.#amplitude = dbfsToAmplitude(opts.levelDbfs ?? -10);
    this.#total = opts.durationMs === undefined ? Infinity : Math.round((opts.durationMs * this.sampleRate) / 1000);
  }

  read(n: number): Int16Array | null {
    if (this.#closed || this.#n >= this.#total) return null;
    const out = new Int16Array(n);
    const real = Math.min(n, this.#total - this.#n);
    for (let i = 0; i < real; i++) {
      const t = this.#n + i;
      let v = 0;
      for (const w of this.#steps) v += Math.sin(w * t);
      out[i] = saturate16(Math.round(this.#amplitude * v));
    }
    this.#n += real;
    return out;
  }

  close(): void {
    this.#closed = true;
  }
}
