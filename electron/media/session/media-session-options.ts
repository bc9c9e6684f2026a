/**
 * Options, events, statistics and the SIP-facing hook of MediaSession
 * (media-session.ts), kept apart so the session file holds behaviour only.
 */
import type { Clock } from '../../common/clock.ts';
import type { Logger } from '../../common/logger.ts';
import type { AudioSink, AudioSource } from '../audio/frame.ts';
import type { CodecRegistry } from '../codecs/codec-registry.ts';
import type { EncoderOptions } from '../codecs/codec.ts';
import type { JitterBufferStats } from '../jitter/jitter-buffer.ts';
import type { IceSettings, MediaRoute } from '../ice/ice-transport.ts';
import type { CallStatsSnapshot } from '../quality/call-stats.ts';
import type { PortPairAllocator, PortRange } from '../rtp/port-allocator.ts';
import type { DtlsIdentity } from '../dtls/dtls-keys.ts';
import type { KeyExchange } from '../sdp/local-media.ts';
import type { NegotiatedMedia, NegotiatedSrtp } from '../sdp/negotiated-media.ts';
import type { MediaDirection } from '../sdp/session-description.ts';
import type { SrtpCryptoSuite, SrtpPolicy } from '../srtp/srtp-crypto-suite.ts';
import type { DtmfToneOptions } from './dtmf-queue.ts';
import type { FrameTicker, MediaClockStats } from './media-clock.ts';
import type { DelayFigures } from './receive-pipeline.ts';

export type { DtmfToneOptions };

export interface MediaSessionOptions {
  /** Address the RTP/RTCP sockets bind to: '127.0.0.1', '0.0.0.0', '::'… */
  bindAddress: string;
  /** Address written in c= and o=; defaults to bindAddress (required when that is a wildcard). */
  advertisedAddress?: string;
  /** RTP port range; 16384–32767 by default. */
  portRange?: PortRange;
  /** What binds the RTP/RTCP ports (the engine's SparePortPair); bound on the first offer or answer by default. */
  allocatePorts?: PortPairAllocator;
  /** Codec names in preference order ('opus', 'G722', 'PCMU', 'PCMA'); default: the registry's order. */
  codecs?: readonly string[];
  codecRegistry?: CodecRegistry;
  /** 'off' (RTP/AVP), 'optional' (RTP/AVP + a=crypto, best effort), 'mandatory' (RTP/SAVP). Default 'off'. */
  srtp?: SrtpPolicy;
  srtpSuites?: SrtpCryptoSuite[];
  /**
   * How SRTP keys may be agreed when `srtp` asks for SRTP: 'sdes' (a=crypto,
   * only safe over TLS signalling) and/or 'dtls' (DTLS-SRTP on the media
   * port). Default ['sdes']; offers prefer SDES when it is allowed.
   */
  keyExchange?: readonly KeyExchange[];
  /** The certificate DTLS-SRTP presents; the process's own by default (dtls-keys.ts). */
  dtlsIdentity?: DtlsIdentity;
  /** The DTLS handshake must finish within this (default 20 s), else the call's media failed. */
  dtlsTimeoutMs?: number;
  /** Packet time we ask for and send with unless the peer asks otherwise, ms (default 20). */
  ptime?: number;
  /** Offer and accept RFC 4733 telephone-event (default true). */
  telephoneEvent?: boolean;
  /** Offer RFC 5761 rtcp-mux (default true). */
  rtcpMux?: boolean;
  /** Microphone (or file, tone…); silence when absent. */
  source?: AudioSource;
  /** Speaker (or file…); received audio is dropped when absent. */
  sink?: AudioSink;
  /** Played to the peer while we hold (music on hold); nothing is sent on hold without it. */
  holdSource?: AudioSource;
  /** What paces the audio: the engine's MediaClock, or a device-driven ticker. */
  ticker?: FrameTicker;
  /** Monotonic time and timers (RTCP, arrival stamps); systemClock by default. */
  clock?: Clock;
  logger?: Logger;
  jitter?: { minDelayMs?: number; maxDelayMs?: number; initialDelayMs?: number; maxConcealFrames?: number };
  /** Opus encoder settings (bitrate, complexity, FEC). */
  encoder?: EncoderOptions;
  dtmf?: DtmfToneOptions;
  /** How often the 'stats' event fires while the call runs, ms (default 5000; 0 = never). */
  statsIntervalMs?: number;
  /**
   * No RTP and no RTCP from the peer for this long, while it should be
   * sending (sendrecv, nobody holding), fires 'peer-silent' (default 30 s;
   * 0 = never). See stream-liveness.ts.
   */
  peerTimeoutMs?: number;
  /** RTCP minimum interval (RFC 3550 §6.2: 5000 ms); tests shorten it. */
  rtcpMinIntervalMs?: number;
  sessionName?: string;
  /** o= username (default '-'). */
  username?: string;
  /**
   * ICE (RFC 8445) with these STUN/TURN servers: candidates in our SDP,
   * connectivity checks with a peer that does ICE, the relay for one that
   * does not when TURN is set. Absent: plain RTP (latching) only.
   */
  ice?: IceSettings;
}

