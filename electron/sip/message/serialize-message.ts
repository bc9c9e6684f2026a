import { Buffer } from 'node:buffer';
import { MadeField, WireEdit, WireField, type HeaderField } from './header-list.ts';
import type { SipMessage } from './sip-message.ts';

/**
 * Writes a message for the wire (RFC 3261 §7). Content-Length always states
 * the body's length (§18.3 requires it on streams; harmless on datagrams).
 * A parsed message whose start line, headers and body length are untouched
 * is written from its received head bytes in one copy. An edited one is
 * written by copying the runs of header lines that came off the wire
 * unchanged and formatting only the start line and fields made through the
 * API; a field set over a received line of the same length is written over
 * that line after the copy (a proxy adding a Via and lowering Max-Forwards
 * copies the start line and one run, and writes two lines).
 */
export function serializeMessage(m: SipMessage): Buffer {
  const raw = m.raw;
  const body = m.body;
  const startLineSame =
    raw !== undefined &&
    (m.kind === 'request' ? raw.method === m.method && raw.uri === m.uri : raw.status === m.status && raw.reason === m.reason);
  if (startLineSame && raw.headers === m.headers && raw.version === m.headers.version && raw.contentLength === body.length) {
    const headLen = raw.end - raw.start;
    const out = Buffer.allocUnsafe(headLen + body.length);
    const src = raw.buf;
    // The body the parser left is a view just past the head: one copy then.
    if (body === raw.body) {
      src.copy(out, 0, raw.start, raw.end + body.length);
      return out;
    }
    src.copy(out, 0, raw.start, raw.end);
    if (body.length > 0) body.copy(out, headLen);
    return out;
  }
  if (raw !== undefined && raw.headers === m.headers && m.headers.wire !== undefined && raw.contentLength === body.length) {
    return buildEdited(m, startLineSame);
  }
  return build(m, startLineSame);
}

/** Bytes the line of a field made through the API takes. */
function madeLength(f: MadeField): number {
  return f.ascii ? f.name.length + f.value.length + 4 : fieldLength(f.name, f.value);
}

/**
 * A received message whose header lines were only edited in ways the list
 * recorded against the received bytes (HeaderList.wire: lines inserted,
 * replaced, removed) and whose body is as framed: the received bytes copied
 * between the edits, the edited lines written, one pass over the edits only.
 * A line replaced by one of the same length (a proxy's Max-Forwards) stays
 * in the copy and is written over afterwards.
 */
function buildEdited(m: SipMessage, startLineSame: boolean): Buffer {
  const raw = m.raw as NonNullable<SipMessage['raw']>;
  const body = m.body;
  const edits = m.headers.edits;
  const src = raw.buf;
  const startLine = startLineSame ? '' : m.kind === 'request' ? `${m.method} ${m.uri} SIP/2.0\r\n` : `SIP/2.0 ${m.status} ${m.reason}\r\n`;
  const from = startLineSame ? raw.start : raw.startLineEnd;
  let total = raw.end - from + body.length + (startLineSame ? 0 : utf8Length(startLine));
  const n = edits === undefined ? 0 : edits.length;
  for (let i = 0; i < n; i++) {
    const e = (edits as WireEdit[])[i] as WireEdit;
    total += (e.field === undefined ? 0 : madeLength(e.field)) - (e.end - e.at);
  }
  const out = Buffer.allocUnsafe(total);
  let off = startLineSame ? 0 : put(out, 0, startLine, false);
  let pos = from;
  let patches = 0;
  for (let i = 0; i < n; i++) {
    const e = (edits as WireEdit[])[i] as WireEdit;
    const f = e.field;
    if (f !== undefined && f.ascii && e.end - e.at === f.name.length + f.value.length + 4 && patches < MAX_PATCHES) {
      // Same length: left in the copy and written over it below.
      patchAt[patches] = off + (e.at - pos);
      patchField[patches++] = f;
      continue;
    }
    off = copyRun(out, off, src, pos, e.at);
    if (f !== undefined) off = putField(out, off, f.name, f.value, f.ascii);
    pos = e.end;
  }
  if (body === raw.body) src.copy(out, off, pos, raw.end + body.length);
  else {
    off = copyRun(out, off, src, pos, raw.end);
    if (body.length > 0) body.copy(out, off);
  }
  applyPatches(out, patches);
  return out;
}

