/**
 * The playback worklet's ring buffer between the engine's frames and the
 * sound card's. Pure, so it is tested without an AudioContext.
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
 *
 * Adaptive (with `adapt`): the slack is sized by how unevenly frames really
 * arrive, not fixed. The level just before each write is how close playback
 * came to running dry (the low-water mark); the ring wants it at `margin`:
 *
 * - margin starts at `initialMargin`; an underrun raises it by what was
 *   missing plus one render quantum (at most `maxMargin`); every
 *   `CLEAN_WINDOWS` windows of `window` writes without one lower it by a
 *   quantum (at least `minMargin`);
 * - after each window, whatever the low-water mark held beyond the margin
 *   is more delay than the arrivals needed: it is skipped — in silence at
 *   once, in sound one short piece per `SPEECH_SKIP_QUANTA` reads — each
 *   skip cross-faded over `fade` samples, so the delay comes down after a
 *   burst of late frames instead of staying up for the rest of the call;
 * - prime = margin + one frame.
 */

export interface RingStats {
  buffered: number;
  underruns: number;
  overflows: number;
  droppedSamples: number;
  playing: boolean;
  /** Samples skipped to bring the delay down (adaptive only). */
  skippedSamples: number;
  /** The slack the ring keeps at the low-water mark, samples. */
  margin: number;
}

export interface RingAdaptation {
  /** Samples per write (one engine frame). */
  frame: number;
  minMargin: number;
  maxMargin: number;
  initialMargin: number;
  /** Writes per judgement of the low-water mark. */
  window: number;
  /** One render quantum (the step of the margin, and the least excess worth skipping). */
  quantum: number;
}

/** |x| below this (−50 dBFS) is silence, skipped at once. */
const QUIET = 10 ** (-50 / 20);
/** In sound, at most one skip of SPEECH_SKIP samples per this many reads. */
const SPEECH_SKIP_QUANTA = 8;
const SPEECH_SKIP = 64;
/** Windows without an underrun before the margin comes down a quantum. */
const CLEAN_WINDOWS = 4;

export class PlaybackRing {
  readonly capacity: number;
  readonly fade: number;
  readonly #fixedPrime: number;
  readonly #adapt: RingAdaptation | undefined;
  #data: Float32Array;
  #read = 0;
  #size = 0;
  #playing = false;
  #fadeIn = 0;
  #underruns = 0;
  #overflows = 0;
  #dropped = 0;
  #skipped = 0;
  #margin = 0;
  #lowWater = Infinity;
  #writes = 0;
  #underrunInWindow = false;
  #cleanWindows = 0;
  /** Samples still to skip. */
  #excess = 0;
  #readsSinceSkip = 0;

  /** Defaults at 48 kHz: 60 ms capacity, 30 ms prime, 1 ms fades. */
  constructor(capacity = 2880, prime = 1440, fade = 48, adapt?: RingAdaptation) {
    if (!(capacity > 0) || !(prime > 0) || prime > capacity || fade < 0) throw new RangeError('need 0 < prime ≤ capacity and fade ≥ 0');
    if (adapt && !(adapt.minMargin >= 0 && adapt.minMargin <= adapt.initialMargin && adapt.initialMargin <= adapt.maxMargin && adapt.maxMargin + adapt.frame <= capacity)) {
      throw new RangeError('need 0 ≤ minMargin ≤ initialMargin ≤ maxMargin and maxMargin + frame ≤ capacity');
    }
    this.capacity = capacity;
    this.#fixedPrime = prime;
    this.fade = fade;
    this.#adapt = adapt;
    this.#margin = adapt?.initialMargin ?? 0;
    this.#data = new Float32Array(capacity);
  }

  get prime(): number {
    return this.#adapt ? this.#margin + this.#adapt.frame : this.#fixedPrime;
  }

  get stats(): RingStats {
    return {
      buffered: this.#size,
      underruns: this.#underruns,
      overflows: this.#overflows,
      droppedSamples: this.#dropped,
      playing: this.#playing,
      skippedSamples: this.#skipped,
      margin: this.#margin,
    };
  }

  /** Adds samples: Int16 from the engine (scaled to ±1) or floats as they are. */
  write(samples: Int16Array | Float32Array): void {
    if (this.#adapt && this.#playing) this.#judge(this.#adapt);
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

  /** The level before a write is the low-water mark's candidate; every `window` writes, the margin and the excess are judged. */
  #judge(a: RingAdaptation): void {
    if (this.#size < this.#lowWater) this.#lowWater = this.#size;
    if (++this.#writes < a.window) return;
    this.#cleanWindows = this.#underrunInWindow ? 0 : this.#cleanWindows + 1;
    if (this.#cleanWindows >= CLEAN_WINDOWS) {
      this.#margin = Math.max(a.minMargin, this.#margin - a.quantum);
      this.#cleanWindows = 0;
    }
    const extra = this.#lowWater - this.#margin;
    this.#excess = extra >= a.quantum ? extra : 0;
    this.#writes = 0;
    this.#lowWater = Infinity;
    this.#underrunInWindow = false;
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
      this.#writes = 0;
      this.#lowWater = Infinity;
      this.#excess = 0;
    }
    if (this.#excess > 0) this.#skip(out.length);
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
      if (this.#adapt) {
        this.#margin = Math.min(this.#adapt.maxMargin, this.#margin + (out.length - n) + this.#adapt.quantum);
        this.#underrunInWindow = true;
      }
    }
    return n;
  }

  /**
   * Skips part of the excess before a read of `need` samples, keeping at
   * least that much (and the margin) buffered: all of it where the audio is
   * silent, else SPEECH_SKIP samples now and then. The samples after the
   * gap are cross-faded with the ones it removed.
   */
  #skip(need: number): void {
    this.#readsSinceSkip++;
    const room = Math.min(this.#excess, this.#size - need - this.fade);
    if (room <= 0) return;
    let k = 0;
    if (this.#quiet(room + this.fade)) k = room;
    else if (this.#readsSinceSkip >= SPEECH_SKIP_QUANTA) k = Math.min(room, SPEECH_SKIP);
    if (k <= 0) return;
    const c = this.capacity;
    for (let i = 0; i < this.fade; i++) {
      const a = (i + 1) / (this.fade + 1);
      const from = (this.#read + i) % c;
      const to = (this.#read + k + i) % c;
      this.#data[to] = this.#data[from]! * (1 - a) + this.#data[to]! * a;
    }
    this.#read = (this.#read + k) % c;
    this.#size -= k;
    this.#excess -= k;
    this.#skipped += k;
    this.#readsSinceSkip = 0;
  }

  #quiet(n: number): boolean {
    const c = this.capacity;
    for (let i = 0; i < n; i++) if (Math.abs(this.#data[(this.#read + i) % c]!) >= QUIET) return false;
    return true;
  }

  clear(): void {
    this.#read = 0;
    this.#size = 0;
    this.#playing = false;
    this.#excess = 0;
  }
}
