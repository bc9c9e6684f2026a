/**
 * Cuts the capture worklet's 128-sample render quanta into the 20 ms frames
 * the engine expects (960 samples at 48 kHz; docs/architecture.md §5), converting
 * Web Audio's float samples to Int16 and measuring each frame's level for
 * the input meter. Pure, so it is tested without an AudioContext.
 */

export interface FrameLevel {
  /** Root mean square, 0–1. */
  rms: number;
  /** Largest absolute sample, 0–1. */
  peak: number;
}

/** -1…1 float to Int16, clipping instead of wrapping around on overload. */
export function floatToInt16(x: number): number {
  if (!(x > -1)) return -32768; // also maps NaN to a defined value
  if (x >= 1) return 32767;
  return x < 0 ? Math.round(x * 32768) : Math.round(x * 32767);
}

export class FrameChunker {
  readonly frameSamples: number;
  #frame: Int16Array;
  #fill = 0;
  #sumSquares = 0;
  #peak = 0;

  constructor(frameSamples = 960) {
    if (!Number.isInteger(frameSamples) || frameSamples <= 0) throw new RangeError('frameSamples must be a positive integer');
    this.frameSamples = frameSamples;
    this.#frame = new Int16Array(frameSamples);
  }

  /** Samples waiting for the rest of their frame. */
  get buffered(): number {
    return this.#fill;
  }

  /** Adds samples; calls `onFrame` once per completed frame, with a fresh array the callee may keep or transfer. */
  push(input: ArrayLike<number>, onFrame: (frame: Int16Array, level: FrameLevel) => void): void {
    for (let i = 0; i < input.length; i++) {
      const x = input[i]!;
      const clipped = x > 1 ? 1 : x < -1 ? -1 : Number.isNaN(x) ? 0 : x;
      this.#frame[this.#fill++] = floatToInt16(clipped);
      this.#sumSquares += clipped * clipped;
      const abs = clipped < 0 ? -clipped : clipped;
      if (abs > this.#peak) this.#peak = abs;
      if (this.#fill === this.frameSamples) {
        const frame = this.#frame;
        const level = { rms: Math.sqrt(this.#sumSquares / this.frameSamples), peak: this.#peak };
        this.#frame = new Int16Array(this.frameSamples);
        this.#fill = 0;
        this.#sumSquares = 0;
        this.#peak = 0;
        onFrame(frame, level);
      }
    }
  }

  /** Forgets a partial frame (after a device change, so old audio is not glued to new). */
  reset(): void {
    this.#fill = 0;
    this.#sumSquares = 0;
    this.#peak = 0;
  }
}
