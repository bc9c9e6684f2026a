import { HOST, SCHEME, TOKEN, USER, findByte, matchAt, matchAtB } from './chars.ts';
import { SipParseError } from './sip-parse-error.ts';
import { parseUriRange, uriHeadersSeen } from './uri.ts';

/**
 * The start line (RFC 3261 §7.1 Request-Line, §7.2 Status-Line), read in
 * place from the head string: exactly one SP between the elements (RFC 4475
 * lwsstart, trws), SIP/2.0 only (505 for another version, RFC 4475 badvers),
 * a Request-URI without LWS, brackets or headers (ltgtruri, lwsruri, escruri),
 * a three-digit status (bigcode).
 */
function isVersion(v: string): boolean {
  return v === 'SIP/2.0' || v.toUpperCase() === 'SIP/2.0';
}

function looksLikeVersion(v: string): boolean {
  // SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT (RFC 3261 §25.1)
  if (v.length < 7 || v.slice(0, 4).toUpperCase() !== 'SIP/') return false;
  const dot = v.indexOf('.', 4);
  if (dot < 5 || dot === v.length - 1) return false;
  for (let i = 4; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (i !== dot && (c < 0x30 || c > 0x39)) return false;
  }
  return true;
}

/**
 * Where a plain SIP URI's rest starting at b[i] ends: [user "@"] host
 * [":" port] with no escapes, password, IPv6 reference, parameters or
 * headers, read up to the first byte that cannot continue it (or end); -1
 * when what is there does not start that way. Such a Request-URI is valid
 * as it stands (the full scanner would accept it and find no headers);
 * anything else takes the full scanner.
 */
function plainSipUriEnd(b: Uint8Array, i: number, end: number): number {
  let k = i;
  while (k < end && USER[b[k] as number] === 1) k++;
  if (k < end && b[k] === 0x40) {
    if (k === i) return -1;
    i = k + 1;
  }
  k = i;
  while (k < end && HOST[b[k] as number] === 1) k++;
  if (k === i) return -1;
  if (k < end && b[k] === 0x3a) {
    const p = ++k;
    let v = 0;
    while (k < end) {
      const c = (b[k] as number) - 0x30;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
      k++;
    }
    if (k === p || k - p > 5 || v > 65535) return -1;
  }
  return k;
}

/** Checks the Request-URI in s[start, end) (RFC 3261 §25.1 Request-URI = SIP-URI / SIPS-URI / absoluteURI). */
function checkRequestUri(b: Uint8Array, s: string, start: number, end: number): void {
  const colon = findByte(b, 0x3a, start, end);
  const c0 = (b[start] as number) | 0x20;
  if (colon <= start || c0 < 0x61 || c0 > 0x7a) throw new SipParseError(400, 'malformed Request-URI');
  for (let i = start + 1; i < colon; i++) {
    const c = b[i] as number;
    if (SCHEME[c] === 0) throw new SipParseError(400, 'malformed Request-URI');
  }
  const n = colon - start;
  const sipLike =
    (n === 3 || n === 4) &&
    c0 === 0x73 &&
    ((b[start + 1] as number) | 0x20) === 0x69 &&
    ((b[start + 2] as number) | 0x20) === 0x70 &&
    (n === 3 || ((b[start + 3] as number) | 0x20) === 0x73);
  if (!sipLike) {
    for (let i = colon + 1; i < end; i++) {
      const c = b[i] as number;
      // No LWS, controls, angle brackets or quotes in an absoluteURI (RFC 4475 ltgtruri, lwsruri).
      if (c <= 0x20 || c === 0x7f || c === 0x3c || c === 0x3e || c === 0x22) {
        throw new SipParseError(400, 'malformed Request-URI');
      }
    }
    return;
  }
  if (plainSipUriEnd(b, colon + 1, end) === end) return;
  // A SIP or SIPS URI: the URI scanner's character tables refuse all of those
  // (none is in any table), so the scan above would only repeat its work.
  try {
    parseUriRange(b, s, start, end, false);
  } catch {
    throw new SipParseError(400, 'malformed Request-URI');
  }
  // Headers are not allowed in a Request-URI (RFC 3261 §19.1.1 table 1; RFC 4475 escruri).
  if (!uriHeadersSeen()) return;
  const q = findByte(b, 0x3f, colon, end);
  if (q >= 0) {
    const at = findByte(b, 0x40, colon, end);
    // A '?' before the '@' is part of the user (RFC 4475 intmeth); after it, it starts headers.
    if (at < 0 || q > at) throw new SipParseError(400, 'malformed Request-URI (contains headers)');
  }
}


const METHODS = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'SUBSCRIBE', 'NOTIFY', 'REFER', 'MESSAGE', 'INFO', 'PRACK', 'UPDATE', 'PUBLISH'];

