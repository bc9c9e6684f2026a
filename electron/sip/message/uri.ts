import { HOST, PARAM, HNV, PASSWORD, SCHEME, TEL, USER, allIn } from './chars.ts';
import { escapeUri, unescapeUri } from './escape.ts';
import { SipParseError } from './sip-parse-error.ts';

/**
 * SIP, SIPS (RFC 3261 §19.1) and tel (RFC 3966) URIs. Components are kept
 * unescaped; formatUri escapes what the grammar requires. An IPv6 host is
 * stored without its brackets (RFC 3261 §25.1 IPv6reference) and formatUri
 * puts them back. Parsing is a single left-to-right scan with table lookups.
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

function schemeOf(text: string, colon: number): 'sip' | 'sips' | 'tel' {
  if (colon === 3) {
    const a = text.charCodeAt(0) | 0x20;
    const b = text.charCodeAt(1) | 0x20;
    const c = text.charCodeAt(2) | 0x20;
    if (a === 0x73 && b === 0x69 && c === 0x70) return 'sip';
    if (a === 0x74 && b === 0x65 && c === 0x6c) return 'tel';
  } else if (colon === 4 && text.slice(0, 4).toLowerCase() === 'sips') {
    return 'sips';
  }
  if (colon > 0 && allIn(text.slice(0, colon), SCHEME)) {
    throw new SipParseError(416, `unsupported URI scheme "${text.slice(0, Math.min(colon, 32))}"`);
  }
  throw bad('malformed scheme', text);
}

function isPctOr(c: number, t: Uint8Array): boolean {
  return c === 0x25 || (c < 0x80 && t[c] === 1);
}

/** Scans the IPv6 reference starting at '[' ; returns the index after ']' or -1. */
function scanIpv6(text: string, i: number, end: number): number {
  let j = i + 1;
  let colons = 0;
  for (; j < end; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x5d) break;
    if (c === 0x3a) colons++;
    else if (!(c === 0x2e || c === 0x25 || (c < 0x80 && HOST[c] === 1))) return -1;
  }
  if (j >= end || colons < 2 || j === i + 1) return -1;
  return j + 1;
}

/** Parses ;name[=value] URI parameters from i; returns the index where they stop ('?' or end). */
function parseUriParams(text: string, i: number, end: number, params: Map<string, string | null>): number {
  while (i < end && text.charCodeAt(i) === 0x3b) {
    i++;
    const nameStart = i;
    while (i < end && isPctOr(text.charCodeAt(i), PARAM)) i++;
    if (i === nameStart) throw bad('empty parameter', text);
    const name = unescapeUri(text.slice(nameStart, i)).toLowerCase();
    let value: string | null = null;
    if (i < end && text.charCodeAt(i) === 0x3d) {
      const vStart = ++i;
      while (i < end && isPctOr(text.charCodeAt(i), PARAM)) i++;
      value = unescapeUri(text.slice(vStart, i));
    }
    params.set(name, value);
  }
  return i;
}

function parseUriHeaders(text: string, i: number, end: number, headers: Map<string, string>): void {
  // i is at '?'
  for (;;) {
    i++;
    const nStart = i;
    while (i < end && isPctOr(text.charCodeAt(i), HNV)) i++;
    if (i === nStart || i >= end || text.charCodeAt(i) !== 0x3d) throw bad('malformed header', text);
    const name = unescapeUri(text.slice(nStart, i));
    const vStart = ++i;
    while (i < end && isPctOr(text.charCodeAt(i), HNV)) i++;
    headers.set(name, unescapeUri(text.slice(vStart, i)));
    if (i >= end) return;
    if (text.charCodeAt(i) !== 0x26) throw bad('malformed header', text);
  }
}

function parseTel(text: string, start: number): SipUri {
  const end = text.length;
  let i = start;
  while (i < end && isPctOr(text.charCodeAt(i), TEL)) i++;
  if (i === start) throw bad('empty telephone number', text);
  const user = unescapeUri(text.slice(start, i));
  const params = new Map<string, string | null>();
  i = parseUriParams(text, i, end, params);
  if (i !== end) throw bad('unexpected character', text);
  return { scheme: 'tel', user, host: '', params, headers: new Map() };
}

export function parseUri(text: string): SipUri {
  const colon = text.indexOf(':');
  if (colon <= 0) throw bad('missing scheme', text);
  const scheme = schemeOf(text, colon);
  if (scheme === 'tel') return parseTel(text, colon + 1);
  const end = text.length;
  let i = colon + 1;
  let user: string | undefined;
  let password: string | undefined;
  const at = text.indexOf('@', i);
  if (at >= 0) {
    let j = i;
    while (j < at && isPctOr(text.charCodeAt(j), USER)) j++;
    if (j === i) throw bad('empty user', text);
    user = unescapeUri(text.slice(i, j));
    if (j < at) {
      if (text.charCodeAt(j) !== 0x3a) throw bad('malformed user', text);
      const p = ++j;
      while (j < at && isPctOr(text.charCodeAt(j), PASSWORD)) j++;
      if (j < at) throw bad('malformed password', text);
      password = unescapeUri(text.slice(p, j));
    }
    i = at + 1;
  }
  let host: string;
  if (text.charCodeAt(i) === 0x5b) {
    const after = scanIpv6(text, i, end);
    if (after < 0) throw bad('malformed IPv6 reference', text);
    host = text.slice(i + 1, after - 1);
    i = after;
  } else {
    const h = i;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c >= 0x80 || HOST[c] === 0) break;
      i++;
    }
    if (i === h) throw bad('empty host', text);
    host = text.slice(h, i);
  }
  let port: number | undefined;
  if (i < end && text.charCodeAt(i) === 0x3a) {
    const p = ++i;
    let v = 0;
    while (i < end) {
      const c = text.charCodeAt(i) - 0x30;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
      i++;
    }
    if (i === p || i - p > 5 || v > 65535) throw bad('malformed port', text);
    port = v;
  }
  const params = new Map<string, string | null>();
  const headers = new Map<string, string>();
  if (i < end) {
    i = parseUriParams(text, i, end, params);
    if (i < end) {
      if (text.charCodeAt(i) !== 0x3f) throw bad('unexpected character', text);
      parseUriHeaders(text, i, end, headers);
    }
  }
  const uri: SipUri = { scheme, host, params, headers };
  if (user !== undefined) uri.user = user;
  if (password !== undefined) uri.password = password;
  if (port !== undefined) uri.port = port;
  return uri;
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
