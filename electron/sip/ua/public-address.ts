/**
 * Our address as the registrar saw it (RFC 3581 §4: `received` and `rport`
 * on the top Via of a response to our own request). Behind a NAT these name
 * the router's public side, which is what the Contact must carry for the
 * registrar — one without RFC 5626 outbound support, or without a NAT
 * helper — to reach us with incoming requests.
 */
import { topVia } from '../message/index.ts';
import type { SipResponse } from '../message/index.ts';

export interface PublicAddress {
  host: string;
  port: number;
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

export function sameAddress(a: PublicAddress | undefined, b: PublicAddress | undefined): boolean {
  return a !== undefined && b !== undefined && a.port === b.port && a.host.toLowerCase() === b.host.toLowerCase();
}
