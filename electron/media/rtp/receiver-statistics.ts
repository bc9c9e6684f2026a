/**
 * Reception statistics of one remote source, as RFC 3550 Appendix A codes them:
 *  - A.1 sequence validation: probation of MIN_SEQUENTIAL in-order packets for
 *    a new source, MAX_DROPOUT / MAX_MISORDER, cycles counted on wrap, restart
 *    after two consecutive far-off packets (a source that restarted);
 *  - A.3 expected / lost / fraction lost per report interval (lost is clamped
 *    to the 24-bit signed field);
 *  - A.8 interarrival jitter J += (|D| − J)/16, in timestamp units;
 *  - LSR / DLSR of the last sender report received (§6.4.1), for the report
 *    block that lets the peer compute the round-trip time.
 */
import type { ReportBlock } from '../rtcp/rtcp-packet.ts';

const RTP_SEQ_MOD = 0x10000;
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;

export interface ReceiverStatisticsOptions {
  clockRate: number;
  /** In-order packets needed before a new source is valid; RFC 3550 A.1 uses 2. */
  minSequential?: number;
}

/** What `update` decided about one packet. */
export type SequenceVerdict = 'valid' | 'probation' | 'bad';

export class ReceiverStatistics {
  readonly clockRate: number;
  readonly #minSequential: number;
  #initialized = false;
  #maxSeq = 0;
  #cycles = 0;
  #baseSeq = 0;
  #badSeq = RTP_SEQ_MOD + 1;
  #probation = 0;
  #received = 0;
  #expectedPrior = 0;
  #receivedPrior = 0;
  #transit: number | undefined;
  #jitter = 0;
  #lastFractionLost = 0;
  #lsr = 0;
  #lastSrArrivalMs: number | undefined;

  constructor(options: ReceiverStatisticsOptions) {
    this.clockRate = options.clockRate;
    this.#minSequential = options.minSequential ?? 2;
  }

  /**
   * Account one arriving packet. `arrivalMs` is the local clock in ms; the
   * jitter only depends on its differences, so any monotonic origin works.
   */
  update(seq: number, rtpTimestamp: number, arrivalMs: number): SequenceVerdict {
    if (!this.#initialized) {
      this.#initialized = true;
      this.#initSeq(seq);
      this.#maxSeq = (seq - 1) & 0xffff;
      this.#probation = this.#minSequential;
    }
    const verdict = this.#updateSeq(seq);
    if (verdict === 'valid') this.#updateJitter(rtpTimestamp, arrivalMs);
    return verdict;
  }

  #initSeq(seq: number): void {
    this.#baseSeq = seq;
    this.#maxSeq = seq;
    this.#badSeq = RTP_SEQ_MOD + 1;
    this.#cycles = 0;
    this.#received = 0;
    this.#receivedPrior = 0;
    this.#expectedPrior = 0;
  }

  #updateSeq(seq: number): SequenceVerdict {
    const udelta = (seq - this.#maxSeq) & 0xffff;
    if (this.#probation > 0) {
      if (seq === ((this.#maxSeq + 1) & 0xffff)) {
        this.#probation--;
        this.#maxSeq = seq;
        if (this.#probation === 0) {
          this.#initSeq(seq);
          this.#received++;
          return 'valid';
        }
      } else {
        this.#probation = this.#minSequential - 1;
        this.#maxSeq = seq;
      }
      return 'probation';
    } else if (udelta < MAX_DROPOUT) {
      // In order, with permissible gap; a smaller number means we wrapped.
      if (seq < this.#maxSeq) this.#cycles += RTP_SEQ_MOD;
      this.#maxSeq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      // A very large jump: believe it only if the next packet continues from it.
      if (seq === this.#badSeq) {
        this.#initSeq(seq);
        this.#transit = undefined;
      } else {
        this.#badSeq = (seq + 1) & 0xffff;
        return 'bad';
      }
    }
    // else: duplicate or reordered packet, counted as received (A.3 notes lost may go negative).
    this.#received++;
    return 'valid';
  }

  #updateJitter(rtpTimestamp: number, arrivalMs: number): void {
    const arrival = (arrivalMs * this.clockRate) / 1000;
    // Transit in timestamp units modulo 2^32, kept signed so a wrap of the
    // sender's timestamp is a small step, not a 4-billion-tick one.
    const transit = arrival - rtpTimestamp;
    if (this.#transit !== undefined) {
      let d = transit - this.#transit;
      d = ((d % 2 ** 32) + 2 ** 32) % 2 ** 32;
      if (d >= 2 ** 31) d -= 2 ** 32;
      this.#jitter += (Math.abs(d) - this.#jitter) / 16;
    }
    this.#transit = transit;
  }

  /** Packets counted as received (duplicates included, probation excluded). */
  get received(): number {
    return this.#received;
  }

  get cycles(): number {
    return this.#cycles;
  }

  get baseSequenceNumber(): number {
    return this.#baseSeq;
  }

  /** Extended highest sequence number received: cycles × 2^16 + max_seq. */
  get extendedHighestSequenceNumber(): number {
    return this.#cycles + this.#maxSeq;
  }

  /** A.3: expected = extended max − base + 1 (0 before the source is valid). */
  get expected(): number {
    if (!this.#initialized || this.#probation > 0) return 0;
    return this.extendedHighestSequenceNumber - this.#baseSeq + 1;
  }

  /** Cumulative packets lost, clamped to the 24-bit signed range of the report field. */
  get cumulativeLost(): number {
    const lost = this.expected - this.#received;
    return Math.max(-0x800000, Math.min(0x7fffff, lost));
  }

  /** Interarrival jitter in timestamp units (the report block's value is its integer part). */
  get jitter(): number {
    return this.#jitter;
  }

  get jitterMs(): number {
    return (this.#jitter * 1000) / this.clockRate;
  }

  /** Fraction lost (0–255) from the last `takeIntervalFractionLost` call. */
  get lastFractionLost(): number {
    return this.#lastFractionLost;
  }

  /** A.3: fraction lost since the previous call, as an 8-bit fixed-point value; starts a new interval. */
  takeIntervalFractionLost(): number {
    const expected = this.expected;
    const expectedInterval = expected - this.#expectedPrior;
    this.#expectedPrior = expected;
    const receivedInterval = this.#received - this.#receivedPrior;
    this.#receivedPrior = this.#received;
    const lostInterval = expectedInterval - receivedInterval;
    this.#lastFractionLost =
      expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
    return this.#lastFractionLost;
  }

  /** Note a sender report from this source: its NTP timestamp's middle 32 bits and when it arrived. */
  noteSenderReport(ntpMiddle32: number, arrivalMs: number): void {
    this.#lsr = ntpMiddle32 >>> 0;
    this.#lastSrArrivalMs = arrivalMs;
  }

  /** A report block about this source (§6.4.1); starts a new fraction-lost interval. */
  reportBlock(ssrc: number, nowMs: number): ReportBlock {
    const dlsr =
      this.#lastSrArrivalMs === undefined ? 0 : Math.min(0xffffffff, Math.max(0, Math.round(((nowMs - this.#lastSrArrivalMs) * 65536) / 1000)));
    return {
      ssrc: ssrc >>> 0,
      fractionLost: this.takeIntervalFractionLost(),
      cumulativeLost: this.cumulativeLost,
      extendedHighestSequenceNumber: this.extendedHighestSequenceNumber >>> 0,
      jitter: Math.min(0xffffffff, Math.floor(this.#jitter)),
      lastSenderReport: this.#lastSrArrivalMs === undefined ? 0 : this.#lsr,
      delaySinceLastSenderReport: dlsr,
    };
  }
}
