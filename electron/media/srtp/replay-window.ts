/**
 * Replay protection with a sliding window (RFC 3711 §3.3.2): the receiver
 * remembers the highest authenticated index and a 64-bit bitmap of the
 * indices just below it. Anything older than the window, or already marked,
 * is a replay. `check` runs before authentication (cheap rejection), `accept`
 * only after the tag verified, so forged packets cannot move the window.
 */
const WINDOW = 64n;
const MASK = (1n << WINDOW) - 1n;

export type ReplayVerdict = 'fresh' | 'replay' | 'too-old';

export class ReplayWindow {
  readonly size = Number(WINDOW);
  #highest = -1;
  #bitmap = 0n;

  get highest(): number {
    return this.#highest;
  }

  check(index: number): ReplayVerdict {
    if (this.#highest < 0 || index > this.#highest) return 'fresh';
    const behind = this.#highest - index;
    if (behind >= this.size) return 'too-old';
    return (this.#bitmap >> BigInt(behind)) & 1n ? 'replay' : 'fresh';
  }

  accept(index: number): void {
    if (this.#highest < 0) {
      this.#highest = index;
      this.#bitmap = 1n;
      return;
    }
    if (index > this.#highest) {
      const ahead = index - this.#highest;
      this.#bitmap = ahead >= this.size ? 1n : ((this.#bitmap << BigInt(ahead)) | 1n) & MASK;
      this.#highest = index;
    } else {
      const behind = this.#highest - index;
      if (behind < this.size) this.#bitmap |= 1n << BigInt(behind);
    }
  }
}
