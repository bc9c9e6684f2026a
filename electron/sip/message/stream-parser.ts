import { checkMessage } from './check-message.ts';
import { findBodyStart, parseHead, attachRaw, type ParsedHead } from './parse-message.ts';
import { resolveLimits, type ParseLimits } from './parse-limits.ts';
import { SipParseError } from './sip-parse-error.ts';
import type { SipMessage } from './sip-message.ts';

/** RFC 5626 §4.4.1: a client sends CRLFCRLF ("ping"), the server answers CRLF ("pong"). */
export type StreamItem = SipMessage | { kind: 'keepalive-ping' } | { kind: 'keepalive-pong' };

/** Malformed messages in a row after which the stream is given up (the connection closes). */
const MAX_MALFORMED_RUN = 16;

const PING: StreamItem = Object.freeze({ kind: 'keepalive-ping' as const });
const PONG: StreamItem = Object.freeze({ kind: 'keepalive-pong' as const });

/**
 * Frames SIP messages on a stream transport (TCP, TLS; RFC 3261 §18.3) by
 * the blank line and Content-Length (absent = 0). Several messages may come
 * in one chunk and one message in many chunks; received bytes are appended to
 * one growing buffer, and the search for the blank line resumes where it
 * stopped, so a peer trickling bytes costs linear time. CRLFs between
 * messages are RFC 5626 keep-alives.
 *
 * Every message returned has passed checkMessage (the header values a
 * transaction needs). Errors: a malformed head or header value whose framing
 * is still known (the blank line was found and Content-Length read) is reported to `onError` when given, and
 * parsing goes on with the next message (up to 16 in a row, then the stream
 * is given up as below); without `onError` it is thrown.
 * Errors that lose the framing (bad Content-Length, size limits) are thrown
 * and the parser stays failed: the connection must be closed.
 */
export class StreamParser {
  readonly limits: ParseLimits;
  private readonly onError: ((err: SipParseError) => void) | undefined;
  private buf: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;
  /** where the search for the blank line resumes */
  private scanFrom = 0;
  /** a head parsed while its body is still arriving */
  private pending: { parsed: ParsedHead; headStart: number; bodyStart: number } | undefined;
  private failed: SipParseError | undefined;
  /** whether buf is memory of our own (else it is the caller's chunk) */
  private owned = false;
  /** body bytes of a rejected message still to be skipped */
  private discard = 0;
  /** malformed messages since the last good one */
  private malformedRun = 0;

  constructor(limits?: Partial<ParseLimits>, onError?: (err: SipParseError) => void) {
    this.limits = resolveLimits(limits);
    this.onError = onError;
  }

  /** A head was read and its body (or the rest of a refused message) is still arriving. */
  get awaitingBody(): boolean {
    return this.pending !== undefined || this.discard > 0;
  }

  /** Bytes received and not yet part of a returned message. */
  get buffered(): number {
    return this.end - this.start;
  }

  push(chunk: Buffer): StreamItem[] {
    if (this.failed) throw this.failed;
    const items: StreamItem[] = [];
    if (chunk.length === 0) return items;
    if (this.start === this.end) {
      // Nothing buffered: parse straight from the chunk (the common case), keeping any tail.
      this.buf = chunk;
      this.start = 0;
      this.end = chunk.length;
      this.scanFrom = 0;
      this.owned = false;
    } else {
      this.append(chunk);
    }
    try {
      this.drain(items);
    } catch (e) {
      if (e instanceof SipParseError) this.failed = e;
      throw e;
    }
    if (this.start === this.end) {
      this.buf = Buffer.alloc(0);
      this.start = this.end = this.scanFrom = 0;
      this.owned = false;
    } else if (!this.owned) {
      // Keep the tail in memory of our own: the caller may reuse the chunk.
      const tail = Buffer.allocUnsafe(Math.max(4096, (this.end - this.start) * 2));
      this.buf.copy(tail, 0, this.start, this.end);
      this.shift(tail);
    }
    return items;
  }

  private shift(next: Buffer): void {
    const delta = this.start;
    this.buf = next;
    this.end -= delta;
    this.scanFrom = Math.max(0, this.scanFrom - delta);
    if (this.pending) {
      this.pending.headStart -= delta;
      this.pending.bodyStart -= delta;
    }
    this.start = 0;
    this.owned = true;
  }

  private append(chunk: Buffer): void {
    const need = this.end - this.start + chunk.length;
    if (!this.owned || this.end + chunk.length > this.buf.length) {
      const cap = Math.max(4096, need * 2 <= this.buf.length && this.owned ? this.buf.length : need * 2);
      const next = Buffer.allocUnsafe(cap);
      this.buf.copy(next, 0, this.start, this.end);
      this.shift(next);
    }
    chunk.copy(this.buf, this.end);
    this.end += chunk.length;
  }

