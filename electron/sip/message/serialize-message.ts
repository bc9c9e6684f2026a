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
    raw.buf.copy(out, 0, raw.start, raw.end);
    body.copy(out, headLen);
    return out;
  }
  return build(m, startLineSame);
}

/**
 * The head as pieces: a run of source bytes (src, a, b) or, when src is
 * undefined, text (encoded as UTF-8, its length in b).
 */
class Pieces {
  srcs: (Buffer | undefined)[] = [];
  texts: string[] = [];
  as: number[] = [];
  bs: number[] = [];
  total = 0;

  run(src: Buffer, a: number, b: number): void {
    this.srcs.push(src);
    this.texts.push('');
    this.as.push(a);
    this.bs.push(b);
    this.total += b - a;
  }

  text(t: string): void {
    const n = Buffer.byteLength(t, 'utf8');
    this.srcs.push(undefined);
    this.texts.push(t);
    this.as.push(0);
    this.bs.push(n);
    this.total += n;
  }
}

function build(m: SipMessage, startLineSame: boolean): Buffer {
  const body = m.body;
  const p = new Pieces();
  const raw = m.raw;
  if (startLineSame && raw !== undefined) p.run(raw.buf, raw.start, raw.startLineEnd);
  else p.text(m.kind === 'request' ? `${m.method} ${m.uri} SIP/2.0\r\n` : `SIP/2.0 ${m.status} ${m.reason}\r\n`);
  // Consecutive fields that came off the wire together are copied as one run.
  let runSrc: Buffer | undefined;
  let runStart = 0;
  let runEnd = 0;
  let wroteLength = false;
  const fields = m.headers.fields;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as HeaderField;
    let text: string | undefined;
    if (f.key === 'content-length') {
      if (wroteLength) continue;
      wroteLength = true;
      if (f.src === undefined || f.value !== String(body.length)) text = `${f.name}: ${body.length}\r\n`;
    } else if (f.src === undefined) {
      text = f.name + ': ' + f.value + '\r\n';
    }
    if (text === undefined && runSrc === f.src && runEnd === f.rawStart) {
      runEnd = f.rawEnd;
      continue;
    }
    if (runSrc !== undefined) p.run(runSrc, runStart, runEnd);
    runSrc = undefined;
    if (text === undefined) {
      runSrc = f.src;
      runStart = f.rawStart;
      runEnd = f.rawEnd;
    } else {
      p.text(text);
    }
  }
  if (runSrc !== undefined) p.run(runSrc, runStart, runEnd);
  p.text(wroteLength ? '\r\n' : `Content-Length: ${body.length}\r\n\r\n`);
  const out = Buffer.allocUnsafe(p.total + body.length);
  let off = 0;
  for (let i = 0; i < p.srcs.length; i++) {
    const src = p.srcs[i];
    const b = p.bs[i] as number;
    if (src !== undefined) {
      const a = p.as[i] as number;
      src.copy(out, off, a, b);
      off += b - a;
    } else {
      out.write(p.texts[i] as string, off, b, 'utf8');
      off += b;
    }
  }
  body.copy(out, off);
  return out;
}
