import type { CSeq } from './cseq.ts';
import type { HeaderField } from './header-list.ts';
import type { NameAddr } from './name-addr.ts';
import type { SipUri } from './uri.ts';
import type { Via } from './via.ts';

/**
 * Typed values the parser already built while validating a message (top
 * Via, From, To, CSeq), remembered against the exact header field they came
 * from. Fields are immutable and replaced on every change, so a field
 * identity check is a complete validity test. Callers always get copies:
 * they may change what they receive without touching the cache.
 */
export interface ParsedCache {
  viaField?: HeaderField;
  via?: Via;
  fromField?: HeaderField;
  from?: NameAddr;
  toField?: HeaderField;
  to?: NameAddr;
  cseqField?: HeaderField;
  cseq?: CSeq;
}

export function cloneUri(u: SipUri): SipUri {
  const c: SipUri = { scheme: u.scheme, host: u.host, params: new Map(u.params), headers: new Map(u.headers) };
  if (u.user !== undefined) c.user = u.user;
  if (u.password !== undefined) c.password = u.password;
  if (u.port !== undefined) c.port = u.port;
  return c;
}

export function cloneNameAddr(na: NameAddr): NameAddr {
  const c: NameAddr = { uri: cloneUri(na.uri), params: new Map(na.params) };
  if (na.displayName !== undefined) c.displayName = na.displayName;
  return c;
}

export function cloneVia(v: Via): Via {
  const c: Via = { transport: v.transport, host: v.host, params: new Map(v.params) };
  if (v.port !== undefined) c.port = v.port;
  return c;
}
