/**
 * The DNS records RFC 3263 needs (NAPTR per RFC 3403, SRV per RFC 2782, A and
 * AAAA) and the resolver contract the SIP server locator is written against.
 * Two resolvers implement it: `SystemDnsResolver` (node:dns, the production
 * default) and `WireDnsResolver` (our own client, pointed at chosen servers);
 * `CachingDnsResolver` wraps either to honour TTLs.
 *
 * Names are compared lower-case without the trailing dot; the root is ".".
 * TTLs are seconds, as on the wire.
 */

export type DnsRecordType = 'NAPTR' | 'SRV' | 'A' | 'AAAA';

export interface NaptrRecord {
  order: number;
  preference: number;
  /** "S" for SIP (RFC 3263 §4.1): the replacement names an SRV record. */
  flags: string;
  /** e.g. "SIP+D2U", "SIP+D2T", "SIPS+D2T". */
  services: string;
  regexp: string;
  /** The SRV owner name; "." when the record carries none. */
  replacement: string;
  ttl: number;
}

export interface SrvRecord {
  priority: number;
  weight: number;
  port: number;
  /** A host name; "." means "decidedly not available at this domain" (RFC 2782). */
  target: string;
  ttl: number;
}

export interface AddressRecord {
  /** An IPv4 or IPv6 literal (IPv6 without brackets). */
  address: string;
  ttl: number;
}

export interface DnsRecordMap {
  NAPTR: NaptrRecord;
  SRV: SrvRecord;
  A: AddressRecord;
  AAAA: AddressRecord;
}

export interface DnsResolver {
  /**
   * The records of one type at one name. A name that does not exist
   * (NXDOMAIN) or has no records of that type resolves to `[]`; a server
   * failure, refusal or timeout rejects with a `DnsError`.
   */
  query<T extends DnsRecordType>(name: string, type: T): Promise<DnsRecordMap[T][]>;
}

/** Lower-case, no trailing dot; the root (and the empty name) is ".". */
export function normalizeDnsName(name: string): string {
  const n = name.trim().toLowerCase();
  if (n === '' || n === '.') return '.';
  return n.endsWith('.') ? n.slice(0, -1) : n;
}
