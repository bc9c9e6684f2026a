/**
 * Our address as the registrar saw it (RFC 3581 §4: `received` and `rport`
 * on the top Via of a response to our own request). Behind a NAT these name
 * the router's public side, which is what the Contact must carry for the
 * registrar — one without RFC 5626 outbound support, or without a NAT
 * helper — to reach us with incoming requests. Over TCP or TLS the source
 * port is the connection's own and always differs from our listener's: only
 * an IP that differs (`received`) shows a NAT, and then the public end of the
 * connection is what a registrar without RFC 5626 support reaches us at (it
 * finds the open connection by that address and port).
 */
import { topVia } from '../message/index.ts';
import type { SipResponse } from '../message/index.ts';
import type { TransportProtocol } from '../transport/transport.ts';

export interface PublicAddress {
  host: string;
  port: number;
  /** The transport it was learned over (its Contact only): 'udp' when absent. */
  protocol?: TransportProtocol;
}

/** The answer's top Via, or undefined when it has none we can read. */
function readTopVia(response: SipResponse): ReturnType<typeof topVia> | undefined {
  try {
    return topVia(response);
  } catch {
    return undefined;
  }
}

export function viaPublicAddress(response: SipResponse): PublicAddress | undefined {
  const via = readTopVia(response);
  if (!via) return undefined;
  const received = via.params.get('received');
  const rport = via.params.get('rport');
  if (!received && !rport) return undefined;
  const port = rport ? Number(rport) : via.port;
  if (port === undefined || !Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  return { host: received || via.host, port };
}

/**
 * Over UDP: whether the answer's top Via shows a NAT between us and the
 * server — a `received` other than our sent-by host or an `rport` other than
 * our sent-by port (RFC 3581 §4). A server that adds neither says nothing
 * either way: false.
 */
export function viaShowsNat(response: SipResponse): boolean {
  const via = readTopVia(response);
  const seen = viaPublicAddress(response);
  if (!via || !seen) return false;
  return !sameHost(seen.host, via.host) || seen.port !== (via.port ?? 5060);
}

/**
 * Over a connection (TCP/TLS): our public end, when a NAT is between us, else
 * undefined. A NAT shows as a `received` address other than our sent-by host;
 * the port alone says nothing (a connection always leaves from an ephemeral
 * port), and a server that adds `received` whenever rport is asked for
 * (RFC 3581 §4 lets it; Kamailio does) names our own address there.
 */
export function viaConnectionAddress(response: SipResponse, protocol: TransportProtocol): PublicAddress | undefined {
  const seen = viaPublicAddress(response);
  const via = readTopVia(response);
  const received = via?.params.get('received');
  if (!via || !seen || !received || sameHost(received, via.host)) return undefined;
  return { ...seen, protocol };
}

function sameHost(a: string, b: string): boolean {
  const bare = (h: string) => h.replace(/^\[|\]$/g, '').toLowerCase();
  return bare(a) === bare(b);
}

export function sameAddress(a: PublicAddress | undefined, b: PublicAddress | undefined): boolean {
  return a !== undefined && b !== undefined && a.port === b.port && a.host.toLowerCase() === b.host.toLowerCase();
}
