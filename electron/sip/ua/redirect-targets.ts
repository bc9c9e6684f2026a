/**
 * The target set of an outgoing call that is being redirected
 * (RFC 3261 §8.1.3.4): the Contacts of each 3xx join the set in q order
 * (highest first, §20.10; no q counts as 1.0), a URI is never added or
 * tried twice (loop detection, "MUST NOT add any given URI to the target
 * set more than once"), and at most `maxRedirects` redirected targets are
 * tried so a chain of redirect servers cannot keep us busy.
 *
 * A call to a sips: URI means TLS on every hop (RFC 5630 §3): a Contact that
 * is sip: (or names a transport other than TLS) would leave it, so it is
 * never added — it is reported as a downgrade and the call fails saying so.
 */
import { contactQ, formatUri, parseContacts, uriEquals } from '../message/index.ts';
import type { NameAddr, SipResponse, SipUri } from '../message/index.ts';

export class RedirectTargets {
  readonly #maxRedirects: number;
  readonly #seen: SipUri[];
  readonly #queue: SipUri[] = [];
  readonly #secure: boolean;
  #followed = 0;

  constructor(first: SipUri, maxRedirects = 5) {
    this.#seen = [first];
    this.#secure = first.scheme === 'sips';
    this.#maxRedirects = maxRedirects;
  }

  /** Redirected targets tried so far. */
  get followed(): number {
    return this.#followed;
  }
  get pending(): number {
    return this.#queue.length;
  }
  get limitReached(): boolean {
    return this.#followed >= this.#maxRedirects;
  }

  /** Adds a 3xx's Contacts; returns the ones refused because they were already in the set. */
  add(response: SipResponse): { added: SipUri[]; loops: SipUri[]; downgrades: SipUri[] } {
    let contacts: NameAddr[];
    try {
      const list = parseContacts(response.headers.getAll('Contact'));
      contacts = list === '*' ? [] : list;
    } catch {
      contacts = [];
    }
    const ordered = contacts
      .map((c, i) => ({ uri: c.uri, q: contactQ(c) ?? 1, i }))
      .filter((c) => c.uri.scheme === 'sip' || c.uri.scheme === 'sips')
      .sort((a, b) => b.q - a.q || a.i - b.i);
    const added: SipUri[] = [];
    const loops: SipUri[] = [];
    const downgrades: SipUri[] = [];
    for (const { uri } of ordered) {
      const target = withoutUriHeaders(uri);
      const transport = target.params.get('transport')?.toLowerCase();
      if (this.#secure && (target.scheme !== 'sips' || (transport !== undefined && transport !== 'tls'))) {
        downgrades.push(target);
        continue;
      }
      if (this.#seen.some((s) => uriEquals(s, target))) {
        loops.push(target);
        continue;
      }
      this.#seen.push(target);
      this.#queue.push(target);
      added.push(target);
    }
    return { added, loops, downgrades };
  }

  /** The next target to try, or undefined when the set is exhausted or the limit reached. */
  next(): SipUri | undefined {
    if (this.limitReached) return undefined;
    const uri = this.#queue.shift();
    if (uri) this.#followed++;
    return uri;
  }

  describe(uris: readonly SipUri[]): string {
    return uris.map((u) => formatUri(u)).join(', ');
  }
}

/** §19.1.5: header components of a Contact URI are not part of the Request-URI. */
function withoutUriHeaders(uri: SipUri): SipUri {
  return { ...uri, headers: new Map(), params: new Map(uri.params) };
}
