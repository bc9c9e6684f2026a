/** Digital silence, endless or for a set time (a muted microphone, a placeholder device). */
import { DEVICE_RATE, type AudioSource } from '../audio/frame.ts';

export class SilenceSource implements AudioSource {
  readonly sampleRate: number;
  readonly #total: number;
  #n = 0;
  #closed = false;

  constructor(opts: { sampleRate?: number; durationMs?: number } = {}) {
    this.sampleRate = opts.sampleRate ?? DEVICE_RATE;
    this.#total = opts.durationMs === undefined ? Infinity : Math.round((opts.durationMs * this.sampleRate) / 1000);
  }

  read(n: number): Int16Array | null {
    if (this.#closed || this.#n >= this.#total) return null;
    this.#n += n;
    return new Int16Array(n);
  }

  close(): void {
    this.#closed = true;
  }
}
