/**
 * The API server listens on loopback only: it drives a phone (calls cost
 * money, a microphone is private), and its one secret is a token in a URL.
 * Only IP literals are accepted; a name such as 'localhost' would need the
 * system resolver, which may answer with a non-loopback address.
 *
 * The Host header is checked as well, against DNS rebinding: a page on
 * evil.example whose name is made to resolve to 127.0.0.1 still sends
 * `Host: evil.example`, and is refused.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** 127.0.0.0/8 (RFC 1122 §3.2.1.3) or ::1 (RFC 4291 §2.5.3), as IP literals. */
export function isLoopbackAddress(host: string): boolean {
  if (isIPv4(host)) return loopback.check(host, 'ipv4');
  if (isIPv6(host)) return loopback.check(host, 'ipv6');
  return false;
}

/** The host part of a URL or Host header for an address: IPv6 in brackets. */
export function hostLiteral(address: string): string {
  return isIPv6(address) ? `[${address}]` : address;
}

/** The Host header values that name this server: its literal, 'localhost', with the port. */
export function acceptedHostHeaders(address: string, port: number): Set<string> {
  return new Set([`${hostLiteral(address)}:${port}`, `localhost:${port}`].map((h) => h.toLowerCase()));
}
