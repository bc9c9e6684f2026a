/**
 * Addresses a dialog keeps for its whole life (its parties, remote target,
 * route set, Contact), stored compactly: a parsed URI or name-addr has a
 * Map for its parameters and one for its URI headers, and an empty Map
 * costs ≈ 190 bytes of hash table. A watched line holds two subscription
 * dialogs for hours, each with five addresses (≈ 14 Maps, nearly all
 * empty), so the empty ones are replaced by the message layer's shared,
 * read-only empty Map; the Maps with something in them are kept as they are.
 * Measured in tests/bench/presence.bench.ts (500 watched lines, 1,000
 * dialogs, through Kamailio): the README's presence figures.
 */
import { EMPTY_HEADERS, EMPTY_PARAMS, type NameAddr, type SipUri } from '../message/index.ts';

export function compactUri(uri: SipUri): SipUri {
  const out: SipUri = { scheme: uri.scheme, host: uri.host, params: uri.params.size === 0 ? EMPTY_PARAMS : uri.params, headers: uri.headers.size === 0 ? EMPTY_HEADERS : uri.headers };
  if (uri.user !== undefined) out.user = uri.user;
  if (uri.password !== undefined) out.password = uri.password;
  if (uri.port !== undefined) out.port = uri.port;
  return out;
}

export function compactNameAddr(na: NameAddr): NameAddr {
  const out: NameAddr = { uri: compactUri(na.uri), params: na.params.size === 0 ? EMPTY_PARAMS : na.params };
  if (na.displayName !== undefined) out.displayName = na.displayName;
  return out;
}
