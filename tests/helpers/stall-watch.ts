/**
 * Watches the test process's event loop during a call. Parley's headless
 * media clock (electron/media/session/media-clock.ts) runs missed 20 ms ticks
 * back to back after a stall of less than 10 frames, but after a longer one
 * it re-anchors and skips the whole gap: nothing is sent or played for that
 * time. On a loaded 2-core test machine such stalls happen (another test's
 * tsc, GC); the media tests excuse exactly the audio time lost that way and
 * report it, instead of failing on the host or hiding real gaps. Unit tests
 * with both ends of a call in this process excuse `audibleMs` the same way.
 */

export interface StallReport {
  /** Longest time between two watchdog ticks beyond their interval, ms. */
  maxStallMs: number;
  /** Sum of the stalls long enough for the media clock to skip them (≥ 200 ms), ms. */
  lostMs: number;
  /** Every stall over 50 ms, in order. */
  stalls: number[];
  /**
   * Audio time a receiver in this process may lose to stalls: each stall of
   * 40 ms or more (the jitter buffer's depth) plus one frame. When the loop
   * stalls, the playout ticks due in the gap run before the socket is read,
   * so they find the buffer empty: the gap is heard, as on any real-time
   * receiver whose process is not scheduled.
   */
  audibleMs: number;
}

const INTERVAL_MS = 10;
/** MediaClock's default maxCatchUpFrames (10) × 20 ms. */
const SKIP_AFTER_MS = 200;
const AUDIBLE_AFTER_MS = 40;
const FRAME_MS = 20;

export class StallWatch {
  #timer: NodeJS.Timeout | undefined;
  #last = 0;
  #report: StallReport = { maxStallMs: 0, lostMs: 0, stalls: [], audibleMs: 0 };

  start(): this {
    this.#last = performance.now();
    this.#timer = setInterval(() => this.#tick(), INTERVAL_MS);
    // A test that fails before stop() must not be kept alive by the watch.
    this.#timer.unref();
    return this;
  }

  #tick(): void {
    const now = performance.now();
    const stall = now - this.#last - INTERVAL_MS;
    this.#last = now;
    if (stall > this.#report.maxStallMs) this.#report.maxStallMs = stall;
    if (stall > 50) this.#report.stalls.push(Math.round(stall));
    if (stall >= SKIP_AFTER_MS) this.#report.lostMs += stall;
    if (stall >= AUDIBLE_AFTER_MS) this.#report.audibleMs += stall + FRAME_MS;
  }

  stop(): StallReport {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#tick();
    return { ...this.#report, stalls: [...this.#report.stalls] };
  }
}
