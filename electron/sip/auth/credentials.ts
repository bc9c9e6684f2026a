/**
 * Credentials scoped by realm (RFC 3261 §22.1: the realm tells the user which
 * user name and password to use). One account may hold several: its registrar's
 * realm, an outbound proxy's realm, and a default used for any other realm.
 */

export interface DigestCredentials {
  username: string;
  password: string;
}

export type CredentialLookup = (realm: string) => DigestCredentials | undefined;

export class Credentials {
  readonly #byRealm = new Map<string, DigestCredentials>();
  #fallback: DigestCredentials | undefined;

  constructor(init?: { realms?: Record<string, DigestCredentials> | Iterable<[string, DigestCredentials]>; default?: DigestCredentials }) {
    const realms = init?.realms;
    if (realms) {
      const entries = Symbol.iterator in realms ? realms : Object.entries(realms);
      for (const [realm, c] of entries as Iterable<[string, DigestCredentials]>) this.set(realm, c);
    }
    this.#fallback = init?.default;
  }

  /** Realms compare exactly: a realm is a quoted-string and is case-sensitive (RFC 2617 §1.2). */
  set(realm: string, credentials: DigestCredentials): this {
    this.#byRealm.set(realm, credentials);
    return this;
  }

  setDefault(credentials: DigestCredentials | undefined): this {
    this.#fallback = credentials;
    return this;
  }

  forRealm(realm: string): DigestCredentials | undefined {
    return this.#byRealm.get(realm) ?? this.#fallback;
  }

  /** As a plain function, the form DigestAuthenticator accepts. */
  get lookup(): CredentialLookup {
    return (realm) => this.forRealm(realm);
  }
}
