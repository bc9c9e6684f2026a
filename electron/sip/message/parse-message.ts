import { Buffer, isAscii } from 'node:buffer';
import { codesOf, skipWs, trimEndIndex } from './chars.ts';
import { HeaderList, WireField, WireHead, type KnownFields } from './header-list.ts';
import { NAME_ACCEPT, NAME_COL, NAME_TRIE, NOT_TOKEN, nameEntries, type NameEntry } from './header-names.ts';
import { resolveLimits, type ParseLimits } from './parse-limits.ts';
import { SipParseError } from './sip-parse-error.ts';
import { SipRequest, SipResponse, type SipMessage } from './sip-message.ts';
import { parseStartLine } from './start-line.ts';

/**
 * The SIP message parser (RFC 3261 §7, §18.3, §20, §25). The message is
 * decoded once, one character per octet so a character index is a byte index
 * (as UTF-8, which tells whether every octet is ASCII; else latin1), and cut
 * into lines with indexOf; the blank line ending the head is found on the way.
 * Parsing builds one small object per header line recording where its name
 * and value sit in the head (WireField; nothing is sliced) and checks what must hold before anything
 * else can be trusted: the start line (a malformed one is refused, a bad
 * Request-URI answered 400), the size limits, that Via, From, To, Call-ID and
 * CSeq are present and not repeated, and the Content-Length that frames the
 * body. Header values are read, checked and typed when first asked for (the
 * accessors topVia, fromOf... keep what they build); checkMessage reads the
 * ones a transaction needs, as the transports do before delivering a message,
 * so a malformed one is still answered 400 naming it (RFC 4475). The body is
 * a view of the input. A head with non-ASCII octets is decoded again as
 * UTF-8. An edited message is written by copying the lines nobody touched.
 */
/** A parsed head: the message (empty body), its Content-Length (-1 when absent), where its body starts. */
export interface ParsedHead {
  message: SipMessage;
  contentLength: number;
  /** index in the head string just past the blank line */
  bodyStart: number;
  /** the start line with its line end: head string indexes */
  startLineStart: number;
  startLineEnd: number;
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

/**
 * Parses the head in s from `start`: start line, header lines, up to and
 * including the blank line. Throws SipParseError for anything malformed, and
 * SipParseError(400, 'no blank line...') when the head does not end in s.
 */
export function parseHead(s: string, start: number, limits: ParseLimits, src?: Buffer): ParsedHead {
  const message = scanHead(s, start, limits, src);
  return { message, contentLength: headContentLength, bodyStart: headBodyStart, startLineStart: headStartLineStart, startLineEnd: headStartLineEnd };
}

/** What the last scanHead found besides the message (see ParsedHead): kept here, not in an object per datagram. */
let headContentLength = -1;
let headBodyStart = 0;
let headStartLineStart = 0;
let headStartLineEnd = 0;

function scanHead(s: string, start: number, limits: ParseLimits, src: Buffer | undefined): SipMessage {
  const n = s.length;
  // The bytes the scanners read: the received octets themselves when s is their latin1 decoding.
  const b = src !== undefined ? src : codesOf(s);
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
  const first = parseStartLine(b, s, pos, lineEnd);
  const startLineStart = pos;
  pos = nl + 1;
  const startLineEnd = pos;

  // Header lines; a line starting with SP/HT continues the previous one (§7.3.1: folding = one SP).
  const wire = new WireHead(s, b, src);
  const fields: WireField[] = [];
  const maxHeaders = limits.maxHeaders;
  let bodyStart = NO_BLANK_LINE;
  // A broken line is skipped so the rest can still be read: with Via, From, To,
  // Call-ID and CSeq in hand the error can be answered (RFC 3261 §8.2.6).
  let lineError: SipParseError | undefined;
  const ess = new Essentials();
  while (pos < n) {
    nl = s.indexOf('\n', pos);
    if (nl < 0) break;
    lineEnd = nl > pos && s.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
    if (lineEnd === pos) {
      bodyStart = nl + 1;
      wire.end = pos;
      break;
    }
    if (lineEnd - pos > maxLine) {
      // Skipped, not fatal: with the routing headers read, the 513 can be answered (RFC 3261 §21.5.8).
      lineError ??= tooLarge('header line too long');
      pos = nl + 1;
      continue;
    }
    const lineStart = pos;
    // field-name = token, then LWS, then ':' (RFC 3261 §7.3.1), read in one pass over the
    // bytes that also walks the trie of known names (see NAME_TRIE).
    let k = pos;
    let st = 0;
    let col = 0;
    while (k < lineEnd && (col = NAME_COL[b[k] as number] as number) !== NOT_TOKEN) {
      st = NAME_TRIE[(st << 5) | col] as number;
      k++;
    }
    const nameEnd = k;
    let c = 0;
    while (k < lineEnd && ((c = b[k] as number) === 0x20 || c === 0x09)) k++;
    if (nameEnd === pos || k === lineEnd || c !== 0x3a) {
      lineError ??= new SipParseError(400, lineDefect(b, pos, lineEnd));
      pos = nl + 1;
      continue;
    }
    const colon = k;
    let key: string;
    let role = 0;
    const known = NAME_ACCEPT[st] as number;
    if (known >= 0) {
      const e = nameEntries[known] as NameEntry;
      key = e.key;
      role = e.role;
    } else {
      // Every compact form is a known name: an unknown one's key is its lower-case spelling.
      key = s.slice(pos, nameEnd).toLowerCase();
    }
    let vs = colon + 1;
    while (vs < lineEnd && ((c = b[vs] as number) === 0x20 || c === 0x09)) vs++;
    let ve = lineEnd;
    while (ve > vs && ((c = b[ve - 1] as number) === 0x20 || c === 0x09)) ve--;
    let value: string | undefined;
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
      value ??= s.slice(vs, ve);
      if (pe > ps) value = value.length > 0 ? value + ' ' + s.slice(ps, pe) : s.slice(ps, pe);
    }
    if (fields.length >= maxHeaders) {
      // Past the cap only the first of each header a response copies is kept, so the 513 can be answered.
      lineError ??= tooLarge('too many header fields');
      if (role === 0 || role === 8 || ess.has(role)) {
        pos = nl + 1;
        continue;
      }
    }
    // A folded value is kept joined: the field reads that one.
    const field = value === undefined ? new WireField(key, wire, lineStart, nameEnd, vs, ve, nl + 1, undefined) : new WireField(key, wire, lineStart, nameEnd, -1, -1, nl + 1, value);
    fields.push(field);
    if (role !== 0) ess.note(role, field);
    pos = nl + 1;
  }
  if (bodyStart === NO_BLANK_LINE) throw noBlankLine(n - start, limits);