/** The method at s[start, end): an interned constant for the usual ones. */
function methodAt(b: Uint8Array, s: string, start: number, end: number): string {
  const n = end - start;
  for (let i = 0; i < METHODS.length; i++) {
    const m = METHODS[i] as string;
    if (m.length === n && matchAtB(b, start, m)) return m;
  }
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || TOKEN[c] === 0) throw new SipParseError(400, 'malformed Request-Line (method)');
  }
  return s.slice(start, end);
}

export interface StartLine {
  /** '' for a response */
  method: string;
  uri: string;
  status: number;
  reason: string;
  versionError: SipParseError | undefined;
  /** A malformed Request-URI: reported once the headers are read, so the 400 can be answered. */
  uriError?: SipParseError;
}

/** Start line in s[pos, lineEnd) (RFC 3261 §7.1, §7.2): exactly one SP between elements (RFC 4475 lwsstart, trws). */
export function parseStartLine(b: Uint8Array, s: string, pos: number, lineEnd: number): StartLine {
  if (
    (s.charCodeAt(pos) | 0x20) === 0x73 &&
    (s.charCodeAt(pos + 1) | 0x20) === 0x69 &&
    (s.charCodeAt(pos + 2) | 0x20) === 0x70 &&
    s.charCodeAt(pos + 3) === 0x2f
  ) {
    const sp = s.indexOf(' ', pos);
    if (sp < 0 || sp > lineEnd) throw new SipParseError(400, 'malformed Status-Line');
    if (!(sp - pos === 7 && matchAt(s, pos, 'SIP/2.0')) && !isVersion(s.slice(pos, sp))) {
      throw new SipParseError(505, `SIP version ${s.slice(pos, Math.min(sp, pos + 16))} not supported`);
    }
    const d0 = s.charCodeAt(sp + 1) - 0x30;
    const d1 = s.charCodeAt(sp + 2) - 0x30;
    const d2 = s.charCodeAt(sp + 3) - 0x30;
    const after = lineEnd === sp + 4 ? 0x20 : s.charCodeAt(sp + 4);
    if (sp + 4 > lineEnd || !(d0 >= 1 && d0 <= 6 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9) || after !== 0x20) {
      throw new SipParseError(400, 'malformed Status-Line'); // RFC 4475 bigcode
    }
    const reason = sp + 5 <= lineEnd ? s.slice(sp + 5, lineEnd) : '';
    return { method: '', uri: '', status: d0 * 100 + d1 * 10 + d2, reason, versionError: undefined };
  }
  // The usual Request-Line read in one pass: a method token, SP, a plain
  // "sip:" or "sips:" URI (see plainSipUriEnd), SP, SIP/2.0. Anything else
  // takes the general path below, which finds the spaces first.
  let k = pos;
  while (k < lineEnd && TOKEN[b[k] as number] === 1) k++;
  if (k > pos && k + 5 < lineEnd && b[k] === 0x20 && ((b[k + 1] as number) | 0x20) === 0x73 && ((b[k + 2] as number) | 0x20) === 0x69 && ((b[k + 3] as number) | 0x20) === 0x70) {
    const rest = b[k + 4] === 0x3a ? k + 5 : ((b[k + 4] as number) | 0x20) === 0x73 && b[k + 5] === 0x3a ? k + 6 : -1;
    const e = rest < 0 ? -1 : plainSipUriEnd(b, rest, lineEnd);
    if (e > 0 && e + 8 === lineEnd && b[e] === 0x20 && matchAtB(b, e + 1, 'SIP/2.0')) {
      return { method: methodAt(b, s, pos, k), uri: s.slice(k + 1, e), status: 0, reason: '', versionError: undefined };
    }
  }
  const sp1 = s.indexOf(' ', pos);
  const sp2 = sp1 > pos && sp1 < lineEnd ? s.indexOf(' ', sp1 + 1) : -1;
  if (sp2 < 0 || sp2 > lineEnd) throw new SipParseError(400, 'malformed Request-Line');
  const method = methodAt(b, s, pos, sp1);
  if (sp2 === sp1 + 1) throw new SipParseError(400, 'malformed Request-Line (extra spaces)');
  let versionError: SipParseError | undefined;
  if (!(lineEnd - sp2 === 8 && matchAt(s, sp2 + 1, 'SIP/2.0'))) {
    const version = s.slice(sp2 + 1, lineEnd);
    if (!isVersion(version)) {
      if (!looksLikeVersion(version)) throw new SipParseError(400, 'malformed Request-Line');
      versionError = new SipParseError(505, `SIP version ${version.slice(0, 16)} not supported`);
    }
  }
  let uriError: SipParseError | undefined;
  try {
    checkRequestUri(b, s, sp1 + 1, sp2);
  } catch (e) {
    if (!(e instanceof SipParseError)) throw e;
    uriError = e;
  }
  const line: StartLine = { method, uri: s.slice(sp1 + 1, sp2), status: 0, reason: '', versionError };
  if (uriError) line.uriError = uriError;
  return line;
}
