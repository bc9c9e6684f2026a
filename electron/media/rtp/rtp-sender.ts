/**
 * Numbers outgoing RTP packets of one source (RFC 3550 §5.1, RFC 3551 §4.1).
 *
 * - SSRC, first sequence number and first timestamp are random (§5.1).
 * - The timestamp advances by the samples each packet covers at the payload
 *   format's *clock rate* (G.722 runs at 8000 although it samples at 16 kHz,
 *   RFC 3551 §4.5.2; Opus at 48000, RFC 7587 §4.1): ptime × clockRate / 1000.
 * - Silence (no packets sent, DTX) still advances the timestamp, and the first
 *   packet after silence, like the very first packet, carries the marker bit
 *   (RFC 3551 §4.1: "the first packet of a talkspurt").
 * - `custom()` lets an RFC 4733 telephone-event generator share the sequence
 *   space while choosing its own timestamp and payload type.
 * - Packet and octet counts feed the RTCP sender report (§6.4.1).
 */
import type { RandomUint32 } from './random.ts';
import { cryptoRandomUint32 } from './random.ts';
import type { RtpPacket } from './rtp-packet.ts';
import { RtpError } from './rtp-error.ts';

export interface RtpSenderOptions {
  payloadType: number;
  /** RTP clock rate of the payload format (8000 for PCMU/PCMA/G722, 48000 for Opus). */
  clockRate: number;
  /** Packet duration in ms (a=ptime); 20 by default. */
  ptimeMs?: number;
  ssrc?: number;
  random?: RandomUint32;
}

export interface CustomPacketOptions {
  payloadType: number;
  timestamp: number;
  marker?: boolean;
}

export class RtpSender {
  readonly ssrc: number;
  readonly clockRate: number;
  #payloadType: number;
  #ptimeMs: number;
  #seq: number;
  #timestamp: number;
  #marker = true;
  #packetCount = 0;
  #octetCount = 0;
  #lastTimestamp: number | undefined;

  constructor(options: RtpSenderOptions) {
    const random = options.random ?? cryptoRandomUint32;
    if (!Number.isInteger(options.clockRate) || options.clockRate <= 0) {
      throw new RtpError('invalid-field', `clock rate ${options.clockRate} must be a positive integer`);
    }
    this.ssrc = (options.ssrc ?? random()) >>> 0;
    this.clockRate = options.clockRate;
    this.#payloadType = options.payloadType;
    this.#ptimeMs = 20;
    this.setPtime(options.ptimeMs ?? 20);
    this.#seq = random() & 0xffff;
    this.#timestamp = random() >>> 0;
  }

  get payloadType(): number {
    return this.#payloadType;
  }

  set payloadType(pt: number) {
    this.#payloadType = pt;
  }

  get ptimeMs(): number {
    return this.#ptimeMs;
  }

  /** Samples (clock ticks) one packet covers at the current ptime. */
  get samplesPerPacket(): number {
    return Math.round((this.clockRate * this.#ptimeMs) / 1000);
  }

  setPtime(ms: number): void {
    if (!Number.isFinite(ms) || ms <= 0 || ms > 1000) {
      throw new RtpError('invalid-field', `ptime ${ms} ms is out of range`);
    }
    this.#ptimeMs = ms;
  }

  /** Sequence number the next packet will carry. */
  get nextSequenceNumber(): number {
    return this.#seq;
  }

  /** RTP timestamp the next media packet will carry. */
  get nextTimestamp(): number {
    return this.#timestamp;
  }

  /** Timestamp of the last media packet sent, if any (for the SR's RTP/NTP mapping). */
  get lastTimestamp(): number | undefined {
    return this.#lastTimestamp;
  }

  get packetCount(): number {
    return this.#packetCount;
  }

  get octetCount(): number {
    return this.#octetCount;
  }

  /** The next media packet; the timestamp then advances by `samples` (default: one ptime). */
  next(payload: Uint8Array, options: { samples?: number; marker?: boolean } = {}): RtpPacket {
    const packet: RtpPacket = {
      marker: options.marker ?? this.#marker,
      payloadType: this.#payloadType,
      sequenceNumber: this.#takeSeq(),
      timestamp: this.#timestamp,
      ssrc: this.ssrc,
      csrcs: [],
      payload,
      paddingLength: 0,
    };
    this.#marker = false;
    this.#lastTimestamp = this.#timestamp;
    this.#timestamp = (this.#timestamp + (options.samples ?? this.samplesPerPacket)) >>> 0;
    this.#count(payload);
    return packet;
  }

  /** Silence: nothing is sent for `samples` ticks; the next packet starts a talkspurt. */
  skip(samples: number = this.samplesPerPacket): void {
    this.#timestamp = (this.#timestamp + samples) >>> 0;
    this.#marker = true;
  }

  /** A packet outside the media timeline (RFC 4733 events): own PT and timestamp, shared seq. */
  custom(payload: Uint8Array, options: CustomPacketOptions): RtpPacket {
    const packet: RtpPacket = {
      marker: options.marker ?? false,
      payloadType: options.payloadType,
      sequenceNumber: this.#takeSeq(),
      timestamp: options.timestamp >>> 0,
      ssrc: this.ssrc,
      csrcs: [],
      payload,
      paddingLength: 0,
    };
    this.#count(payload);
    return packet;
  }

  #takeSeq(): number {
    const seq = this.#seq;
    this.#seq = (this.#seq + 1) & 0xffff;
    return seq;
  }

  #count(payload: Uint8Array): void {
    this.#packetCount = (this.#packetCount + 1) >>> 0;
    this.#octetCount = (this.#octetCount + payload.length) >>> 0;
  }
}
