/**
 * Wall-clock time (milliseconds since the epoch, what the API's timestamps
 * are) read from the injected monotonic clock: the epoch is taken once, when
 * the engine starts, and every later time is that anchor plus the clock's
 * elapsed milliseconds. So a call's startedAt, answeredAt and endedAt come
 * from the same clock as the SIP timers, and a fake clock moves them all.
 */
import type { Clock } from '../common/clock.ts';

export function wallTime(clock: Clock, epochAtStart: number = Date.now()): () => number {
  const start = clock.now();
  return () => Math.round(epochAtStart + (clock.now() - start));
}
