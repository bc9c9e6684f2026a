import type { HeaderField } from './header-list.ts';
import type { SipMessage } from './sip-message.ts';

/**
 * Writes a message for the wire (RFC 3261 §7). Content-Length always states
 * the body's length (§18.3 requires it on streams; harmless on datagrams).
 * A parsed message whose start line, headers and body length are untouched
 * is written from its received head bytes in one copy. An edited one is
 * written by copying the runs of header lines that came off the wire
 * unchanged and formatting only the start line and fields made through the
 * API (a proxy adding a Via and lowering Max-Forwards copies three runs).
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
    if (body.buffer === src.buffer && body.byteOffset === src.byteOffset + raw.end) {
      src.copy(out, 0, raw.start, raw.end + body.length);
      return out;
    }
    src.copy(out, 0, raw.start, raw.end);
    body.copy(out, headLen);
    return out;
  }
  return build(m, startLineSame);
}

/**
 * The head as pieces, each either a run of source bytes (src, a, b) or text:
 * a header field made through the API (name, value) or a literal (name
 * alone, value ''). Adjacent runs of one source are merged, so the output
 * takes few copies; ASCII text is written byte by byte (cheaper than a call
 * into the encoder for a few dozen bytes).
 */
class Pieces {
  srcs: (Buffer | undefined)[] = [];
  names: string[] = [];
  values: string[] = [];
  as: number[] = [];
  bs: number[] = [];
  total = 0;

  /** Empties it for the next message (one Pieces serves every build: it never runs reentrantly). */
  reset(): void {
    this.srcs.length = 0;
    this.names.length = 0;
    this.values.length = 0;
    this.as.length = 0;
    this.bs.length = 0;
    this.total = 0;
  }

  run(src: Buffer, a: number, b: number): void {
    const last = this.srcs.length - 1;
    if (last >= 0 && this.srcs[last] === src && this.bs[last] === a) {
      this.bs[last] = b;
    } else {
      this.srcs.push(src);
      this.names.push('');
      this.values.push('');
      this.as.push(a);
      this.bs.push(b);
    }
    this.total += b - a;
  }

  /** `name: value CRLF` when value is given, else name verbatim. */
  text(name: string, value?: string): void {
    let n = utf8Length(name);
    if (value !== undefined) n += utf8Length(value) + 4;
    this.srcs.push(undefined);
    this.names.push(name);
    this.values.push(value ?? '');
    this.as.push(value === undefined ? 0 : 1);
    this.bs.push(n);
    this.total += n;
  }
}

/** UTF-8 length of s; the usual all-ASCII case without a call into the encoder. */
function utf8Length(s: string): number {
  const len = s.length;
  for (let i = 0; i < len; i++) if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, 'utf8');
  return len;
}

/** Writes s at out[off] and returns the offset after it. */
function put(out: Buffer, off: number, s: string): number {
  const len = s.length;
  if (len <= 64) {
    let i = 0;
    for (; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      out[off + i] = c;
    }
    if (i === len) return off + len;
  }
  return off + out.write(s, off, 'utf8');
}

const scratch = new Pieces();

function build(m: SipMessage, startLineSame: boolean): Buffer {
  const body = m.body;
  const p = scratch;
  p.reset();
  const raw = m.raw;
  if (startLineSame && raw !== undefined) p.run(raw.buf, raw.start, raw.startLineEnd);
  else p.text(m.kind === 'request' ? `${m.method} ${m.uri} SIP/2.0\r\n` : `SIP/2.0 ${m.status} ${m.reason}\r\n`);
  // Consecutive fields that came off the wire together are copied as one run.
  let wroteLength = false;
  const fields = m.headers.fields;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as HeaderField;
    if (f.key === 'content-length') {
      if (wroteLength) continue;
      wroteLength = true;
      if (f.src === undefined || !isDecimal(f.value, body.length)) {
        p.text(f.name, String(body.length));
        continue;
      }
    } else if (f.src === undefined) {
      p.text(f.name, f.value);
      continue;
    }
    p.run(f.src, f.rawStart, f.rawEnd);
  }
  p.text(wroteLength ? '\r\n' : `Content-Length: ${body.length}\r\n\r\n`);
  const out = Buffer.allocUnsafe(p.total + body.length);
  let off = 0;
  for (let i = 0; i < p.srcs.length; i++) {
    const src = p.srcs[i];
    if (src !== undefined) {
      const a = p.as[i] as number;
      const b = p.bs[i] as number;
      src.copy(out, off, a, b);
      off += b - a;
    } else {
      off = put(out, off, p.names[i] as string);
      if (p.as[i] === 1) {
        out[off] = 0x3a;
        out[off + 1] = 0x20;
        off = put(out, off + 2, p.values[i] as string);
        out[off] = 0x0d;
        out[off + 1] = 0x0a;
        off += 2;
      }
    }
  }
  body.copy(out, off);
  // Let go of the sources (received datagrams) until the next build.
  p.reset();
  return out;
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
