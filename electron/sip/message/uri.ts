import { HOST, PARAM, HNV, PASSWORD, SCHEME, TEL, USER, allIn, scratchCodesOf, findByte } from './chars.ts';
import { escapeUri, unescapeUri } from './escape.ts';
import { EMPTY_HEADERS, EMPTY_PARAMS } from './frozen-empty.ts';
import { commonParamAt } from './param-names.ts';
import { SipParseError } from './sip-parse-error.ts';

/**
 * SIP, SIPS (RFC 3261 §19.1) and tel (RFC 3966) URIs. Components are kept
 * unescaped; formatUri escapes what the grammar requires. An IPv6 host is
 * stored without its brackets (RFC 3261 §25.1 IPv6reference) and formatUri
 * puts them back. Parsing is one left-to-right scan with table lookups, over
 * a range of a larger string (a header value) so nothing is sliced twice;
 * the scan reads that string's bytes (codesOf).
 */
export interface SipUri {
  scheme: 'sip' | 'sips' | 'tel';
  user?: string;
  password?: string;
  host: string;
  port?: number;
  /** keys lower-cased; null = a flag parameter (;lr) */
  params: Map<string, string | null>;
  /** ?name=value headers, values unescaped */
  headers: Map<string, string>;
}

function bad(defect: string, text: string): SipParseError {
  const shown = text.length > 80 ? text.slice(0, 80) + '...' : text;
  return new SipParseError(400, `${defect} in URI "${shown.replace(/[^\x20-\x7e]/g, '?')}"`);
}

/** Scheme of s[start, colon): sip, sips or tel; 416 for another well-formed scheme, 400 for junk. */
function schemeAt(b: Uint8Array, s: string, start: number, colon: number): 'sip' | 'sips' | 'tel' {
  const n = colon - start;
  if (n === 3 || n === 4) {
    const x = (b[start] as number) | 0x20;
    const y = (b[start + 1] as number) | 0x20;
    const z = (b[start + 2] as number) | 0x20;
    if (x === 0x73 && y === 0x69 && z === 0x70) {
      if (n === 3) return 'sip';
      if (((b[start + 3] as number) | 0x20) === 0x73) return 'sips';
    } else if (n === 3 && x === 0x74 && y === 0x65 && z === 0x6c) {
      return 'tel';
    }
  }
  if (n > 0 && allIn(s.slice(start, colon), SCHEME)) {
    throw new SipParseError(416, `unsupported URI scheme "${s.slice(start, start + Math.min(n, 32))}"`);
  }
  throw bad('malformed scheme', s.slice(start));
}

/** Set by scan: whether the span it just scanned holds a '%' (so piece knows to unescape). */
let sawPct = false;

/** Index of the first byte at or after i not in the table (a '%' counts as in). */
function scan(b: Uint8Array, i: number, end: number, t: Uint8Array): number {
  let pct = false;
  while (i < end) {
    const c = b[i] as number;
    if (c === 0x25) pct = true;
    else if (t[c] === 0) break;
    i++;
  }
  sawPct = pct;
  return i;
}

function piece(s: string, start: number, end: number, pct: boolean): string {
  const v = s.slice(start, end);
  return pct ? unescapeUri(v) : v;
}

/** Scans the IPv6 reference opening at '[' ; returns the index after ']' or -1. */
function scanIpv6(b: Uint8Array, i: number, end: number): number {
  let j = i + 1;
  let colons = 0;
  for (; j < end; j++) {
    const c = b[j] as number;
    if (c === 0x5d) break;
    if (c === 0x3a) colons++;
    else if (!(c === 0x2e || c === 0x25 || HOST[c] === 1)) return -1;
  }
  if (j >= end || colons < 2) return -1;
  return j + 1;
}

/** Parses ;name[=value] URI parameters from i (into params unless null); returns where they stop. */
function parseUriParams(b: Uint8Array, s: string, i: number, end: number, params: Map<string, string | null> | null): number {
  while (i < end && b[i] === 0x3b) {
    const nameStart = ++i;
    i = scan(b, i, end, PARAM);
    if (i === nameStart) throw bad('empty parameter', s.slice(0, end));
    const nameEnd = i;
    const namePct = sawPct;
    let vStart = -1;
    if (i < end && b[i] === 0x3d) {
      vStart = ++i;
      i = scan(b, i, end, PARAM);
    }
    if (params !== null) {
      const name = (namePct ? undefined : commonParamAt(b, nameStart, nameEnd)) ?? piece(s, nameStart, nameEnd, namePct).toLowerCase();
      params.set(name, vStart < 0 ? null : piece(s, vStart, i, sawPct));
    }
  }
  return i;
}

