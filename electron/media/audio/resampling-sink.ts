/**
 * Adapts a sink to another rate: frames written at `sampleRate` reach the
 * inner sink resampled and re-cut into FRAME_MS frames at its own rate
 * (so a 44.1 kHz WAV writer still sees whole 20 ms frames).
 */
import { frameSamples, type AudioSink } from './frame.ts';
import { Resampler, type ResamplerOptions } from './resampler.ts';
import { SampleFifo } from './sample-fifo.ts';

export class ResamplingSink implements AudioSink {
  readonly sampleRate: number;
  readonly #inner: AudioSink;
  readonly #resampler: Resampler;
  readonly #fifo: SampleFifo;
  readonly #outFrame: number;

  /** Needs `initResampler()` to have finished when the rates differ. */
  constructor(inner: AudioSink, sampleRate: number, opts?: ResamplerOptions) {
    this.#inner = inner;
    this.sampleRate = sampleRate;
    this.#resampler = new Resampler(sampleRate, inner.sampleRate, opts);
    this.#outFrame = frameSamples(inner.sampleRate);
    this.#fifo = new SampleFifo(Math.max(sampleRate, inner.sampleRate));
  }

  write(frame: Int16Array): void {
    this.#fifo.push(this.#resampler.process(frame));
    while (this.#fifo.length >= this.#outFrame) this.#inner.write(this.#fifo.shift(this.#outFrame).samples);
  }

  /** Writes what is left (the last frame may be short) and closes the inner sink. */
  close(): Promise<void> | void {
    const tail = this.#resampler.inputLatency;
    if (tail > 0) this.#fifo.push(this.#resampler.process(new Int16Array(tail)));
    while (this.#fifo.length > 0) {
      const { samples, available } = this.#fifo.shift(Math.min(this.#outFrame, this.#fifo.length));
      this.#inner.write(samples.subarray(0, available));
    }
    this.#resampler.destroy();
    return this.#inner.close?.();
  }
}
