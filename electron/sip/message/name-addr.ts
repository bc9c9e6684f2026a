import { HOST, PARAM, TOKEN, USER, scratchCodesOf, findByte, skipWsB, trimEndB } from './chars.ts';
import { EMPTY_HEADERS, EMPTY_PARAMS } from './frozen-empty.ts';
import { formatHeaderParams, parseHeaderParams, plainHeaderParams, quote, scanQuotedB, unquote } from './header-params.ts';
import { SipParseError } from './sip-parse-error.ts';
import { URI_CHARS, formatUri, parseUriOpen, parseUriRange, uriStopped, type SipUri } from './uri.ts';
import { commonParamAt } from './param-names.ts';

/**
 * name-addr / addr-spec values of From, To, Contact, Route, Record-Route,
 * Refer-To... (RFC 3261 §20.10, §25.1). In the addr-spec form (no angle
 * brackets) every ';' parameter belongs to the header, not to the URI, and the
 * URI may not carry ',', '?' or ';' of its own (§20.10), so we cut at the
 * first ';'. The display name is returned unquoted and unescaped.
 */
export interface NameAddr {
  displayName?: string;
  uri: SipUri;
  params: Map<string, string | null>;
}

function isDisplayTokens(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = b[i] as number;
    if (c === 0x20 || c === 0x09) continue;
    if (TOKEN[c] === 0) return false;
  }
  return true;
}

/**
 * A quoted display name holds no raw control character, NUL above all
 * (qdtext excludes CTLs, RFC 3261 §25.1): a raw NUL cuts C strings short in
 * peers and logs. An escaped one (quoted-pair) stays accepted, as RFC 4475
 * §3.1.1.2 (intmeth) requires; whoever shows a name escapes its controls.
 */
function cleanDisplayName(b: Uint8Array, start: number, end: number): boolean {
  for (let j = start; j < end; j++) {
    const c = b[j] as number;
    if (c === 0x5c) j++;
    else if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
  }
  return true;
}

function uriOf(b: Uint8Array, s: string, start: number, end: number, what: string, shared: boolean): SipUri {
  if (end <= start) throw bad(what, 'empty URI');
  try {
    return parseUriRange(b, s, start, end, true, shared) as SipUri;
  } catch (e) {
    if (e instanceof SipParseError) {
      // An unknown scheme is well-formed but not ours: 416 (RFC 3261 §8.2.2.1; RFC 4475 unksm2).
      if (e.status === 416) throw new SipParseError(416, `unsupported URI scheme in ${what}`);
      throw new SipParseError(400, `malformed ${what} (malformed URI)`);
    }
    throw e;
  }
}

/** Parses one name-addr or addr-spec; `what` names the header in errors ("From", "Contact"...). */
export function parseNameAddr(value: string, what = 'name-addr'): NameAddr {
  return scanNameAddr(scratchCodesOf(value), value, 0, value.length, what, false, false);
}

/**
 * Parses the name-addr or addr-spec in s[start, end) (b: its bytes, see
 * codesOf). A `shared` one (kept by an accessor, read-only) gets the shared
 * EMPTY_PARAMS / EMPTY_HEADERS for the Maps it has nothing in.
 */
export function parseNameAddrAt(b: Uint8Array, s: string, start: number, end: number, what: string, shared = false): NameAddr {
  return scanNameAddr(b, s, start, end, what, shared, false);
}

/** Where the last name-addr scanned in `comma` mode ended (its end, or a ',' after it). */
let scanStop = 0;

/**
 * The header parameters from i on into a Map of their own, or the shared
 * empty one when there are none; with `comma`, a ',' after them ends them
 * (scanStop says where).
 */
function nameAddrParams(b: Uint8Array, s: string, i: number, end: number, what: string, shared: boolean, comma: boolean): Map<string, string | null> {
  if (shared && skipWsB(b, i, end) >= end) {
    scanStop = end;
    return EMPTY_PARAMS;
  }
  const params = new Map<string, string | null>();
  scanStop = parseHeaderParams(b, s, i, end, params, what, comma);
  return params;
}

/**
 * The name-addr filling s[start, end) when it is a single one (a Contact
 * field with one address, the usual case), read in place; undefined when a
 * ',' follows it (a list: the caller splits it). Throws on a defect.
 */
export function parseSoleNameAddrAt(b: Uint8Array, s: string, start: number, end: number, what: string): NameAddr | undefined {
  const na = scanNameAddr(b, s, start, end, what, true, true);
  return scanStop >= end ? na : undefined;
}

