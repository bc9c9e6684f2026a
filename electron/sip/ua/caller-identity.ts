/**
 * Who is calling, from an incoming INVITE's headers beyond From:
 *
 * - P-Asserted-Identity (RFC 3325 §9.1) and, from older servers,
 *   Remote-Party-ID (draft-ietf-sip-privacy-04, party=calling): the identity
 *   a proxy vouches for. Only believed when the INVITE came from the
 *   account's own server (`trusted`, RFC 3325 §5: a trust domain); from
 *   anyone else they are ignored, as anyone can write them.
 * - Privacy (RFC 3323 §4.2: id, header, user…) and Remote-Party-ID's
 *   privacy=full|name|uri, and an anonymous From (RFC 3323 §4.1.1.3): the
 *   caller asked not to be shown. With a trusted asserted identity we still
 *   know who it is (the server told us, RFC 3325 §7), but say it was withheld.
 * - Diversion (RFC 5806) and History-Info (RFC 7044, with the RFC 4458
 *   `cause` parameter): the call was forwarded to us; by whom and why
 *   ("forwarded by 100@sip.test, busy").
 *
 * Everything is parsed defensively: a header that does not parse is
 * skipped, never an error, and the values are bounded.
 */
import { formatUri, parseNameAddr, splitList } from '../message/index.ts';
import type { SipMessage, SipUri } from '../message/index.ts';

export interface IdentityParty {
  uri: string;
  displayName?: string;
}

export interface Forwarding {
  /** The address the call was first meant for (the one that forwarded it). */
  uri: string;
  /** The reason as the header says it (Diversion reason token or History-Info cause code). */
  reason?: string;
  /** In words: "busy", "no answer", "always"… */
  words?: string;
}

export interface CallerIdentity {
  /** The identity the account's server asserted (RFC 3325), only from a trusted source. */
  asserted?: IdentityParty;
  /** The caller asked not to be shown (Privacy, RPID privacy, anonymous From). */
  withheld: boolean;
  /** The call was forwarded to us (Diversion, History-Info). */
  forwardedBy?: Forwarding;
  /**
   * Every address that forwarded the call on its way here (Diversion and
   * History-Info, most recent first) and how many times it was forwarded
   * (a Diversion's counter counts several): a phone that forwards again
   * refuses a loop and bounds the chain.
   */
  forwardChain: { parties: string[]; hops: number };
}

/** RFC 5806 §4 reason tokens, in words. */
const DIVERSION_WORDS: Readonly<Record<string, string>> = {
  'user-busy': 'busy',
  'no-answer': 'no answer',
  unavailable: 'unavailable',
  unconditional: 'always',
  'time-of-day': 'time of day',
  'do-not-disturb': 'do not disturb',
  deflection: 'deflected',
  'follow-me': 'follow me',
  'out-of-service': 'out of service',
  away: 'away',
};

/** RFC 4458 §3.1 cause codes, in words. */
const CAUSE_WORDS: Readonly<Record<string, string>> = {
  '404': 'unknown number',
  '486': 'busy',
  '408': 'no answer',
  '302': 'always',
  '487': 'deflected',
  '480': 'unavailable',
  '503': 'out of service',
};

const MAX_ENTRIES = 20;

function party(value: string): { party: IdentityParty; params: Map<string, string | null>; uri: SipUri } | undefined {
  try {
    const na = parseNameAddr(value);
    const p: IdentityParty = { uri: formatUri({ ...na.uri, params: new Map([...na.uri.params].filter(([k]) => k === 'user')), headers: new Map() }) };
    if (na.displayName) p.displayName = na.displayName.slice(0, 128);
    return { party: p, params: na.params, uri: na.uri };
  } catch {
    return undefined;
  }
}

function values(message: SipMessage, name: string): string[] {
  const out: string[] = [];
  for (const v of message.headers.getAll(name)) {
    for (const item of splitList(v)) if (out.length < MAX_ENTRIES) out.push(item);
  }
  return out;
}

function isAnonymous(uri: string | undefined): boolean {
  return uri !== undefined && /^sips?:anonymous@/i.test(uri.trim().replace(/^.*</, ''));
}

