/**
 * The UAS / registrar side of Digest (RFC 3261 §22.4, RFC 7616 §3.3–§3.5).
 *
 * For a server, use `DigestVerifier`: it issues nonces, answers 401/407
 * challenges, and accepts credentials only on a nonce it issued, not expired,
 * with a nonce-count it has not seen (RFC 7616 §3.3 and §5.5: replays and
 * nonces made up by the client are refused; an expired nonce with the right
 * password is `stale-nonce`, to re-challenge with stale=true).
 *
 *   const v = new DigestVerifier({ realm, clock, lookup });
 *   401 with  WWW-Authenticate: v.challenge()
 *   const r = v.verify(request.headers.get('Authorization'), { method, requestUri });
 *   r.ok → r.username;  r.reason 'stale-nonce' → v.challenge({ stale: true });  else 401/403
 *
 * Underneath, `verifyDigest` checks one credentials value against a password
 * (or stored H(A1)); its `checkNonce` is required, so nothing can verify
 * without saying how nonces are tracked (`DigestNonces.check`, or a
 * registrar's own table). `checkNonce` is consulted only once the response
 * matched, so a forged attempt never consumes a nonce-count.
 */
import { createHmac, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../common/clock.ts';
import { formatAuthValue, parseCredentials } from './auth-header-parser.ts';
import { parseAlgorithm } from './digest-algorithm.ts';
import type { DigestAlgorithm } from './digest-algorithm.ts';
import { computeDigestResponse, computeUserhash } from './digest-response.ts';
import type { DigestQop } from './digest-response.ts';

export interface ChallengeOptions {
  realm: string;
  /** Default: 24 random bytes, base64url. */
  nonce?: string;
  algorithm?: DigestAlgorithm;
  /** qop-options; [] for an RFC 2069 challenge. Default ['auth']. */
  qop?: readonly DigestQop[];
  opaque?: string;
  stale?: boolean;
  userhash?: boolean;
  /** Write `algorithm=` even for MD5 (default true). */
  writeAlgorithm?: boolean;
}

export function newNonce(): string {
  return randomBytes(24).toString('base64url');
}

/** A WWW-Authenticate / Proxy-Authenticate value. */
export function createDigestChallenge(options: ChallengeOptions): string {
  const params: Array<[string, string]> = [
    ['realm', options.realm],
    ['nonce', options.nonce ?? newNonce()],
  ];
  const quoted = new Set(['realm', 'nonce', 'opaque', 'qop']);
  if (options.opaque !== undefined) params.push(['opaque', options.opaque]);
  const algorithm = options.algorithm ?? 'MD5';
  if (options.writeAlgorithm !== false || algorithm !== 'MD5') params.push(['algorithm', algorithm]);
  const qop = options.qop ?? ['auth'];
  if (qop.length > 0) params.push(['qop', qop.join(',')]);
  if (options.stale) params.push(['stale', 'true']);
  if (options.userhash) params.push(['userhash', 'true']);
  return formatAuthValue('Digest', params, quoted);
}

export interface VerifyOptions {
  method: string;
  body?: Uint8Array | string;
  /** When given, the credentials' realm must equal it. */
  realm?: string;
  /** When given, the digest-uri must equal it (RFC 7616 §3.4.6 asks servers to check it). */
  requestUri?: string;
  /** The password (or stored H(A1) for the credentials' `algorithm`) of a user, or undefined when unknown. */
  lookup: (username: string, realm: string, algorithm: DigestAlgorithm) => { password: string } | { ha1: string } | undefined;
  /** For userhash=true: the user names to try (RFC 7616 §3.4.4 — the server maps the hash back). */
  usernames?: () => Iterable<string>;
  /**
   * Nonce policy, asked once the response matched: 'ok' (and remember nc),
   * 'stale' (expired: re-challenge with stale=true) or 'unknown' (never
   * issued, or nc replayed). `DigestNonces.check` is the standard one.
   */
  checkNonce: (nonce: string, nc: number | undefined) => NonceVerdict;
}

export type NonceVerdict = 'ok' | 'stale' | 'unknown';

export type VerifyFailureReason = 'malformed' | 'wrong-realm' | 'unknown-user' | 'unsupported-algorithm' | 'uri-mismatch' | 'stale-nonce' | 'unknown-nonce' | 'bad-response';

export type VerifyResult =
  | { ok: true; username: string; realm: string; nonce: string; algorithm: DigestAlgorithm; qop?: DigestQop; nc?: number }
  | { ok: false; reason: VerifyFailureReason; username?: string };

export function verifyDigest(credentialsValue: string, options: VerifyOptions): VerifyResult {
  let p: Map<string, string>;
  try {
    const v = parseCredentials(credentialsValue);
    if (v.scheme.toLowerCase() !== 'digest') return { ok: false, reason: 'malformed' };
    p = v.params;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const [usernameParam, realm, nonce, uri, response] = ['username', 'realm', 'nonce', 'uri', 'response'].map((k) => p.get(k));
  if (usernameParam === undefined || realm === undefined || nonce === undefined || uri === undefined || response === undefined) {
    return { ok: false, reason: 'malformed' };
  }
  const algorithm = parseAlgorithm(p.get('algorithm'));
  if (!algorithm) return { ok: false, reason: 'unsupported-algorithm' };
  const qopText = p.get('qop')?.toLowerCase();
  if (qopText !== undefined && qopText !== 'auth' && qopText !== 'auth-int') return { ok: false, reason: 'malformed' };
  const qop = qopText as DigestQop | undefined;
  const ncText = p.get('nc');
  const cnonce = p.get('cnonce');
  if (qop && (ncText === undefined || !/^[0-9a-fA-F]{8}$/.test(ncText) || cnonce === undefined)) return { ok: false, reason: 'malformed' };
  if (options.realm !== undefined && realm !== options.realm) return { ok: false, reason: 'wrong-realm' };
  if (options.requestUri !== undefined && uri !== options.requestUri) return { ok: false, reason: 'uri-mismatch' };

  let username = usernameParam;
  if ((p.get('userhash') ?? '').toLowerCase() === 'true') {
    const found = [...(options.usernames?.() ?? [])].find((u) => computeUserhash(algorithm, u, realm) === usernameParam);
    if (found === undefined) return { ok: false, reason: 'unknown-user' };
    username = found;
  }
  const secret = options.lookup(username, realm, algorithm);
  if (!secret) return { ok: false, reason: 'unknown-user', username };

  const nc = ncText !== undefined ? parseInt(ncText, 16) : undefined;
  const expected = computeDigestResponse({
    algorithm,
    username,
    realm,
    ...('password' in secret ? { password: secret.password } : { ha1: secret.ha1 }),
    method: options.method,
    uri,
    nonce,
    qop,
    nc: ncText,
    cnonce,
    body: options.body,
  });
  const a = Buffer.from(expected);
  const b = Buffer.from(response.toLowerCase());
  if (a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, reason: 'bad-response', username };
  // A caller that gave no nonce policy (plain JavaScript, a cast) gets refusals, never a replayable accept.
  const nonceState: NonceVerdict = typeof options.checkNonce === 'function' ? options.checkNonce(nonce, nc) : 'unknown';
  if (nonceState === 'unknown') return { ok: false, reason: 'unknown-nonce', username };
  // Right password on an expired nonce: RFC 7616 §3.3 says answer with stale=true.
  if (nonceState === 'stale') return { ok: false, reason: 'stale-nonce', username };
  return { ok: true, username, realm, nonce, algorithm, qop, nc };
}

export interface DigestNoncesOptions {
  clock: Clock;
  /** How long a nonce may be used (default 300 s); after that it is 'stale'. */
  lifetimeMs?: number;
  /** Nonces whose nonce-counts are remembered at once (default 4096); the oldest are forgotten first. */
  maxTracked?: number;
}

/** Nonce-counts this far below the highest seen may still arrive late (UDP reorders parallel requests). */
const NC_WINDOW = 64;
const MAC_BYTES = 16;

interface Tracked {
  issuedAt: number;
  /** Highest nc accepted; 0 for a qop-less (RFC 2069) use, which is single-shot. */
  highest: number;
  /** Bit i set: nc = highest - i was accepted (i < NC_WINDOW). */
  seen: bigint;
}

/**
 * The nonces a server hands out, and the nonce-counts used on each.
 *
 * A nonce is stateless until used: issue time + 8 random bytes + an HMAC
 * under a per-process key, so a flood of unauthenticated requests, each
 * challenged, costs no memory, and a nonce we never issued fails the HMAC.
 * Once credentials on a nonce verify, its nc is tracked (RFC 7616 §3.4: nc
 * must grow; a 64-wide window accepts late arrivals once each). Credentials
 * without qop carry no nc, so such a nonce is accepted once only. The table
 * holds at most `maxTracked` nonces; when one is forgotten, every nonce
 * issued up to it turns stale, so forgetting never re-opens a replay.
 */
export class DigestNonces {
  readonly #clock: Clock;
  readonly #lifetimeMs: number;
  readonly #maxTracked: number;
  readonly #key = randomBytes(32);
  /** Random bytes for nonces, drawn 4 KB at a time (one randomBytes call per nonce cost more than the rest of a challenge). */
  readonly #random = Buffer.alloc(4096);
  #randomAt = 4096;
  readonly #tracked = new Map<string, Tracked>();
  /** Nonces issued at or before this clock time are stale (their counts were forgotten). */
  #forgottenUpTo = Number.NEGATIVE_INFINITY;

  constructor(options: DigestNoncesOptions) {
    this.#clock = options.clock;
    this.#lifetimeMs = options.lifetimeMs ?? 300_000;
    this.#maxTracked = Math.max(1, options.maxTracked ?? 4096);
  }

  /** A fresh nonce for a challenge. */
  issue(): string {
    const body = Buffer.alloc(16);
    body.writeDoubleBE(this.#clock.now(), 0);
    if (this.#randomAt >= this.#random.length) {
      randomFillSync(this.#random);
      this.#randomAt = 0;
    }
    this.#random.copy(body, 8, this.#randomAt, this.#randomAt + 8);
    this.#randomAt += 8;
    return Buffer.concat([body, this.#mac(body)]).toString('base64url');
  }

  /** Nonces whose counts are being remembered. */
  get tracked(): number {
    return this.#tracked.size;
  }

  /** The `checkNonce` of verifyDigest: accepts (and records) nc once, on a nonce we issued and that has not expired. */
  check(nonce: string, nc: number | undefined): NonceVerdict {
    const issuedAt = this.#issuedAt(nonce);
    if (issuedAt === undefined) return 'unknown';
    const now = this.#clock.now();
    this.#prune(now);
    if (now - issuedAt > this.#lifetimeMs || issuedAt <= this.#forgottenUpTo) return 'stale';
    const entry = this.#tracked.get(nonce);
    if (nc === undefined || nc < 1) {
      // RFC 2069 (no qop): nothing tells a replay from a retry, so the nonce is single-use.
      if (entry) return 'unknown';
      this.#remember(nonce, { issuedAt, highest: 0, seen: 1n });
      return 'ok';
    }
    if (!entry) {
      this.#remember(nonce, { issuedAt, highest: nc, seen: 1n });
      return 'ok';
    }
    if (entry.highest === 0) return 'unknown';
    if (nc > entry.highest) {
      const shift = nc - entry.highest;
      entry.seen = shift >= NC_WINDOW ? 1n : ((entry.seen << BigInt(shift)) | 1n) & ((1n << BigInt(NC_WINDOW)) - 1n);
      entry.highest = nc;
      return 'ok';
    }
    const back = entry.highest - nc;
    if (back >= NC_WINDOW) return 'unknown';
    const bit = 1n << BigInt(back);
    if ((entry.seen & bit) !== 0n) return 'unknown';
    entry.seen |= bit;
    return 'ok';
  }

  #remember(nonce: string, entry: Tracked): void {
    this.#tracked.set(nonce, entry);
    while (this.#tracked.size > this.#maxTracked) {
      const [oldest, first] = this.#tracked.entries().next().value as [string, Tracked];
      this.#tracked.delete(oldest);
      this.#forgottenUpTo = Math.max(this.#forgottenUpTo, first.issuedAt);
    }
  }

  #prune(now: number): void {
    for (const [nonce, entry] of this.#tracked) {
      if (now - entry.issuedAt <= this.#lifetimeMs) break;
      this.#tracked.delete(nonce);
    }
  }

  #mac(body: Buffer): Buffer {
    return createHmac('sha256', this.#key).update(body).digest().subarray(0, MAC_BYTES);
  }

  #issuedAt(nonce: string): number | undefined {
    if (nonce.length !== 43 || !/^[A-Za-z0-9_-]+$/.test(nonce)) return undefined;
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== 16 + MAC_BYTES) return undefined;
    const body = raw.subarray(0, 16);
    if (!timingSafeEqual(raw.subarray(16), this.#mac(body))) return undefined;
    return body.readDoubleBE(0);
  }
}

export interface DigestVerifierOptions extends DigestNoncesOptions {
  realm: string;
  /** The password (or stored H(A1)) of a user of this realm, or undefined when unknown. */
  lookup: VerifyOptions['lookup'];
  /** For userhash=true credentials: the user names to try. */
  usernames?: () => Iterable<string>;
  /** Default MD5 (what most SIP phones speak); SHA-256 / SHA-512-256 per RFC 8760. */
  algorithm?: DigestAlgorithm;
  /** qop-options offered; default ['auth']. */
  qop?: readonly DigestQop[];
}

/** A server's digest authentication for one realm: challenges with fresh nonces, and credentials checked against them. */
export class DigestVerifier {
  readonly nonces: DigestNonces;
  readonly #options: DigestVerifierOptions;

  constructor(options: DigestVerifierOptions) {
    this.#options = options;
    this.nonces = new DigestNonces(options);
  }

  get realm(): string {
    return this.#options.realm;
  }

  /** A WWW-Authenticate / Proxy-Authenticate value with a nonce just issued; `stale` after a 'stale-nonce' result. */
  challenge(opts: { stale?: boolean } = {}): string {
    const o = this.#options;
    return createDigestChallenge({ realm: o.realm, nonce: this.nonces.issue(), algorithm: o.algorithm, qop: o.qop, stale: opts.stale });
  }

  /** Checks an Authorization / Proxy-Authorization value; undefined (no credentials) counts as malformed. */
  verify(credentials: string | undefined, request: { method: string; requestUri?: string; body?: Uint8Array | string }): VerifyResult {
    if (credentials === undefined) return { ok: false, reason: 'malformed' };
    return verifyDigest(credentials, {
      ...request,
      realm: this.#options.realm,
      lookup: this.#options.lookup,
      usernames: this.#options.usernames,
      checkNonce: (nonce, nc) => this.nonces.check(nonce, nc),
    });
  }
}
