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

export function viaPublicAddress(response: SipResponse): PublicAddress | undefined {
  let via;
  try {
    via = topVia(response);
  } catch {
    return undefined;
  }
  const received = via.params.get('received');
  const rport = via.params.get('rport');
  if (!received && !rport) return undefined;
  const port = rport ? Number(rport) : via.port;
  if (port === undefined || !Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  return { host: received || via.host, port };
}

/** Over a connection (TCP/TLS): our public end, when a NAT is between us (`received` present), else undefined. */
export function viaConnectionAddress(response: SipResponse, protocol: TransportProtocol): PublicAddress | undefined {
  const seen = viaPublicAddress(response);
  let received: string | null | undefined;
  try {
    received = topVia(response).params.get('received');
  } catch {
    return undefined;
  }
  return seen && received ? { ...seen, protocol } : undefined;
}

export function sameAddress(a: PublicAddress | undefined, b: PublicAddress | undefined): boolean {
  return a !== undefined && b !== undefined && a.port === b.port && a.host.toLowerCase() === b.host.toLowerCase();
}
