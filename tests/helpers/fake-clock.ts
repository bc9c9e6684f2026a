import type { Clock, TimerHandle } from '../../electron/common/clock.ts';

/** A deterministic clock: time moves only when a test calls `advance`. */
export class FakeClock implements Clock {
  #now = 0;
  #nextId = 1;
  #timers = new Map<number, { at: number; fn: () => void; seq: number }>();
  #seq = 0;

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    // As Node does: a delay above 2^31 - 1 ms does not wait at all but fires after 1 ms.
    const delay = ms > 2_147_483_647 ? 1 : Math.max(0, ms);
    this.#timers.set(id, { at: this.#now + delay, fn, seq: this.#seq++ });
    return { id };
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) this.#timers.delete(handle.id);
  }

  /** Number of timers still pending. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Move time forward by `ms`, firing due timers in order (timers set by timers fire too). */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let nextKey: number | undefined;
      let next: { at: number; fn: () => void; seq: number } | undefined;
      for (const [k, t] of this.#timers) {
        if (t.at <= end && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) {
          next = t;
          nextKey = k;
        }
      }
      if (!next || nextKey === undefined) break;
      this.#timers.delete(nextKey);
      this.#now = next.at;
      next.fn();
    }
    this.#now = end;
  }
}
