/**
 * Addresses a dialog keeps for its whole life (its parties, remote target,
 * route set, Contact), stored compactly: a parsed URI or name-addr has a
 * Map for its parameters and one for its URI headers, and an empty Map
 * costs ≈ 190 bytes of hash table. A watched line holds two subscription
 * dialogs for hours, each with five addresses (≈ 14 Maps, nearly all
 * empty), so the empty ones are replaced by one shared, read-only empty
 * Map; the Maps with something in them are kept as they are.
 * Measured in tests/bench/presence.bench.ts (500 watched lines, 1,000
 * dialogs, through Kamailio): the README's presence figures.
 */
import type { NameAddr, SipUri } from '../message/index.ts';

/** An empty Map that refuses to be changed (every user of a dialog's address copies it before adding to it). */
class FrozenEmptyMap<K, V> extends Map<K, V> {
  override set(_key: K, _value: V): this {
    throw new TypeError('a dialog address is read-only: copy its parameters before changing them');
  }
  override delete(_key: K): boolean {
    throw new TypeError('a dialog address is read-only: copy its parameters before changing them');
  }
  override clear(): void {
    throw new TypeError('a dialog address is read-only: copy its parameters before changing them');
  }
}

const EMPTY_PARAMS: Map<string, string | null> = new FrozenEmptyMap();
const EMPTY_HEADERS: Map<string, string> = new FrozenEmptyMap();

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
