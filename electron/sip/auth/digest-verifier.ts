/**
 * The UAS / registrar side of Digest (RFC 3261 §22.4, RFC 7616 §3.3–§3.5):
 * build a challenge, and check an Authorization / Proxy-Authorization value
 * against a password (or a stored H(A1)). Nonce bookkeeping (expiry, replay
 * of nonce-counts) is the caller's, through `checkNonce`: a registrar keeps
 * its own nonce table; tests can pass a simple function.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
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
  /** The password (or stored H(A1) for the credentials' algorithm) of a user, or undefined when unknown. */
  lookup: (username: string, realm: string) => { password: string } | { ha1: string } | undefined;
  /** For userhash=true: the user names to try (RFC 7616 §3.4.4 — the server maps the hash back). */
  usernames?: () => Iterable<string>;
  /** Nonce policy: 'ok', 'stale' (expired: re-challenge with stale=true) or 'unknown'. Default: all 'ok'. */
  checkNonce?: (nonce: string, nc: number | undefined) => 'ok' | 'stale' | 'unknown';
}

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
  const secret = options.lookup(username, realm);
  if (!secret) return { ok: false, reason: 'unknown-user', username };

  const nc = ncText !== undefined ? parseInt(ncText, 16) : undefined;
  const nonceState = options.checkNonce?.(nonce, nc) ?? 'ok';
  if (nonceState === 'unknown') return { ok: false, reason: 'unknown-nonce', username };

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
  // Right password on an expired nonce: RFC 7616 §3.3 says answer with stale=true.
  if (nonceState === 'stale') return { ok: false, reason: 'stale-nonce', username };
  return { ok: true, username, realm, nonce, algorithm, qop, nc };
}
