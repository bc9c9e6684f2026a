/**
 * Timers for an idle phone's periodic work — a keep-alive per registered
 * flow, the network check — that may run anywhere inside a window, batched
 * so that the process wakes as seldom as it can. Each wake-up of a Node
 * process costs a fixed amount of CPU whatever little it does (≈ 0.2–0.9 ms
 * here: the event loop, the timers list, V8 entering and leaving), so an
 * idle phone whose three flows and its network check each kept a timer of
 * their own woke ≈ 40 times a minute; batched it wakes ≈ 3 times.
 *
 * `schedule(fn, earliest, latest)` runs `fn` once, at `latest` ms from now
 * at the latest, and sooner when another timer of the same set fires after
 * `earliest` has passed: one real timer is armed for the soonest `latest`,
 * and when it fires every timer whose window has opened runs (by `latest`,
 * then in the order scheduled). A timer scheduled from inside a batch waits
 * for its own window, like any other.
 *
 *   schedule() ──▶ waiting ── the set's timer fires, window open ──▶ run
 *                     │
 *                     └── cancel() ──▶ cancelled
 */
import type { Clock, TimerHandle } from './clock.ts';

export interface IdleTimer {
  cancel(): void;
}

interface Entry extends IdleTimer {
  readonly earliestAt: number;
  readonly latestAt: number;
  readonly seq: number;
  readonly fn: () => void;
}

export class IdleTimers {
  readonly #clock: Clock;
  readonly #entries = new Set<Entry>();
  #timer: TimerHandle | undefined;
  /** When the armed timer is due (monotonic ms). */
  #armedAt = Infinity;
  #seq = 0;
  #running = false;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Timers waiting. */
  get pending(): number {
    return this.#entries.size;
  }

  /** Runs `fn` once, no sooner than `earliestMs` and no later than `latestMs` from now (0 ≤ earliest ≤ latest). */
  schedule(fn: () => void, earliestMs: number, latestMs: number): IdleTimer {
    const now = this.#clock.now();
    const latest = Math.max(0, latestMs);
    const entry: Entry = {
      earliestAt: now + Math.min(Math.max(0, earliestMs), latest),
      latestAt: now + latest,
      seq: this.#seq++,
      fn,
      cancel: () => {
        // Only the timer the real one is armed for can change when it is due.
        if (this.#entries.delete(entry) && entry.latestAt <= this.#armedAt) this.#arm();
      },
    };
    this.#entries.add(entry);
    // The armed timer comes first: nothing to change (the usual case, and no scan of a long list).
    if (this.#running || entry.latestAt < this.#armedAt) this.#arm();
    return entry;
  }

  /** Arms the one real timer for the soonest `latest` (unless a batch is running: it arms when done). */
  #arm(): void {
    if (this.#running) return;
    let soonest = Infinity;
    for (const e of this.#entries) soonest = Math.min(soonest, e.latestAt);
    if (soonest === this.#armedAt) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedAt = soonest;
    if (soonest === Infinity) return;
    this.#timer = this.#clock.setTimeout(() => this.#fire(), Math.max(0, soonest - this.#clock.now()));
  }

  #fire(): void {
    const armedAt = this.#armedAt;
    this.#timer = undefined;
    this.#armedAt = Infinity;
    const now = this.#clock.now();
    // The timer's own entries run even if it fired a hair early (Node arms from the event loop's cached time).
    const due = [...this.#entries].filter((e) => e.earliestAt <= now || e.latestAt <= armedAt).sort((a, b) => a.latestAt - b.latestAt || a.seq - b.seq);
    for (const e of due) this.#entries.delete(e);
    this.#running = true;
    let failure: { error: unknown } | undefined;
    try {
      for (const e of due) {
        try {
          e.fn();
        } catch (error) {
          failure ??= { error };
        }
      }
    } finally {
      this.#running = false;
      this.#arm();
    }
    // As a plain timer's would: a throwing callback is not swallowed (the others ran first).
    if (failure) throw failure.error;
  }
}
