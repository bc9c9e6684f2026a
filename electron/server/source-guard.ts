/**
 * Abuse control per source address, with bounded memory (like Kamailio's
 * pike and a small fail2ban):
 *  - a token bucket per IP address: `ratePerSecond` requests on average,
 *    bursts up to `burst`; beyond that the source's requests are dropped
 *    (answering a flood only feeds it);
 *  - failed digest attempts per IP: after `failuresBeforeBlock` failures
 *    within `failureWindowMs`, the source is blocked for `blockMs`, doubled
 *    at each new block up to `maxBlockMs`: password guessing slows to a crawl.
 * Both tables keep at most `maxSources` entries, oldest evicted first (a Map
 * iterates in insertion order; an entry is re-inserted when touched), so a
 * spoofed-source flood cannot grow memory.
 */
import type { Clock } from '../common/clock.ts';

export interface SourceGuardOptions {
  clock: Clock;
  ratePerSecond?: number;
  burst?: number;
  failuresBeforeBlock?: number;
  failureWindowMs?: number;
  blockMs?: number;
  maxBlockMs?: number;
  maxSources?: number;
}

export type Admission = 'ok' | 'rate-limited' | 'blocked';

interface Bucket {
  tokens: number;
  at: number;
}

interface Failures {
  count: number;
  since: number;
  blockedUntil: number;
  nextBlockMs: number;
}

export class SourceGuard {
  readonly #clock: Clock;
  readonly #rate: number;
  readonly #burst: number;
  readonly #failLimit: number;
  readonly #failWindow: number;
  readonly #blockMs: number;
  readonly #maxBlockMs: number;
  readonly #max: number;
  readonly #buckets = new Map<string, Bucket>();
  readonly #failures = new Map<string, Failures>();

  constructor(o: SourceGuardOptions) {
    this.#clock = o.clock;
    this.#rate = o.ratePerSecond ?? 200;
    this.#burst = o.burst ?? 400;
    this.#failLimit = o.failuresBeforeBlock ?? 5;
    this.#failWindow = o.failureWindowMs ?? 60_000;
    this.#blockMs = o.blockMs ?? 2_000;
    this.#maxBlockMs = o.maxBlockMs ?? 300_000;
    this.#max = o.maxSources ?? 10_000;
  }

  get trackedSources(): number {
    return this.#buckets.size + this.#failures.size;
  }

  /** Called for every request (before any work is done for it). */
  admit(address: string): Admission {
    const now = this.#clock.now();
    const f = this.#failures.get(address);
    if (f && f.blockedUntil > now) return 'blocked';
    if (this.#rate <= 0) return 'ok';
    let b = this.#buckets.get(address);
    if (b) {
      this.#buckets.delete(address);
      b.tokens = Math.min(this.#burst, b.tokens + ((now - b.at) * this.#rate) / 1000);
      b.at = now;
    } else {
      b = { tokens: this.#burst, at: now };
    }
    this.#buckets.set(address, b);
    this.#evict(this.#buckets);
    if (b.tokens < 1) return 'rate-limited';
    b.tokens -= 1;
    return 'ok';
  }

  /** A digest attempt from `address` failed (wrong password, unknown user). Returns true when it starts a block. */
  authFailed(address: string): boolean {
    const now = this.#clock.now();
    let f = this.#failures.get(address);
    if (f) this.#failures.delete(address);
    if (!f || now - f.since > this.#failWindow) f = { count: 0, since: now, blockedUntil: 0, nextBlockMs: f?.nextBlockMs ?? this.#blockMs };
    f.count++;
    this.#failures.set(address, f);
    this.#evict(this.#failures);
    if (f.count < this.#failLimit) return false;
    f.blockedUntil = now + f.nextBlockMs;
    f.nextBlockMs = Math.min(this.#maxBlockMs, f.nextBlockMs * 2);
    f.count = 0;
    f.since = now;
    return true;
  }

  /** A successful authentication clears the failure count (not a running block). */
  authSucceeded(address: string): void {
    const f = this.#failures.get(address);
    if (f && f.blockedUntil <= this.#clock.now()) this.#failures.delete(address);
  }

  #evict<T>(m: Map<string, T>): void {
    while (m.size > this.#max) {
      const oldest = m.keys().next().value;
      if (oldest === undefined) break;
      m.delete(oldest);
    }
  }
}