/** Our answer, or the reason we refuse the offer (send it in a 488 Not Acceptable Here). */
/**
 * 488 when the offer is unacceptable; 503 with `busy` when it may be fine but
 * we have no resources for it now (no free RTP port): the caller should say
 * "too many calls", never "no common codec".
 */
export type AnswerResult = { answer: string } | { reject: 488; reason: string } | { reject: 503; reason: string; busy: true };

/**
 * The offer/answer hook a SIP user agent drives (RFC 3264 over RFC 3261
 * INVITE/200/ACK): an offer for outgoing INVITEs, an answer or a 488 for
 * incoming ones, and the peer's answer to our offer.
 */
export interface MediaOfferAnswer {
  createOffer(): Promise<string>;
  answerOffer(offerSdp: string): Promise<AnswerResult>;
  setAnswer(answerSdp: string): Promise<void>;
}

export interface ReceivedDtmf {
  digit: string;
  /** RFC 4733 event code (0–15 digits, 16 flash). */
  event: number;
  durationMs: number;
}

export interface PacketSentInfo {
  sequenceNumber: number;
  timestamp: number;
  /** When the tick read the frame from the source (clock ms). */
  captureMs: number;
  /** When socket.send returned for this packet. */
  sentMs: number;
}

export type MediaSessionState = 'new' | 'negotiated' | 'running' | 'stopped';

export interface MediaSessionEvents {
  /** A digit the peer sent (RFC 4733), once per key press, when it ends. */
  dtmf: [dtmf: ReceivedDtmf];
  /** Periodic statistics while the call runs (statsIntervalMs), and once at stop. */
  stats: [stats: MediaSessionStats];
  /** Something failed in the audio path; the session keeps running. Only emitted when listened to. */
  error: [error: Error];
  /** The peer put us on hold (true) or took us off it (false). */
  'remote-hold': [held: boolean];
  /** A new offer/answer took effect. */
  negotiated: [media: NegotiatedMedia];
  /** Nothing from the peer (RTP or RTCP) for peerTimeoutMs while it should send: it is gone. */
  'peer-silent': [silentMs: number];
  /** DTLS-SRTP keys are in place (the handshake finished, the certificate matched): media flows encrypted now. */
  secured: [srtp: NegotiatedSrtp, handshakeMs: number];
  /** The media cannot be secured (DTLS-SRTP failed or the certificate did not match): end the call with these words. */
  'security-failed': [words: string];
  /** The peer said RTCP BYE. */
  'remote-bye': [reason: string | undefined];
  /** The capture source ended; silence is sent from now on. */
  'source-ended': [];
  /** Every media packet sent, with its timing (for diagnostics and benchmarks). */
  'packet-sent': [info: PacketSentInfo];
  /** The way the media travels now (ICE's selected pair, or the plain path): direct, via a STUN address, relayed by TURN. */
  route: [route: MediaRoute];
}

export interface MediaSessionStats extends CallStatsSnapshot {
  state: MediaSessionState;
  /** Negotiated direction (ours); undefined before negotiation. */
  direction: MediaDirection | undefined;
  localHold: boolean;
  remoteHold: boolean;
  muted: boolean;
  /** SRTP suite in use, or null for plain RTP. */
  srtp: SrtpCryptoSuite | null;
  durationMs: number;
  rtcp: { sent: number; received: number };
  /** Datagrams dropped on receipt, by reason. */
  dropped: { malformed: number; srtp: number; foreignSource: number; unexpectedPayloadType: number; notReceiving: number };
  jitterBuffer: JitterBufferStats & { playoutDelay: DelayFigures; minDelayMs: number };
  /** Arrival of a packet until its audio reaches the sink. */
  arrivalToPlayout: DelayFigures;
  /** The tick reading a frame until socket.send returned for its packet. */
  captureToSend: DelayFigures;
  /** Device frames by what filled them; `shed`: quiet decoded frames skipped to shrink the playout delay. */
  frames: { decoded: number; concealed: number; silent: number; shed: number };
  dtmf: { sent: number; received: number };
  clock: MediaClockStats | null;
}
