import type { SipUri } from './uri.ts';

/**
 * URI comparison of RFC 3261 §19.1.4: userinfo case-sensitive, everything else
 * case-insensitive; escaped and unescaped forms equal (we hold components
 * unescaped, so that comes for free); an absent port is not 5060; user, ttl,
 * method, maddr and transport must match when either side has them; other
 * parameters only when both have them; every header on either side must be
 * on the other with the same value. tel URIs (RFC 3966 §4) compare the
 * number without visual separators and all parameters.
 */
const MUST_MATCH = ['user', 'ttl', 'method', 'maddr', 'transport'];

function ieq(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a === b) return true;
  if (a === null || a === undefined || b === null || b === undefined) return false;
  return a.length === b.length && a.toLowerCase() === b.toLowerCase();
}

function telNumber(user: string | undefined): string {
  return (user ?? '').replace(/[-.()]/g, '').toLowerCase();
}

export function uriEquals(a: SipUri, b: SipUri): boolean {
  if (a.scheme !== b.scheme) return false;
  if (a.scheme === 'tel') {
    if (telNumber(a.user) !== telNumber(b.user)) return false;
    if (a.params.size !== b.params.size) return false;
    for (const [k, v] of a.params) {
      if (!b.params.has(k) || !ieq(v, b.params.get(k))) return false;
    }
    return true;
  }
  if (a.user !== b.user || a.password !== b.password) return false;
  if (!ieq(a.host, b.host) || a.port !== b.port) return false;
  for (const k of MUST_MATCH) {
    const ha = a.params.has(k);
    if (ha !== b.params.has(k)) return false;
    if (ha && !ieq(a.params.get(k), b.params.get(k))) return false;
  }
  for (const [k, v] of a.params) {
    if (b.params.has(k) && !ieq(v, b.params.get(k))) return false;
  }
  if (a.headers.size !== b.headers.size) return false;
  const bh = new Map<string, string>();
  for (const [k, v] of b.headers) bh.set(k.toLowerCase(), v);
  for (const [k, v] of a.headers) {
    const other = bh.get(k.toLowerCase());
    if (other === undefined || !ieq(v, other)) return false;
  }
  return true;
}
