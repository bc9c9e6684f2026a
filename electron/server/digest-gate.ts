/**
 * The server's digest authentication (RFC 3261 §22.3 as a registrar with
 * 401/WWW-Authenticate, §22.3 + §16 as a proxy with 407/Proxy-Authenticate):
 * one challenge per algorithm, SHA-256 first and MD5 after it
 * (RFC 8760 §2.4: the server lists its preferred algorithm first; MD5 stays
 * for the phones that know nothing else), qop=auth, nonces from the
 * DigestNonces of sip/auth (expiry, one use per count, no memory until used).
 *
 * Quirk: baresip 1.0 (libre 1.x, Debian 12) fails the whole registration
 * ("Function not implemented") when any challenge names an algorithm it
 * lacks, whatever the order; phones whose User-Agent matches
 * `md5OnlyUserAgents` get the MD5 challenge alone.
 */
import type { SipRequest, SipResponse } from '../sip/message/index.ts';
import { localResponse } from './local-response.ts';
import { createDigestChallenge, verifyDigest, type DigestNonces, type VerifyFailureReason } from '../sip/auth/index.ts';

import type { Subscriber, SubscriberDirectory } from './subscriber-directory.ts';

export type AuthOutcome =
  | { ok: true; subscriber: Subscriber }
  /** No credentials for our realm: challenge. */
  | { ok: false; reason: 'missing' }
  | { ok: false; reason: VerifyFailureReason; username?: string };

export type ChallengeKind = 401 | 407;

export type ServerDigestAlgorithm = 'SHA-256' | 'MD5';

/** User agents that refuse a challenge list with an algorithm they do not know (see above). */
export const md5OnlyUserAgents: readonly RegExp[] = [/^baresip v?(0|1)\./i];

export class DigestGate {
  readonly #dir: SubscriberDirectory;
  readonly #nonces: DigestNonces;
  readonly #algorithms: readonly ServerDigestAlgorithm[];
  #realmRe: { realm: string; re: RegExp } | undefined;

  constructor(directory: SubscriberDirectory, nonces: DigestNonces, algorithms: readonly ServerDigestAlgorithm[] = ['SHA-256', 'MD5']) {
    this.#dir = directory;
    this.#nonces = nonces;
    this.#algorithms = algorithms;
  }

  #algorithmsFor(request: SipRequest): readonly ServerDigestAlgorithm[] {
    const ua = request.headers.get('User-Agent');
    if (ua !== undefined && this.#algorithms.includes('MD5') && md5OnlyUserAgents.some((re) => re.test(ua))) return ['MD5'];
    return this.#algorithms;
  }

  /** The realm= of our credentials, compiled once per realm (not once per request). */
  #realmPattern(realm: string): RegExp {
    if (this.#realmRe?.realm !== realm) {
      this.#realmRe = { realm, re: new RegExp(`realm\\s*=\\s*"?${realm.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?`, 'i') };
    }
    return this.#realmRe.re;
  }

  get realm(): string {
    return this.#dir.domain;
  }

  /** Checks the Authorization (401 kind) or Proxy-Authorization (407 kind) for our realm. */
  verify(request: SipRequest, kind: ChallengeKind): AuthOutcome {
    const ours = this.credentials(request, kind);
    if (ours === undefined) return { ok: false, reason: 'missing' };
    const realm = this.realm;
    const result = verifyDigest(ours, {
      method: request.method === 'ACK' ? 'INVITE' : request.method,
      body: request.body,
      realm,
      // We store H(A1) per algorithm (computed once, when the user was added): the credentials' algorithm picks one.
      lookup: (username, _realm, algorithm) => {
        const s = this.#dir.byUsername(username);
        if (!s || s.realm !== realm) return undefined;
        if (algorithm === 'MD5' || algorithm === 'MD5-sess') return { ha1: s.ha1Md5 };
        return algorithm === 'SHA-256' || algorithm === 'SHA-256-sess' ? { ha1: s.ha1Sha256 } : undefined;
      },
      checkNonce: (nonce, nc) => this.#nonces.check(nonce, nc),
    });
    if (!result.ok) return result;
    const subscriber = this.#dir.byUsername(result.username);
    if (!subscriber) return { ok: false, reason: 'unknown-user', username: result.username };
    return { ok: true, subscriber };
  }

  /** The Authorization (401 kind) or Proxy-Authorization (407 kind) value for our realm, if any. */
  credentials(request: SipRequest, kind: ChallengeKind): string | undefined {
    const values = request.headers.getAll(kind === 401 ? 'Authorization' : 'Proxy-Authorization');
    if (values.length === 0) return undefined;
    // RFC 3261 §22.3: several credentials may be present (one per proxy on the path); ours carry our realm.
    const re = this.#realmPattern(this.realm);
    return values.find((v) => re.test(v));
  }

  /** A 401/407 answering `request`, with SHA-256 and MD5 challenges; `stale` when the last nonce expired or was replayed. */
  challenge(request: SipRequest, kind: ChallengeKind, stale = false): SipResponse {
    const response = localResponse(request, kind);
    const header = kind === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate';
    for (const algorithm of this.#algorithmsFor(request)) {
      response.headers.append(header, createDigestChallenge({ realm: this.realm, nonce: this.#nonces.issue(), algorithm, qop: ['auth'], stale }));
    }
    return response;
  }
}