/** UTF-8 length of s; the usual all-ASCII case without a call into the encoder. */
function utf8Length(s: string): number {
  const len = s.length;
  for (let i = 0; i < len; i++) if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, 'utf8');
  return len;
}

/**
 * Writes s at out[off] and returns the offset after it. A few characters go
 * byte by byte; longer strings through the encoder, which measured cheaper
 * than a charCodeAt loop for a value of some dozen characters (and much
 * cheaper for a string built by concatenation, which charCodeAt walks piece
 * by piece). An all-ASCII string (a field made through the API knows it is)
 * is written as latin1: the same bytes, copied without the UTF-8 conversion.
 */
function put(out: Buffer, off: number, s: string, ascii: boolean): number {
  const len = s.length;
  if (len <= 16) {
    let i = 0;
    for (; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      out[off + i] = c;
    }
    if (i === len) return off + len;
  }
  if (ascii) return off + (out as Buffer & LatinWriter).latin1Write(s, off, len);
  return off + out.write(s, off, 'utf8');
}

/** Node's Buffer method behind write(s, off, 'latin1'), without its argument handling. */
interface LatinWriter {
  latin1Write(s: string, off: number, len: number): number;
}

/** Bytes `name: value CRLF` takes on the wire. */
function fieldLength(name: string, value: string): number {
  return utf8Length(name) + utf8Length(value) + 4;
}

/**
 * The head written in two passes over the fields, without building a list
 * of pieces: the first adds up the length, the second writes. Fields that
 * came off the wire together are copied as one run of source bytes (the last
 * one with the blank line and the body); fields made through the API are
 * written as `name: value CRLF`, ASCII byte by byte (cheaper than a call
 * into the encoder for a few dozen bytes).
 */
function build(m: SipMessage, startLineSame: boolean): Buffer {
  const body = m.body;
  const raw = m.raw;
  const copyStart = startLineSame && raw !== undefined;
  const startLine = copyStart ? '' : m.kind === 'request' ? `${m.method} ${m.uri} SIP/2.0\r\n` : `SIP/2.0 ${m.status} ${m.reason}\r\n`;
  const fields = m.headers.fields;
  const bodyLength = body.length;
  // Pass 1: the length. The Content-Length field: the first one only, kept from the wire when it is right.
  let total = copyStart ? raw.startLineEnd - raw.start : utf8Length(startLine);
  let lengthAt = -1;
  let lengthFromWire = false;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as HeaderField;
    if (f.key === 'content-length') {
      if (lengthAt >= 0) continue;
      lengthAt = i;
      lengthFromWire = f instanceof WireField && f.head.src !== undefined && wireDecimal(f, bodyLength);
      if (!lengthFromWire) total += utf8Length(f.name) + decimalLength(bodyLength) + 4;
      else total += (f as WireField).end - (f as WireField).start;
    } else if (f instanceof WireField) {
      total += f.head.src !== undefined ? f.end - f.start : fieldLength(f.name, f.value);
    } else if (f instanceof MadeField && f.ascii) {
      total += f.name.length + f.value.length + 4;
    } else total += f.src !== undefined ? f.rawEnd - f.rawStart : fieldLength(f.name, f.value);
  }
  total += lengthAt >= 0 ? 2 : 20 + decimalLength(bodyLength);
  const out = Buffer.allocUnsafe(total + bodyLength);

  // Pass 2: the bytes. A field that took the place of a received line of the
  // same length joins the run around it and is written over that line once
  // the runs are copied (a proxy's new Max-Forwards: one copy instead of two).
  let off = 0;
  let runSrc: Buffer | undefined;
  let runA = 0;
  let runB = 0;
  let patches = 0;
  if (copyStart) {
    runSrc = raw.buf;
    runA = raw.start;
    runB = raw.startLineEnd;
  } else off = put(out, 0, startLine, false);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as HeaderField;
    const isLength = f.key === 'content-length';
    if (isLength && i !== lengthAt) continue;
    let src: Buffer | undefined;
    let a = -1;
    let b = -1;
    if (f instanceof WireField) {
      src = f.head.src;
      a = f.start;
      b = f.end;
    } else if (f instanceof MadeField) {
      const old = f.replaces;
      if (old !== undefined && !isLength && f.ascii && old.end - old.start === f.name.length + f.value.length + 4 && patches < MAX_PATCHES) {
        // Written over the old line after the copies: its bytes stay in the run.
        const oldSrc = old.head.src as Buffer;
        if (runSrc !== oldSrc || runB !== old.start) {
          if (runSrc !== undefined) off = copyRun(out, off, runSrc, runA, runB);
          runSrc = oldSrc;
          runA = runB = old.start;
        }
        patchAt[patches] = off + (old.start - runA);
        patchField[patches++] = f;
        runB = old.end;
        continue;
      }
    } else {
      src = f.src;
      a = f.rawStart;
      b = f.rawEnd;
    }
    if (src !== undefined && (!isLength || lengthFromWire)) {
      if (src === runSrc && a === runB) {
        runB = b;
        continue;
      }
      if (runSrc !== undefined) off = copyRun(out, off, runSrc, runA, runB);
      runSrc = src;
      runA = a;
      runB = b;
      continue;
    }
    if (runSrc !== undefined) {
      off = copyRun(out, off, runSrc, runA, runB);
      runSrc = undefined;
    }
    off = putField(out, off, f.name, isLength ? String(bodyLength) : f.value, f instanceof MadeField && f.ascii);
  }
  if (runSrc !== undefined) {
    // The run ends at the received blank line and the body follows it there: one copy for all three.
    if (
      lengthAt >= 0 &&
      raw !== undefined &&
      runSrc === raw.buf &&
      runB === raw.end - 2 &&
      runSrc[runB] === 0x0d &&
      (bodyLength === 0 || body === raw.body)
    ) {
      runSrc.copy(out, off, runA, raw.end + bodyLength);
      applyPatches(out, patches);
      return out;
    }
    off = copyRun(out, off, runSrc, runA, runB);
  }
  if (lengthAt < 0) off = putField(out, off, 'Content-Length', String(bodyLength), true);
  out[off] = 0x0d;
  out[off + 1] = 0x0a;
  off += 2;
  if (bodyLength > 0) body.copy(out, off);
  applyPatches(out, patches);
  return out;
}

