/**
 * Who is calling? Resolves a remote address (a From URI, a tel: URI, or a
 * number as text) to one of the user's contacts, so that every address and
 * number of a contact shows as that one person in the call window and in the
 * history (docs/architecture.md §1).
 *
 * Rules, best first (the first contact at the best level wins; `ambiguous`
 * says another contact matched equally well):
 *   3 'sip'    the remote SIP address equals one of the contact's addresses:
 *              user exactly (after %-decoding), host without regard to case;
 *              scheme (sip/sips), port, parameters and headers ignored;
 *   2 'number' exact number match (phone-number.ts rule), between the remote
 *              number — a tel: URI, a number, or a SIP address whose user is a
 *              number ("sip:+554845678901@host;user=phone") — and a contact's
 *              numbers or the number-like users of its SIP addresses;
 *   1 'number' suffix number match (same rule, 'suffix': e.g. the remote
 *              number lacks the area code; at least minMatchDigits digits).
 * Display names in the remote ("Bob" <sip:…>) are ignored.
 */
import { DEFAULT_NUMBERING_PLAN, compareNumberKeys, parsePhoneNumber, type NumberingPlan, type PhoneNumberKey } from './phone-number.ts';
import { decodeUser, hostKey, parseSipAddress, userBase } from './sip-address.ts';

export interface CallerIdContact {
  id: string;
  name: string;
  addresses: readonly { uri: string }[];
  numbers: readonly { number: string }[];
}

export interface CallerIdMatch {
  contactId: string;
  name: string;
  /** The contact's address or number that matched, as stored. */
  matched: string;
  by: 'sip' | 'number';
  quality: 'exact' | 'suffix';
  /** Another contact matched at the same level. */
  ambiguous: boolean;
}

interface RemoteKey {
  sip?: { user: string; host: string };
  number?: PhoneNumberKey;
}

function remoteKey(remote: string, plan: NumberingPlan): RemoteKey {
  let text = remote.trim();
  const angle = /<([^<>]*)>/.exec(text);
  if (angle) text = angle[1]!.trim();
  if (!/^[a-z][a-z0-9+.-]*:/i.test(text) && text.includes('@')) text = `sip:${text}`;
  const sip = parseSipAddress(text);
  if (sip.ok) {
    if (sip.value.user === null) return {};
    const key: RemoteKey = { sip: { user: decodeUser(sip.value.user), host: hostKey(sip.value.host) } };
    const number = parsePhoneNumber(userBase(sip.value.user), plan);
    if (number) key.number = number;
    return key;
  }
  const tel = /^tel:(.*)$/i.exec(text);
  const number = parsePhoneNumber(tel ? tel[1]! : text, plan);
  return number ? { number } : {};
}

interface Entry {
  contact: CallerIdContact;
  sip: { user: string; host: string; text: string }[];
  numbers: { key: PhoneNumberKey; text: string }[];
}

/** Parses the contacts once; `resolve` many times (rebuild when contacts change). */
export class CallerIdResolver {
  readonly #entries: Entry[];
  readonly #plan: NumberingPlan;

  constructor(contacts: readonly CallerIdContact[], plan: NumberingPlan = DEFAULT_NUMBERING_PLAN) {
    this.#plan = plan;
    this.#entries = contacts.map((contact) => {
      const entry: Entry = { contact, sip: [], numbers: [] };
      for (const { uri } of contact.addresses) {
        const p = parseSipAddress(uri);
        if (!p.ok || p.value.user === null) continue;
        entry.sip.push({ user: decodeUser(p.value.user), host: hostKey(p.value.host), text: uri });
        const key = parsePhoneNumber(userBase(p.value.user), plan);
        if (key) entry.numbers.push({ key, text: uri });
      }
      for (const { number } of contact.numbers) {
        const key = parsePhoneNumber(number, plan);
        if (key) entry.numbers.push({ key, text: number });
      }
      return entry;
    });
  }

  resolve(remote: string): CallerIdMatch | undefined {
    // No contacts: nobody to match (the remote's address is not even read).
    if (this.#entries.length === 0) return undefined;
    const key = remoteKey(remote, this.#plan);
    let found: { level: number; match: Omit<CallerIdMatch, 'ambiguous'> } | undefined;
    let ambiguous = false;
    for (const entry of this.#entries) {
      const hit = this.#matchEntry(entry, key);
      if (!hit) continue;
      if (!found || hit.level > found.level) {
        found = hit;
        ambiguous = false;
      } else if (hit.level === found.level && hit.match.contactId !== found.match.contactId) {
        ambiguous = true;
      }
    }
    return found ? { ...found.match, ambiguous } : undefined;
  }

  #matchEntry(entry: Entry, key: RemoteKey): { level: number; match: Omit<CallerIdMatch, 'ambiguous'> } | undefined {
    const base = { contactId: entry.contact.id, name: entry.contact.name };
    if (key.sip) {
      const { user, host } = key.sip;
      const same = entry.sip.find((s) => s.user === user && s.host === host);
      if (same) return { level: 3, match: { ...base, matched: same.text, by: 'sip', quality: 'exact' } };
    }
    if (!key.number) return undefined;
    let suffix: string | undefined;
    for (const n of entry.numbers) {
      const q = compareNumberKeys(key.number, n.key, this.#plan);
      if (q === 'exact') return { level: 2, match: { ...base, matched: n.text, by: 'number', quality: 'exact' } };
      if (q === 'suffix' && suffix === undefined) suffix = n.text;
    }
    return suffix === undefined ? undefined : { level: 1, match: { ...base, matched: suffix, by: 'number', quality: 'suffix' } };
  }
}

/** One-off lookup; prefer a kept CallerIdResolver when resolving often. */
export function resolveCallerId(remote: string, contacts: readonly CallerIdContact[], plan: NumberingPlan = DEFAULT_NUMBERING_PLAN): CallerIdMatch | undefined {
  return new CallerIdResolver(contacts, plan).resolve(remote);
}
