/**
 * Who the server serves: its domain and its subscribers, each with a primary
 * user name and aliases (`johndoe`, `+554845678901`, `45678901`, all
 * `@domain`). Every alias leads to the same address of record
 * (`sip:johndoe@domain`), whose bindings the registrar keeps; the proxy and
 * the redirect server look callees up here.
 *
 * Telephone-number aliases are compared without visual separators
 * (RFC 3966 §5.1.1: '-', '.', '(', ')' carry no meaning), so
 * `+55-48-4567-8901` reaches the same subscriber as `+554845678901`.
 */
import type { SubscriberRecord } from './server-store.ts';

export interface Subscriber {
  username: string;
  displayName?: string;
  /** sip:username@domain: the key of the location table. */
  aor: string;
  aliases: readonly string[];
  ha1Md5: string;
  ha1Sha256: string;
  realm: string;
}

const VISUAL = /[-.()]/g;

function phoneKey(user: string): string | undefined {
  const stripped = user.replace(VISUAL, '');
  return /^\+?[0-9*#]+$/.test(stripped) ? stripped : undefined;
}

export class SubscriberDirectory {
  readonly domain: string;
  readonly #byName = new Map<string, Subscriber>();
  readonly #byAlias = new Map<string, Subscriber>();

  constructor(domain: string, records: readonly SubscriberRecord[] = []) {
    this.domain = domain.toLowerCase();
    this.replace(records);
  }

  replace(records: readonly SubscriberRecord[]): void {
    this.#byName.clear();
    this.#byAlias.clear();
    for (const r of records) {
      const s: Subscriber = {
        username: r.username, aor: `sip:${r.username}@${this.domain}`, aliases: r.aliases,
        ha1Md5: r.ha1Md5, ha1Sha256: r.ha1Sha256, realm: r.realm,
        ...(r.displayName !== undefined ? { displayName: r.displayName } : {}),
      };
      this.#byName.set(r.username, s);
      for (const a of r.aliases) {
        this.#byAlias.set(a, s);
        const k = phoneKey(a);
        if (k !== undefined) this.#byAlias.set(k, s);
      }
    }
  }

  get size(): number {
    return this.#byName.size;
  }

  all(): Subscriber[] {
    return [...this.#byName.values()];
  }

  /** The subscriber a digest user name belongs to (primary names only, as Kamailio's subscriber table). */
  byUsername(username: string): Subscriber | undefined {
    return this.#byName.get(username);
  }

  /** The subscriber a Request-URI / To / From user part names: primary name or any alias. */
  byUser(user: string | undefined): Subscriber | undefined {
    if (user === undefined || user === '') return undefined;
    const direct = this.#byName.get(user) ?? this.#byAlias.get(user);
    if (direct) return direct;
    const k = phoneKey(user);
    return k !== undefined ? this.#byAlias.get(k) : undefined;
  }

  /** Whether `host` is this server's domain. */
  isOurDomain(host: string): boolean {
    return host.toLowerCase() === this.domain;
  }
}