/** The asserted identity: the first sip/sips PAI, else a tel one; else RPID with party=calling (or none). */
function assertedOf(message: SipMessage): { party: IdentityParty; rpidPrivacy?: string } | undefined {
  const pai = values(message, 'P-Asserted-Identity').map(party).filter((p) => p !== undefined);
  const best = pai.find((p) => p.uri.scheme !== 'tel') ?? pai[0];
  if (best) return { party: best.party };
  for (const p of values(message, 'Remote-Party-ID').map(party)) {
    if (!p) continue;
    const role = p.params.get('party');
    if (role && role.toLowerCase() !== 'calling') continue;
    const privacy = p.params.get('privacy');
    return privacy ? { party: p.party, rpidPrivacy: privacy.toLowerCase() } : { party: p.party };
  }
  return undefined;
}

function forwardingOf(message: SipMessage): Forwarding | undefined {
  // RFC 5806: the topmost Diversion is the most recent one.
  const diversion = values(message, 'Diversion').map(party).find((p) => p !== undefined);
  if (diversion) {
    const reason = diversion.params.get('reason')?.replace(/"/g, '').toLowerCase();
    const f: Forwarding = { uri: diversion.party.uri };
    if (reason) {
      f.reason = reason.slice(0, 64);
      f.words = DIVERSION_WORDS[reason] ?? reason.slice(0, 64);
    }
    return f;
  }
  // RFC 7044: entries in order; the last is where the call arrived (us), the one before forwarded it.
  const entries = values(message, 'History-Info').map(party).filter((p) => p !== undefined);
  if (entries.length < 2) return undefined;
  const from = entries[entries.length - 2]!;
  const to = entries[entries.length - 1]!;
  // RFC 7044 §4.2: a Reason header escaped in the URI of the entry retargeted from; RFC 4458: `cause` on the new target's URI.
  const reasonHeader = decodeURIComponent(from.uri.headers.get('Reason') ?? from.uri.headers.get('reason') ?? '');
  const cause = /cause\s*=\s*(\d{3})/i.exec(reasonHeader)?.[1] ?? (to.uri.params.get('cause') ?? undefined);
  const f: Forwarding = { uri: from.party.uri };
  if (cause && /^\d{3}$/.test(cause)) {
    f.reason = cause;
    f.words = CAUSE_WORDS[cause] ?? `status ${cause}`;
  }
  return f;
}

export function callerIdentity(message: SipMessage, trusted: boolean): CallerIdentity {
  const privacy = values(message, 'Privacy').flatMap((v) => v.split(';')).map((t) => t.trim().toLowerCase());
  const found = trusted ? assertedOf(message) : undefined;
  const fromAnonymous = isAnonymous(message.headers.get('From'));
  const withheld = fromAnonymous || privacy.some((t) => t === 'id' || t === 'user' || t === 'header') || (found?.rpidPrivacy !== undefined && found.rpidPrivacy !== 'off');
  const identity: CallerIdentity = { withheld, forwardChain: forwardChainOf(message) };
  if (found) identity.asserted = found.party;
  let forwarded: Forwarding | undefined;
  try {
    forwarded = forwardingOf(message);
  } catch {
    forwarded = undefined; // a History-Info whose escaped Reason does not decode
  }
  if (forwarded) identity.forwardedBy = forwarded;
  return identity;
}

function forwardChainOf(message: SipMessage): { parties: string[]; hops: number } {
  const parties: string[] = [];
  let hops = 0;
  for (const d of values(message, 'Diversion').map(party)) {
    if (!d) continue;
    parties.push(d.party.uri);
    // RFC 5806 §4: counter = how many times the call was diverted by this entry's party.
    const counter = Number(d.params.get('counter') ?? '1');
    hops += Number.isSafeInteger(counter) && counter >= 1 && counter <= 100 ? counter : 1;
  }
  // RFC 7044: every entry but the last (us) was a target the call left.
  const entries = values(message, 'History-Info').map(party).filter((p) => p !== undefined);
  for (const e of entries.slice(0, -1).reverse()) {
    if (!parties.includes(e.party.uri)) parties.push(e.party.uri);
  }
  return { parties, hops: Math.max(hops, entries.length - 1) };
}

/** "forwarded by 100@sip.test, busy" */
export function describeForwarding(f: Forwarding): string {
  const who = f.uri.replace(/^sips?:/i, '').replace(/;.*$/, '');
  return f.words ? `forwarded by ${who}, ${f.words}` : `forwarded by ${who}`;
}
