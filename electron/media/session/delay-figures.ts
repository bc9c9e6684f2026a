/**
 * Mean, minimum and maximum of a delay measured over a call (capture to
 * send, arrival to playout, jitter buffer depth), in constant memory.
 */
export interface DelayFigures {
  /** Mean, min and max over the call, ms; all 0 before anything was measured. */
  avgMs: number;
  minMs: number;
  maxMs: number;
  count: number;
}

export class DelayAccumulator {
  #sum = 0;
  #min = Infinity;
  #max = 0;
  #count = 0;

  add(ms: number): void {
    this.#sum += ms;
    this.#count++;
    if (ms < this.#min) this.#min = ms;
    if (ms > this.#max) this.#max = ms;
  }

  get figures(): DelayFigures {
    if (this.#count === 0) return { avgMs: 0, minMs: 0, maxMs: 0, count: 0 };
    return { avgMs: this.#sum / this.#count, minMs: this.#min, maxMs: this.#max, count: this.#count };
  }
}
