/**
 * IP address helpers for the transport: families, comparison of literals as
 * RFC 3261 §18.2.1 needs it ("differs from the packet source address"), and
 * the default SIP ports (RFC 3261 §19.1.2).
 */
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { NetworkInterfaceInfo } from 'node:os';
import type { Endpoint, TransportProtocol } from './transport.ts';

export function familyOf(address: string): 4 | 6 | undefined {
  const f = isIP(address);
  return f === 4 ? 4 : f === 6 ? 6 : undefined;
}

/** A dual-stack IPv6 socket reports IPv4 peers as ::ffff:a.b.c.d; SIP wants a.b.c.d. */
export function normalizeAddress(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (m) return m[1];
  return address.replace(/^\[(.*)\]$/, '$1');
}

/** Expands an IPv6 literal to 8 groups so that "::1" equals "0:0:0:0:0:0:0:1". */
function expandIpv6(address: string): string | undefined {
  let a = address.toLowerCase().replace(/%.*$/, '');
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
  if (v4) {
    const n = v4.slice(1).map(Number);
    a = a.slice(0, v4.index) + `${((n[0] << 8) | n[1]).toString(16)}:${((n[2] << 8) | n[3]).toString(16)}`;
  }
  const halves = a.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...Array<string>(Math.max(0, fill)).fill('0'), ...tail];
  if (groups.length !== 8) return undefined;
  return groups.map((g) => parseInt(g, 16).toString(16)).join(':');
}

/** True when both are IP literals naming the same address (a host name never equals an IP). */
export function sameAddress(a: string, b: string): boolean {
  const na = normalizeAddress(a);
  const nb = normalizeAddress(b);
  const fa = familyOf(na);
  const fb = familyOf(nb);
  if (fa === undefined || fb === undefined || fa !== fb) return false;
  if (fa === 4) return na === nb;
  return expandIpv6(na) === expandIpv6(nb);
}

export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || expandIpv6(address) === '0:0:0:0:0:0:0:0';
}

/** RFC 3261 §19.1.2: 5060 for sip over UDP/TCP, 5061 for TLS. */
export function defaultPort(protocol: TransportProtocol | string): number {
  return protocol.toLowerCase() === 'tls' ? 5061 : 5060;
}

/** The Via transport token for a protocol (RFC 3261 §20.42). */
export function viaTransport(protocol: TransportProtocol): string {
  return protocol.toUpperCase();
}

/**
 * The address to advertise for a socket bound to a wildcard: the first
 * non-internal interface address of that family, else loopback. Hosts behind
 * NAT or with several interfaces should pass `advertise` to `listen` instead.
 */
export function guessAdvertisedAddress(family: 4 | 6): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      if (info.internal) continue;
      if (family === 4 && info.family === 'IPv4') return info.address;
      // Link-local IPv6 needs a zone id, which a Via cannot carry.
      if (family === 6 && info.family === 'IPv6' && !/^fe80:/i.test(info.address)) return info.address;
    }
  }
  return family === 4 ? '127.0.0.1' : '::1';
}

/**
 * Whether `address` lies in the prefix of one of this host's interfaces (its
 * CIDR: 127.0.0.1/8, 192.168.1.20/24, 2001:db8::5/64 …): a packet to it
 * crosses no router — so no NAT and no stateful firewall on the way —
 * and reaches it directly on that link (loopback is a link like any other).
 * `interfaces`: os.networkInterfaces, or a test's own.
 */
export function onLink(address: string, interfaces: () => NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces): boolean {
  const target = normalizeAddress(address);
  const family = familyOf(target);
  if (family === undefined) return false;
  const links = new BlockList();
  let any = false;
  for (const list of Object.values(interfaces())) {
    for (const info of list ?? []) {
      const [base, bits] = (info.cidr ?? '').split('/');
      const prefix = Number(bits);
      const type = info.family === 'IPv4' ? 'ipv4' : 'ipv6';
      if (!base || !Number.isInteger(prefix) || (type === 'ipv4') !== (family === 4)) continue;
      links.addSubnet(base.replace(/%.*$/, ''), prefix, type);
      any = true;
    }
  }
  return any && links.check(target.replace(/%.*$/, ''), family === 4 ? 'ipv4' : 'ipv6');
}

/** One spelling per address, for map keys. */
export function canonicalAddress(address: string): string {
  const a = normalizeAddress(address);
  return familyOf(a) === 6 ? (expandIpv6(a) ?? a) : a;
}

export function endpointKey(e: Endpoint): string {
  return `${e.protocol}|${canonicalAddress(e.address)}|${e.port}`;
}

export function formatEndpoint(e: Endpoint): string {
  const a = normalizeAddress(e.address);
  return `${e.protocol}:${a.includes(':') ? `[${a}]` : a}:${e.port}`;
}
