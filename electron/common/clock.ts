/**
 * Time source injected into every state machine with timers (SIP transactions,
 * registration refresh, RTCP intervals, jitter buffer). Production uses
 * `systemClock`; tests use `FakeClock` (tests/helpers/fake-clock.ts) so that
 * Timer B firing after 64*T1 is a deterministic step, not a 32 s wait.
 */
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

export const systemClock: Clock = {
  now: () => hrMs() - ORIGIN_MS,
  wallNow: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    // Timers of a protocol engine must never keep a CLI process alive by themselves.
    t.unref?.();
    return Object.assign({ id: nextId++ }, { t });
  },
  clearTimeout(handle) {
    if (handle) clearTimeout((handle as TimerHandle & { t: NodeJS.Timeout }).t);
  },
};
