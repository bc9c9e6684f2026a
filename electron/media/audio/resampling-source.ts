/**
 * Adapts a source to another rate: `read(n)` returns exactly n samples at
 * `sampleRate`, pulling 20 ms frames from the inner source as needed. Used
 * where a device or file runs at a different rate than its consumer (a
 * 44.1 kHz WAV feeding a 48 kHz mixer; a 48 kHz device feeding G.722).
 */
import { frameSamples, type AudioSource } from './frame.ts';
import { Resampler, type ResamplerOptions } from './resampler.ts';
import { SampleFifo } from './sample-fifo.ts';

export class ResamplingSource implements AudioSource {
  readonly sampleRate: number;
  readonly #inner: AudioSource;
  readonly #resampler: Resampler;
  readonly #fifo: SampleFifo;
  #innerEnded = false;

  /** Needs `initResampler()` to have finished when the rates differ. */
  constructor(inner: AudioSource, sampleRate: number, opts?: ResamplerOptions) {
    this.#inner = inner;
    this.sampleRate = sampleRate;
    this.#resampler = new Resampler(inner.sampleRate, sampleRate, opts);
    this.#fifo = new SampleFifo(Math.max(sampleRate, inner.sampleRate));
  }

  read(n: number): Int16Array | null {
    const inFrame = frameSamples(this.#inner.sampleRate);
    while (this.#fifo.length < n && !this.#innerEnded) {
      const frame = this.#inner.read(inFrame);
      if (frame === null) {
        this.#innerEnded = true;
        // Flush the filter's delay line so the last samples come out.
        const tail = this.#resampler.inputLatency;
        if (tail > 0) this.#fifo.push(this.#resampler.process(new Int16Array(tail)));
        break;
      }
      this.#fifo.push(this.#resampler.process(frame));
    }
    if (this.#innerEnded && this.#fifo.length === 0) return null;
    return this.#fifo.shift(n).samples;
  }

  close(): void {
    this.#resampler.destroy();
    this.#inner.close?.();
  }
}
