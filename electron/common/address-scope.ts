/**
 * The scope of an IP address (RFC 6890's special-purpose registries, the
 * parts a phone meets): where a packet sent to it can arrive from.
 *
 * - loopback: 127.0.0.0/8, ::1 — this host only;
 * - link-local: 169.254.0.0/16, fe80::/10 — this link only;
 * - private: RFC 1918 (10/8, 172.16/12, 192.168/16), RFC 6598 shared
 *   address space (100.64/10, carrier-grade NAT) and IPv6 unique-local
 *   fc00::/7 — where a phone behind NAT thinks it is; not routed on the
 *   Internet;
 * - public: anything else.
 */
import { isIP } from 'node:net';

export type AddressScope = 'loopback' | 'link-local' | 'private' | 'public';

export function addressScope(address: string): AddressScope {
  const family = isIP(address);
  if (family === 4) {
    const [a = 0, b = 0] = address.split('.').map(Number);
    if (a === 127) return 'loopback';
    if (a === 169 && b === 254) return 'link-local';
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127)) return 'private';
    return 'public';
  }
  if (family === 6) {
    const a = address.toLowerCase();
    if (a === '::1') return 'loopback';
    if (/^fe[89ab][0-9a-f]:/.test(a)) return 'link-local';
    if (/^f[cd][0-9a-f]{2}:/.test(a)) return 'private';
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
    return mapped ? addressScope(mapped[1]!) : 'public';
  }
  return 'public';
}

/** RFC 1918, RFC 6598 (CGNAT) and IPv6 unique-local addresses: where a phone behind NAT thinks it is. */
export function isPrivateAddress(address: string): boolean {
  return addressScope(address) === 'private';
}
