/** RFC 3263 client-side server location and the DNS resolvers it runs on. */
export { SipServerLocator } from './sip-server-locator.ts';
export type { SipServerLocatorOptions } from './sip-server-locator.ts';
export { defaultSipPort } from './sip-target.ts';
export type { IpFamily, LocatableUri, SipTarget, SipTransportProtocol } from './sip-target.ts';
export { orderSrvRecords } from './srv-order.ts';
export type { RandomSource } from './srv-order.ts';
export { normalizeDnsName } from './dns-records.ts';
export type { AddressRecord, DnsRecordMap, DnsRecordType, DnsResolver, NaptrRecord, SrvRecord } from './dns-records.ts';
export { DnsError } from './dns-error.ts';
export type { DnsErrorCode } from './dns-error.ts';
export { WireDnsResolver } from './wire-dns-resolver.ts';
export type { DnsServerAddress, WireDnsResolverOptions } from './wire-dns-resolver.ts';
export { SystemDnsResolver } from './system-dns-resolver.ts';
export type { NodeDnsResolverLike, OsLookup, SystemDnsResolverOptions } from './system-dns-resolver.ts';
export { CachingDnsResolver } from './caching-dns-resolver.ts';
export type { CachingDnsResolverOptions } from './caching-dns-resolver.ts';
