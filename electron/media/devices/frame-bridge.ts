/**
 * Joins a pushing producer to a pulling consumer at one rate: frames
 * written go into a bounded FIFO, read() takes any number of samples out.
 * An underrun yields silence for the missing part (live audio must not
 * stop); an overrun drops the oldest audio. Used for frames arriving from
 * the renderer or a WebSocket, and by the echo device.
 */
import { DEVICE_RATE, type AudioSink, type AudioSource } from '../audio/frame.ts';
import { SampleFifo } from '../audio/sample-fifo.ts';

export interface FrameBridgeOptions {
  sampleRate?: number;
  /** Most audio held before the oldest is dropped (default 500 ms). */
  maxBufferMs?: number;
  /**
   * Live capture: a read takes the newest audio and drops anything older
   * (counted in `stale`). The writer ticks its reader once per frame, so
   * more than a frame waiting means frames came while nobody read them (the
   * call on hold, media not started yet): kept, they would delay everything
   * said from then on by as much, for the rest of the call.
   */
  newestOnly?: boolean;
}

export class FrameBridge implements AudioSink, AudioSource {
  readonly sampleRate: number;
  readonly #fifo: SampleFifo;
  readonly #newestOnly: boolean;
  #underruns = 0;
  #stale = 0;
  #closed = false;

  constructor(opts: FrameBridgeOptions = {}) {
    this.sampleRate = opts.sampleRate ?? DEVICE_RATE;
    this.#fifo = new SampleFifo(Math.max(1, Math.round(((opts.maxBufferMs ?? 500) * this.sampleRate) / 1000)));
    this.#newestOnly = opts.newestOnly ?? false;
  }

  /** Samples skipped by reads because newer audio was waiting (newestOnly). */
  get stale(): number {
    return this.#stale;
  }

  /** Samples waiting to be read. */
  get buffered(): number {
    return this.#fifo.length;
  }

  /** Reads that found less audio than asked for. */
  get underruns(): number {
    return this.#underruns;
  }

  /** Samples dropped because the buffer was full. */
  get dropped(): number {
    return this.#fifo.dropped;
  }

  write(frame: Int16Array): void {
    if (!this.#closed) this.#fifo.push(frame);
  }

  /** Buffered audio, padded with silence; null once closed and drained. */
  read(n: number): Int16Array | null {
    if (this.#closed && this.#fifo.length === 0) return null;
    if (this.#newestOnly && this.#fifo.length > n) {
      const old = this.#fifo.length - n;
      this.#fifo.shift(old);
      this.#stale += old;
    }
    const { samples, available } = this.#fifo.shift(n);
    if (available < n && !this.#closed) this.#underruns++;
    return samples;
  }

  /** No more writes; reads drain what is left, then return null. */
  close(): void {
    this.#closed = true;
  }
}
