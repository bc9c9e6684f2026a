/**
 * Bounds on every interval a peer can dictate (Expires, Retry-After,
 * Min-Expires, Session-Expires, Flow-Timer). A hostile or broken server must
 * not be able to make us send in a loop (Retry-After: 0, Expires: 1) nor push
 * a timer past what setTimeout can hold: Node fires any delay above
 * 2^31 - 1 ms (24.8 days) after 1 ms, so `expires=4294967295` used to refresh
 * a registration a thousand times a second.
 *
 * Every value from the network goes through `clampNetworkSeconds` before it
 * becomes a timer; the bounds are generous enough that no sane deployment is
 * affected (a day is the longest anything waits; a server wanting us back
 * "now" gets us back in a few seconds).
 */
export type NetworkTimer = 'expires' | 'retry-after' | 'min-expires' | 'session-expires' | 'flow-timer';

export interface TimerBound {
  /** Seconds: a smaller (or negative, or non-numeric) value becomes this. */
  min: number;
  /** Seconds: a larger value becomes this. */
  max: number;
}

const DAY_S = 86_400;

export const networkTimerBounds: Readonly<Record<NetworkTimer, TimerBound>> = Object.freeze({
  // A registration binding (RFC 3261 §10.2.1): refreshed at the latest once a day. Not raised: a short
  // binding really lapses then (the caller's per-minute cap is what stops a storm of refreshes).
  expires: { min: 1, max: DAY_S },
  // RFC 3261 §20.33: Retry-After 0 would mean "now, again and again"; an hour is the longest we stay away.
  'retry-after': { min: 10, max: 3_600 },
  // RFC 3261 §10.2.8: the interval a registrar insists on.
  'min-expires': { min: 1, max: DAY_S },
  // RFC 4028 §4: 90 s is the smallest Session-Expires a UA may accept (Min-SE floor).
  'session-expires': { min: 90, max: DAY_S },
  // RFC 5626 §4.4.1: the keep-alive interval of an outbound flow (default 120 s).
  'flow-timer': { min: 10, max: 3_600 },
});

/** The largest delay a Node timer holds without firing at once (2^31 - 1 ms). */
export const MAX_TIMER_MS = 2_147_483_647;

/** Seconds from the network, clamped to the bounds of `kind`; NaN and negatives become the minimum. */
export function clampNetworkSeconds(kind: NetworkTimer, seconds: number): number {
  const { min, max } = networkTimerBounds[kind];
  if (Number.isNaN(seconds) || seconds < min) return min;
  return seconds > max ? max : seconds;
}

/** A delay in ms that a timer can hold (0 … MAX_TIMER_MS); NaN becomes 0. */
export function timerSafeMs(ms: number): number {
  if (Number.isNaN(ms) || ms <= 0) return 0;
  return ms > MAX_TIMER_MS ? MAX_TIMER_MS : ms;
}
