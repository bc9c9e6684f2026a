/**
 * Where a request goes first (RFC 3261 §8.1.2): the first Route URI when
 * there is one (loose or strict, the first hop is the same), else the
 * Request-URI. Turning that URI into transport targets is RFC 3263 (sip/dns);
 * `literalTargets` covers URIs whose host is already an IP literal, which is
 * all a dialog needs when peers put IP addresses in Contact and Record-Route.
 * `secureHops` is RFC 5630's rule for a sips: Request-URI: TLS on every hop,
 * so a next hop reached any other way is refused, in words, before anything
 * is sent.
 */
import { isIP } from 'node:net';
import { parseNameAddr, parseUri } from '../message/index.ts';
import type { SipRequest, SipUri } from '../message/index.ts';
import type { SendTarget, TransportProtocol } from '../transport/transport.ts';
import { InsecureHopError } from './dialog-errors.ts';

export function nextHopUri(request: SipRequest): SipUri {
  const route = request.headers.get('Route');
  return route !== undefined ? parseNameAddr(route).uri : parseUri(request.uri);
}

/** The next hop's targets, resolved, for a request that may be sips: (`secureHops`). */
export async function resolveNextHop(request: SipRequest, resolve: (uri: SipUri) => Promise<SendTarget[]>): Promise<SendTarget[]> {
  const hop = nextHopUri(request);
  return secureHops(parseUri(request.uri), hop, await resolve(hop));
}

/**
 * RFC 5630 §3.1.3 (RFC 3261 §26.2.2): a request for a sips: URI — and any
 * request through a sips: Route — goes over TLS only. Keeps the TLS targets;
 * none left is an InsecureHopError naming the hop and how it would be reached.
 */
export function secureHops(requestUri: SipUri, hop: SipUri, targets: SendTarget[]): SendTarget[] {
  if (requestUri.scheme !== 'sips' && hop.scheme !== 'sips') return targets;
  const tls = targets.filter((t) => t.protocol === 'tls');
  if (tls.length > 0 || targets.length === 0) return tls;
  const how = [...new Set(targets.map((t) => t.protocol.toUpperCase()))].join('/');
  throw new InsecureHopError(
    `a sips: request is sent over TLS only (RFC 5630), and the next hop ${formatHop(hop)} is reached over ${how}: not sent (make the proxy a TLS one, or call a sip: address)`,
  );
}

function formatHop(uri: SipUri): string {
  const host = uri.host.includes(':') ? `[${uri.host}]` : uri.host;
  const transport = uri.params.get('transport');
  return `${uri.scheme}:${host}${uri.port !== undefined ? `:${uri.port}` : ''}${transport ? `;transport=${transport}` : ''}`;
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