function bad(what: string, detail: string): SipParseError {
  return new SipParseError(400, `malformed ${what} (${detail})`);
}

/** addr-spec form from i: the URI ends at the first ';', the rest are header parameters. */
function scanAddrSpec(b: Uint8Array, s: string, i: number, end: number, what: string, shared: boolean, comma: boolean): NameAddr {
  const semi = findByte(b, 0x3b, i, end);
  const uriEnd = semi < 0 ? end : trimEndB(b, i, semi);
  for (let k = i; k < uriEnd; k++) {
    const c = b[k];
    if (c === 0x20 || c === 0x09 || c === 0x2c || c === 0x3f) {
      // RFC 3261 §20.10: such a URI must be in name-addr form (RFC 4475 regbadct).
      throw bad(what, `URI with '${s[k]}' must be enclosed in <>`);
    }
  }
  const uri = uriOf(b, s, i, uriEnd, what, shared);
  scanStop = end;
  const params = semi >= 0 ? nameAddrParams(b, s, semi, end, what, shared, comma) : shared ? EMPTY_PARAMS : new Map<string, string | null>();
  return { uri, params };
}

/**
 * The usual name-addr of a kept view (what scanNameAddr gives for it, in one
 * function): an optional display name (tokens, or a quoted string without
 * escapes or controls), then <sip: or sips: URI> with a plain user and host
 * (no escapes, password, IPv6 reference or URI headers), an optional port
 * and URI parameters, then header parameters, all without LWS inside. Sets
 * scanStop like scanNameAddr. Undefined for anything else: the general scan
 * then reads it (and reports a defect).
 */
function plainNameAddr(b: Uint8Array, s: string, i: number, end: number, comma: boolean): NameAddr | undefined {
  let displayName: string | undefined;
  let c = b[i] as number;
  let lt: number;
  if (c === 0x22) {
    let k = i + 1;
    while (k < end && (c = b[k] as number) !== 0x22 && c !== 0x5c && c >= 0x20 && c !== 0x7f) k++;
    if (k >= end || c !== 0x22) return undefined;
    displayName = s.slice(i + 1, k);
    lt = k + 1;
    while (lt < end && ((c = b[lt] as number) === 0x20 || c === 0x09)) lt++;
    if (lt >= end || c !== 0x3c) return undefined;
  } else {
    lt = i;
    while (lt < end && ((c = b[lt] as number) === 0x20 || c === 0x09 || TOKEN[c] === 1)) lt++;
    if (lt >= end || c !== 0x3c) return undefined;
    let dEnd = lt;
    while (dEnd > i && ((c = b[dEnd - 1] as number) === 0x20 || c === 0x09)) dEnd--;
    if (dEnd > i) displayName = s.slice(i, dEnd);
  }
  // sip: / sips:
  let k = lt + 1;
  if (k + 4 >= end || ((b[k] as number) | 0x20) !== 0x73 || ((b[k + 1] as number) | 0x20) !== 0x69 || ((b[k + 2] as number) | 0x20) !== 0x70) return undefined;
  let scheme: 'sip' | 'sips' = 'sip';
  k += 3;
  if (((b[k] as number) | 0x20) === 0x73) {
    scheme = 'sips';
    k++;
  }
  if (b[k] !== 0x3a) return undefined;
  const colon = k;
  // user@ (user characters up to '@'), else no user: then no '@' may follow in the URI.
  k = colon + 1;
  while (k < end && USER[(c = b[k] as number)] === 1) k++;
  let user: string | undefined;
  let hostStart = colon + 1;
  if (k < end && c === 0x40) {
    if (k === colon + 1) return undefined;
    user = s.slice(colon + 1, k);
    hostStart = k + 1;
  } else {
    while (k < end && (c = b[k] as number) !== 0x40 && URI_CHARS[c] === 1) k++;
    if (k < end && c === 0x40) return undefined;
  }
  k = hostStart;
  while (k < end && HOST[b[k] as number] === 1) k++;
  if (k === hostStart) return undefined;
  const host = s.slice(hostStart, k);
  let port = -1;
  if (k < end && b[k] === 0x3a) {
    const p = ++k;
    let v = 0;
    while (k < end && (c = (b[k] as number) - 0x30) >= 0 && c <= 9) {
      v = v * 10 + c;
      k++;
    }
    if (k === p || k - p > 5 || v > 65535) return undefined;
    port = v;
  }
  let uriParams = EMPTY_PARAMS;
  if (k < end && b[k] === 0x3b) {
    uriParams = new Map();
    do {
      const n0 = ++k;
      while (k < end && (c = b[k] as number) !== 0x25 && PARAM[c] === 1) k++;
      if (k === n0 || c === 0x25) return undefined;
      const n1 = k;
      let value: string | null = null;
      if (k < end && b[k] === 0x3d) {
        const v0 = ++k;
        while (k < end && (c = b[k] as number) !== 0x25 && PARAM[c] === 1) k++;
        if (c === 0x25) return undefined;
        value = s.slice(v0, k);
      }
      uriParams.set(commonParamAt(b, n0, n1) ?? s.slice(n0, n1).toLowerCase(), value);
    } while (k < end && b[k] === 0x3b);
  }
  if (k >= end || b[k] !== 0x3e) return undefined;
  // Same properties in the same order as scanUri makes them.
  const uri: SipUri =
    user !== undefined
      ? port >= 0
        ? { scheme, host, params: uriParams, headers: EMPTY_HEADERS, user, port }
        : { scheme, host, params: uriParams, headers: EMPTY_HEADERS, user }
      : port >= 0
        ? { scheme, host, params: uriParams, headers: EMPTY_HEADERS, port }
        : { scheme, host, params: uriParams, headers: EMPTY_HEADERS };
  let params = EMPTY_PARAMS;
  scanStop = end;
  if (k + 1 < end) {
    params = new Map();
    const stop = plainHeaderParams(b, s, k + 1, end, params, comma);
    if (stop < 0) return undefined;
    scanStop = stop;
  }
  return displayName !== undefined ? { uri, params, displayName } : { uri, params };
}

