/**
 * What a proxy checks before routing a request (RFC 3261 §16.3) and the
 * route information it processes first (§16.4):
 *  - Max-Forwards: 0 stops the request with 483 (an OPTIONS for us is
 *    answered instead, §16.3 step 3); absent means 70 (§16.6 step 3);
 *  - loop detection (§16.3 step 4): our branch parameter carries a hash of
 *    the fields that identify the request as we received it (Request-URI,
 *    From tag, To tag, Call-ID, CSeq number, Route, Proxy-Require, §16.6
 *    step 8); the same request coming back with one of our Vias holding the
 *    same hash is a loop (482), while a changed Request-URI is a spiral;
 *  - Proxy-Require with extensions we lack: 420 (§16.3 step 5);
 *  - §16.4: a Request-URI that is ours came through a strict router: the
 *    last Route becomes the Request-URI; then every Route on top that names
 *    us is taken off (with a double Record-Route there are two).
 */
import { fromOf, parseNameAddr, parseTokenList, parseUri, parseVia, toOf, callId, cseqOf, type SipRequest, type SipUri } from '../sip/message/index.ts';
import type { ServerIdentity } from './server-identity.ts';

export const BRANCH_PREFIX = 'z9hG4bKpl';

export function maxForwards(request: SipRequest): number {
  const v = request.headers.get('Max-Forwards');
  if (v === undefined) return 70;
  const n = Number(v.trim());
  return Number.isInteger(n) && n >= 0 ? Math.min(n, 255) : -1;
}

export function loopHash(request: SipRequest): string {
  const fields = [
    request.uri,
    fromOf(request).params.get('tag') ?? '',
    toOf(request).params.get('tag') ?? '',
    callId(request),
    String(cseqOf(request).seq),
    request.headers.getAll('Route').join(','),
    request.headers.getAll('Proxy-Require').join(','),
  ].join('|');
  return hash48(fields);
}

/**
 * 48 bits of two FNV-1a hashes (different offsets) as 12 hex digits. Loop detection needs a
 * value that changes when the request does, not a cryptographic one; SHA-1 through node:crypto
 * (an object, a native call and a hex string per forwarded request) was 4 % of a proxied call.
 */
function hash48(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + ((b >>> 0) & 0xffff).toString(16).padStart(4, '0');
}

/** True when one of our Vias below the top carries this request's hash: it has been here in this very form. */
export function isLoop(request: SipRequest, hash: string, identity: ServerIdentity): boolean {
  for (const v of request.headers.getAll('Via')) {
    let via;
    try {
      via = parseVia(v);
    } catch {
      continue;
    }
    const branch = via.params.get('branch') ?? '';
    if (!branch.startsWith(BRANCH_PREFIX + hash)) continue;
    if (identity.isOwn({ scheme: 'sip', host: via.host, port: via.port, params: new Map(), headers: new Map() })) return true;
  }
  return false;
}

export function unsupportedProxyRequire(request: SipRequest): string[] {
  return parseTokenList(request.headers.getAll('Proxy-Require'));
}

export interface RouteOutcome {
  /** Route values naming us were taken off (we record-routed this dialog, or the phone uses us as outbound proxy). */
  routedToUs: boolean;
}

/** §16.4, in place on the request. Throws SipParseError on a malformed Route. */
export function preprocessRoute(request: SipRequest, identity: ServerIdentity): RouteOutcome {
  let routedToUs = false;
  let uri: SipUri | undefined;
  try {
    uri = parseUri(request.uri);
  } catch {
    uri = undefined;
  }
  const routes = request.headers.getAll('Route');
  if (uri && identity.isOwn(uri) && routes.length > 0 && isRecordRouteUri(uri)) {
    // A strict router before us put our Record-Route URI in the Request-URI (§16.4).
    request.uri = formatRouteUri(routes[routes.length - 1] as string);
    routes.pop();
    routedToUs = true;
  }
  while (routes.length > 0) {
    const top = parseNameAddr(routes[0] as string, 'Route');
    if (!identity.isOwn(top.uri)) break;
    routes.shift();
    routedToUs = true;
  }
  if (routes.length > 0) request.headers.set('Route', routes);
  else request.headers.remove('Route');
  return { routedToUs };
}

/** Our Record-Route URIs have no user part. */
function isRecordRouteUri(uri: SipUri): boolean {
  return uri.user === undefined;
}

function formatRouteUri(route: string): string {
  return parseNameAddr(route, 'Route').uri ? (/<([^>]*)>/.exec(route)?.[1] ?? route.trim()) : route.trim();
}