  const headers = HeaderList.fromWire(fields, wire, ess);
  const request = first.method !== '' ? new SipRequest(first.method, first.uri, headers) : undefined;
  const message: SipMessage = request ?? new SipResponse(first.status, first.reason, headers);
  const early = first.versionError ?? first.uriError ?? lineError;
  if (early) {
    // 505 wins over anything else wrong (RFC 4475 badvers: its Via says SIP/7.0 too).
    if (ess.answerable()) early.request = request;
    throw early;
  }
  headContentLength = validate(message, ess);
  headBodyStart = bodyStart;
  headStartLineStart = startLineStart;
  headStartLineEnd = startLineEnd;
  return message;
}

/** What is wrong with a header line that is not `token LWS ":" ...` (b[start, end): the line). */
function lineDefect(b: Uint8Array, start: number, end: number): string {
  const c0 = b[start];
  if (c0 === 0x20 || c0 === 0x09) return 'malformed header line (continuation line without a header)';
  for (let i = start; i < end; i++) if (b[i] === 0x3a) return 'malformed header name';
  return 'malformed header line (no colon)';
}

function noBlankLine(size: number, limits: ParseLimits): SipParseError {
  if (size > limits.maxMessageBytes) return tooLarge('message head too large');
  return new SipParseError(400, 'no blank line after the headers');
}

/** The headers the parser looks at, noted as it meets them; the list keeps them for the accessors (KnownFields). */
class Essentials implements KnownFields {
  via: WireField | undefined = undefined;
  from: WireField | undefined = undefined;
  to: WireField | undefined = undefined;
  callId: WireField | undefined = undefined;
  cseq: WireField | undefined = undefined;
  cl: WireField | undefined = undefined;
  maxFwd: WireField | undefined = undefined;
  contact: WireField | undefined = undefined;
  contacts = 0;
  /** a header that may appear once and did not (RFC 4475 multi01) */
  dup: string | undefined = undefined;

  /** Whether the header of this role was met already. */
  has(role: number): boolean {
    const f = [undefined, this.via, this.from, this.to, this.callId, this.cseq, this.cl, this.maxFwd][role];
    return f !== undefined;
  }

  note(role: number, f: WireField): void {
    switch (role) {
      case 1:
        if (this.via === undefined) this.via = f;
        break;
      case 2:
        if (this.from !== undefined) this.dup = 'From';
        this.from = f;
        break;
      case 3:
        if (this.to !== undefined) this.dup = 'To';
        this.to = f;
        break;
      case 4:
        if (this.callId !== undefined) this.dup = 'Call-ID';
        this.callId = f;
        break;
      case 5:
        if (this.cseq !== undefined) this.dup = 'CSeq';
        this.cseq = f;
        break;
      case 6:
        // RFC 4475 mcl01: two different lengths leave the framing unknown.
        if (this.cl !== undefined && this.cl.value !== f.value) this.dup = 'Content-Length';
        this.cl = f;
        break;
      case 7:
        if (this.maxFwd !== undefined) this.dup = 'Max-Forwards';
        this.maxFwd = f;
        break;
      case 8:
        if (this.contact === undefined) this.contact = f;
        this.contacts++;
        break;
    }
  }

