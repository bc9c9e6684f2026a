/**
 * A bounded first-in first-out buffer of PCM samples (a ring). It joins a
 * pushing producer to a pulling consumer whose frame sizes differ (resampled
 * frames, echo device, mixer inputs). When full it drops the oldest samples:
 * for live audio, late sound is worse than lost sound.
 */
export class SampleFifo {
  #buf: Int16Array;
  #head = 0; // index of the oldest sample
  #size = 0;
  #dropped = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError(`bad capacity ${capacity}`);
    this.#buf = new Int16Array(capacity);
  }

  get capacity(): number {
    return this.#buf.length;
  }

  /** Samples currently buffered. */
  get length(): number {
    return this.#size;
  }

  /** Samples discarded so far because the buffer was full. */
  get dropped(): number {
    return this.#dropped;
  }

  push(samples: ArrayLike<number>): void {
    const cap = this.#buf.length;
    let src = 0;
    let n = samples.length;
    if (n > cap) {
      // Only the newest `cap` samples can survive.
      src = n - cap;
      this.#dropped += src;
      n = cap;
    }
    const overflow = this.#size + n - cap;
    if (overflow > 0) {
      this.#head = (this.#head + overflow) % cap;
      this.#size -= overflow;
      this.#dropped += overflow;
    }
    let tail = (this.#head + this.#size) % cap;
    for (let i = 0; i < n; i++) {
      this.#buf[tail] = samples[src + i]!;
      tail = tail + 1 === cap ? 0 : tail + 1;
    }
    this.#size += n;
  }

  /**
   * Removes up to `n` samples into a new array of length `n`; missing samples
   * are zero (silence). Returns how many were real in `available`.
   */
  shift(n: number): { samples: Int16Array; available: number } {
    const out = new Int16Array(n);
    const available = Math.min(n, this.#size);
    const cap = this.#buf.length;
    for (let i = 0; i < available; i++) {
      out[i] = this.#buf[this.#head]!;
      this.#head = this.#head + 1 === cap ? 0 : this.#head + 1;
    }
    this.#size -= available;
    return { samples: out, available };
  }

  clear(): void {
    this.#head = 0;
    this.#size = 0;
  }
}
