import { isAscii } from 'node:buffer';
import { SCHEME, TOKEN, WORD, allIn, skipWs, trimEndIndex } from './chars.ts';
import { parseCSeq } from './cseq.ts';
import { HeaderList, type HeaderField } from './header-list.ts';
import { headerKey, knownKey } from './header-names.ts';
import { firstElement } from './header-split.ts';
import { parseNameAddr } from './name-addr.ts';
import { resolveLimits, type ParseLimits } from './parse-limits.ts';
import type { ParsedCache } from './parsed-cache.ts';
import { SipParseError } from './sip-parse-error.ts';
import { SipRequest, SipResponse, type SipMessage } from './sip-message.ts';
import { parseUri } from './uri.ts';
import { parseVia } from './via.ts';

/**
 * The SIP message parser (RFC 3261 §7, §18.3, §20, §25). The message is
 * decoded once (latin1, so a character index is a byte index) and cut into
 * lines with indexOf; the blank line ending the head is found on the way.
 * Header values stay raw (typed views are built on demand), except those
 * every element needs to accept or answer a request, which are checked here
 * so a malformed one is rejected with a reason naming it (RFC 4475): top Via,
 * From, To, Call-ID, CSeq, Max-Forwards, Content-Length, Request-URI. What
 * that check parsed is kept for the accessors. The body is a view of the
 * input. A head with non-ASCII octets is decoded again as UTF-8.
 */

/** A parsed head: the message (empty body), its Content-Length (-1 when absent), where its body starts. */
export interface ParsedHead {
  message: SipMessage;
  contentLength: number;
  /** index in the head string just past the blank line */
  bodyStart: number;
}

const CR = 0x0d;
const LF = 0x0a;
const NO_BLANK_LINE = -1;

/**
 * Finds the blank line ending the head in buf[from, to). Returns the index of
 * the first body byte, or -1. Accepts CRLF and, leniently, bare LF lines.
 */
export function findBodyStart(buf: Buffer, from: number, to: number): number {
  let i = buf.indexOf(0x0a, from);
  while (i >= 0 && i < to) {
    const n1 = buf[i + 1];
    if (n1 === LF) return i + 2 <= to ? i + 2 : -1;
    if (n1 === CR && buf[i + 2] === LF) return i + 3 <= to ? i + 3 : -1;
    i = buf.indexOf(0x0a, i + 1);
  }
  return -1;
}

function tooLarge(what: string): SipParseError {
  return new SipParseError(513, what);
}

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

function checkRequestUri(uri: string): void {
  const colon = uri.indexOf(':');
  const c0 = uri.charCodeAt(0) | 0x20;
  if (colon <= 0 || c0 < 0x61 || c0 > 0x7a || !allIn(uri.slice(0, colon), SCHEME)) {
    throw new SipParseError(400, 'malformed Request-URI');
  }
  for (let i = colon + 1; i < uri.length; i++) {
    const c = uri.charCodeAt(i);
    // No LWS, controls, angle brackets or quotes in an absoluteURI (RFC 4475 ltgtruri, lwsruri).
    if (c <= 0x20 || c === 0x7f || c === 0x3c || c === 0x3e || c === 0x22) {
      throw new SipParseError(400, 'malformed Request-URI');
    }
  }
  if (colon === 3 || colon === 4) {
    const scheme = uri.slice(0, colon).toLowerCase();
    if (scheme === 'sip' || scheme === 'sips') {
      let parsed;
      try {
        parsed = parseUri(uri);
      } catch {
        throw new SipParseError(400, 'malformed Request-URI');
      }
      // Headers are not allowed in a Request-URI (RFC 3261 §19.1.1 table 1; RFC 4475 escruri).
      if (parsed.headers.size > 0) throw new SipParseError(400, 'malformed Request-URI (contains headers)');
    }
  }
}

const CALL_ID = (() => {
  const t = WORD.slice();
  t[0x40] = 1;
  return t;
})();

