/**
 * The per-call media statistics snapshot the phone model publishes (API
 * "media stats" event): plain data, no class instances.
 */
import { estimateMos } from './e-model.ts';

export interface CallStatsSnapshot {
  codec: string;
  packetsSent: number;
  packetsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  /** Our receive loss, percent (RFC 3550 A.3 cumulative: lost / expected). */
  lossPercent: number;
  /** Loss the peer reports for what we send (its last RR fraction lost), percent; null before any report. */
  remoteLossPercent: number | null;
  /** Interarrival jitter of what we receive, ms (RFC 3550 A.8). */
  jitterMs: number;
  /** Jitter the peer reports for what we send, ms; null before any report. */
  remoteJitterMs: number | null;
  /** Round-trip time from RTCP LSR/DLSR, ms; null until measured. */
  rttMs: number | null;
  jitterBufferMs: number;
  /** E-model R factor and MOS estimate of what we hear; null before any packet. */
  rFactor: number | null;
  mos: number | null;
}

export interface CallStatsInputs {
  codec: string;
  ptimeMs: number;
  packetsSent: number;
  bytesSent: number;
  packetsReceived: number;
  bytesReceived: number;
  expected: number;
  cumulativeLost: number;
  jitterMs: number;
  remoteFractionLost?: number;
  remoteJitterMs?: number;
  rttMs?: number;
  jitterBufferMs: number;
  /** Frames concealed by the jitter buffer beyond network loss (late packets); counted as loss. */
  lateFrames?: number;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export function buildCallStatsSnapshot(inputs: CallStatsInputs): CallStatsSnapshot {
  const lost = Math.max(0, inputs.cumulativeLost) + Math.max(0, inputs.lateFrames ?? 0);
  const lossPercent = inputs.expected > 0 ? Math.min(100, (100 * lost) / inputs.expected) : 0;
  const quality =
    inputs.packetsReceived > 0
      ? estimateMos({ codec: inputs.codec, rttMs: inputs.rttMs, jitterBufferMs: inputs.jitterBufferMs, ptimeMs: inputs.ptimeMs, lossPercent })
      : undefined;
  return {
    codec: inputs.codec,
    packetsSent: inputs.packetsSent,
    packetsReceived: inputs.packetsReceived,
    bytesSent: inputs.bytesSent,
    bytesReceived: inputs.bytesReceived,
    lossPercent: round(lossPercent, 2),
    remoteLossPercent: inputs.remoteFractionLost === undefined ? null : round((100 * inputs.remoteFractionLost) / 256, 2),
    jitterMs: round(inputs.jitterMs, 2),
    remoteJitterMs: inputs.remoteJitterMs === undefined ? null : round(inputs.remoteJitterMs, 2),
    rttMs: inputs.rttMs === undefined ? null : round(inputs.rttMs, 1),
    jitterBufferMs: round(inputs.jitterBufferMs, 1),
    rFactor: quality ? round(quality.r, 1) : null,
    mos: quality ? round(quality.mos, 2) : null,
  };
}
