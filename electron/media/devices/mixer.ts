/**
 * Mixes several sources into one (several calls and ringing sharing one
 * speaker): each read() pulls one frame from every input, sums in 32 bits
 * and saturates once at the end, so intermediate sums never wrap. All
 * inputs run at the mixer's rate (put a ResamplingSource in front of any
 * that do not). An input that ends is dropped from the mix.
 */
import { DEVICE_RATE, type AudioSource } from '../audio/frame.ts';

export interface MixerInputOptions {
  /** Linear gain for this input (default 1). */
  gain?: number;
}

export interface MixerInput {
  readonly source: AudioSource;
  gain: number;
  /** Takes the input out of the mix (does not close its source). */
  remove(): void;
}

/** Sums `frames` (int16) with per-frame gains into one saturated frame of `n` samples. */
export function mixFrames(frames: readonly Int16Array[], n: number, gains?: readonly number[]): Int16Array {
  const acc = new Float64Array(n);
  frames.forEach((f, k) => {
    const g = gains?.[k] ?? 1;
    const m = Math.min(n, f.length);
    if (g === 1) for (let i = 0; i < m; i++) acc[i] = acc[i]! + f[i]!;
    else for (let i = 0; i < m; i++) acc[i] = acc[i]! + f[i]! * g;
  });
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const v = Math.round(acc[i]!);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}

export class Mixer implements AudioSource {
  readonly sampleRate: number;
  readonly #inputs = new Set<MixerInput>();
  #closed = false;

  constructor(opts: { sampleRate?: number } = {}) {
    this.sampleRate = opts.sampleRate ?? DEVICE_RATE;
  }

  get inputCount(): number {
    return this.#inputs.size;
  }

  add(source: AudioSource, opts: MixerInputOptions = {}): MixerInput {
    if (source.sampleRate !== this.sampleRate) {
      throw new RangeError(`mixer runs at ${this.sampleRate} Hz, input at ${source.sampleRate} Hz`);
    }
    const inputs = this.#inputs;
    const input: MixerInput = {
      source,
      gain: opts.gain ?? 1,
      remove: () => void inputs.delete(input),
    };
    inputs.add(input);
    return input;
  }

  /** The mix of one frame from every input; silence with no inputs; null once closed. */
  read(n: number): Int16Array | null {
    if (this.#closed) return null;
    const frames: Int16Array[] = [];
    const gains: number[] = [];
    for (const input of [...this.#inputs]) {
      const f = input.source.read(n);
      if (f === null) {
        this.#inputs.delete(input);
        continue;
      }
      frames.push(f);
      gains.push(input.gain);
    }
    return mixFrames(frames, n, gains);
  }

  /** Stops mixing and closes every input's source. */
  close(): void {
    this.#closed = true;
    for (const input of this.#inputs) input.source.close?.();
    this.#inputs.clear();
  }
}