  private drain(items: StreamItem[]): void {
    const lim = this.limits;
    for (;;) {
      if (this.discard > 0) {
        const n = Math.min(this.discard, this.end - this.start);
        this.discard -= n;
        this.start += n;
        this.scanFrom = this.start;
        if (this.discard > 0) return;
      }
      if (this.pending) {
        const { parsed, headStart, bodyStart } = this.pending;
        const bodyEnd = bodyStart + parsed.contentLength;
        if (bodyEnd > this.end) return;
        const m = parsed.message;
        // Copy out: the message must not share memory with a buffer we keep reusing.
        const bytes = Buffer.from(this.buf.subarray(headStart, bodyEnd));
        m.body = bytes.subarray(bodyStart - headStart);
        // Start line end as a byte offset (the head string may have been UTF-8).
        const startLineEnd = bytes.indexOf(0x0a) + 1;
        attachRaw(m, bytes, 0, bodyStart - headStart, parsed.contentLength, startLineEnd);
        items.push(m);
        this.malformedRun = 0;
        this.pending = undefined;
        this.start = bodyEnd;
        this.scanFrom = bodyEnd;
        continue;
      }
      if (this.start >= this.end) return;
      // Keep-alives between messages (RFC 5626 §4.4.1) and stray CRLFs (RFC 3261 §7.5).
      const b = this.buf;
      if (b[this.start] === 0x0d || b[this.start] === 0x0a) {
        if (b[this.start] === 0x0d && b[this.start + 1] === 0x0a) {
          if (this.start + 3 < this.end && b[this.start + 2] === 0x0d && b[this.start + 3] === 0x0a) {
            items.push(PING);
            this.start += 4;
          } else if (this.start + 2 >= this.end || b[this.start + 2] !== 0x0d) {
            items.push(PONG);
            this.start += 2;
          } else if (this.start + 3 >= this.end) {
            return; // "\r\n\r" so far: wait to see whether it is a ping
          } else {
            this.start += 2;
          }
        } else if (b[this.start] === 0x0d && this.start + 1 >= this.end) {
          return;
        } else {
          this.start += 1;
        }
        this.scanFrom = this.start;
        continue;
      }
      const from = Math.max(this.start, this.scanFrom - 3);
      const bodyStart = findBodyStart(b, from, this.end);
      if (bodyStart < 0) {
        this.scanFrom = this.end;
        if (this.end - this.start > lim.maxMessageBytes) throw new SipParseError(513, 'message head too large');
        return;
      }
      const headStart = this.start;
      if (bodyStart - headStart > lim.maxMessageBytes) throw new SipParseError(513, 'message head too large');
      const head = b.toString('utf8', headStart, bodyStart);
      let parsed: ParsedHead;
      try {
        parsed = parseHead(head, 0, lim);
        // The header values a transaction needs, read now: a malformed one is skipped like a malformed head.
        checkMessage(parsed.message);
      } catch (e) {
        if (!(e instanceof SipParseError)) throw e;
        const skip = framingOf(head);
        if (skip < 0 || !this.onError) throw e;
        // Framing survives: drop this message and go on; but a peer sending nothing else is cut off
        // (64 KB of tiny garbage messages cost ~50 ms of parsing and error objects per read).
        if (++this.malformedRun > MAX_MALFORMED_RUN) throw new SipParseError(400, `more than ${MAX_MALFORMED_RUN} malformed messages in a row`);
        this.start = bodyStart + skip;
        this.scanFrom = this.start;
        this.onError(e);
        if (this.start > this.end) {
          // Its body has not fully arrived; discard it as it comes.
          this.discard = this.start - this.end;
          this.start = this.end;
        }
        continue;
      }
      if (parsed.contentLength < 0) parsed.contentLength = 0;
      if (bodyStart - headStart + parsed.contentLength > lim.maxMessageBytes) {
        const m = parsed.message;
        throw new SipParseError(413, 'message too large', m.kind === 'request' ? m : undefined);
      }
      this.pending = { parsed, headStart, bodyStart };
    }
  }
}

/** Content-Length of a head that failed to parse, when it can still be read unambiguously; else -1. */
function framingOf(head: string): number {
  let found = -1;
  let pos = 0;
  for (;;) {
    const nl = head.indexOf('\n', pos);
    if (nl < 0) break;
    const line = head.slice(pos, nl).trim();
    pos = nl + 1;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name !== 'content-length' && name !== 'l') continue;
    const v = line.slice(colon + 1).trim();
    if (!/^[0-9]{1,9}$/.test(v)) return -1;
    const n = Number(v);
    if (found >= 0 && found !== n) return -1;
    found = n;
  }
  return found < 0 ? 0 : found;
}
