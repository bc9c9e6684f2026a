/**
 * ICE candidates (RFC 8445 §5.1) and their SDP form (RFC 8839 §5.1):
 *
 *   a=candidate:<foundation> <component> UDP <priority> <address> <port> typ <host|srflx|prflx|relay>
 *               [raddr <address> rport <port>] [extension name/value pairs]
 *
 * Only UDP candidates with an IP address are used: TCP candidates (RFC 6544)
 * and mDNS names (".local") are skipped, never resolved. Parsing never throws
 * on what a peer sent: a line that does not read is ignored.
 */
import { isIP } from 'node:net';
import { addressScope } from '../../common/address-scope.ts';
import type { Endpoint } from '../rtp/peer-latch.ts';

export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

export interface IceCandidate {
  foundation: string;
  component: number;
  priority: number;
  address: string;
  port: number;
  type: CandidateType;
  relatedAddress?: string;
  relatedPort?: number;
}

/** §5.1.2.2 recommended type preferences. */
const TYPE_PREFERENCE: Record<CandidateType, number> = { host: 126, prflx: 110, srflx: 100, relay: 0 };

/** §5.1.2.1: (2^24)·type preference + (2^8)·local preference + (256 − component). */
export function candidatePriority(type: CandidateType, component = 1, localPreference = 65535): number {
  return TYPE_PREFERENCE[type] * 2 ** 24 + localPreference * 2 ** 8 + (256 - component);
}

/** §6.1.2.3: pair priority from the controlling (g) and controlled (d) candidates' priorities. */
export function pairPriority(g: number, d: number): bigint {
  const lo = BigInt(Math.min(g, d));
  const hi = BigInt(Math.max(g, d));
  return (1n << 32n) * lo + 2n * hi + (g > d ? 1n : 0n);
}

/** §5.1.1.3: same type, same base address, same server → same foundation. */
export function foundationOf(type: CandidateType, baseAddress: string, server = ''): string {
  let h = 0x811c9dc5;
  for (const ch of `${type}|${baseAddress}|${server}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h.toString(36).slice(0, 8);
}

export function formatCandidate(c: IceCandidate): string {
  const related = c.relatedAddress !== undefined && c.relatedPort !== undefined ? ` raddr ${c.relatedAddress} rport ${c.relatedPort}` : '';
  return `${c.foundation} ${c.component} UDP ${c.priority} ${c.address} ${c.port} typ ${c.type}${related}`;
}

const TOKEN = /^[A-Za-z0-9+/]{1,32}$/;

/** The value of an a=candidate line; undefined for one we do not use (TCP, a host name) or cannot read. */
export function parseCandidate(value: string): IceCandidate | undefined {
  const f = value.trim().split(/\s+/);
  if (f.length < 8 || f[6] !== 'typ') return undefined;
  const [foundation, component, transport, priority, address, port, , type] = f as [string, string, string, string, string, string, string, string];
  if (!TOKEN.test(foundation) || transport.toUpperCase() !== 'UDP' || isIP(address) === 0) return undefined;
  const comp = Number(component);
  const prio = Number(priority);
  const p = Number(port);
  if (!Number.isInteger(comp) || comp < 1 || comp > 256) return undefined;
  if (!Number.isInteger(prio) || prio < 1 || prio > 0xffffffff) return undefined;
  if (!Number.isInteger(p) || p < 1 || p > 65535) return undefined;
  if (type !== 'host' && type !== 'srflx' && type !== 'prflx' && type !== 'relay') return undefined;
  const c: IceCandidate = { foundation, component: comp, priority: prio, address, port: p, type };
  for (let i = 8; i + 1 < f.length; i += 2) {
    if (f[i] === 'raddr' && isIP(f[i + 1]!) !== 0) c.relatedAddress = f[i + 1];
    if (f[i] === 'rport') {
      const rp = Number(f[i + 1]);
      if (Number.isInteger(rp) && rp >= 0 && rp <= 65535) c.relatedPort = rp;
    }
  }
  return c;
}

export function endpointOf(c: { address: string; port: number }): Endpoint {
  return { address: c.address, port: c.port };
}

export function sameEndpoint(a: { address: string; port: number } | undefined, b: { address: string; port: number } | undefined): boolean {
  return a !== undefined && b !== undefined && a.address === b.address && a.port === b.port;
}

/**
 * Whether our relay can reach the peer's candidate: a relay on a public
 * address cannot reach a private, link-local or loopback address (the
 * Internet does not route them), and asking it to try may cost us the
 * allocation — coturn ends an allocation whose relay socket gets a hard send
 * error (no route, or an ICMP unreachable a router sent back for an earlier
 * packet), which takes every pair through the relay with it. A relay on a
 * private address (a TURN server inside a company network) may reach them.
 */
export function relayReaches(relay: { address: string }, remote: { address: string }): boolean {
  return addressScope(relay.address) !== 'public' || addressScope(remote.address) === 'public';
}
