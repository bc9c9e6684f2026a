/** Discards audio, counting it (a speaker for headless runs and tests). */
import { DEVICE_RATE, type AudioSink } from '../audio/frame.ts';

export class NullSink implements AudioSink {
  readonly sampleRate: number;
  #frames = 0;
  #samples = 0;

  constructor(sampleRate: number = DEVICE_RATE) {
    this.sampleRate = sampleRate;
  }

  get framesWritten(): number {
    return this.#frames;
  }

  get samplesWritten(): number {
    return this.#samples;
  }

  write(frame: Int16Array): void {
    this.#frames++;
    this.#samples += frame.length;
  }
}
