/**
 * Which account an incoming request is for, and which of its addresses was
 * called. The phone layer has the full rules (electron/phone/alias-match.ts:
 * telephone-number comparison, contact users, tie-breaks) and injects them;
 * this default is the simple core of the same idea:
 *  - the Request-URI (user and host) equals one of an account's addresses;
 *  - else the To URI does (proxies rewrite the Request-URI to our Contact
 *    after the location lookup, RFC 3261 §16.5, but never touch To, §16.6);
 *  - else the Request-URI user is the account's contact user (the proxy
 *    delivered to our registered Contact) or an address's user;
 *  - else the To user is an address's user.
 * The alias is the address matching To (what the caller dialled), else the
 * one matching the Request-URI, else the AOR.
 */
import { formatUri } from '../message/index.ts';
import type { SipUri } from '../message/index.ts';
import type { UaAccount } from './account.ts';
import { sameAddress } from './account.ts';

export interface AccountMatch {
  accountId: string;
  /** The account's own spelling of the address that was called. */
  alias: string;
  /** No account has the address: the UA's fallback account took it. */
  fallback?: boolean;
}

export type MatchAccount = (requestUri: SipUri, to: SipUri) => AccountMatch | undefined;

export function defaultAccountMatcher(accounts: () => Iterable<UaAccount>): MatchAccount {
  return (requestUri, to) => {
    const list = [...accounts()];
    const userOnly = (a: SipUri, b: SipUri) => a.user !== undefined && a.user === b.user;
    const account =
      list.find((acc) => acc.addresses.some((a) => sameAddress(a, requestUri))) ??
      list.find((acc) => acc.addresses.some((a) => sameAddress(a, to))) ??
      list.find((acc) => requestUri.user === acc.contactUser || acc.addresses.some((a) => userOnly(a, requestUri))) ??
      list.find((acc) => acc.addresses.some((a) => userOnly(a, to)));
    if (!account) return undefined;
    const alias =
      account.addresses.find((a) => sameAddress(a, to)) ??
      account.addresses.find((a) => userOnly(a, to)) ??
      account.addresses.find((a) => sameAddress(a, requestUri)) ??
      account.aor;
    return { accountId: account.id, alias: formatUri(alias) };
  };
}
