/**
 * The UAC side of HTTP Digest for SIP (RFC 3261 §22.2–§22.3, RFC 7616, RFC 8760).
 *
 * Given the request that was sent and the 401/407 it drew, `authorize` returns
 * the Authorization / Proxy-Authorization fields for the retry, or a typed
 * failure. A wrong password ends in 'rejected' after exactly one answer per
 * challenge: a request that already carried our answer for a realm and is
 * challenged again without stale=true is not retried (§22.2: "the UAC SHOULD
 * NOT re-attempt requests with the credentials that have just been rejected").
 * stale=true with a new nonce is answered silently (RFC 7616 §3.3), at most
 * `maxStaleRetries` times in a row so a confused server cannot make us loop.
 *
 * The per-realm cache keeps the last nonce with its nonce-count, so the next
 * request can be pre-authorized (§22.3 allows re-using credentials within a
 * realm) with nc+1, the same cnonce (so -sess keeps its H(A1)), until the
 * server calls the nonce stale or `nonceMaxAgeMs` passes. Use one authenticator
 * per account: preauthorize() answers every realm it has cached.
 *
 *   request ──401/407──▶ authorize() ──ok──▶ retry with fields (nc=1)
 *                           │                  └─401 again, not stale ─▶ 'rejected'
 *                           └── failure: no-credentials / unsupported-algorithm / no-challenge
 */
import { randomBytes } from 'node:crypto';
import { systemClock } from '../../common/clock.ts';
import type { Clock } from '../../common/clock.ts';
import { nullLogger } from '../../common/logger.ts';
import type { Logger } from '../../common/logger.ts';
import { formatAuthValue, parseCredentials } from './auth-header-parser.ts';
import { Credentials } from './credentials.ts';
import type { RealmBinding } from './realm-binding.ts';
import type { CredentialLookup, DigestCredentials } from './credentials.ts';
import { chooseQop, chooseStrongest, groupByRealm, readDigestChallenges } from './digest-challenge.ts';
import type { DigestChallenge } from './digest-challenge.ts';
import { computeDigestResponse, computeUserhash, formatNonceCount } from './digest-response.ts';
import type { DigestQop } from './digest-response.ts';
import type { DigestAlgorithm } from './digest-algorithm.ts';

/** The parts of a header list the authenticator reads (SipRequest/SipResponse headers fit). */
export interface AuthHeaderSource {
  getAll(name: string): string[];
}

export interface AuthenticatableRequest {
  method: string;
  /** The Request-URI as sent: it becomes digest-uri. */
  uri: string;
  headers: AuthHeaderSource;
  body?: Uint8Array;
}

export interface ChallengeResponse {
  status: number;
  headers: AuthHeaderSource;
}

export type AuthorizationHeaderName = 'Authorization' | 'Proxy-Authorization';

export interface AuthorizationField {
  name: AuthorizationHeaderName;
  value: string;
  realm: string;
}

export type AuthFailureReason = 'not-a-challenge' | 'no-challenge' | 'no-credentials' | 'unsupported-algorithm' | 'rejected' | 'foreign-realm';

export interface AuthFailure {
  ok: false;
  reason: AuthFailureReason;
  /** The status of the response that could not be answered. */
  status: number;
  realm?: string;
  /** Words for a person, e.g. "authentication failed for realm sipA.test: credentials rejected". */
  message: string;
}

export interface AuthSuccess {
  ok: true;
  /**
   * The COMPLETE set of Authorization and Proxy-Authorization fields for the retry:
   * remove every field of both names from the request, then append these.
   * Fields for realms not challenged this time are carried over (with nc+1 when cached).
   */
  fields: AuthorizationField[];
  /** Realms answered for this challenge. */
  realms: string[];
  /** True when this answer follows stale=true (a silent retry, not a new attempt). */
  stale: boolean;
  /** Realms challenged in the same response that could not be answered (e.g. no credentials for them). */
  skipped: AuthFailure[];
}

export type AuthorizeResult = AuthSuccess | AuthFailure;

