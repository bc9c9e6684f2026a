/**
 * Handshake message reassembly (RFC 6347 §4.2.3): fragments arrive in any
 * order, duplicated or overlapping; a message is delivered once all of its
 * bytes are there, in message_seq order. Bounded: only the next few
 * sequence numbers are held, a message may not exceed 16 KiB, and the whole
 * buffer 64 KiB — a peer cannot make us hold more.
 */
import { DtlsAlert, DtlsError } from './dtls-error.ts';
import type { HandshakeFragment } from './dtls-messages.ts';

const MAX_MESSAGE = 16384;
const MAX_BUFFERED = 65536;
const WINDOW = 8;

interface Partial {
  type: number;
  body: Buffer;
  /** Received [start, end) ranges, merged and sorted. */
  ranges: Array<[number, number]>;
}

export interface HandshakeBody {
  type: number;
  seq: number;
  body: Buffer;
}

export type FragmentVerdict = 'buffered' | 'old' | 'ignored';

export class HandshakeReassembly {
  #next = 0;
  readonly #pending = new Map<number, Partial>();
  #bytes = 0;

  /** The message_seq expected next. */
  get next(): number {
    return this.#next;
  }

  /** Start expecting `seq` (a server answering a ClientHello that carried message_seq 1 after a cookie round). */
  expect(seq: number): void {
    this.#next = seq;
    this.#pending.clear();
    this.#bytes = 0;
  }

  /** 'old' when it belongs to a message already delivered: the peer is retransmitting. */
  add(f: HandshakeFragment): FragmentVerdict {
    if (f.seq < this.#next) return 'old';
    if (f.seq >= this.#next + WINDOW) return 'ignored';
    if (f.length > MAX_MESSAGE) throw new DtlsError(DtlsAlert.illegalParameter, `a handshake message of ${f.length} bytes`);
    let p = this.#pending.get(f.seq);
    if (!p) {
      if (this.#bytes + f.length > MAX_BUFFERED) return 'ignored';
      p = { type: f.type, body: Buffer.alloc(f.length), ranges: [] };
      this.#pending.set(f.seq, p);
      this.#bytes += f.length;
    }
    if (p.type !== f.type || p.body.length !== f.length) throw new DtlsError(DtlsAlert.illegalParameter, 'fragments of one handshake message disagree on its type or length');
    f.fragment.copy(p.body, f.offset);
    p.ranges = merge([...p.ranges, [f.offset, f.offset + f.fragment.length]]);
    return 'buffered';
  }

  /** The next complete message, in order, or undefined. */
  take(): HandshakeBody | undefined {
    const p = this.#pending.get(this.#next);
    if (!p) return undefined;
    const complete = p.body.length === 0 || (p.ranges.length === 1 && p.ranges[0]![0] === 0 && p.ranges[0]![1] === p.body.length);
    if (!complete) return undefined;
    this.#pending.delete(this.#next);
    this.#bytes -= p.body.length;
    return { type: p.type, seq: this.#next++, body: p.body };
  }
}

function merge(ranges: Array<[number, number]>): Array<[number, number]> {
  ranges.sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}
