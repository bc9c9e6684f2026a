/**
 * Wall-clock time (milliseconds since the epoch, what the API's timestamps
 * are: a call's startedAt, answeredAt and endedAt, a History row's time).
 *
 * From the injected clock: the system clock reads the real wall clock each
 * time — not the start-up time plus the monotonic clock's elapsed time,
 * which drifts from the wall clock (1.4 ms per second was measured on a test
 * host, minutes a day) and stops while a laptop sleeps, so History times
 * would drift after a long uptime or a sleep. A clock that has no wall time
 * (a test's fake clock) gives the epoch at start plus its elapsed time, so a
 * fake clock still moves every timestamp with the SIP timers.
 */
import type { Clock } from '../common/clock.ts';

export function wallTime(clock: Clock, epochAtStart: number = Date.now()): () => number {
  const wallNow = clock.wallNow;
  if (wallNow) return () => wallNow.call(clock);
  const start = clock.now();
  return () => Math.round(epochAtStart + (clock.now() - start));
}
