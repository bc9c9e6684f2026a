/**
 * What finished transactions leave behind in a layer that keeps records
 * (TransactionLayerOptions.lingerRecords, used by `parley serve`).
 *
 * RFC 3261 keeps a transaction after its final response only to absorb
 * retransmissions: 32 s over UDP for a non-INVITE server transaction
 * (Timer J, §17.2.2) and for an INVITE server or client transaction in
 * Accepted (Timers L and M, RFC 6026 §7.1/§7.2), 5 s for a non-INVITE client
 * one (Timer K). Kept whole, each holds its request and responses as parsed
 * (the datagram, its text, every header field) and its TU — a proxy's whole
 * response context. At 500 calls/s that is tens of thousands of objects
 * that survive the young generation and are copied and marked again and
 * again (measured: RSS 390 MB and ≈ 20 % of the server's time in GC).
 *
 * A record keeps only what the rest of the timer needs, and answers on the
 * wire exactly as the transaction would have:
 *
 *   record    made from                      a matching message           until
 *   resend    non-INVITE server, Completed   request ▸ the final again    Timer J
 *   accepted  INVITE server, Accepted        INVITE ▸ absorbed;           Timer L
 *                                            ACK ▸ the TU (as a 2xx ACK)
 *   forward   INVITE client, Accepted        2xx ▸ the TU's light handler Timer M
 *   absorb    non-INVITE client, Completed   response ▸ absorbed          Timer K
 *
 * The final response of a `resend` record is kept as its serialized text
 * (one string, nothing for the collector to trace) and parsed again only
 * when a retransmission asks for it. Records of one lifetime expire in the
 * order they were made: one FIFO per lifetime and one timer sweep them, at
 * most SWEEP_MS late; a record past its time is never used. Beyond `max`
 * records a transaction is refused and lingers itself (bounded memory).
 */
import type { Clock, TimerHandle } from '../../common/clock.ts';
import { parseMessage, serializeMessage } from '../message/index.ts';
import type { SipResponse } from '../message/index.ts';
import type { Endpoint, IncomingMessage } from '../transport/transport.ts';
import type { LingerRecord } from './transaction.ts';

/** How late a sweep may run: a record lives at most this much longer than its timer. */
const SWEEP_MS = 250;

/** Where a retransmitted request came from: the response goes back there (RFC 3261 §18.2.2). */
export interface ResponseRoute {
  source: Endpoint;
  local: Endpoint;
  connectionId?: string;
}

export type StoredRecord =
  | { kind: 'resend'; text: string; to: ResponseRoute }
  | { kind: 'accepted' }
  | { kind: 'forward'; later: (response: SipResponse) => void }
  | { kind: 'absorb' };

interface Kept {
  key: string;
  until: number;
  record: StoredRecord;
}

interface Fifo {
  items: Kept[];
  head: number;
}

export class LingerRecords {
  readonly #clock: Clock;
  readonly #max: number;
  readonly #byKey = new Map<string, Kept>();
  readonly #fifos = new Map<number, Fifo>();
  #timer: TimerHandle | undefined;
  #sweepAt = Infinity;

  constructor(clock: Clock, max = 200_000) {
    this.#clock = clock;
    this.#max = max;
  }

  get size(): number {
    return this.#byKey.size;
  }

  /** Keeps `record` under `key` for `ms`; false when full (the transaction then lingers itself). */
  keep(key: string, record: LingerRecord, ms: number): boolean {
    if (this.#byKey.size >= this.#max || this.#byKey.has(key)) return false;
    const stored = compact(record);
    if (!stored) return false;
    const kept: Kept = { key, until: this.#clock.now() + ms, record: stored };
    this.#byKey.set(key, kept);
    let fifo = this.#fifos.get(ms);
    if (!fifo) this.#fifos.set(ms, (fifo = { items: [], head: 0 }));
    fifo.items.push(kept);
    this.#schedule(kept.until);
    return true;
  }

  /** The live record under `key`. */
  get(key: string): StoredRecord | undefined {
    const kept = this.#byKey.get(key);
    return kept && kept.until > this.#clock.now() ? kept.record : undefined;
  }

  clear(): void {
    this.#byKey.clear();
    this.#fifos.clear();
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#sweepAt = Infinity;
  }

  #schedule(until: number): void {
    if (until >= this.#sweepAt) return;
    this.#clock.clearTimeout(this.#timer);
    this.#sweepAt = Math.max(until, this.#clock.now() + SWEEP_MS);
    this.#timer = this.#clock.setTimeout(() => this.#sweep(), this.#sweepAt - this.#clock.now());
  }

  #sweep(): void {
    this.#timer = undefined;
    this.#sweepAt = Infinity;
    const now = this.#clock.now();
    let next = Infinity;
    for (const [ms, fifo] of this.#fifos) {
      const { items } = fifo;
      while (fifo.head < items.length && (items[fifo.head] as Kept).until <= now) {
        const kept = items[fifo.head] as Kept;
        if (this.#byKey.get(kept.key) === kept) this.#byKey.delete(kept.key);
        fifo.head++;
      }
      if (fifo.head >= items.length) {
        this.#fifos.delete(ms);
        continue;
      }
      if (fifo.head > 4096 && fifo.head * 2 > items.length) {
        fifo.items = items.slice(fifo.head);
        fifo.head = 0;
      }
      next = Math.min(next, (fifo.items[fifo.head] as Kept).until);
    }
    if (next !== Infinity) this.#schedule(next);
  }
}

/** The record as stored: a final response as text, the request's route without the request. */
function compact(record: LingerRecord): StoredRecord | undefined {
  if (record.kind !== 'resend') return record;
  const { source, local, connectionId } = record.to;
  let text: string;
  try {
    text = (record.bytes ?? serializeMessage(record.response)).toString('latin1');
  } catch {
    return undefined;
  }
  return { kind: 'resend', text, to: { source, local, ...(connectionId !== undefined ? { connectionId } : {}) } };
}

/** A `resend` record's response, parsed again from its text, and where it goes. */
export function resendOf(record: StoredRecord & { kind: 'resend' }): { response: SipResponse; to: IncomingMessage; bytes: Buffer } {
  const bytes = Buffer.from(record.text, 'latin1');
  const response = parseMessage(bytes);
  if (response.kind !== 'response') throw new Error('LingerRecords: a kept response parsed as a request');
  return { response, to: { message: response, ...record.to }, bytes };
}
