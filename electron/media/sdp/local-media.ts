/**
 * What we can do, as offer and answer builders take it: our transport
 * address, the codecs we support (in preference order, with the payload type
 * we offer them under), RFC 4733 telephone-event, ptime, direction and the
 * account's SRTP policy.
 */
import type { SrtpCryptoSuite, SrtpPolicy } from '../srtp/srtp-crypto-suite.ts';
import type { CertificateFingerprint, SetupRole } from './dtls-attributes.ts';
import type { MediaDirection, SdpOrigin } from './session-description.ts';

export interface LocalCodec {
  /** Encoding name as in rtpmap: PCMU, PCMA, G722, opus… */
  name: string;
  /** RTP clock rate (G722: 8000, RFC 3551 §4.5.2; opus: 48000, RFC 7587). */
  clockRate: number;
  /** Channels in rtpmap; opus is always 2 (RFC 7587 §7). Default 1. */
  channels?: number;
  /** Payload type we offer it under (static or 96–127). */
  payloadType: number;
  /**
   * Our receive preferences, e.g. opus {useinbandfec: 1, maxaveragebitrate: 32000}
   * or the same as fmtp text ("useinbandfec=1;maxaveragebitrate=32000", Codec.fmtp).
   */
  fmtp?: Record<string, string | number> | string;
}

export interface LocalTelephoneEvent {
  payloadType: number;
  /** 8000, or the clock rate of the codec it accompanies (RFC 4733 §2.1). */
  clockRate: number;
}

export interface LocalMediaOptions {
  origin: SdpOrigin;
  sessionName?: string;
  /** Address for c= (ours, as the peer should send to it). */
  address: string;
  /** RTP port we listen on. */
  port: number;
  /** RTCP port when it is not port + 1 (a=rtcp, RFC 3605); also sent when offering rtcp-mux. */
  rtcpPort?: number;
  /** Offer / accept RTCP multiplexing (RFC 5761). Default true. */
  rtcpMux?: boolean;
  codecs: LocalCodec[];
  /** telephone-event formats (one per clock rate); empty or absent = no RFC 4733. */
  telephoneEvents?: LocalTelephoneEvent[];
  /** ptime we want to receive (a=ptime) and default send ptime. */
  ptime?: number;
  /** What we want to do: sendrecv normally, sendonly when we hold, inactive… Default sendrecv. */
  direction?: MediaDirection;
  /** Per-account policy; default 'off'. */
  srtpPolicy?: SrtpPolicy;
  /** Suites offered / accepted, in preference order; default both, _80 first. */
  srtpSuites?: SrtpCryptoSuite[];
  /**
   * How SRTP keys may be agreed, when the policy asks for SRTP: 'sdes'
   * (a=crypto, RFC 4568: the keys ride in the SDP) and/or 'dtls'
   * (DTLS-SRTP, RFC 5763: only certificate fingerprints ride in the SDP).
   * Default ['sdes']. An offer uses SDES when allowed, else DTLS-SRTP.
   */
  keyExchange?: readonly KeyExchange[];
  /** The fingerprint of the certificate our DTLS handshakes present (required for 'dtls'). */
  dtlsFingerprint?: CertificateFingerprint;
  /** Our role in an association that already exists (re-offers and answers keep it); actpass/active otherwise. */
  dtlsRole?: 'client' | 'server';
}

export type KeyExchange = 'sdes' | 'dtls';

/** a=setup for our role in an existing association, or for a new one (offer: actpass, answer: active). */
export function ourSetup(role: 'client' | 'server' | undefined, fresh: SetupRole): SetupRole {
  if (role === 'client') return 'active';
  if (role === 'server') return 'passive';
  return fresh;
}

export const DEFAULT_PTIME_MS = 20;
export const TELEPHONE_EVENTS = '0-16';
