/**
 * Reconnect delays for the WebSocket: exponential with a cap and jitter, so
 * a restarted web host is not hit by every tab at the same instant.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** 0–1: the delay varies by ± this fraction. */
  jitter: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({ initialMs: 500, maxMs: 15_000, factor: 2, jitter: 0.2 });

/** Delay before reconnect attempt `attempt` (1 = the first retry). `random` returns [0, 1). */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(attempt));
  const base = Math.min(options.maxMs, options.initialMs * options.factor ** (n - 1));
  const spread = base * options.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(Math.min(options.maxMs, base + spread)));
}