function parseStartLine(line: string): { request?: SipRequest; response?: SipResponse; versionError?: SipParseError } {
  // Exactly one SP between the elements (RFC 3261 §7.1; RFC 4475 lwsstart, trws).
  if (line.startsWith('SIP/') || line.slice(0, 4).toUpperCase() === 'SIP/') {
    const sp = line.indexOf(' ');
    if (sp < 0) throw new SipParseError(400, 'malformed Status-Line');
    const version = line.slice(0, sp);
    if (!isVersion(version)) throw new SipParseError(505, `SIP version ${version.slice(0, 16)} not supported`);
    const d0 = line.charCodeAt(sp + 1) - 0x30;
    const d1 = line.charCodeAt(sp + 2) - 0x30;
    const d2 = line.charCodeAt(sp + 3) - 0x30;
    const after = line.length === sp + 4 ? 0x20 : line.charCodeAt(sp + 4);
    if (!(d0 >= 1 && d0 <= 6 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9) || after !== 0x20) {
      throw new SipParseError(400, 'malformed Status-Line'); // RFC 4475 bigcode
    }
    return { response: new SipResponse(d0 * 100 + d1 * 10 + d2, line.slice(sp + 5)) };
  }
  const sp1 = line.indexOf(' ');
  const sp2 = sp1 > 0 ? line.indexOf(' ', sp1 + 1) : -1;
  if (sp2 < 0) throw new SipParseError(400, 'malformed Request-Line');
  const method = line.slice(0, sp1);
  if (!allIn(method, TOKEN)) throw new SipParseError(400, 'malformed Request-Line (method)');
  const uri = line.slice(sp1 + 1, sp2);
  if (uri.length === 0) throw new SipParseError(400, 'malformed Request-Line (extra spaces)');
  const version = line.slice(sp2 + 1);
  let versionError: SipParseError | undefined;
  if (!isVersion(version)) {
    if (!looksLikeVersion(version)) throw new SipParseError(400, 'malformed Request-Line');
    versionError = new SipParseError(505, `SIP version ${version.slice(0, 16)} not supported`);
  }
  checkRequestUri(uri);
  const request = new SipRequest(method, uri);
  return versionError ? { request, versionError } : { request };
}

/**
 * Parses the head in s from `start`: start line, header lines, up to and
 * including the blank line. Throws SipParseError for anything malformed, and
 * SipParseError(400, 'no blank line...') when the head does not end in s.
 */
export function parseHead(s: string, start: number, limits: ParseLimits, mode = 0): ParsedHead {
  const n = s.length;
  let pos = start;
  while (pos < n) {
    const c = s.charCodeAt(pos);
    if (c !== CR && c !== LF) break;
    pos++;
  }
  let nl = s.indexOf('\n', pos);
  if (nl < 0) throw noBlankLine(n - start, limits);
  let lineEnd = nl > pos && s.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
  const maxLine = limits.maxLineBytes;
  if (lineEnd - pos > maxLine) throw tooLarge('start line too long');
  const first = mode & 1 ? { request: new SipRequest('INVITE', 'sip:x') } as ReturnType<typeof parseStartLine> : parseStartLine(s.slice(pos, lineEnd));
  pos = nl + 1;

  // Header lines; a line starting with SP/HT continues the previous one (§7.3.1: folding = one SP).
  const fields: HeaderField[] = [];
  const maxHeaders = limits.maxHeaders;
  let bodyStart = NO_BLANK_LINE;
  while (pos < n) {
    nl = s.indexOf('\n', pos);
    if (nl < 0) break;
    lineEnd = nl > pos && s.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
    if (lineEnd === pos) {
      bodyStart = nl + 1;
      break;
    }
    if (lineEnd - pos > maxLine) throw tooLarge('header line too long');
    const c0 = s.charCodeAt(pos);
    if (c0 === 0x20 || c0 === 0x09) throw new SipParseError(400, 'malformed header (continuation line without a header)');
    const colon = s.indexOf(':', pos);
    if (colon < 0 || colon > lineEnd) throw new SipParseError(400, 'malformed header line (no colon)');
    let nameEnd = colon;
    while (nameEnd > pos) {
      const c = s.charCodeAt(nameEnd - 1);
      if (c !== 0x20 && c !== 0x09) break;
      nameEnd--;
    }
    const name = s.slice(pos, nameEnd);
    let key = mode & 4 ? name : knownKey(name);
    if (key === undefined) {
      if (!allIn(name, TOKEN)) throw new SipParseError(400, 'malformed header name');
      key = headerKey(name);
    }
    let vs = colon + 1;
    while (vs < lineEnd) {
      const c = s.charCodeAt(vs);
      if (c !== 0x20 && c !== 0x09) break;
      vs++;
    }
    let ve = lineEnd;
    while (ve > vs) {
      const c = s.charCodeAt(ve - 1);
      if (c !== 0x20 && c !== 0x09) break;
      ve--;
    }
    let value = s.slice(vs, ve);
    // Continuation lines.
    for (;;) {
      const c = s.charCodeAt(nl + 1);
      if (c !== 0x20 && c !== 0x09) break;
      pos = nl + 1;
      nl = s.indexOf('\n', pos);
      if (nl < 0) throw noBlankLine(n - start, limits);
      lineEnd = s.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
      if (lineEnd - pos > maxLine) throw tooLarge('header line too long');
      const ps = skipWs(s, pos, lineEnd);
      const pe = trimEndIndex(s, ps, lineEnd);
      if (pe > ps) value = value.length > 0 ? value + ' ' + s.slice(ps, pe) : s.slice(ps, pe);
    }
    if (fields.length >= maxHeaders) throw tooLarge('too many header fields');
    fields.push({ name, key, value });
    pos = nl + 1;
  }
  if (bodyStart === NO_BLANK_LINE) throw noBlankLine(n - start, limits);

  const headers = HeaderList.fromFields(fields);
  const request = first.request;
  const message: SipMessage = request ?? (first.response as SipResponse);
  message.headers = headers;
  if (first.versionError) {
    // 505 wins over anything else wrong (RFC 4475 badvers: its Via says SIP/7.0 too).
    if (hasResponseHeaders(fields)) first.versionError.request = request;
    throw first.versionError;
  }
  const contentLength = mode & 2 ? 0 : validate(message, fields);
  return { message, contentLength, bodyStart };
}

