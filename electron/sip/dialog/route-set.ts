/**
 * Route sets (RFC 3261 §12.1.1, §12.1.2) and how a request in a dialog is
 * addressed with one (§12.2.1.1).
 *  - The UAS takes the Record-Route values of the request in order; the UAC
 *    takes those of the response in reverse order (the proxies nearest to it
 *    come first on its way out).
 *  - Loose routing (first route has `;lr`, RFC 3261 §16.12): the Request-URI
 *    is the remote target and Route holds the whole route set.
 *  - Strict routing (an RFC 2543 proxy first): the Request-URI is the first
 *    route (minus parameters not allowed there), Route holds the rest followed
 *    by the remote target, so the strict router can put it back.
 */
import { parseNameAddr } from '../message/index.ts';
import type { NameAddr, SipMessage, SipUri } from '../message/index.ts';

export function routeSetFromRecordRoute(message: SipMessage, role: 'uac' | 'uas'): NameAddr[] {
  const values = message.headers.getAll('Record-Route').map((v) => parseNameAddr(v));
  return role === 'uac' ? values.reverse() : values;
}

export function isLooseRouter(route: NameAddr): boolean {
  return route.uri.params.has('lr');
}

export interface RoutedAddress {
  requestUri: SipUri;
  routes: NameAddr[];
}

/** §12.2.1.1: the Request-URI and Route header values of a request sent in a dialog. */
export function routeRequest(remoteTarget: SipUri, routeSet: readonly NameAddr[]): RoutedAddress {
  if (routeSet.length === 0) return { requestUri: remoteTarget, routes: [] };
  const first = routeSet[0];
  if (isLooseRouter(first)) return { requestUri: remoteTarget, routes: [...routeSet] };
  return {
    requestUri: requestUriFromRoute(first.uri),
    routes: [...routeSet.slice(1), { uri: remoteTarget, params: new Map() }],
  };
}

/** §19.1.1 Table 1: `method` and URI headers are not allowed in a Request-URI. */
function requestUriFromRoute(uri: SipUri): SipUri {
  const params = new Map(uri.params);
  params.delete('method');
  return { ...uri, params, headers: new Map() };
}
