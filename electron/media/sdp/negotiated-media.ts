/**
 * The outcome of offer/answer for the audio stream: everything the media
 * session needs to send and receive, and nothing about SIP.
 */
import { isIP } from 'node:net';
import type { SrtpCryptoSuite, SrtpKeyMaterial } from '../srtp/srtp-crypto-suite.ts';
import type { CertificateFingerprint } from './dtls-attributes.ts';
import type { RtpFormat } from './sdp-attributes.ts';
import { isHoldAddress, mediaConnection, rtcpAttribute } from './sdp-attributes.ts';
import type { LocalCodec } from './local-media.ts';
import type { MediaDirection, SdpMedia, SessionDescription } from './session-description.ts';
import { SdpError } from './sdp-error.ts';

export interface NegotiatedCodec {
  name: string;
  clockRate: number;
  channels: number;
  /** Payload type we send with (the number the peer's description gave it). */
  payloadType: number;
  /** Payload type the peer sends with (the number our description gave it). */
  receivePayloadType: number;
  /** The peer's fmtp parameters for it: how the peer wants to receive (e.g. opus maxaveragebitrate). */
  remoteParameters: Record<string, string>;
}

export interface NegotiatedTelephoneEvent {
  payloadType: number;
  receivePayloadType: number;
  clockRate: number;
}

export interface NegotiatedSrtp {
  suite: SrtpCryptoSuite;
  /** How the keys were agreed: in the SDP (SDES) or by a DTLS handshake on the media port. */
  keyExchange: 'sdes' | 'dtls';
  /** a=crypto tag both sides agreed on (0 for DTLS-SRTP). */
  tag: number;
  /** Our key: protects what we send. */
  localKey: SrtpKeyMaterial;
  /** The peer's key: unprotects what we receive. */
  remoteKey: SrtpKeyMaterial;
}

export interface NegotiatedDtls {
  /** Our handshake role: client (a=setup:active) sends the ClientHello. */
  role: 'client' | 'server';
  /** The certificate fingerprints the peer's SDP gave: its certificate must match one. */
  remoteFingerprints: CertificateFingerprint[];
}

export interface NegotiatedMedia {
  /** Index of the m= line in the offer/answer. */
  mediaIndex: number;
  /** Where to send RTP ('0.0.0.0' when the peer holds with the RFC 2543 form). */
  remoteAddress: string;
  remotePort: number;
  remoteRtcpAddress: string;
  remoteRtcpPort: number;
  rtcpMux: boolean;
  codec: NegotiatedCodec;
  telephoneEvent?: NegotiatedTelephoneEvent;
  /** What WE do on this stream: sendrecv, sendonly (we hold), recvonly (peer holds), inactive. */
  direction: MediaDirection;
  /** The peer has put us on hold (it does not want to receive, or does nothing). */
  remoteHold: boolean;
  /** Packet time to send with, ms. */
  ptime: number;
  /**
   * SRTP keys. With DTLS-SRTP they are not in the SDP: `dtls` is set and
   * `srtp` appears once the handshake finished and the peer's certificate
   * matched its fingerprint; until then nothing is sent or played.
   */
  srtp?: NegotiatedSrtp;
  dtls?: NegotiatedDtls;
  /**
   * DTLS-SRTP without rtcp-mux: SRTCP's keys, from the RTCP port's own
   * handshake (RFC 5764 §4.1), once it finished; RTCP waits for them.
   */
  srtcp?: NegotiatedSrtp;
  /** SSRC the peer announced with a=ssrc, if any. */
  remoteSsrc?: number;
}

export function codecMatches(format: RtpFormat, codec: LocalCodec): boolean {
  return (
    format.name.toLowerCase() === codec.name.toLowerCase() &&
    format.clockRate === codec.clockRate &&
    format.channels === (codec.channels ?? 1)
  );
}

export function isTelephoneEvent(format: RtpFormat): boolean {
  return format.name.toLowerCase() === 'telephone-event';
}

export function isComfortNoise(format: RtpFormat): boolean {
  return format.name.toLowerCase() === 'cn';
}

/** The telephone-event format to pair with a codec: same clock rate first, then 8000. */
export function pickTelephoneEvent(formats: RtpFormat[], clockRate: number, supportedRates: number[]): RtpFormat | undefined {
  const events = formats.filter((f) => isTelephoneEvent(f) && supportedRates.includes(f.clockRate));
  return events.find((f) => f.clockRate === clockRate) ?? events.find((f) => f.clockRate === 8000) ?? events[0];
}

export interface RemoteTransport {
  address: string;
  port: number;
  rtcpAddress: string;
  rtcpPort: number;
  hold: boolean;
}

/**
 * An address we send media to must be an IP literal. RFC 4566 §5.7 allows a
 * host name in c= (and a=rtcp), but no phone sends one, and resolving it
 * would put a DNS query behind every datagram (node's dgram.send does a
 * lookup per call) and let the SDP's author aim our RTP at whatever the name
 * resolves to later: such an offer is refused (488) and such an answer is
 * unusable.
 */
function requireIp(address: string, what: string): void {
  if (isIP(address) === 0) throw new SdpError('not-acceptable', `${what} names a host ("${address.slice(0, 64)}"), not an IP address; media needs an address`);
}

/** Where the peer receives RTP and RTCP for one stream (RFC 3605, RFC 5761 §5.1.3). */
export function remoteTransport(media: SdpMedia, session: SessionDescription, rtcpMux: boolean): RemoteTransport {
  const connection = mediaConnection(media, session);
  if (!connection) throw new SdpError('missing', 'active stream without a c= line');
  requireIp(connection.address, 'c=');
  const rtcp = rtcpAttribute(media);
  const rtcpPort = rtcpMux ? media.port : (rtcp?.port ?? Math.min(65535, media.port + 1));
  const rtcpAddress = rtcpMux ? connection.address : (rtcp?.address ?? connection.address);
  requireIp(rtcpAddress, 'a=rtcp');
  return { address: connection.address, port: media.port, rtcpAddress, rtcpPort, hold: isHoldAddress(connection.address) };
}
