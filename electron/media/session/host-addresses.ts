/**
 * Our host candidates' addresses (RFC 8445 §5.1.1.1): the address the RTP
 * socket is bound to, or — bound to a wildcard — every non-loopback
 * interface address of that family (at most MAX_HOSTS), the advertised one first.
 */
import { networkInterfaces } from 'node:os';

const MAX_HOSTS = 4;

export function hostAddresses(bindAddress: string, advertised?: string): string[] {
  if (bindAddress !== '0.0.0.0' && bindAddress !== '::') return [bindAddress];
  const v6 = bindAddress === '::';
  const found: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal || (a.family === 'IPv6') !== v6 || (v6 && a.address.startsWith('fe80'))) continue;
      found.push(a.address);
    }
  }
  const ordered = advertised && found.includes(advertised) ? [advertised, ...found.filter((a) => a !== advertised)] : found;
  return (ordered.length > 0 ? ordered : [advertised ?? (v6 ? '::1' : '127.0.0.1')]).slice(0, MAX_HOSTS);
}
