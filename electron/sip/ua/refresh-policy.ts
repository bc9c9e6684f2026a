/**
 * When a registration is refreshed and when a failed one is tried again.
 *
 * Refresh: `expires - min(expires/2, 40 s)`. 40 s is more than Timer F
 * (64*T1 = 32 s, RFC 3261 §17.1.2.2), so even a refresh that times out over
 * UDP is known to have failed while the binding still lives, and one auth
 * round trip fits as well; short bindings (≤ 80 s, e.g. chosen to keep a NAT
 * open) refresh at half-time rather than almost at once.
 *
 * Retry after a failure: a server's Retry-After wins (RFC 3261 §20.33);
 * otherwise RFC 5626 §4.5's back-off: W = min(max, base * 2^n) for the n-th
 * consecutive failure, waited as a random 50–100 % of W so that many phones
 * knocked out together do not come back in step.
 *
 * Whatever the server says, every value is clamped first (timer-bounds.ts:
 * Expires 1 s … 1 day, Retry-After 10 s … 1 h), no retry comes sooner than
 * MIN_RETRY_MS, and `RegisterBudget` caps the REGISTERs of one account per
 * minute, so neither `expires=4294967295` (a setTimeout overflow to 1 ms)
 * nor `503 + Retry-After: 0` can turn the phone into a REGISTER storm.
 */
import { clampNetworkSeconds, timerSafeMs } from '../message/index.ts';
import { MAX_CHALLENGES } from './challenged-request.ts';

export const REFRESH_MARGIN_S = 40;

/** The shortest wait before a retry, whatever the policy or the server asks. */
export const MIN_RETRY_MS = 5_000;

export interface RetryPolicy {
  /** base-time of RFC 5626 §4.5 (default 30 s, "all flows failed"). */
  baseMs: number;
  /** max-time of RFC 5626 §4.5 (default 1800 s). */
  maxMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { baseMs: 30_000, maxMs: 1_800_000 };

/** Milliseconds after a 2xx granting `expires` seconds (clamped to the Expires bounds) at which to refresh. */
export function refreshDelayMs(expires: number): number {
  const granted = clampNetworkSeconds('expires', expires);
  const margin = Math.min(granted / 2, REFRESH_MARGIN_S);
  return timerSafeMs(Math.round((granted - margin) * 1000));
}

/**
 * Milliseconds to wait after the `failures`-th consecutive failure (1 = first).
 * `retryAfter` (seconds) from the server takes precedence, clamped to the
 * Retry-After bounds; the result is never below MIN_RETRY_MS.
 */
export function retryDelayMs(failures: number, retryAfter: number | undefined, policy: RetryPolicy, random: () => number): number {
  if (retryAfter !== undefined) return Math.max(MIN_RETRY_MS, clampNetworkSeconds('retry-after', retryAfter) * 1000);
  const exponent = Math.min(Math.max(failures, 1), 30);
  const w = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  const r = Math.min(Math.max(random(), 0), 1);
  return timerSafeMs(Math.max(MIN_RETRY_MS, Math.round(w * (0.5 + 0.5 * r))));
}

/** Retry-After's delta-seconds (§20.33), ignoring a comment and ;duration. */
export function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(\d{1,10})/.exec(value);
  return m ? Number(m[1]) : undefined;
}

/** The most REGISTERs one attempt sends: the request and its answers to MAX_CHALLENGES challenges. */
const REGISTERS_PER_ATTEMPT = 1 + MAX_CHALLENGES;

/** At most this many REGISTERs per account in any minute (challenge answers and 423 retries included). */
export const MAX_REGISTERS_PER_MINUTE = 10;
const WINDOW_MS = 60_000;

/**
 * A sliding one-minute window over the REGISTERs one account sent. Before an
 * attempt the registration asks `delayMs(now)`: 0 when there is room for an
 * attempt and its answers to every challenge it may meet, else how long
 * until there is, so the window never holds more than the maximum.
 */
export class RegisterBudget {
  readonly #sent: number[] = [];
  readonly #max: number;

  constructor(max = MAX_REGISTERS_PER_MINUTE) {
    this.#max = Math.max(REGISTERS_PER_ATTEMPT, max);
  }

  /** Records one REGISTER sent at `now`. */
  record(now: number): void {
    this.#prune(now);
    this.#sent.push(now);
  }

  /** Sent within the minute before `now`. */
  count(now: number): number {
    this.#prune(now);
    return this.#sent.length;
  }

  /** Milliseconds to wait before an attempt may start (0: now). */
  delayMs(now: number): number {
    this.#prune(now);
    const room = this.#max - REGISTERS_PER_ATTEMPT;
    if (this.#sent.length <= room) return 0;
    // The attempt may start once all but `room` of the recorded sends left the window.
    const oldestToLeave = this.#sent[this.#sent.length - room - 1]!;
    return Math.max(1, oldestToLeave + WINDOW_MS - now);
  }

  #prune(now: number): void {
    while (this.#sent.length > 0 && this.#sent[0]! <= now - WINDOW_MS) this.#sent.shift();
  }
}
