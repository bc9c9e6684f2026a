/**
 * Nonces for the server's digest challenges (RFC 7616 §3.3, §5.4 / §5.5):
 * each one is valid for `lifetimeMs`, and a nonce-count may be used once per
 * nonce, so a captured Authorization cannot be replayed.
 *
 * A nonce carries its own issue time and an HMAC under a per-process key:
 *   base64url( issued (6 bytes, ms) | random (6) | HMAC-SHA256(key, issued|random)[0..12) )
 * so an expired or forged nonce is recognised without any table. What must
 * be remembered is which counts each live nonce has seen: a bounded map
 * (oldest nonces dropped first) holding the highest count and a 64-count
 * window below it, like IPsec's anti-replay window (RFC 4303 §3.4.3), because
 * clients with several requests in flight may send counts slightly out of
 * order. A nonce dropped from the map is answered "stale", never accepted.
 * Without qop (RFC 2069 clients) there is no count: the nonce is accepted until it expires.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../shared/clock.ts';

export type NonceState = 'ok' | 'stale' | 'unknown';

export interface NonceTrackerOptions {
  clock: Clock;
  /** Default 300 s, as Kamailio's auth module (nonce_expire). */
  lifetimeMs?: number;
  /** Live nonces remembered for count checking; default 100,000 (~ 10 MB at most). */
  maxTracked?: number;
}

const WINDOW = 64n;

interface Seen {
  highest: number;
  /** bit i set: count (highest - i) was used */
  mask: bigint;
}

export class NonceTracker {
  readonly #clock: Clock;
  readonly #lifetime: number;
  readonly #max: number;
  readonly #key = randomBytes(32);
  /** Nonces issued and not yet evicted, in issue order (a Map keeps insertion order). */
  readonly #seen = new Map<string, Seen>();
  /** The clock's reading when this tracker started: nonce times are relative to it, so a fake clock works. */
  readonly #epoch: number;

  constructor(options: NonceTrackerOptions) {
    this.#clock = options.clock;
    this.#lifetime = options.lifetimeMs ?? 300_000;
    this.#max = options.maxTracked ?? 100_000;
    this.#epoch = this.#clock.now();
  }

  get tracked(): number {
    return this.#seen.size;
  }

  issue(): string {
    const body = Buffer.alloc(12);
    body.writeUIntBE(Math.max(0, Math.floor(this.#clock.now() - this.#epoch)), 0, 6);
    randomBytes(6).copy(body, 6);
    const nonce = Buffer.concat([body, this.#mac(body)]).toString('base64url');
    this.#seen.set(nonce, { highest: 0, mask: 0n });
    if (this.#seen.size > this.#max) {
      const oldest = this.#seen.keys().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
    return nonce;
  }

  /**
   * Checks a nonce and, when `nc` is given, records the count as used.
   * 'unknown': not ours (forged, or from before a restart: re-challenge); 'stale': ours but expired,
   * evicted, or the count was already used (RFC 7616 §3.4.4 treats a replayed count like a stale nonce).
   */
  check(nonce: string, nc: number | undefined): NonceState {
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== 24) return 'unknown';
    const body = raw.subarray(0, 12);
    const mac = raw.subarray(12);
    if (!timingSafeEqual(mac, this.#mac(body))) return 'unknown';
    const issued = body.readUIntBE(0, 6);
    if (this.#clock.now() - this.#epoch - issued > this.#lifetime) {
      this.#seen.delete(nonce);
      return 'stale';
    }
    if (nc === undefined) return 'ok';
    const seen = this.#seen.get(nonce);
    if (!seen || nc < 1) return 'stale';
    if (nc > seen.highest) {
      const shift = BigInt(nc - seen.highest);
      seen.mask = shift >= WINDOW ? 1n : ((seen.mask << shift) | 1n) & ((1n << WINDOW) - 1n);
      seen.highest = nc;
      return 'ok';
    }
    const age = BigInt(seen.highest - nc);
    if (age >= WINDOW || (seen.mask & (1n << age)) !== 0n) return 'stale';
    seen.mask |= 1n << age;
    return 'ok';
  }

  #mac(body: Buffer): Buffer {
    return createHmac('sha256', this.#key).update(body).digest().subarray(0, 12);
  }
}
