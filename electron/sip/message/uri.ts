import { HOST, PARAM, HNV, PASSWORD, SCHEME, TEL, USER, allIn, findChar } from './chars.ts';
import { escapeUri, unescapeUri } from './escape.ts';
import { commonParamAt } from './param-names.ts';
import { SipParseError } from './sip-parse-error.ts';

/**
 * SIP, SIPS (RFC 3261 §19.1) and tel (RFC 3966) URIs. Components are kept
 * unescaped; formatUri escapes what the grammar requires. An IPv6 host is
 * stored without its brackets (RFC 3261 §25.1 IPv6reference) and formatUri
 * puts them back. Parsing is one left-to-right scan with table lookups, over
 * a range of a larger string (a header value) so nothing is sliced twice.
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
function schemeAt(s: string, start: number, colon: number): 'sip' | 'sips' | 'tel' {
  const n = colon - start;
  if (n === 3 || n === 4) {
    const a = s.charCodeAt(start) | 0x20;
    const b = s.charCodeAt(start + 1) | 0x20;
    const c = s.charCodeAt(start + 2) | 0x20;
    if (a === 0x73 && b === 0x69 && c === 0x70) {
      if (n === 3) return 'sip';
      if ((s.charCodeAt(start + 3) | 0x20) === 0x73) return 'sips';
    } else if (n === 3 && a === 0x74 && b === 0x65 && c === 0x6c) {
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

/** Index of the first character at or after i not in the table (a '%' counts as in). */
function scan(s: string, i: number, end: number, t: Uint8Array): number {
  let pct = false;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 0x25) pct = true;
    else if (c >= 0x80 || t[c] === 0) break;
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
function scanIpv6(s: string, i: number, end: number): number {
  let j = i + 1;
  let colons = 0;
  for (; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5d) break;
    if (c === 0x3a) colons++;
    else if (!(c === 0x2e || c === 0x25 || (c < 0x80 && HOST[c] === 1))) return -1;
  }
  if (j >= end || colons < 2) return -1;
  return j + 1;
}

/** Parses ;name[=value] URI parameters from i (into params unless null); returns where they stop. */
function parseUriParams(s: string, i: number, end: number, params: Map<string, string | null> | null): number {
  while (i < end && s.charCodeAt(i) === 0x3b) {
    const nameStart = ++i;
    i = scan(s, i, end, PARAM);
    if (i === nameStart) throw bad('empty parameter', s.slice(0, end));
    const nameEnd = i;
    const namePct = sawPct;
    let vStart = -1;
    if (i < end && s.charCodeAt(i) === 0x3d) {
      vStart = ++i;
      i = scan(s, i, end, PARAM);
    }
    if (params !== null) {
      const name = (namePct ? undefined : commonParamAt(s, nameStart, nameEnd)) ?? piece(s, nameStart, nameEnd, namePct).toLowerCase();
      params.set(name, vStart < 0 ? null : piece(s, vStart, i, sawPct));
    }
  }
  return i;
}

function parseUriHeaders(s: string, i: number, end: number, headers: Map<string, string> | null): void {
  // i is at '?'
  for (;;) {
    const nStart = ++i;
    i = scan(s, i, end, HNV);
    if (i === nStart || i >= end || s.charCodeAt(i) !== 0x3d) throw bad('malformed header', s.slice(0, end));
    const nEnd = i;
    const namePct = sawPct;
    const vStart = ++i;
    i = scan(s, i, end, HNV);
    if (headers !== null) headers.set(piece(s, nStart, nEnd, namePct), piece(s, vStart, i, sawPct));
    if (i >= end) return;
    if (s.charCodeAt(i) !== 0x26) throw bad('malformed header', s.slice(0, end));
  }
}

function parseTel(s: string, start: number, end: number, build: boolean): SipUri | null {
  const i = scan(s, start, end, TEL);
  if (i === start) throw bad('empty telephone number', s.slice(0, end));
  const user = build ? piece(s, start, i, sawPct) : '';
  const params = build ? new Map<string, string | null>() : null;
  const stop = parseUriParams(s, i, end, params);
  if (stop !== end) throw bad('unexpected character', s.slice(0, end));
  if (params === null) return null;
  return { scheme: 'tel', user, host: '', params, headers: new Map() };
}

/**
 * Parses the URI in s[start, end). With build = false it only validates
 * (nothing allocated) and returns null; it throws the same errors either way.
 */
export function parseUriRange(s: string, start: number, end: number, build: boolean): SipUri | null {
  const colon = findChar(s, ':', 0x3a, start, end);
  if (colon <= start) throw bad('missing scheme', s.slice(start, end));
  const scheme = schemeAt(s, start, colon);
  if (scheme === 'tel') return parseTel(s, colon + 1, end, build);
  let i = colon + 1;
  let userStart = -1;
  let userEnd = -1;
  let pwStart = -1;
  let pwEnd = -1;
  let userPct = false;
  let pwPct = false;
  const at = findChar(s, '@', 0x40, i, end);
  if (at >= 0) {
    userStart = i;
    userEnd = scan(s, i, at, USER);
    userPct = sawPct;
    if (userEnd === i) throw bad('empty user', s.slice(start, end));
    if (userEnd < at) {
      if (s.charCodeAt(userEnd) !== 0x3a) throw bad('malformed user', s.slice(start, end));
      pwStart = userEnd + 1;
      pwEnd = scan(s, pwStart, at, PASSWORD);
      pwPct = sawPct;
      if (pwEnd < at) throw bad('malformed password', s.slice(start, end));
    }
    i = at + 1;
  }
  let hostStart = i;
  let hostEnd: number;
  if (s.charCodeAt(i) === 0x5b) {
    const after = scanIpv6(s, i, end);
    if (after < 0) throw bad('malformed IPv6 reference', s.slice(start, end));
    hostStart = i + 1;
    hostEnd = after - 1;
    i = after;
  } else {
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c >= 0x80 || HOST[c] === 0) break;
      i++;
    }
    if (i === hostStart) throw bad('empty host', s.slice(start, end));
    hostEnd = i;
  }
  let port = -1;
  if (i < end && s.charCodeAt(i) === 0x3a) {
    const p = ++i;
    let v = 0;
    while (i < end) {
      const c = s.charCodeAt(i) - 0x30;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
      i++;
    }
    if (i === p || i - p > 5 || v > 65535) throw bad('malformed port', s.slice(start, end));
    port = v;
  }
  const params = build ? new Map<string, string | null>() : null;
  const headers = build ? new Map<string, string>() : null;
  if (i < end) {
    i = parseUriParams(s, i, end, params);
    if (i < end) {
      if (s.charCodeAt(i) !== 0x3f) throw bad('unexpected character', s.slice(start, end));
      parseUriHeaders(s, i, end, headers);
    }
  }
  if (params === null || headers === null) return null;
  const uri: SipUri = { scheme, host: s.slice(hostStart, hostEnd), params, headers };
  if (userStart >= 0) uri.user = piece(s, userStart, userEnd, userPct);
  if (pwStart >= 0) uri.password = piece(s, pwStart, pwEnd, pwPct);
  if (port >= 0) uri.port = port;
  return uri;
}

export function parseUri(text: string): SipUri {
  return parseUriRange(text, 0, text.length, true) as SipUri;
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
  for (const [k, v] of uri.params) {
    s += ';' + escapeUri(k, PARAM);
    if (v !== null) s += '=' + escapeUri(v, PARAM);
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
