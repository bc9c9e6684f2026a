/**
 * The parsed shape of an SDP session description (RFC 4566 §5). Attributes
 * stay in their original order as name/value pairs, so that what we do not
 * understand survives a parse/serialize round trip untouched; typed views of
 * the attributes we use live in sdp-attributes.ts.
 */
export interface SdpOrigin {
  username: string;
  /** Numeric string: may exceed 2^53. */
  sessionId: string;
  /** Numeric string: incremented whenever our description changes (RFC 3264 §8). */
  sessionVersion: string;
  netType: string;
  addressType: string;
  address: string;
}

export interface SdpConnection {
  netType: string;
  /** 'IP4' or 'IP6'. */
  addressType: string;
  address: string;
  /** Multicast TTL / address count suffix ("/127/3"), kept verbatim. */
  suffix?: string;
}

export interface SdpBandwidth {
  type: string;
  value: number;
}

export interface SdpAttribute {
  name: string;
  /** Text after the first ':'; undefined for property attributes (a=rtcp-mux). */
  value?: string;
}

export interface SdpTiming {
  start: string;
  stop: string;
  repeats: string[];
}

export interface SdpMedia {
  type: string;
  port: number;
  portCount?: number;
  protocol: string;
  formats: string[];
  information?: string;
  connection?: SdpConnection;
  bandwidths: SdpBandwidth[];
  encryptionKey?: string;
  attributes: SdpAttribute[];
}

export interface SessionDescription {
  version: number;
  origin: SdpOrigin;
  sessionName: string;
  information?: string;
  uri?: string;
  emails: string[];
  phones: string[];
  connection?: SdpConnection;
  bandwidths: SdpBandwidth[];
  timings: SdpTiming[];
  timeZones?: string;
  encryptionKey?: string;
  attributes: SdpAttribute[];
  media: SdpMedia[];
}

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export const MEDIA_DIRECTIONS: readonly MediaDirection[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];
