/**
 * Assembles MediaSessionStats from the parts that measure it: the RTP
 * session (RFC 3550 counters, interarrival jitter, RTCP round-trip time and
 * the peer's reports), the receive pipeline (jitter buffer, playout delay)
 * and the session itself. The MOS is the E-model's (quality/e-model.ts)
 * over the loss after the jitter buffer — network loss plus packets that
 * came too late to play — and the mean playout delay.
 */
import type { JitterBufferStats } from '../jitter/jitter-buffer.ts';
import { buildCallStatsSnapshot } from '../quality/call-stats.ts';
import type { RtpSessionStats } from '../rtp/rtp-session-options.ts';
import type { NegotiatedMedia } from '../sdp/negotiated-media.ts';
import type { DelayFigures } from './delay-figures.ts';
import type { MediaClockStats } from './media-clock.ts';
import type { MediaSessionState, MediaSessionStats } from './media-session-options.ts';
import type { ReceivePipelineStats } from './receive-pipeline.ts';

export interface SessionStatsParts {
  state: MediaSessionState;
  negotiated: NegotiatedMedia | undefined;
  ptimeMs: number;
  rtp: RtpSessionStats | undefined;
  receive: ReceivePipelineStats | undefined;
  jitterMinDelayMs: number;
  localHold: boolean;
  remoteHold: boolean;
  muted: boolean;
  durationMs: number;
  captureToSend: DelayFigures;
  dtmf: { sent: number; received: number };
  clock: MediaClockStats | null;
}

const NO_DELAY: DelayFigures = { avgMs: 0, minMs: 0, maxMs: 0, count: 0 };

const EMPTY_JITTER: JitterBufferStats = {
  received: 0,
  late: 0,
  lost: 0,
  concealed: 0,
  duplicate: 0,
  discarded: 0,
  playoutDelayMs: 0,
  targetDelayMs: 0,
  bufferedFrames: 0,
  frameMs: 20,
};

export function buildMediaSessionStats(p: SessionStatsParts): MediaSessionStats {
  const rtp = p.rtp;
  const jb = p.receive?.jitterBuffer ?? EMPTY_JITTER;
  const playout = p.receive?.playoutDelay ?? NO_DELAY;
  const snapshot = buildCallStatsSnapshot({
    codec: p.negotiated?.codec.name ?? '',
    ptimeMs: p.ptimeMs,
    packetsSent: rtp?.packetsSent ?? 0,
    bytesSent: rtp?.octetsSent ?? 0,
    packetsReceived: rtp?.packetsReceived ?? 0,
    bytesReceived: rtp?.octetsReceived ?? 0,
    expected: rtp?.expected ?? 0,
    cumulativeLost: rtp?.cumulativeLost ?? 0,
    jitterMs: rtp?.jitterMs ?? 0,
    remoteFractionLost: rtp?.remoteFractionLost,
    remoteJitterMs: rtp?.remoteJitterMs,
    rttMs: rtp?.rttMs,
    jitterBufferMs: playout.count > 0 ? playout.avgMs : jb.playoutDelayMs,
    lateFrames: jb.late,
  });
  return {
    ...snapshot,
    state: p.state,
    direction: p.negotiated?.direction,
    localHold: p.localHold,
    remoteHold: p.remoteHold,
    muted: p.muted,
    srtp: p.negotiated?.srtp?.suite ?? null,
    durationMs: Math.round(p.durationMs),
    rtcp: { sent: rtp?.rtcpSent ?? 0, received: rtp?.rtcpReceived ?? 0 },
    dropped: rtp ? { ...rtp.dropped } : { malformed: 0, srtp: 0, foreignSource: 0, unexpectedPayloadType: 0, notReceiving: 0 },
    jitterBuffer: { ...jb, playoutDelay: playout, minDelayMs: p.jitterMinDelayMs },
    arrivalToPlayout: p.receive?.arrivalToPlayout ?? NO_DELAY,
    captureToSend: p.captureToSend,
    frames: p.receive?.frames ?? { decoded: 0, concealed: 0, silent: 0, shed: 0 },
    dtmf: { ...p.dtmf },
    clock: p.clock,
  };
}
