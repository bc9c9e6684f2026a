/**
 * What the server locator takes and gives. The input is the part of a SIP URI
 * that RFC 3263 reads, so a `SipUri` from sip/message fits it as it is.
 */

export type SipTransportProtocol = 'udp' | 'tcp' | 'tls';

export interface LocatableUri {
  scheme: 'sip' | 'sips' | 'tel';
  /** Host name or IP literal (IPv6 with or without brackets). */
  host: string;
  port?: number;
  /** Keys lower-case; `transport` and `maddr` matter here. */
  params: ReadonlyMap<string, string | null>;
}

/**
 * One place to send a request. The list `locate` returns is in the order to
 * try: the layer above moves to the next entry on a timeout, a transport error
 * or a 503 (RFC 3263 §4.3).
 */
export interface SipTarget {
  protocol: SipTransportProtocol;
  /** IP literal; IPv6 without brackets. */
  address: string;
  port: number;
  /** The SIP domain the URI names, to check the server certificate against for TLS (RFC 5922 §4). */
  serverName: string;
}

export type IpFamily = 'ipv4' | 'ipv6';

/** RFC 3261 §19.1.2. */
export function defaultSipPort(protocol: SipTransportProtocol): number {
  return protocol === 'tls' ? 5061 : 5060;
}
