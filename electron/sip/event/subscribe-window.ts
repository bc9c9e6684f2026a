/**
 * How many out-of-dialog SUBSCRIBEs of one user agent are out at once.
 * A phone that watches 500 lines has 1,000 subscriptions to make when it
 * starts (or when its account comes back); fired at once they land on the
 * server as one burst — datagrams dropped from its receive buffer, then
 * retransmitted, and all 1,000 refreshes due in the same second an hour
 * later — and the phone itself holds 1,000 transactions and their garbage
 * at the same moment. A desk phone with a wall of busy lamps subscribes a
 * few at a time; so do we: at most `size` SUBSCRIBEs wait for their final
 * answer, the others queue in order. Unsubscribes (Expires: 0, when the
 * phone stops or a watch is removed) take turns too: 1,000 of them at once
 * are the same burst. Refreshes inside a subscription's dialog are not
 * paced (their timers are spread by when each began).
 */
export class SubscribeWindow {
  readonly #size: number;
  #out = 0;
  /** Waiting turns, oldest first (a queue read from #head: no shifting of a long array). */
  #waiting: (() => void)[] = [];
  #head = 0;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('a subscribe window holds at least one SUBSCRIBE');
    this.#size = size;
  }

  /** SUBSCRIBEs out now. */
  get out(): number {
    return this.#out;
  }

  /** Turns waiting. */
  get waiting(): number {
    return this.#waiting.length - this.#head;
  }

  /** Resolves when this SUBSCRIBE may go; the function it gives ends the turn (once its final answer came, or it was not sent). */
  turn(): Promise<() => void> {
    return new Promise((resolve) => {
      const start = () => {
        this.#out++;
        let ended = false;
        resolve(() => {
          if (ended) return;
          ended = true;
          this.#out--;
          this.#next();
        });
      };
      if (this.#out < this.#size && this.waiting === 0) start();
      else this.#waiting.push(start);
    });
  }

  #next(): void {
    while (this.#out < this.#size && this.#head < this.#waiting.length) {
      const start = this.#waiting[this.#head]!;
      this.#head++;
      start();
    }
    if (this.#head > 64 && this.#head * 2 > this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#head);
      this.#head = 0;
    }
  }
}