function noBlankLine(size: number, limits: ParseLimits): SipParseError {
  if (size > limits.maxMessageBytes) return tooLarge('message head too large');
  return new SipParseError(400, 'no blank line after the headers');
}

function hasResponseHeaders(fields: HeaderField[]): boolean {
  let seen = 0;
  for (const f of fields) {
    const k = f.key;
    if (k === 'via') seen |= 1;
    else if (k === 'from') seen |= 2;
    else if (k === 'to') seen |= 4;
    else if (k === 'call-id') seen |= 8;
    else if (k === 'cseq') seen |= 16;
  }
  return seen === 31;
}

function digits(v: string, max: number): number {
  if (v.length === 0) return -1;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
    if (n > max) return -1;
  }
  return n;
}

/** Checks the headers every element relies on; returns the Content-Length (-1 when absent). */
function validate(message: SipMessage, fields: HeaderField[]): number {
  let via: HeaderField | undefined;
  let from: HeaderField | undefined;
  let to: HeaderField | undefined;
  let callId: HeaderField | undefined;
  let cseq: HeaderField | undefined;
  let cl: HeaderField | undefined;
  let maxFwd: HeaderField | undefined;
  let dup: string | undefined;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as HeaderField;
    switch (f.key) {
      case 'via':
        if (via === undefined) via = f;
        break;
      case 'from':
        if (from !== undefined) dup = 'From';
        from = f;
        break;
      case 'to':
        if (to !== undefined) dup = 'To';
        to = f;
        break;
      case 'call-id':
        if (callId !== undefined) dup = 'Call-ID';
        callId = f;
        break;
      case 'cseq':
        if (cseq !== undefined) dup = 'CSeq';
        cseq = f;
        break;
      case 'content-length':
        // RFC 4475 mcl01: two different lengths leave the framing unknown.
        if (cl !== undefined && cl.value !== f.value) dup = 'Content-Length';
        cl = f;
        break;
      case 'max-forwards':
        if (maxFwd !== undefined) dup = 'Max-Forwards';
        maxFwd = f;
        break;
    }
  }
  const request = message.kind === 'request' ? message : undefined;
  if (via === undefined) throw new SipParseError(400, 'missing Via header');
  if (from === undefined) throw new SipParseError(400, 'missing From header');
  if (to === undefined) throw new SipParseError(400, 'missing To header');
  if (callId === undefined) throw new SipParseError(400, 'missing Call-ID header');
  if (cseq === undefined) throw new SipParseError(400, 'missing CSeq header');
  const fail = (defect: string, status = 400): never => {
    throw new SipParseError(status, defect, request);
  };
  // RFC 4475 multi01: one value only for these.
  if (dup) fail(`more than one ${dup} header`);

  let contentLength = -1;
  if (cl !== undefined) {
    contentLength = digits(cl.value, Number.MAX_SAFE_INTEGER);
    if (contentLength < 0) fail('malformed Content-Length'); // RFC 4475 ncl
  }
  const cache: ParsedCache = {};
  try {
    // CSeq first: RFC 4475 scalar02 wants its error reported over Max-Forwards'.
    const cs = parseCSeq(cseq.value);
    if (request && cs.method !== request.method) fail('CSeq method does not match the request method');
    cache.cseq = cs;
    cache.cseqField = cseq;
    if (request && maxFwd !== undefined && digits(maxFwd.value, 255) < 0) fail('malformed Max-Forwards');
    if (!allIn(callId.value, CALL_ID)) fail('malformed Call-ID');
    cache.via = parseVia(firstElement(via.value) ?? '');
    cache.viaField = via;
    cache.from = parseNameAddr(from.value, 'From');
    cache.fromField = from;
    cache.to = parseNameAddr(to.value, 'To');
    cache.toField = to;
  } catch (e) {
    if (e instanceof SipParseError && e.request === undefined) fail(e.reason.slice(e.reason.indexOf(' - ') + 3), e.status);
    throw e;
  }
  message.headers.parsed = cache;
  return contentLength;
}