function scanNameAddr(b: Uint8Array, s: string, start: number, stop: number, what: string, shared: boolean, comma: boolean): NameAddr {
  const end = trimEndB(b, start, stop);
  if (shared) {
    const na = plainNameAddr(b, s, skipWsB(b, start, end), end, comma);
    if (na !== undefined) return na;
  }
  let i = skipWsB(b, start, end);
  let displayName: string | undefined;
  let lt: number;
  if (i < end && b[i] === 0x22) {
    const close = scanQuotedB(b, i, end);
    if (close < 0) throw bad(what, 'unterminated quoted string');
    if (!cleanDisplayName(b, i + 1, close - 1)) throw bad(what, 'control character in display name');
    displayName = unquote(s.slice(i + 1, close - 1));
    lt = skipWsB(b, close, end);
    if (lt >= end || b[lt] !== 0x3c) throw bad(what, 'missing <URI>');
  } else {
    lt = findByte(b, 0x3c, i, end);
    if (lt < 0) return scanAddrSpec(b, s, i, end, what, shared, comma);
    if (!isDisplayTokens(b, i, lt)) {
      // A '<' after something that is not a display name: a URI with '<' in a
      // parameter is addr-spec; anything else is a broken display name (RFC 4475 baddn).
      const colon = findByte(b, 0x3a, i, lt);
      if (colon < 0) throw bad(what, 'bad display name');
      return scanAddrSpec(b, s, i, end, what, shared, comma);
    }
    const dEnd = trimEndB(b, i, lt);
    if (dEnd > i) displayName = s.slice(i, dEnd);
  }
  // RFC 4475 badaspec: LWS inside <> is not allowed, but being liberal here harms nothing.
  const uStart = skipWsB(b, lt + 1, end);
  // The URI read up to where it stops, which must be the '>' (one pass; any
  // other stop is read again the long way for its error).
  let uri: SipUri | undefined;
  let gt = -1;
  try {
    uri = parseUriOpen(b, s, uStart, end, shared);
    gt = skipWsB(b, uriStopped(), end);
    if (gt >= end || b[gt] !== 0x3e) uri = undefined;
  } catch {
    uri = undefined;
  }
  if (uri === undefined) {
    gt = findByte(b, 0x3e, lt + 1, end);
    if (gt < 0) throw bad(what, "missing '>'");
    uri = uriOf(b, s, uStart, trimEndB(b, uStart, gt), what, shared);
  }
  const params = nameAddrParams(b, s, gt + 1, end, what, shared, comma);
  // All properties at once (see scanUri).
  return displayName !== undefined ? { uri, params, displayName } : { uri, params };
}

export function formatNameAddr(na: NameAddr): string {
  const dn = na.displayName ? quote(na.displayName) + ' ' : '';
  return `${dn}<${formatUri(na.uri)}>${formatHeaderParams(na.params)}`;
}
