/**
 * An INVITE (or MESSAGE) arrived: which of our accounts is it for, and which
 * of that account's addresses did the caller dial? (docs/architecture.md §1, "Aliases".)
 *
 * Two places carry the answer, and proxies treat them differently:
 *  - the Request-URI is rewritten on the way (RFC 3261 §16.5/§16.6): after a
 *    registrar's location lookup it is our registered Contact, so its user is
 *    the contact user we registered (often the AOR user) and its host our own
 *    IP; a PBX or trunk may instead leave the dialled alias or DID in it;
 *  - the To URI is never changed by proxies (§16.6 leaves To alone), so it
 *    keeps what the caller dialled, though perhaps with the PBX's IP as host.
 *
 * Hence: the ACCOUNT is chosen by, in order, a Request-URI user equal to an
 * account's registered contact user; a Request-URI equal to an address (user
 * and host); a To equal to an address; a Request-URI user equal to an
 * address's user (any host); a To user likewise. Ties go to the account that
 * matches both headers best, then to the first in the list. The ALIAS is the
 * chosen account's address matching To (the dialled one), else the one
 * matching the Request-URI, else the primary.
 *
 * Users compare exactly (RFC 3261 §19.1.4, after %-decoding, ignoring
 * ;tel-params) — except when both look like telephone numbers: then they
 * compare by digits under the numbering plan, with and without the country
 * code and trunk prefix (phone-number.ts; 'exact' only, never a suffix
 * guess). Hosts compare without regard to case; a port is ignored.
 */
import { DEFAULT_NUMBERING_PLAN, compareNumbers, isPhoneNumberLike, type NumberingPlan } from './phone-number.ts';
import { hostKey, parseSipAddress, userBase, type SipAddress } from './sip-address.ts';

export interface AliasMatchAccount {
  id: string;
  aor: string;
  aliases: readonly string[];
  /** Disabled accounts are never matched; default true. */
  enabled?: boolean;
  /** The user part of the Contact this account registered, if known. */
  contactUser?: string | null;
}

/** User and host of a URI, as plain strings (user null for `sip:host`). */
export interface UriParts {
  user: string | null;
  host: string;
}

export interface IncomingTarget {
  requestUri: UriParts;
  to: UriParts;
}

export interface AliasMatch {
  accountId: string;
  /** The account's own spelling of the address that was called. */
  alias: string;
  aliasFrom: 'to' | 'request-uri' | 'primary';
  accountFrom: 'contact' | 'request-uri' | 'to';
  /** The header that named the alias had the alias's host too (not only its user). */
  hostMatched: boolean;
}

export interface AliasMatchOptions {
  plan?: NumberingPlan;
}

type Score = 0 | 1 | 2; // none, user only, user and host

function bareHost(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1) || host;
  const colon = host.indexOf(':');
  return colon >= 0 && host.indexOf(':', colon + 1) < 0 ? host.slice(0, colon) : host;
}

export function usersMatch(a: string, b: string, plan: NumberingPlan = DEFAULT_NUMBERING_PLAN): boolean {
  const ua = userBase(a);
  const ub = userBase(b);
  if (ua === ub) return true;
  return isPhoneNumberLike(ua) && isPhoneNumberLike(ub) && compareNumbers(ua, ub, plan) === 'exact';
}

function score(parts: UriParts, addr: SipAddress, plan: NumberingPlan): Score {
  if (parts.user === null || parts.user === '' || addr.user === null) return 0;
  if (!usersMatch(parts.user, addr.user, plan)) return 0;
  return hostKey(bareHost(parts.host)) === hostKey(addr.host) ? 2 : 1;
}

interface Best {
  score: Score;
  alias: string;
}

function best(parts: UriParts, addresses: readonly { text: string; addr: SipAddress }[], plan: NumberingPlan): Best {
  let found: Best = { score: 0, alias: '' };
  for (const a of addresses) {
    const s = score(parts, a.addr, plan);
    if (s > found.score) found = { score: s, alias: a.text };
  }
  return found;
}

export function matchAlias(accounts: readonly AliasMatchAccount[], target: IncomingTarget, options: AliasMatchOptions = {}): AliasMatch | undefined {
  const plan = options.plan ?? DEFAULT_NUMBERING_PLAN;
  let chosen: { account: AliasMatchAccount; rank: number; both: number; r: Best; t: Best; contact: boolean } | undefined;
  for (const account of accounts) {
    if (account.enabled === false) continue;
    const addresses = [account.aor, ...account.aliases].flatMap((text) => {
      const p = parseSipAddress(text);
      return p.ok ? [{ text, addr: p.value }] : [];
    });
    const r = best(target.requestUri, addresses, plan);
    const t = best(target.to, addresses, plan);
    const contact = !!account.contactUser && target.requestUri.user === account.contactUser;
    const rank = contact ? 5 : r.score === 2 ? 4 : t.score === 2 ? 3 : r.score === 1 ? 2 : t.score === 1 ? 1 : 0;
    const both = r.score + t.score;
    if (rank > 0 && (!chosen || rank > chosen.rank || (rank === chosen.rank && both > chosen.both))) {
      chosen = { account, rank, both, r, t, contact };
    }
  }
  if (!chosen) return undefined;
  const { account, rank, r, t, contact } = chosen;
  const accountFrom = contact ? 'contact' : rank === 4 || rank === 2 ? 'request-uri' : 'to';
  if (t.score > 0) return { accountId: account.id, alias: t.alias, aliasFrom: 'to', accountFrom, hostMatched: t.score === 2 };
  if (r.score > 0) return { accountId: account.id, alias: r.alias, aliasFrom: 'request-uri', accountFrom, hostMatched: r.score === 2 };
  return { accountId: account.id, alias: account.aor, aliasFrom: 'primary', accountFrom, hostMatched: false };
}