/** Parses ?name=value&... from i (at '?'); returns where they stop (end, or in open mode any byte that is not '&'). */
function parseUriHeaders(b: Uint8Array, s: string, i: number, end: number, headers: Map<string, string> | null, open: boolean): number {
  for (;;) {
    const nStart = ++i;
    i = scan(b, i, end, HNV);
    if (i === nStart || i >= end || b[i] !== 0x3d) throw bad('malformed header', s.slice(0, end));
    const nEnd = i;
    const namePct = sawPct;
    const vStart = ++i;
    i = scan(b, i, end, HNV);
    if (headers !== null) headers.set(piece(s, nStart, nEnd, namePct), piece(s, vStart, i, sawPct));
    if (i >= end) return i;
    if (b[i] !== 0x26) {
      if (open) return i;
      throw bad('malformed header', s.slice(0, end));
    }
  }
}

function parseTel(b: Uint8Array, s: string, start: number, end: number, build: boolean, open: boolean): SipUri | null {
  const i = scan(b, start, end, TEL);
  if (i === start) throw bad('empty telephone number', s.slice(0, end));
  const user = build ? piece(s, start, i, sawPct) : '';
  const params = build ? new Map<string, string | null>() : null;
  const stop = parseUriParams(b, s, i, end, params);
  uriStop = stop;
  if (stop !== end && !open) throw bad('unexpected character', s.slice(0, end));
  if (params === null) return null;
  return { scheme: 'tel', user, host: '', params, headers: new Map() };
}

/** Characters a SIP URI may hold (user, password, host, port, parameters, headers): where an open scan's search for '@' stops. */
export const URI_CHARS = (() => {
  const t = new Uint8Array(256);
  for (const x of [USER, PASSWORD, HOST, PARAM, HNV]) for (let c = 0; c < 256; c++) t[c] |= x[c] as number;
  t[0x3a] = t[0x40] = t[0x25] = 1;
  return t;
})();

/** Where the last scanUri in open mode stopped (see parseUriOpen). */
let uriStop = 0;
/** Whether the last scanUri met URI headers ('?' after the host). */
let uriHadHeaders = false;

/**
 * Parses the URI in s[start, end), reading b (its bytes: see codesOf). With
 * build = false it only validates (nothing allocated) and returns null; it
 * throws the same errors either way. A `shared` URI (one an accessor keeps)
 * gets the read-only EMPTY_PARAMS / EMPTY_HEADERS when it has none.
 */
export function parseUriRange(b: Uint8Array, s: string, start: number, end: number, build: boolean, shared = false): SipUri | null {
  return scanUri(b, s, start, end, build, shared, false);
}

/**
 * parseUriRange of the URI starting at s[start] and ending at the first
 * character that cannot continue it (a name-addr's '>', a ',' or LWS) or at
 * end; uriStopped() tells where. One pass: the caller need not find the
 * URI's end first.
 */
export function parseUriOpen(b: Uint8Array, s: string, start: number, end: number, shared: boolean): SipUri {
  return scanUri(b, s, start, end, true, shared, true) as SipUri;
}

/** Where the last parseUriOpen stopped. */
export function uriStopped(): number {
  return uriStop;
}

/** Whether the last URI scanned had headers ('?' after the host part). */
export function uriHeadersSeen(): boolean {
  return uriHadHeaders;
}

