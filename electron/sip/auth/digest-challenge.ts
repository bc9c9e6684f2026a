/**
 * A Digest challenge read from WWW-Authenticate / Proxy-Authenticate
 * (RFC 7616 §3.3, RFC 3261 §22.1), and the choice among several: per realm, the
 * strongest algorithm we support (RFC 7616 §3.7 — servers list them in order of
 * preference, but RFC 8760 §2.4 lets the UAC pick; we pick SHA-512-256 >
 * SHA-256 > MD5, plain before -sess).
 */
import { parseChallenges } from './auth-header-parser.ts';
import type { AuthValue } from './auth-header-parser.ts';
import { algorithmStrength, parseAlgorithm } from './digest-algorithm.ts';
import type { DigestAlgorithm } from './digest-algorithm.ts';
import type { DigestQop } from './digest-response.ts';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  /** undefined when the server named an algorithm we don't support; see `algorithmToken`. */
  algorithm: DigestAlgorithm | undefined;
  /** The algorithm parameter as written (absent = MD5). */
  algorithmToken?: string;
  /** qop-options offered; empty = RFC 2069 style (no qop). */
  qop: string[];
  stale: boolean;
  userhash: boolean;
  domain?: string;
}

export interface ChallengeProblem {
  value: string;
  problem: string;
}

/** Parses every Digest challenge in the given field values; other schemes are skipped, junk is reported. */
export function readDigestChallenges(values: readonly string[]): { challenges: DigestChallenge[]; problems: ChallengeProblem[]; otherSchemes: string[] } {
  const challenges: DigestChallenge[] = [];
  const problems: ChallengeProblem[] = [];
  const otherSchemes: string[] = [];
  for (const value of values) {
    let parsed: AuthValue[];
    try {
      parsed = parseChallenges(value);
    } catch (e) {
      problems.push({ value, problem: (e as Error).message });
      continue;
    }
    for (const v of parsed) {
      if (v.scheme.toLowerCase() !== 'digest') {
        otherSchemes.push(v.scheme);
        continue;
      }
      const realm = v.params.get('realm');
      const nonce = v.params.get('nonce');
      if (realm === undefined || nonce === undefined) {
        problems.push({ value, problem: 'Digest challenge without realm or nonce' });
        continue;
      }
      const algorithmToken = v.params.get('algorithm');
      challenges.push({
        realm,
        nonce,
        opaque: v.params.get('opaque'),
        algorithm: parseAlgorithm(algorithmToken),
        algorithmToken,
        qop: (v.params.get('qop') ?? '')
          .split(',')
          .map((q) => q.trim().toLowerCase())
          .filter((q) => q !== ''),
        stale: (v.params.get('stale') ?? '').toLowerCase() === 'true',
        userhash: (v.params.get('userhash') ?? '').toLowerCase() === 'true',
        domain: v.params.get('domain'),
      });
    }
  }
  return { challenges, problems, otherSchemes };
}

/**
 * The qop we answer with: `auth` when offered (most interoperable), else `auth-int`;
 * undefined for a challenge without qop; null when only unknown qop values are offered.
 */
export function chooseQop(challenge: DigestChallenge, preferAuthInt = false): DigestQop | undefined | null {
  if (challenge.qop.length === 0) return undefined;
  const hasAuth = challenge.qop.includes('auth');
  const hasInt = challenge.qop.includes('auth-int');
  if (hasInt && (preferAuthInt || !hasAuth)) return 'auth-int';
  if (hasAuth) return 'auth';
  return null;
}

/** Groups challenges by realm, keeping the order in which realms first appear. */
export function groupByRealm(challenges: readonly DigestChallenge[]): Map<string, DigestChallenge[]> {
  const byRealm = new Map<string, DigestChallenge[]>();
  for (const c of challenges) {
    const list = byRealm.get(c.realm);
    if (list) list.push(c);
    else byRealm.set(c.realm, [c]);
  }
  return byRealm;
}

/** The strongest challenge we can answer among one realm's, or undefined when none is usable. */
export function chooseStrongest(challenges: readonly DigestChallenge[], preferAuthInt = false): DigestChallenge | undefined {
  let best: DigestChallenge | undefined;
  for (const c of challenges) {
    if (c.algorithm === undefined || chooseQop(c, preferAuthInt) === null) continue;
    // Ties keep the server's order (RFC 7616 §3.7: listed by preference).
    if (!best || algorithmStrength(c.algorithm) > algorithmStrength(best.algorithm!)) best = c;
  }
  return best;
}