export interface DigestAuthenticatorOptions {
  credentials: Credentials | CredentialLookup;
  /**
   * The realms the credentials may answer (realm-binding.ts). Without it every
   * realm the lookup knows is answered: only for tests and single-server tools.
   */
  realms?: RealmBinding;
  clock?: Clock;
  logger?: Logger;
  /** cnonce generator (tests pin it to reproduce RFC examples). */
  cnonce?: () => string;
  /** Answer qop=auth-int when both auth and auth-int are offered (default false: auth). */
  preferAuthInt?: boolean;
  /** Cached nonces older than this are not used to pre-authorize (default 240 s; Kamailio expires nonces at 300 s). */
  nonceMaxAgeMs?: number;
  /** Consecutive stale=true answers allowed per realm (default 3). */
  maxStaleRetries?: number;
}

type ChallengeKind = 'www' | 'proxy';

interface CacheEntry {
  kind: ChallengeKind;
  challenge: DigestChallenge & { algorithm: DigestAlgorithm };
  qop: DigestQop | undefined;
  credentials: DigestCredentials;
  cnonce: string;
  nc: number;
  receivedAt: number;
  staleRetries: number;
  reused: number;
}

interface PriorCredentials {
  name: AuthorizationHeaderName;
  raw: string;
  realm: string;
  nonce: string;
  nc: number | undefined;
}

const headerFor = {
  www: { challenge: 'WWW-Authenticate', answer: 'Authorization' },
  proxy: { challenge: 'Proxy-Authenticate', answer: 'Proxy-Authorization' },
} as const;

const quotedParams: ReadonlySet<string> = new Set(['username', 'realm', 'nonce', 'uri', 'response', 'cnonce', 'opaque']);

export class DigestAuthenticator {
  readonly #lookup: CredentialLookup;
  readonly #realms: RealmBinding | undefined;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #cnonce: () => string;
  readonly #preferAuthInt: boolean;
  readonly #maxAge: number;
  readonly #maxStale: number;
  readonly #cache = new Map<string, CacheEntry>();

  constructor(options: DigestAuthenticatorOptions) {
    const c = options.credentials;
    this.#lookup = c instanceof Credentials ? c.lookup : c;
    this.#realms = options.realms;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? nullLogger;
    this.#cnonce = options.cnonce ?? (() => randomBytes(12).toString('hex'));
    this.#preferAuthInt = options.preferAuthInt ?? false;
    this.#maxAge = options.nonceMaxAgeMs ?? 240_000;
    this.#maxStale = options.maxStaleRetries ?? 3;
  }

