/**
 * Away after idle in the desktop app (electron/phone/idle-away.ts): every
 * IDLE_POLL_MS the system's idle time (Electron powerMonitor: no keyboard or
 * mouse use in any program for that many seconds) goes to the phone as
 * presence.activity, so typing in another program keeps us available and
 * leaving the desk makes us away even while Parley's window is open. Where
 * the system cannot tell (getSystemIdleTime missing or throwing), nothing is
 * reported and the window's own input (renderer/src/lib/activity.ts) counts.
 *
 * Structural types (no 'electron' import): Electron's powerMonitor fits.
 */
import { IDLE_POLL_MS } from '../phone/idle-away.ts';

export interface SystemIdleLike {
  getSystemIdleTime?: () => number;
}

export interface IntervalTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const realTimers: IntervalTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
};

/** Starts reporting; returns the stop function. */
export function reportSystemIdle(power: SystemIdleLike, report: (idleSeconds: number) => void, timers: IntervalTimers = realTimers): () => void {
  const read = power.getSystemIdleTime;
  if (typeof read !== 'function') return () => {};
  let failed = false;
  const poll = () => {
    if (failed) return;
    let seconds: number;
    try {
      seconds = read.call(power);
    } catch {
      failed = true;
      return;
    }
    if (Number.isFinite(seconds) && seconds >= 0) report(Math.min(seconds, 31 * 86_400));
  };
  poll();
  const handle = timers.setInterval(poll, IDLE_POLL_MS);
  return () => timers.clearInterval(handle);
}
