/**
 * Turns received RFC 4733 packets into digit events, each exactly once
 * (§2.5.2). Packets arrive duplicated (updates, three end packets), out of
 * order or partly lost; an event is identified by its RTP timestamp, not by
 * the marker bit, which may be lost with the first packet.
 *
 *   idle ──(packet, new timestamp)──▶ active ──(E bit | new event | timeout)──▶ idle
 *                                      emits 'begin'              emits 'end'
 *
 * Timestamps of finished events are remembered (bounded), so late end
 * repeats and stray updates never start a second event. Pure logic with
 * explicit time: pass `nowMs` (any monotonic clock) and call poll() now and
 * then so an event whose end packets were all lost still ends.
 */
import { MAX_EVENT_DURATION, decodeTelephoneEvent, eventToDigit } from './telephone-event.ts';

export interface DtmfReceivedPacket {
  /** RTP timestamp of the packet. */
  timestamp: number;
  marker: boolean;
  /** The telephone-event payload. */
  payload: Uint8Array;
}

export type DtmfEndReason = 'end-bit' | 'timeout' | 'superseded';

export type DtmfReceiverEvent =
  | { type: 'begin'; event: number; digit: string | undefined; timestamp: number }
  | {
      type: 'end';
      event: number;
      digit: string | undefined;
      timestamp: number;
      durationMs: number;
      reason: DtmfEndReason;
    };

export interface DtmfReceiverOptions {
  /** Clock of the telephone-event payload type. */
  clockRate: number;
  /** Silence after which an event without end packet is ended (ms). */
  timeoutMs?: number;
  /** Finished event timestamps remembered to drop late repeats. */
  memory?: number;
}

interface ActiveEvent {
  event: number;
  firstTimestamp: number;
  timestamp: number; // of the current segment
  unitsBefore: number; // duration of earlier segments of a long event
  duration: number; // within the current segment
  lastPacketMs: number;
}

export class DtmfReceiver {
  readonly #clockRate: number;
  readonly #timeoutMs: number;
  readonly #memory: number;
  readonly #finished: number[] = [];
  #active: ActiveEvent | undefined;
  #malformed = 0;

  constructor(opts: DtmfReceiverOptions) {
    this.#clockRate = opts.clockRate;
    this.#timeoutMs = opts.timeoutMs ?? 1000;
    this.#memory = opts.memory ?? 16;
  }

  /** Payloads that could not be decoded (dropped). */
  get malformed(): number {
    return this.#malformed;
  }

  get state(): 'idle' | 'active' {
    return this.#active ? 'active' : 'idle';
  }

  receive(pkt: DtmfReceivedPacket, nowMs: number): DtmfReceiverEvent[] {
    const out = this.poll(nowMs);
    let ev;
    try {
      ev = decodeTelephoneEvent(pkt.payload);
    } catch {
      this.#malformed++;
      return out;
    }
    const ts = pkt.timestamp >>> 0;
    if (this.#finished.includes(ts)) return out; // a repeat of something already reported

    const a = this.#active;
    if (a && a.timestamp !== ts) {
      const gap = (ts - a.timestamp) >>> 0;
      const continues = !pkt.marker && ev.event === a.event && gap > 0 && gap <= MAX_EVENT_DURATION + 1;
      if (continues) {
        // Next segment of a long event (§2.5.1.3): same event, new timestamp.
        this.#remember(a.timestamp);
        a.unitsBefore += gap;
        a.timestamp = ts;
        a.duration = 0;
      } else {
        out.push(this.#end('superseded'));
      }
    }
    let cur = this.#active;
    if (!cur) {
      cur = { event: ev.event, firstTimestamp: ts, timestamp: ts, unitsBefore: 0, duration: 0, lastPacketMs: nowMs };
      this.#active = cur;
      out.push({ type: 'begin', event: ev.event, digit: eventToDigit(ev.event), timestamp: ts });
    }
    cur.duration = Math.max(cur.duration, ev.duration);
    cur.lastPacketMs = nowMs;
    if (ev.end) out.push(this.#end('end-bit'));
    return out;
  }

  /** Ends an event whose packets stopped arriving more than timeoutMs ago. */
  poll(nowMs: number): DtmfReceiverEvent[] {
    const a = this.#active;
    if (a && nowMs - a.lastPacketMs > this.#timeoutMs) return [this.#end('timeout')];
    return [];
  }

  #end(reason: DtmfEndReason): DtmfReceiverEvent {
    const a = this.#active!;
    this.#active = undefined;
    this.#remember(a.timestamp);
    const units = a.unitsBefore + a.duration;
    return {
      type: 'end',
      event: a.event,
      digit: eventToDigit(a.event),
      timestamp: a.firstTimestamp,
      durationMs: (units * 1000) / this.#clockRate,
      reason,
    };
  }

  #remember(ts: number): void {
    this.#finished.push(ts);
    if (this.#finished.length > this.#memory) this.#finished.shift();
  }
}
