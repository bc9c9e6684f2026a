/**
 * A tiny in-memory Digest server for the authenticator tests: issues
 * challenges, tracks nonces and their highest nc (replays are refused), can
 * expire nonces (answering stale=true) and checks answers with verifyDigest.
 */
import { createDigestChallenge, verifyDigest } from '../../../../electron/sip/auth/digest-verifier.ts';
import type { DigestAlgorithm } from '../../../../electron/sip/auth/digest-algorithm.ts';
import type { DigestQop } from '../../../../electron/sip/auth/digest-response.ts';
import type { AuthHeaderSource, AuthorizationField } from '../../../../electron/sip/auth/digest-authenticator.ts';

export class TestHeaders implements AuthHeaderSource {
  fields: Array<[string, string]>;
  constructor(fields: Array<[string, string]> = []) {
    this.fields = fields;
  }
  getAll(name: string): string[] {
    return this.fields.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
  }
}

export interface TestRequest {
  method: string;
  uri: string;
  headers: TestHeaders;
  body?: Uint8Array;
}

export interface TestResponse {
  status: number;
  headers: TestHeaders;
}

export function request(method: string, uri: string, fields: Array<[string, string]> = [], body?: string): TestRequest {
  return { method, uri, headers: new TestHeaders(fields), body: body === undefined ? undefined : Buffer.from(body) };
}

export function response(status: number, fields: Array<[string, string]> = []): TestResponse {
  return { status, headers: new TestHeaders(fields) };
}

/** The retry as a UA builds it: every Authorization/Proxy-Authorization replaced by the answer. */
export function withFields(req: TestRequest, fields: readonly AuthorizationField[]): TestRequest {
  const kept = req.headers.fields.filter(([n]) => !/^(proxy-)?authorization$/i.test(n));
  return { ...req, headers: new TestHeaders([...kept, ...fields.map((f): [string, string] => [f.name, f.value])]) };
}

export class TestDigestServer {
  readonly realm: string;
  readonly users: Map<string, string>;
  readonly kind: 'www' | 'proxy';
  algorithms: DigestAlgorithm[] = ['MD5'];
  qop: DigestQop[] = ['auth'];
  opaque: string | undefined = 'opaque-token';
  userhash = false;
  /** nonce → highest nc seen (0 = issued, none seen); nonces not here are unknown. */
  readonly nonces = new Map<string, number>();
  readonly expired = new Set<string>();
  #seq = 0;
  challenges = 0;
  accepted = 0;

  constructor(realm: string, users: Record<string, string>, kind: 'www' | 'proxy' = 'www') {
    this.realm = realm;
    this.users = new Map(Object.entries(users));
    this.kind = kind;
  }

  get headerName(): string {
    return this.kind === 'www' ? 'Authorization' : 'Proxy-Authorization';
  }

  challenge(stale = false): TestResponse {
    this.challenges++;
    const nonce = `nonce-${this.realm}-${++this.#seq}`;
    this.nonces.set(nonce, 0);
    const name = this.kind === 'www' ? 'WWW-Authenticate' : 'Proxy-Authenticate';
    const fields = this.algorithms.map((algorithm): [string, string] => [
      name,
      createDigestChallenge({ realm: this.realm, nonce, algorithm, qop: this.qop, opaque: this.opaque, stale, userhash: this.userhash }),
    ]);
    return response(this.kind === 'www' ? 401 : 407, fields);
  }

  /** Answers a request: 200 when one of its credentials for our realm verifies, else a challenge. */
  handle(req: TestRequest): TestResponse {
    for (const value of req.headers.getAll(this.headerName)) {
      const result = verifyDigest(value, {
        method: req.method,
        body: req.body,
        realm: this.realm,
        requestUri: req.uri,
        lookup: (u) => (this.users.has(u) ? { password: this.users.get(u)! } : undefined),
        usernames: () => this.users.keys(),
        checkNonce: (nonce, nc) => {
          const last = this.nonces.get(nonce);
          if (last === undefined) return 'unknown';
          if (this.expired.has(nonce)) return 'stale';
          if (nc !== undefined) {
            if (nc <= last) return 'unknown';
            this.nonces.set(nonce, nc);
          }
          return 'ok';
        },
      });
      if (result.ok) {
        this.accepted++;
        return response(200);
      }
      if (result.reason === 'stale-nonce') return this.challenge(true);
      if (result.reason === 'wrong-realm') continue;
      return this.challenge(false);
    }
    return this.challenge(false);
  }
}