  /** Whether a response can be built (RFC 3261 §8.2.6.2 copies these). */
  answerable(): boolean {
    return this.via !== undefined && this.from !== undefined && this.to !== undefined && this.callId !== undefined && this.cseq !== undefined;
  }
}

/** The decimal number in b[start, end), -1 when it is not one or exceeds max. */
function digits(b: Uint8Array, start: number, end: number, max: number): number {
  if (end <= start) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = (b[i] as number) - 0x30;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
    if (n > max) return -1;
  }
  return n;
}

/**
 * What parsing checks of the headers: the ones a transaction needs are
 * there, once (RFC 4475 multi01), and the Content-Length frames the body.
 * Their values are checked when read (checkMessage). Returns the
 * Content-Length (-1 when absent).
 */
function validate(message: SipMessage, ess: Essentials): number {
  const { via, from, to, callId, cseq, cl, dup } = ess;
  const request = message.kind === 'request' ? message : undefined;
  if (via === undefined) throw new SipParseError(400, 'missing Via header');
  if (from === undefined) throw new SipParseError(400, 'missing From header');
  if (to === undefined) throw new SipParseError(400, 'missing To header');
  if (callId === undefined) throw new SipParseError(400, 'missing Call-ID header');
  if (cseq === undefined) throw new SipParseError(400, 'missing CSeq header');
  if (dup) throw new SipParseError(400, `more than one ${dup} header`, request);
  if (cl === undefined) return -1;
  let contentLength: number;
  if (cl.vs >= 0) contentLength = digits(cl.head.bytes, cl.vs, cl.ve, Number.MAX_SAFE_INTEGER);
  else {
    const v = cl.value;
    contentLength = digits(codesOf(v), 0, v.length, Number.MAX_SAFE_INTEGER);
  }
  if (contentLength < 0) throw new SipParseError(400, 'malformed Content-Length', request); // RFC 4475 ncl
  return contentLength;
}

/** Remembers the received head so an unchanged message serializes without a rebuild. */
export function attachRaw(m: SipMessage, buf: Buffer, start: number, end: number, contentLength: number, startLineEnd: number): void {
  m.raw = {
    buf,
    start,
    end,
    startLineEnd,
    method: m.kind === 'request' ? m.method : '',
    uri: m.kind === 'request' ? m.uri : '',
    status: m.kind === 'response' ? m.status : 0,
    reason: m.kind === 'response' ? m.reason : '',
    headers: m.headers,
    version: m.headers.version,
    contentLength,
    body: m.body,
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
  const scanLen = Math.min(len, lim.maxMessageBytes + 4);
  // Decoded as UTF-8 (utf8Slice: what toString('utf8') calls, without its argument handling): when
  // that gives one character per octet and no U+FFFD, every octet is ASCII and string indexes are
  // byte offsets. Else latin1 (one character per octet, whatever they are) and the head checked.
  let text = (buf as Buffer & LatinSlicer).utf8Slice(0, scanLen);
  const ascii = text.length === scanLen && text.indexOf('\ufffd') < 0;
  if (!ascii) text = (buf as Buffer & LatinSlicer).latin1Slice(0, scanLen);
  let m = scanHead(text, start, lim, buf);
  const bodyStart = headBodyStart;
  const startLineEnd = headStartLineEnd;
  if (bodyStart - start > lim.maxMessageBytes) throw tooLarge('message head too large');
  if (!ascii && !isAscii(buf.subarray(start, bodyStart))) {
    // UTF-8 in the head (display names, reason phrases): decode it as such and parse again
    // (no byte spans then: string indexes no longer equal byte offsets).
    const head = buf.toString('utf8', start, bodyStart);
    m = scanHead(head, 0, { ...lim, maxLineBytes: lim.maxLineBytes * 4 }, undefined);
  }
  const contentLength = headContentLength;
  let bodyEnd = len;
  if (contentLength >= 0) {
    bodyEnd = bodyStart + contentLength;
    if (bodyEnd > len) {
      throw new SipParseError(400, 'Content-Length larger than the datagram', m.kind === 'request' ? m : undefined);
    }
  }
  if (bodyEnd - start > lim.maxMessageBytes) {
    throw new SipParseError(413, 'message too large', m.kind === 'request' ? m : undefined);
  }
  // No body: the message keeps its shared empty one (a view costs a TypedArray).
  if (bodyEnd > bodyStart) m.body = buf.subarray(bodyStart, bodyEnd);
  attachRaw(m, buf, start, bodyStart, contentLength, startLineEnd);
  return m;
}

/** Node's Buffer methods behind toString('latin1') and toString('utf8'). */
interface LatinSlicer {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}
