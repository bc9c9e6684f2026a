/**
 * Replay protection with a sliding window (RFC 3711 §3.3.2): the receiver
 * remembers the highest authenticated index and a 64-bit bitmap of the
 * indices just below it. Anything older than the window, or already marked,
 * is a replay. `check` runs before authentication (cheap rejection), `accept`
 * only after the tag verified, so forged packets cannot move the window.
 */
const WINDOW = 64;

export type ReplayVerdict = 'fresh' | 'replay' | 'too-old';

/**
 * The bitmap is two 32-bit words (bit k: index highest − k was accepted), not
 * a BigInt: BigInt shifts allocate, and this runs for every packet received.
 */
export class ReplayWindow {
  readonly size = WINDOW;
  #highest = -1;
  #low = 0;
  #high = 0;

  get highest(): number {
    return this.#highest;
  }

  check(index: number): ReplayVerdict {
    if (this.#highest < 0 || index > this.#highest) return 'fresh';
    const behind = this.#highest - index;
    if (behind >= WINDOW) return 'too-old';
    return this.#bit(behind) ? 'replay' : 'fresh';
  }

  accept(index: number): void {
    if (this.#highest < 0) {
      this.#highest = index;
      this.#low = 1;
      this.#high = 0;
      return;
    }
    if (index > this.#highest) {
      this.#shift(index - this.#highest);
      this.#low = (this.#low | 1) >>> 0;
      this.#highest = index;
    } else {
      const behind = this.#highest - index;
      if (behind < WINDOW) this.#set(behind);
    }
  }

  #bit(k: number): number {
    return k < 32 ? (this.#low >>> k) & 1 : (this.#high >>> (k - 32)) & 1;
  }

  #set(k: number): void {
    if (k < 32) this.#low = (this.#low | (1 << k)) >>> 0;
    else this.#high = (this.#high | (1 << (k - 32))) >>> 0;
  }

  /** The window moves up by `n` (> 0): every bit k becomes bit k + n, those past 63 fall out. */
  #shift(n: number): void {
    if (n >= WINDOW) {
      this.#low = 0;
      this.#high = 0;
    } else if (n >= 32) {
      this.#high = n === 32 ? this.#low : (this.#low << (n - 32)) >>> 0;
      this.#low = 0;
    } else {
      this.#high = ((this.#high << n) | (this.#low >>> (32 - n))) >>> 0;
      this.#low = (this.#low << n) >>> 0;
    }
  }
}
