/**
 * Which realms an account's password may answer.
 *
 * A realm names a protection space (RFC 3261 §22.1, RFC 7616 §3.3); it is not
 * authenticated, so any server that gets one of our requests — a redirect
 * target (3xx, §8.1.3.4), the target of a REFER (RFC 3515), a phone we call
 * directly — can challenge and collect a digest response it may then attack
 * offline or relay (RFC 7616 §5.x "man in the middle", RFC 3261 §26.2.1).
 * So each account answers only the realms it is bound to, in this order:
 *
 *   1. the realms the user configured,
 *   2. else the realm(s) its registrar challenged with at the first
 *      successful registration (trust on first use: a REGISTER goes only to
 *      the account's own registrar, so its challenge is the one place the
 *      account learns its realm from; nothing but a REGISTER may introduce it),
 *   3. else the account's domain (the realm most servers use, §22.1 "SHOULD").
 *
 *   challenge realm R ─▶ configured? ── yes ─▶ R ∈ configured ? answer : refuse
 *                           │ no
 *                           ▼
 *                        learned?  ── yes ─▶ R ∈ learned ? answer : refuse
 *                           │ no
 *                           ▼
 *                        R = domain ? answer
 *                        : REGISTER ? answer, R pending until the 2xx (confirm)
 *                        : refuse
 *
 * A refusal reads "asked for the password of another realm (R)": the request
 * then fails with those words rather than sending the response.
 */

export interface RealmBindingOptions {
  /** Realms the user set for the account (compared exactly: a realm is a case-sensitive quoted-string, RFC 2617 §1.2). */
  configured?: readonly string[];
  /** Realms learned at an earlier first registration (persisted by the owner through `onLearned`). */
  learned?: readonly string[];
  /** The account's domain (the AOR's host); compared case-insensitively, as host names are. */
  domain: string;
  /** Called once when the first successful registration binds the account to its registrar's realm(s). */
  onLearned?: (realms: readonly string[]) => void;
}

export type RealmDecision = { allowed: true } | { allowed: false; message: string };

export class RealmBinding {
  readonly #configured: readonly string[];
  readonly #learned = new Set<string>();
  readonly #pending = new Set<string>();
  readonly #domain: string;
  readonly #onLearned: ((realms: readonly string[]) => void) | undefined;

  constructor(options: RealmBindingOptions) {
    this.#configured = (options.configured ?? []).filter((r) => r !== '');
    for (const r of options.learned ?? []) if (r !== '') this.#learned.add(r);
    this.#domain = options.domain.toLowerCase();
    this.#onLearned = options.onLearned;
  }

  /** The realms this account answers today (configured, else learned, else the domain). */
  get realms(): readonly string[] {
    if (this.#configured.length > 0) return this.#configured;
    if (this.#learned.size > 0) return [...this.#learned];
    return [this.#domain];
  }

  /** Where the realms come from, for people: 'configured', 'registrar' or 'domain'. */
  get source(): 'configured' | 'registrar' | 'domain' {
    return this.#configured.length > 0 ? 'configured' : this.#learned.size > 0 ? 'registrar' : 'domain';
  }

  /** May a challenge of `realm` to a request with this method be answered? */
  check(realm: string, method: string): RealmDecision {
    if (this.#configured.length > 0) return this.#configured.includes(realm) ? { allowed: true } : this.#refuse(realm);
    if (this.#learned.size > 0) return this.#learned.has(realm) ? { allowed: true } : this.#refuse(realm);
    if (realm.toLowerCase() === this.#domain) return { allowed: true };
    if (method === 'REGISTER') {
      this.#pending.add(realm);
      return { allowed: true };
    }
    return this.#refuse(realm);
  }

  /**
   * A request that carried answers for `realms` got a 2xx. When those include
   * realms first met on a REGISTER (still pending), the account is bound to them.
   */
  confirm(method: string, realms: Iterable<string>): void {
    if (method !== 'REGISTER' || this.#configured.length > 0 || this.#learned.size > 0) return;
    const bound = [...realms].filter((r) => this.#pending.has(r) || r.toLowerCase() === this.#domain);
    if (bound.length === 0) return;
    for (const r of bound) this.#learned.add(r);
    this.#pending.clear();
    this.#onLearned?.([...this.#learned]);
  }

  #refuse(realm: string): RealmDecision {
    const own = this.realms.map((r) => JSON.stringify(shown(r))).join(', ');
    return { allowed: false, message: `asked for the password of another realm (${shown(realm)}); this account answers only ${own}` };
  }
}

/** A realm as people see it: a hostile server picks it, so it is cut short and kept printable. */
function shown(realm: string): string {
  const printable = realm.replace(/[^\x20-\x7e\u00a0-\uffff]/g, '?');
  return printable.length > 80 ? `${printable.slice(0, 80)}…` : printable;
}
