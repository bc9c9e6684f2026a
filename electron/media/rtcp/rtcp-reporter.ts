/**
 * The RTCP side of one RTP stream (RFC 3550 §6.4): builds our compound
 * reports — SR if we sent RTP since the last report, else RR; a report block
 * about the peer once it is a valid source; SDES CNAME (§6.5.1, required in
 * every compound); BYE when leaving (§6.6) — and reads the peer's, keeping
 * what they say about our stream: fraction lost, jitter, and the RTT
 * computed from the LSR/DLSR of their report block about us (§6.4.1).
 */
import type { RtpSender } from '../rtp/rtp-sender.ts';
import type { ReceiverStatistics } from '../rtp/receiver-statistics.ts';
import { ntpFromUnixMs, ntpMiddle32, roundTripTimeMs } from './ntp-time.ts';
import type { ReportBlock, RtcpPacket } from './rtcp-packet.ts';
import { SDES_CNAME } from './rtcp-packet.ts';

export interface RtcpReporterOptions {
  sender: RtpSender;
  cname: string;
  /** Wall clock for NTP timestamps (ms since 1970); Date.now by default. */
  wallClockMs?: () => number;
}

export interface RemoteReport {
  /** What the peer says about our stream, from its latest report block about our SSRC. */
  fractionLost: number;
  cumulativeLost: number;
  jitterMs: number;
  extendedHighestSequenceNumber: number;
}

export interface RtcpHandleResult {
  /** Set when the peer's BYE names its source. */
  bye?: { ssrcs: number[]; reason?: string };
  rttMs?: number;
  /** SSRC of the sender of the first SR/RR, if any. */
  senderSsrc?: number;
}

export class RtcpReporter {
  readonly #sender: RtpSender;
  readonly #cname: string;
  readonly #wallClockMs: () => number;
  #remoteSsrc: number | undefined;
  #remoteStats: ReceiverStatistics | undefined;
  #packetsAtLastReport = 0;
  #lastRtpSentMs: number | undefined;
  #rttMs: number | undefined;
  #remoteReport: RemoteReport | undefined;
  #reportsSent = 0;
  #reportsReceived = 0;

  constructor(options: RtcpReporterOptions) {
    this.#sender = options.sender;
    this.#cname = options.cname;
    this.#wallClockMs = options.wallClockMs ?? Date.now;
  }

  get rttMs(): number | undefined {
    return this.#rttMs;
  }

  get remoteReport(): RemoteReport | undefined {
    return this.#remoteReport;
  }

  get reportsSent(): number {
    return this.#reportsSent;
  }

  get reportsReceived(): number {
    return this.#reportsReceived;
  }

  /** Whether we sent RTP since the last report (selects SR, and the RTCP sender share). */
  get sentSinceLastReport(): boolean {
    return this.#sender.packetCount !== this.#packetsAtLastReport;
  }

  setRemote(ssrc: number | undefined, stats: ReceiverStatistics | undefined): void {
    this.#remoteSsrc = ssrc;
    this.#remoteStats = stats;
  }

  /** Call on every RTP packet sent, with the monotonic clock, for the SR's RTP timestamp. */
  noteRtpSent(nowMs: number): void {
    this.#lastRtpSentMs = nowMs;
  }

  buildReport(nowMs: number, bye?: { reason?: string }): RtcpPacket[] {
    const blocks: ReportBlock[] = [];
    if (this.#remoteSsrc !== undefined && this.#remoteStats && this.#remoteStats.expected > 0) {
      blocks.push(this.#remoteStats.reportBlock(this.#remoteSsrc, nowMs));
    }
    const packets: RtcpPacket[] = [];
    const ssrc = this.#sender.ssrc;
    const last = this.#sender.lastTimestamp;
    if (this.sentSinceLastReport && last !== undefined && this.#lastRtpSentMs !== undefined) {
      const ntp = ntpFromUnixMs(this.#wallClockMs());
      // §6.4.1: the RTP timestamp of this very instant, extrapolated from the last packet.
      const elapsed = Math.max(0, nowMs - this.#lastRtpSentMs);
      const rtpTimestamp = (last + Math.round((elapsed * this.#sender.clockRate) / 1000)) >>> 0;
      packets.push({
        type: 'sr',
        ssrc,
        ntpSeconds: ntp.seconds,
        ntpFraction: ntp.fraction,
        rtpTimestamp,
        packetCount: this.#sender.packetCount,
        octetCount: this.#sender.octetCount,
        reports: blocks,
      });
    } else {
      packets.push({ type: 'rr', ssrc, reports: blocks });
    }
    this.#packetsAtLastReport = this.#sender.packetCount;
    packets.push({ type: 'sdes', chunks: [{ ssrc, items: [{ type: SDES_CNAME, value: this.#cname }] }] });
    if (bye) packets.push(bye.reason === undefined ? { type: 'bye', ssrcs: [ssrc] } : { type: 'bye', ssrcs: [ssrc], reason: bye.reason });
    this.#reportsSent++;
    return packets;
  }

  handle(packets: RtcpPacket[], nowMs: number): RtcpHandleResult {
    const result: RtcpHandleResult = {};
    const arrival = ntpMiddle32(ntpFromUnixMs(this.#wallClockMs()));
    this.#reportsReceived++;
    for (const p of packets) {
      if (p.type === 'sr' || p.type === 'rr') {
        result.senderSsrc ??= p.ssrc;
        if (p.type === 'sr' && this.#remoteStats && (this.#remoteSsrc === undefined || p.ssrc === this.#remoteSsrc)) {
          this.#remoteStats.noteSenderReport(ntpMiddle32({ seconds: p.ntpSeconds, fraction: p.ntpFraction }), nowMs);
        }
        const aboutUs = p.reports.find((b) => b.ssrc === this.#sender.ssrc);
        if (aboutUs) {
          this.#remoteReport = {
            fractionLost: aboutUs.fractionLost,
            cumulativeLost: aboutUs.cumulativeLost,
            jitterMs: (aboutUs.jitter * 1000) / this.#sender.clockRate,
            extendedHighestSequenceNumber: aboutUs.extendedHighestSequenceNumber,
          };
          const rtt = roundTripTimeMs(arrival, aboutUs.lastSenderReport, aboutUs.delaySinceLastSenderReport);
          if (rtt !== undefined) {
            this.#rttMs = rtt;
            result.rttMs = rtt;
          }
        }
      } else if (p.type === 'bye') {
        if (this.#remoteSsrc === undefined || p.ssrcs.includes(this.#remoteSsrc)) {
          result.bye = p.reason === undefined ? { ssrcs: p.ssrcs } : { ssrcs: p.ssrcs, reason: p.reason };
        }
      }
    }
    return result;
  }
}