/** Remembers the received head so an unchanged message serializes without a rebuild. */
export function attachRaw(m: SipMessage, bytes: Buffer, contentLength: number): void {
  m.raw = {
    bytes,
    method: m.kind === 'request' ? m.method : '',
    uri: m.kind === 'request' ? m.uri : '',
    status: m.kind === 'response' ? m.status : 0,
    reason: m.kind === 'response' ? m.reason : '',
    headers: m.headers,
    version: m.headers.version,
    contentLength,
  };
}

/**
 * Parses one datagram or one already framed message. For a datagram a
 * missing Content-Length means the body is the rest of it; a larger one is an
 * error; bytes beyond it are ignored (RFC 3261 §18.3; RFC 4475 dblreq, clerr).
 * The message keeps views of `data`: do not reuse that buffer afterwards.
 */
export function parseMessage(data: Buffer | string, limits?: Partial<ParseLimits>): SipMessage {
  const lim = resolveLimits(limits);
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const len = buf.length;
  let start = 0;
  while (start < len && (buf[start] === CR || buf[start] === LF)) start++;
  // latin1: one character per octet, so string indexes are byte offsets.
  const scanLen = Math.min(len, lim.maxMessageBytes + 4);
  let parsed = parseHead(buf.toString('latin1', 0, scanLen), start, lim);
  const bodyStart = parsed.bodyStart;
  if (bodyStart - start > lim.maxMessageBytes) throw tooLarge('message head too large');
  if (!isAscii(buf.subarray(start, bodyStart))) {
    // UTF-8 in the head (display names, reason phrases): decode it as such and parse again.
    const head = buf.toString('utf8', start, bodyStart);
    parsed = parseHead(head, 0, { ...lim, maxLineBytes: lim.maxLineBytes * 4 });
  }
  const m = parsed.message;
  let bodyEnd = len;
  if (parsed.contentLength >= 0) {
    bodyEnd = bodyStart + parsed.contentLength;
    if (bodyEnd > len) {
      throw new SipParseError(400, 'Content-Length larger than the datagram', m.kind === 'request' ? m : undefined);
    }
  }
  if (bodyEnd - start > lim.maxMessageBytes) {
    throw new SipParseError(413, 'message too large', m.kind === 'request' ? m : undefined);
  }
  m.body = buf.subarray(bodyStart, bodyEnd);
  attachRaw(m, buf.subarray(start, bodyStart), parsed.contentLength);
  return m;
}
