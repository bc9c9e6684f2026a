/**
 * Names for the people on the other end: a call's remote party or a history
 * entry shown as the contact it resolves to, else the name the peer sent,
 * else the address without its scheme and parameters.
 */
import type { CallParty, ContactSnapshot } from '../api/types.ts';

/** "sip:alice@example.com;transport=tcp" → "alice@example.com"; "tel:+1-555" → "+1-555". */
export function displayAddress(uri: string): string {
  let text = uri.trim();
  const angle = /<([^<>]+)>/.exec(text);
  if (angle) text = angle[1]!;
  text = text.replace(/^(sip|tel):/i, '');
  return text.split(/[;?]/, 1)[0]!;
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
 * or a number whose last 8 digits agree (the engine's numbering plan is
 * authoritative; this is only a fallback for views the engine did not resolve).
 */
export function findContact(uri: string, contacts: readonly ContactSnapshot[]): ContactSnapshot | undefined {
  const address = displayAddress(uri).replace(/^sips:/i, '').toLowerCase();
  const user = userPart(uri);
  const digits = /^\+?[\d\s\-.()]+$/.test(user) ? digitsOf(user) : '';
  for (const c of contacts) {
    if (c.addresses.some((a) => displayAddress(a.uri).replace(/^sips:/i, '').toLowerCase() === address)) return c;
  }
  if (digits.length >= 4) {
    const tail = digits.slice(-8);
    for (const c of contacts) {
      if (c.numbers.some((n) => digitsOf(n.number).slice(-8) === tail && digitsOf(n.number).length >= Math.min(4, tail.length))) return c;
    }
  }
  return undefined;
}

export function partyName(party: CallParty, contacts: readonly ContactSnapshot[] = []): string {
  return party.contactName ?? findContact(party.uri, contacts)?.name ?? party.displayName ?? displayAddress(party.uri);
}