function scanUri(b: Uint8Array, s: string, start: number, end: number, build: boolean, shared: boolean, open: boolean): SipUri | null {
  uriHadHeaders = false;
  const colon = findByte(b, 0x3a, start, end);
  if (colon <= start) throw bad('missing scheme', s.slice(start, end));
  const scheme = schemeAt(b, s, start, colon);
  if (scheme === 'tel') return parseTel(b, s, colon + 1, end, build, open);
  let i = colon + 1;
  let userStart = -1;
  let userEnd = -1;
  let pwStart = -1;
  let pwEnd = -1;
  let userPct = false;
  let pwPct = false;
  // The user part ends at the first '@': user characters up to it (the usual
  // URI, one pass), else the first '@' further on, if any, decides.
  const u = scan(b, i, end, USER);
  let at: number;
  if (u < end && b[u] === 0x40) at = u;
  else if (!open) at = findByte(b, 0x40, u, end);
  else {
    at = u;
    while (at < end && b[at] !== 0x40 && URI_CHARS[b[at] as number] === 1) at++;
    if (at >= end || b[at] !== 0x40) at = -1;
  }
  if (at >= 0) {
    userStart = i;
    userEnd = u;
    userPct = sawPct;
    if (userEnd === i) throw bad('empty user', s.slice(start, end));
    if (userEnd < at) {
      if (b[userEnd] !== 0x3a) throw bad('malformed user', s.slice(start, end));
      pwStart = userEnd + 1;
      pwEnd = scan(b, pwStart, at, PASSWORD);
      pwPct = sawPct;
      if (pwEnd < at) throw bad('malformed password', s.slice(start, end));
    }
    i = at + 1;
  }
  let hostStart = i;
  let hostEnd: number;
  if (b[i] === 0x5b) {
    const after = scanIpv6(b, i, end);
    if (after < 0) throw bad('malformed IPv6 reference', s.slice(start, end));
    hostStart = i + 1;
    hostEnd = after - 1;
    i = after;
  } else {
    while (i < end && HOST[b[i] as number] === 1) i++;
    if (i === hostStart) throw bad('empty host', s.slice(start, end));
    hostEnd = i;
  }
  let port = -1;
  if (i < end && b[i] === 0x3a) {
    const p = ++i;
    let v = 0;
    while (i < end) {
      const c = (b[i] as number) - 0x30;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
      i++;
    }
    if (i === p || i - p > 5 || v > 65535) throw bad('malformed port', s.slice(start, end));
    port = v;
  }
  let params: Map<string, string | null> | null = null;
  let headers: Map<string, string> | null = null;
  if (build) {
    params = shared && (i >= end || b[i] !== 0x3b) ? EMPTY_PARAMS : new Map();
    headers = shared ? EMPTY_HEADERS : new Map();
  }
  if (i < end) {
    i = parseUriParams(b, s, i, end, params);
    if (i < end && b[i] === 0x3f) {
      uriHadHeaders = true;
      if (headers === EMPTY_HEADERS) headers = new Map();
      i = parseUriHeaders(b, s, i, end, headers, open);
    } else if (i < end && !open) throw bad('unexpected character', s.slice(start, end));
  }
  uriStop = i;
  if (params === null || headers === null) return null;
  const host = s.slice(hostStart, hostEnd);
  // Made with all its properties at once (no property added afterwards: that costs a transition and a property store); same key order either way.
  if (pwStart < 0) {
    if (userStart >= 0) {
      const user = piece(s, userStart, userEnd, userPct);
      return port >= 0 ? { scheme, host, params, headers, user, port } : { scheme, host, params, headers, user };
    }
    return port >= 0 ? { scheme, host, params, headers, port } : { scheme, host, params, headers };
  }
  const uri: SipUri = { scheme, host, params, headers };
  if (userStart >= 0) uri.user = piece(s, userStart, userEnd, userPct);
  uri.password = piece(s, pwStart, pwEnd, pwPct);
  if (port >= 0) uri.port = port;
  return uri;
}

export function parseUri(text: string): SipUri {
  return parseUriRange(scratchCodesOf(text), text, 0, text.length, true) as SipUri;
}

export function formatHost(host: string): string {
  return host.indexOf(':') >= 0 ? `[${host}]` : host;
}

export function formatUri(uri: SipUri): string {
  let s = uri.scheme + ':';
  if (uri.scheme === 'tel') {
    s += escapeUri(uri.user ?? '', TEL);
  } else {
    if (uri.user !== undefined) {
      s += escapeUri(uri.user, USER);
      if (uri.password !== undefined) s += ':' + escapeUri(uri.password, PASSWORD);
      s += '@';
    }
    s += formatHost(uri.host);
    if (uri.port !== undefined) s += ':' + uri.port;
  }
  // Most URIs have no parameters: no iterator then.
  if (uri.params.size > 0) {
    for (const [k, v] of uri.params) {
      s += ';' + escapeUri(k, PARAM);
      if (v !== null) s += '=' + escapeUri(v, PARAM);
    }
  }
  if (uri.scheme !== 'tel' && uri.headers.size > 0) {
    let sep = '?';
    for (const [k, v] of uri.headers) {
      s += sep + escapeUri(k, HNV) + '=' + escapeUri(v, HNV);
      sep = '&';
    }
  }
  return s;
}
