/**
 * Produces the RFC 4733 packets for one DTMF digit (§2.5.1). Pure logic:
 * the caller passes the elapsed time and sends what comes back; there are
 * no timers inside.
 *
 *   sending ──(elapsed ≥ duration)──▶ ending ──(3rd end packet)──▶ done
 *
 * - every packet carries the RTP timestamp of the event's start;
 * - the first has the marker bit (§2.5.1.2: start of a new event);
 * - updates follow every `intervalMs` with the duration so far;
 * - the end packet (E bit, final duration) is sent three times (§2.5.1.4),
 *   `intervalMs` apart, with the same timestamp and duration;
 * - an event longer than 65535 timestamp units is cut into segments, each
 *   a new timestamp without marker (§2.5.1.3).
 */
import { MAX_EVENT_DURATION, digitToEvent, encodeTelephoneEvent } from './telephone-event.ts';

export type DtmfSenderState = 'sending' | 'ending' | 'done';

export interface DtmfSenderOptions {
  /** Clock of the telephone-event payload type (8000, or 48000 beside Opus). */
  clockRate: number;
  /** RTP timestamp at which the digit starts. */
  startTimestamp: number;
  /** Tone length; 100 ms is a common default, 40 ms the shortest receivers count. */
  durationMs?: number;
  /** Spacing of updates and end repeats: 20 or 50 ms (§2.5.1.2). */
  intervalMs?: number;
  /** Level in -dBm0 (0..63). */
  volume?: number;
  /** Copies of the end packet (§2.5.1.4 recommends three). */
  endPackets?: number;
}

export interface DtmfPacket {
  /** RTP timestamp (event start, or segment start for long events), mod 2^32. */
  timestamp: number;
  marker: boolean;
  /** The 4-octet telephone-event payload. */
  payload: Uint8Array;
  /** Decoded fields, for logging and tests. */
  event: number;
  end: boolean;
  duration: number;
}

export class DtmfSender {
  readonly digit: string;
  readonly event: number;
  readonly #clockRate: number;
  readonly #start: number;
  readonly #durationMs: number;
  readonly #intervalMs: number;
  readonly #volume: number;
  readonly #endPackets: number;
  #state: DtmfSenderState = 'sending';
  #nextAt = 0; // elapsed ms at which the next packet is due
  #sent = 0;
  #endsSent = 0;

  constructor(digit: string, opts: DtmfSenderOptions) {
    this.digit = digit;
    this.event = digitToEvent(digit);
    this.#clockRate = opts.clockRate;
    this.#start = opts.startTimestamp >>> 0;
    this.#durationMs = Math.max(opts.durationMs ?? 100, 10);
    this.#intervalMs = Math.max(opts.intervalMs ?? 50, 5);
    this.#volume = opts.volume ?? 10;
    this.#endPackets = Math.max(opts.endPackets ?? 3, 1);
  }

  get state(): DtmfSenderState {
    return this.#state;
  }

  /** Elapsed ms (since the digit started) when poll() next has something to send. */
  get nextDueMs(): number | undefined {
    return this.#state === 'done' ? undefined : this.#nextAt;
  }

  /** The packets due by `elapsedMs` since the digit started, oldest first. */
  poll(elapsedMs: number): DtmfPacket[] {
    const out: DtmfPacket[] = [];
    while (this.#state !== 'done' && elapsedMs >= this.#nextAt) {
      const at = this.#nextAt;
      if (this.#state === 'sending' && at >= this.#durationMs) this.#state = 'ending';
      if (this.#state === 'sending') {
        out.push(this.#packet(at, false));
        this.#nextAt = Math.min(at + this.#intervalMs, this.#durationMs);
      } else {
        out.push(this.#packet(this.#durationMs, true));
        this.#endsSent++;
        this.#nextAt = at + this.#intervalMs;
        if (this.#endsSent >= this.#endPackets) this.#state = 'done';
      }
    }
    return out;
  }

  #packet(ms: number, end: boolean): DtmfPacket {
    const total = Math.round((ms * this.#clockRate) / 1000);
    // Long events: each full segment of 0xFFFF units starts a new timestamp.
    const segment = Math.floor(total / (MAX_EVENT_DURATION + 1));
    const inSegment = total - segment * (MAX_EVENT_DURATION + 1);
    const timestamp = (this.#start + segment * (MAX_EVENT_DURATION + 1)) >>> 0;
    const marker = this.#sent === 0;
    this.#sent++;
    const ev = { event: this.event, end, volume: this.#volume, duration: inSegment };
    return { timestamp, marker, payload: encodeTelephoneEvent(ev), event: this.event, end, duration: inSegment };
  }
}