  /** Answers a 401 (WWW-Authenticate) or 407 (Proxy-Authenticate) to `request`. */
  authorize(request: AuthenticatableRequest, response: ChallengeResponse): AuthorizeResult {
    const status = response.status;
    const kind: ChallengeKind | undefined = status === 401 ? 'www' : status === 407 ? 'proxy' : undefined;
    if (!kind) return fail('not-a-challenge', status, undefined, `a ${status} response is not a 401/407 challenge`);
    const { challenges, problems, otherSchemes } = readDigestChallenges(response.headers.getAll(headerFor[kind].challenge));
    if (challenges.length === 0) {
      if (otherSchemes.length > 0) {
        return fail('unsupported-algorithm', status, undefined, `the server asks for ${otherSchemes.join(', ')} authentication, not Digest`);
      }
      const why = problems.length > 0 ? `: ${problems[0]!.problem}` : '';
      return fail('no-challenge', status, undefined, `the ${status} response carries no usable ${headerFor[kind].challenge}${why}`);
    }

    const prior = priorCredentials(request);
    const answered = new Map<string, CacheEntry>();
    const failures: AuthFailure[] = [];
    let stale = false;
    for (const [realm, list] of groupByRealm(challenges)) {
      const key = cacheKey(kind, realm);
      const chosen = chooseStrongest(list, this.#preferAuthInt);
      if (!chosen) {
        const offered = list.map((c) => `${c.algorithmToken ?? 'MD5'}${c.qop.length ? `/qop=${c.qop.join('|')}` : ''}`);
        failures.push(fail('unsupported-algorithm', status, realm, `realm ${realm} offers only ${offered.join(', ')}, which we cannot answer`));
        continue;
      }
      const binding = this.#realms?.check(realm, request.method);
      if (binding && !binding.allowed) {
        failures.push(fail('foreign-realm', status, realm, binding.message));
        continue;
      }
      const credentials = this.#lookup(realm);
      if (!credentials) {
        failures.push(fail('no-credentials', status, realm, `no user name and password for realm ${realm}`));
        continue;
      }
      const before = prior.get(key);
      const old = this.#cache.get(key);
      let staleRetries = 0;
      if (before) {
        const wasReuse = before.nc !== undefined ? before.nc > 1 : old !== undefined && old.challenge.nonce === before.nonce && old.reused > 0;
        if (chosen.stale && chosen.nonce !== before.nonce) {
          staleRetries = (old?.staleRetries ?? 0) + 1;
          if (staleRetries > this.#maxStale) {
            this.#cache.delete(key);
            failures.push(fail('rejected', status, realm, `authentication failed for realm ${realm}: the server keeps calling our nonce stale`));
            continue;
          }
          stale = true;
        } else if (!(wasReuse && chosen.nonce !== before.nonce)) {
          // Our fresh answer for this realm was refused: wrong user name or password.
          this.#cache.delete(key);
          failures.push(fail('rejected', status, realm, `authentication failed for realm ${realm}: credentials rejected`));
          continue;
        }
        // else: a pre-authorized request used a cached nonce the server dropped; answer the new challenge once.
      }
      const entry: CacheEntry = {
        kind,
        challenge: chosen as CacheEntry['challenge'],
        qop: chooseQop(chosen, this.#preferAuthInt) ?? undefined,
        credentials,
        cnonce: this.#cnonce(),
        nc: 0,
        receivedAt: this.#clock.now(),
        staleRetries,
        reused: 0,
      };
      this.#cache.set(key, entry);
      answered.set(key, entry);
      this.#log.debug('answering digest challenge', { realm, kind, algorithm: chosen.algorithm, qop: entry.qop, stale: chosen.stale });
    }

    const rejected = failures.find((f) => f.reason === 'rejected') ?? failures.find((f) => f.reason === 'foreign-realm');
    const failure = rejected ?? (answered.size === 0 ? failures[0] : undefined);
    if (failure) {
      this.#log.info('digest authentication failed', { reason: failure.reason, realm: failure.realm, status });
      return failure;
    }

    const fields: AuthorizationField[] = [];
    for (const entry of answered.values()) fields.push(this.#field(entry, request));
    // Carry over the credentials for realms not challenged this time (RFC 3261 §22.3: a retry
    // through several proxies must keep answering each of them).
    for (const [key, p] of prior) {
      if (answered.has(key)) continue;
      const entry = this.#cache.get(key);
      if (entry && entry.challenge.nonce === p.nonce && this.#bump(key, entry)) fields.push(this.#field(entry, request));
      else fields.push({ name: p.name, value: p.raw, realm: p.realm });
    }
    return { ok: true, fields, realms: [...answered.values()].map((e) => e.challenge.realm), stale, skipped: failures };
  }

  /**
   * Fields for a new request from the cache (next nc of each cached nonce), or [] when
   * nothing is cached. `realms` limits which realms are answered.
   */
  preauthorize(request: AuthenticatableRequest, options?: { realms?: readonly string[] }): AuthorizationField[] {
    const out: AuthorizationField[] = [];
    for (const [key, entry] of this.#cache) {
      if (options?.realms && !options.realms.includes(entry.challenge.realm)) continue;
      if (this.#clock.now() - entry.receivedAt > this.#maxAge) {
        this.#cache.delete(key);
        continue;
      }
      entry.staleRetries = 0;
      if (this.#bump(key, entry)) out.push(this.#field(entry, request));
    }
    return out;
  }

  /**
   * `request` (as sent, with its credentials) got a 2xx: a first registration
   * binds the account to the realm(s) it answered (realm-binding.ts).
   */
  succeeded(request: AuthenticatableRequest): void {
    if (!this.#realms) return;
    const realms = [...priorCredentials(request).values()].map((p) => p.realm);
    if (realms.length > 0) this.#realms.confirm(request.method, realms);
  }

  /** Drops cached nonces (all, or one realm's), e.g. after the user changes the password. */
  forget(realm?: string): void {
    for (const [key, entry] of this.#cache) if (realm === undefined || entry.challenge.realm === realm) this.#cache.delete(key);
  }

  /** The last nonce-count used for a realm (0 = none cached); for diagnostics and tests. */
  nonceCount(realm: string, kind: 'www' | 'proxy' = 'www'): number {
    return this.#cache.get(cacheKey(kind, realm))?.nc ?? 0;
  }

  /** Marks a reuse of a cached nonce; false when nc would overflow (the entry is then dropped). */
  #bump(key: string, entry: CacheEntry): boolean {
    if (entry.nc >= 0xffffffff) {
      this.#cache.delete(key);
      return false;
    }
    entry.reused++;
    return true;
  }

  #field(entry: CacheEntry, request: AuthenticatableRequest): AuthorizationField {
    entry.nc++;
    const { challenge: ch, credentials: cred, qop } = entry;
    const nc = qop ? formatNonceCount(entry.nc) : undefined;
    const cnonce = qop || ch.algorithm.endsWith('-sess') ? entry.cnonce : undefined;
    const response = computeDigestResponse({
      algorithm: ch.algorithm,
      username: cred.username,
      realm: ch.realm,
      password: cred.password,
      method: request.method,
      uri: request.uri,
      nonce: ch.nonce,
      qop,
      nc,
      cnonce,
      body: request.body,
    });
    const params: Array<[string, string]> = [
      ['username', ch.userhash ? computeUserhash(ch.algorithm, cred.username, ch.realm) : cred.username],
      ['realm', ch.realm],
      ['nonce', ch.nonce],
      ['uri', request.uri],
      ['response', response],
      ['algorithm', ch.algorithm],
    ];
    if (cnonce !== undefined) params.push(['cnonce', cnonce]);
    if (ch.opaque !== undefined) params.push(['opaque', ch.opaque]);
    if (qop && nc) params.push(['qop', qop], ['nc', nc]);
    if (ch.userhash) params.push(['userhash', 'true']);
    return { name: headerFor[entry.kind].answer, value: formatAuthValue('Digest', params, quotedParams), realm: ch.realm };
  }
}

function cacheKey(kind: ChallengeKind, realm: string): string {
  return `${kind} ${realm}`;
}

function fail(reason: AuthFailureReason, status: number, realm: string | undefined, message: string): AuthFailure {
  return { ok: false, reason, status, realm, message };
}

/** The Digest credentials the request already carried, keyed like the cache. */
function priorCredentials(request: AuthenticatableRequest): Map<string, PriorCredentials> {
  const out = new Map<string, PriorCredentials>();
  for (const kind of ['www', 'proxy'] as const) {
    const name = headerFor[kind].answer;
    for (const raw of request.headers.getAll(name)) {
      try {
        const v = parseCredentials(raw);
        const realm = v.params.get('realm');
        const nonce = v.params.get('nonce');
        if (v.scheme.toLowerCase() !== 'digest' || realm === undefined || nonce === undefined) continue;
        const ncText = v.params.get('nc');
        const nc = ncText !== undefined && /^[0-9a-f]{1,8}$/i.test(ncText) ? parseInt(ncText, 16) : undefined;
        const key = cacheKey(kind, realm);
        if (!out.has(key)) out.set(key, { name, raw, realm, nonce, nc });
      } catch {
        // Unparseable credentials we did not write: nothing to learn from them.
      }
    }
  }
  return out;
}
