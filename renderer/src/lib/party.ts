/**
 * Names for the people on the other end: a call's remote party or a history
 * entry shown as the contact it resolves to, else the name the peer sent,
 * else the address without its scheme and parameters.
 */
import type { CallParty, ContactSnapshot } from '../api/types.ts';

/**
 * "sip:alice@example.com;transport=tcp" → "alice@example.com"; "tel:+1-555" → "+1-555";
 * "sip:12%2345*@sip.test" → "12#45*@sip.test": the user part is shown as the user typed it,
 * escaped only on the wire (RFC 3261 §19.1.2 requires '#' to be %23 there).
 */
export function displayAddress(uri: string): string {
  let text = uri.trim();
  const angle = /<([^<>]+)>/.exec(text);
  if (angle) text = angle[1]!;
  text = text.replace(/^(sip|tel):/i, '');
  const bare = text.split(/[;?]/, 1)[0]!;
  const at = bare.lastIndexOf('@');
  if (at < 0 || !bare.slice(0, at).includes('%')) return bare;
  try {
    return decodeURIComponent(bare.slice(0, at)) + bare.slice(at);
  } catch {
    return bare;
  }
}

/** The user part of an address ("alice", "+5548…"), or the whole when it has none. */
export function userPart(uri: string): string {
  const plain = displayAddress(uri).replace(/^sips:/i, '');
  const at = plain.indexOf('@');
  return at < 0 ? plain : plain.slice(0, at);
}

function digitsOf(text: string): string {
  return text.replace(/[^\d]/g, '');
}

/**
 * The contact an address belongs to: same user@host (case-insensitive host),
 * or a number whose last 8 digits agree — for short numbers (extensions such
 * as "200") all digits (the engine's numbering plan is authoritative; this is
 * the fallback for entries written before the contact had that number).
 */
export function findContact(uri: string, contacts: readonly ContactSnapshot[]): ContactSnapshot | undefined {
  const address = displayAddress(uri).replace(/^sips:/i, '').toLowerCase();
  const user = userPart(uri);
  const digits = /^\+?[\d\s\-.()]+$/.test(user) ? digitsOf(user) : '';
  for (const c of contacts) {
    if (c.addresses.some((a) => displayAddress(a.uri).replace(/^sips:/i, '').toLowerCase() === address)) return c;
  }
  if (digits.length > 0) {
    const tail = digits.slice(-8);
    for (const c of contacts) {
      // slice(-8) of a short number is all of it: "200" only matches "200", never "1200".
      if (c.numbers.some((n) => digitsOf(n.number).slice(-8) === tail)) return c;
    }
  }
  return undefined;
}

export function partyName(party: CallParty, contacts: readonly ContactSnapshot[] = []): string {
  return party.contactName ?? findContact(party.uri, contacts)?.name ?? party.displayName ?? displayAddress(party.uri);
}
