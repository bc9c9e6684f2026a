/**
 * Where a request goes first (RFC 3261 §8.1.2): the first Route URI when
 * there is one (loose or strict, the first hop is the same), else the
 * Request-URI. Turning that URI into transport targets is RFC 3263 (sip/dns);
 * `literalTargets` covers URIs whose host is already an IP literal, which is
 * all a dialog needs when peers put IP addresses in Contact and Record-Route.
 */
import { isIP } from 'node:net';
import { parseNameAddr, parseUri } from '../message/index.ts';
import type { SipRequest, SipUri } from '../message/index.ts';
import type { SendTarget, TransportProtocol } from '../transport/transport.ts';

export function nextHopUri(request: SipRequest): SipUri {
  const route = request.headers.get('Route');
  return route !== undefined ? parseNameAddr(route).uri : parseUri(request.uri);
}

/** RFC 3263 §4.1/§4.2 for a numeric host: transport from `;transport=` (sips: TLS), port or its default. */
export function literalTargets(uri: SipUri): SendTarget[] {
  if (isIP(uri.host) === 0) throw new Error(`literalTargets: ${uri.host} is not an IP literal (needs RFC 3263 resolution)`);
  const param = (uri.params.get('transport') ?? '').toLowerCase();
  let protocol: TransportProtocol = uri.scheme === 'sips' ? 'tls' : 'udp';
  if (param === 'tcp') protocol = uri.scheme === 'sips' ? 'tls' : 'tcp';
  else if (param === 'tls') protocol = 'tls';
  return [{ protocol, address: uri.host, port: uri.port ?? (protocol === 'tls' ? 5061 : 5060) }];
}
