/**
 * The playback worklet's ring buffer: ~60 ms of the engine's frames between
 * the network's timing and the sound card's. Pure, so it is tested without
 * an AudioContext.
 *
 *   waiting ──buffered ≥ prime──▶ playing ──underrun──▶ waiting
 *
 * - Starts playing only once `prime` samples are in (a little slack against
 *   frames that arrive late), and after every underrun primes again.
 * - Underrun: the samples that are there are played and faded out over
 *   `fade` samples, then silence; playback fades back in when it resumes.
 *   A hard cut to zero would click.
 * - Overflow (the sender's clock runs faster than the card's, or a burst):
 *   the oldest samples are dropped so latency stays bounded.
 */

export interface RingStats {
  buffered: number;
  underruns: number;
  overflows: number;
  droppedSamples: number;
  playing: boolean;
}

export class PlaybackRing {
  readonly capacity: number;
  readonly prime: number;
  readonly fade: number;
  #data: Float32Array;
  #read = 0;
  #size = 0;
  #playing = false;
  #fadeIn = 0;
  #underruns = 0;
  #overflows = 0;
  #dropped = 0;

  /** Defaults at 48 kHz: 60 ms capacity, 30 ms prime, 1 ms fades. */
  constructor(capacity = 2880, prime = 1440, fade = 48) {
    if (!(capacity > 0) || !(prime > 0) || prime > capacity || fade < 0) throw new RangeError('need 0 < prime ≤ capacity and fade ≥ 0');
    this.capacity = capacity;
    this.prime = prime;
    this.fade = fade;
    this.#data = new Float32Array(capacity);
  }

  get stats(): RingStats {
    return { buffered: this.#size, underruns: this.#underruns, overflows: this.#overflows, droppedSamples: this.#dropped, playing: this.#playing };
  }

  /** Adds samples: Int16 from the engine (scaled to ±1) or floats as they are. */
  write(samples: Int16Array | Float32Array): void {
    const scale = samples instanceof Int16Array ? 1 / 32768 : 1;
    let start = 0;
    if (samples.length > this.capacity) {
      // More than fits at all: only the newest part can be played in time.
      start = samples.length - this.capacity;
      this.#dropped += start;
    }
    const n = samples.length - start;
    const excess = this.#size + n - this.capacity;
    if (excess > 0) {
      this.#read = (this.#read + excess) % this.capacity;
      this.#size -= excess;
      this.#dropped += excess;
    }
    if (excess > 0 || start > 0) this.#overflows++;
    let w = (this.#read + this.#size) % this.capacity;
    for (let i = start; i < samples.length; i++) {
      this.#data[w] = samples[i]! * scale;
      w = w + 1 === this.capacity ? 0 : w + 1;
    }
    this.#size += n;
  }

  /** Fills `out` completely; returns how many samples came from the buffer (the rest is silence). */
  read(out: Float32Array): number {
    if (!this.#playing) {
      if (this.#size < this.prime) {
        out.fill(0);
        return 0;
      }
      this.#playing = true;
      this.#fadeIn = 0;
    }
    const n = Math.min(out.length, this.#size);
    for (let i = 0; i < n; i++) {
      let x = this.#data[this.#read]!;
      if (this.#fadeIn < this.fade) x *= ++this.#fadeIn / this.fade;
      out[i] = x;
      this.#read = this.#read + 1 === this.capacity ? 0 : this.#read + 1;
    }
    this.#size -= n;
    if (n < out.length) {
      const f = Math.min(this.fade, n);
      for (let i = 0; i < f; i++) out[n - f + i]! *= (f - i - 1) / f;
      out.fill(0, n);
      this.#playing = false;
      this.#underruns++;
    }
    return n;
  }

  clear(): void {
    this.#read = 0;
    this.#size = 0;
    this.#playing = false;
  }
}
