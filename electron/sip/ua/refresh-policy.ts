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
 */
export const REFRESH_MARGIN_S = 40;

export interface RetryPolicy {
  /** base-time of RFC 5626 §4.5 (default 30 s, "all flows failed"). */
  baseMs: number;
  /** max-time of RFC 5626 §4.5 (default 1800 s). */
  maxMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { baseMs: 30_000, maxMs: 1_800_000 };

/** Milliseconds after a 2xx granting `expires` seconds at which to refresh. */
export function refreshDelayMs(expires: number): number {
  const margin = Math.min(expires / 2, REFRESH_MARGIN_S);
  return Math.max(0, Math.round((expires - margin) * 1000));
}

/**
 * Milliseconds to wait after the `failures`-th consecutive failure (1 = first).
 * `retryAfter` (seconds) from the server takes precedence.
 */
export function retryDelayMs(failures: number, retryAfter: number | undefined, policy: RetryPolicy, random: () => number): number {
  if (retryAfter !== undefined) return retryAfter * 1000;
  const exponent = Math.min(Math.max(failures, 1), 30);
  const w = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(w * (0.5 + 0.5 * r));
}

/** Retry-After's delta-seconds (§20.33), ignoring a comment and ;duration. */
export function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(\d{1,10})/.exec(value);
  return m ? Number(m[1]) : undefined;
}
