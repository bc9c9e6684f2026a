/**
 * Time source injected into every state machine with timers (SIP transactions,
 * registration refresh, RTCP intervals, jitter buffer). Production uses
 * `systemClock`; tests use `FakeClock` (tests/helpers/fake-clock.ts) so that
 * Timer B firing after 64*T1 is a deterministic step, not a 32 s wait.
 * The system clock runs a timer of LONG_TIMER_MS or more up to longTimerSlack()
 * late, batched with the process's other long timers (one wake-up for them).
 */
import { IdleTimers, type IdleTimer } from './idle-timers.ts';

export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  /**
   * Milliseconds since the epoch, what the API's timestamps are (wall-time.ts). The system clock reads the real
   * wall clock (it follows NTP and keeps counting through a laptop's sleep, which the monotonic clock does not);
   * a clock without it (a test's fake clock) gives its start-up epoch plus its own elapsed time.
   */
  wallNow?(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

let nextId = 1;

/**
 * Monotonic milliseconds since the process started, as performance.now()
 * counts them, but read with process.hrtime: the global `performance`
 * loads Node's perf_hooks (eleven modules, ≈ 0.5 MB of an idle phone's
 * memory) on its first use, and costs no less per call.
 */
const hrtime = process.hrtime;
const hrMs = () => {
  const t = hrtime();
  return t[0] * 1e3 + t[1] / 1e6;
};
const ORIGIN_MS = hrMs() - process.uptime() * 1e3;

/** Node's own timers, each armed as asked. */
const nodeClock: Clock = {
  now: () => hrMs() - ORIGIN_MS,
  wallNow: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    // Timers of a protocol engine must never keep a CLI process alive by themselves.
    t.unref?.();
    return Object.assign({ id: nextId++ }, { t });
  },
  clearTimeout(handle) {
    if (!handle) return;
    const t = (handle as TimerHandle & { t: NodeJS.Timeout }).t;
    // Node keeps the list of an unref'd timer's delay queued after its last timer is cleared (it expects another
    // soon), and wakes the event loop when that list would have been due — tens of seconds later, for nothing, for
    // every 32 s Timer F answered in time. A ref'd timer's empty list is dropped at once: ref it, then clear it.
    t.ref?.();
    clearTimeout(t);
  },
};

/** From this long on a timer may run a little late (longTimerSlack), together with others. */
export const LONG_TIMER_MS = 5000;

/** How late a long timer may run: 1/32 of its delay, at most 1 s (a 32 s Timer F: ≤ 1 s). */
export function longTimerSlack(ms: number): number {
  return Math.min(1000, ms / 32);
}

/**
 * The process's long timers (SIP Timer B/F/H/J, refreshes, the API's command timeout, the idle phone's keep-alives
 * and network check): one Node timer for all of them, each run within its slack — a phone's start leaves a dozen
 * 32 s timers armed a few ms apart, which would otherwise wake an idle process a dozen times, and Node wakes the
 * loop at a cleared timer's time too (idle-timers.ts).
 */
export const systemIdleTimers = new IdleTimers(nodeClock);

/** `base` with its timers of LONG_TIMER_MS or more run by `idle`, each within longTimerSlack() of its time. */
export function batchingClock(base: Clock, idle: IdleTimers): Clock {
  return {
    now: () => base.now(),
    ...(base.wallNow ? { wallNow: () => base.wallNow!() } : {}),
    setTimeout(fn, ms) {
      // Beyond 2^31 - 1 ms Node fires at once (after 1 ms): left as Node does it.
      if (!(ms >= LONG_TIMER_MS && ms <= 2_147_483_647)) return base.setTimeout(fn, ms);
      return Object.assign({ id: nextId++ }, { idle: idle.schedule(fn, ms, ms + longTimerSlack(ms)) });
    },
    clearTimeout(handle) {
      const batched = (handle as (TimerHandle & { idle?: IdleTimer }) | undefined)?.idle;
      if (batched) batched.cancel();
      else base.clearTimeout(handle);
    },
  };
}

export const systemClock: Clock = batchingClock(nodeClock, systemIdleTimers);