/** Fields written over same-length received lines in one build (more take the ordinary path). */
const MAX_PATCHES = 8;
const patchAt: number[] = new Array<number>(MAX_PATCHES).fill(0);
const patchField: (MadeField | undefined)[] = new Array<MadeField | undefined>(MAX_PATCHES).fill(undefined);

function applyPatches(out: Buffer, n: number): void {
  for (let k = 0; k < n; k++) {
    const f = patchField[k] as MadeField;
    putField(out, patchAt[k] as number, f.name, f.value, true);
    patchField[k] = undefined;
  }
}

/** Copies src[a, b) to out[off]: a short run byte by byte (cheaper than a call into Buffer.copy). */
function copyRun(out: Buffer, off: number, src: Buffer, a: number, b: number): number {
  const n = b - a;
  if (n <= 32) {
    for (let k = 0; k < n; k++) out[off + k] = src[a + k] as number;
    return off + n;
  }
  src.copy(out, off, a, b);
  return off + n;
}

/** `name: value CRLF` at out[off]; returns the offset after it. */
function putField(out: Buffer, off: number, name: string, value: string, ascii: boolean): number {
  off = put(out, off, name, ascii);
  out[off] = 0x3a;
  out[off + 1] = 0x20;
  off = put(out, off + 2, value, ascii);
  out[off] = 0x0d;
  out[off + 1] = 0x0a;
  return off + 2;
}

/** Digits of a non-negative integer. */
function decimalLength(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

/** Whether a received Content-Length field's value is exactly the decimal spelling of n (what String(n) would give). */
function wireDecimal(f: WireField, n: number): boolean {
  if (f.vs < 0) return isDecimal(f.value, n);
  const b = f.head.bytes;
  const len = f.ve - f.vs;
  if (len === 0 || (len > 1 && b[f.vs] === 0x30)) return false;
  let x = 0;
  for (let i = f.vs; i < f.ve; i++) {
    const c = (b[i] as number) - 0x30;
    if (c < 0 || c > 9) return false;
    x = x * 10 + c;
  }
  return x === n;
}

/** Whether v is exactly the decimal spelling of n (what String(n) would give), without building it. */
function isDecimal(v: string, n: number): boolean {
  const len = v.length;
  if (len === 0 || (len > 1 && v.charCodeAt(0) === 0x30)) return false;
  let x = 0;
  for (let i = 0; i < len; i++) {
    const c = v.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return false;
    x = x * 10 + c;
  }
  return x === n;
}
