/**
 * Options, negotiated configuration, statistics and events of RtpSession
 * (rtp-session.ts), kept apart so the session file holds behaviour only.
 */
import type { Logger } from '../../common/logger.ts';
import type { Clock } from '../../common/clock.ts';
import type { RtcpPacket } from '../rtcp/rtcp-packet.ts';
import type { SrtpSessionOptions } from '../srtp/srtp-session.ts';
import type { Endpoint } from './peer-latch.ts';
import type { PortPairAllocator, PortRange } from './port-allocator.ts';
import type { RandomUint32 } from './random.ts';
import type { RtpPacket } from './rtp-packet.ts';

export type { Endpoint };

export type StreamDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface RtpSessionOptions {
  /** Local address to bind: '127.0.0.1', '0.0.0.0', '::'… */
  bindAddress: string;
  portRange?: PortRange;
  /** Bind RTP + 1 for RTCP too (needed unless rtcp-mux is certain). Default true. */
  bindRtcpPort?: boolean;
  /** What binds the ports (a SparePortPair's allocate); allocatePortPair by default. */
  allocatePorts?: PortPairAllocator;
  /** RTCP CNAME (§6.5.1); a random one by default. */
  cname?: string;
  clock?: Clock;
  wallClockMs?: () => number;
  logger?: Logger;
  random?: RandomUint32;
  /** RTCP interval tuning, mostly for tests. */
  rtcpMinIntervalMs?: number;
  rtcpRandom?: () => number;
  /** Reports are sent from pollRtcp() (called on every media tick) instead of a timer of their own. */
  rtcpPaced?: boolean;
}

export interface RtpStreamConfig {
  remoteAddress: string;
  remotePort: number;
  /** Defaults: remoteAddress / remotePort + 1 (ignored with rtcpMux). */
  remoteRtcpAddress?: string;
  remoteRtcpPort?: number;
  rtcpMux: boolean;
  /** Payload type and clock rate we send with. */
  payloadType: number;
  clockRate: number;
  ptimeMs?: number;
  /** Payload types we accept (codec, telephone-event, CN). */
  receivePayloadTypes: number[];
  /** SSRC the peer announced (a=ssrc), if any. */
  remoteSsrc?: number;
  direction?: StreamDirection;
  srtp?: Omit<SrtpSessionOptions, 'maxSources'>;
  /**
   * SRTP is agreed but its keys are not there yet (DTLS-SRTP before its
   * handshake): nothing is sent, and nothing received is played.
   */
  awaitingKeys?: boolean;
  /**
   * RTCP on its own port with DTLS-SRTP (no rtcp-mux): SRTCP has keys of its
   * own, from the handshake on the RTCP port (RFC 5764 §4.1). Until they are
   * there (`awaitingRtcpKeys`) no RTCP is sent and none received is used.
   */
  srtcp?: Omit<SrtpSessionOptions, 'maxSources'>;
  awaitingRtcpKeys?: boolean;
  /** For the RTCP interval; default 80 kbit/s. */
  sessionBandwidthBps?: number;
}

export interface RtpReceiveInfo {
  arrivalMs: number;
  address: string;
  port: number;
}

export interface RtpSessionStats {
  localSsrc: number;
  remoteSsrc?: number;
  packetsSent: number;
  octetsSent: number;
  /** Valid RTP packets delivered. */
  packetsReceived: number;
  octetsReceived: number;
  expected: number;
  cumulativeLost: number;
  jitterMs: number;
  rttMs?: number;
  remoteFractionLost?: number;
  remoteCumulativeLost?: number;
  remoteJitterMs?: number;
  rtcpSent: number;
  rtcpReceived: number;
  dropped: { malformed: number; srtp: number; foreignSource: number; unexpectedPayloadType: number; notReceiving: number };
  latchedRtp?: Endpoint;
  latchedRtcp?: Endpoint;
}

export interface RtpSessionEvents {
  rtp: [packet: RtpPacket, info: RtpReceiveInfo];
  rtcp: [packets: RtcpPacket[], info: RtpReceiveInfo];
  /** The peer left (RTCP BYE naming its source). */
  bye: [reason: string | undefined];
  /** We follow the peer to a source address other than its SDP's. */
  latched: [kind: 'rtp' | 'rtcp', endpoint: Endpoint];
  rtt: [ms: number];
  /** A socket error (ICMP unreachable surfaces here); the session keeps going. */
  warning: [error: Error];
  /** A DTLS datagram (RFC 7983 first byte 20–63) on the RTP port, for the DTLS-SRTP handshake. */
  dtls: [datagram: Buffer, from: Endpoint];
  /** A DTLS datagram on the separate RTCP port (no rtcp-mux): the RTCP component's own handshake. */
  rtcpDtls: [datagram: Buffer, from: Endpoint];
}

/**
 * What carries the stream besides plain RTP (ICE, RFC 8445; TURN, RFC 8656):
 * it reads the socket's STUN and TURN ChannelData datagrams, and may send
 * media through a relay.
 */
export interface MediaPathHooks {
  /** A STUN or TURN ChannelData datagram arrived on the RTP socket (RFC 7983 demultiplexing). */
  receive(kind: 'stun' | 'turn-channel', data: Buffer, from: Endpoint): void;
  /** An outgoing RTP/RTCP datagram for `target`: what to send where (a TURN relay wraps it). */
  route(data: Uint8Array, target: Endpoint): { data: Uint8Array; target: Endpoint };
}
