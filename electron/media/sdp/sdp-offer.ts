/**
 * Our SDP offer (RFC 3264 §5) for one audio stream.
 *
 * SRTP policy → transport (the convention baresip, Linphone and Asterisk
 * follow for SDES):
 *   off       → RTP/AVP, no a=crypto
 *   optional  → RTP/AVP with a=crypto ("best effort": a peer that knows
 *               SDES encrypts, one that does not ignores the lines)
 *   mandatory → RTP/SAVP with a=crypto (a peer without SRTP must refuse)
 * Each offered suite gets its own fresh key; the keys travel in the offer,
 * so processAnswer finds ours again by the tag the answer echoes.
 *
 * Where SDES is not allowed (keyExchange without 'sdes': the signalling is
 * not TLS) but DTLS-SRTP is, the offer carries our certificate fingerprint
 * and a=setup:actpass instead (RFC 5763 §5):
 *   optional  → RTP/AVP with a=fingerprint (a DTLS-capable peer answers in
 *               kind; another one answers plain RTP)
 *   mandatory → UDP/TLS/RTP/SAVP (a peer without DTLS-SRTP must refuse)
 * One m= line has one transport, so SDES and DTLS-SRTP are not offered
 * together; answers accept either (sdp-answer.ts).
 */
import { generateSrtpKeyMaterial } from '../srtp/srtp-crypto-suite.ts';
import type { SrtpCryptoSuite } from '../srtp/srtp-crypto-suite.ts';
import type { SdesCrypto } from './crypto-attribute.ts';
import { formatCryptoAttribute } from './crypto-attribute.ts';
import { formatFingerprint } from './dtls-attributes.ts';
import type { LocalCodec, LocalMediaOptions, LocalTelephoneEvent } from './local-media.ts';
import { ourSetup, TELEPHONE_EVENTS } from './local-media.ts';
import { formatFmtpParameters } from './sdp-attributes.ts';
import { SdpError } from './sdp-error.ts';
import type { SdpAttribute, SdpConnection, SdpMedia, SessionDescription } from './session-description.ts';
import { isIPv6 } from 'node:net';

/**
 * Strongest first (RFC 4568 §7.1.1: the offerer lists its preference; the answerer picks one):
 * AES-GCM (RFC 7714), AES-256-CM (RFC 6188), then the RFC 4568 suites every peer has.
 */
export const DEFAULT_SRTP_SUITES: readonly SrtpCryptoSuite[] = [
  'AEAD_AES_256_GCM', 'AEAD_AES_128_GCM', 'AES_256_CM_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32',
];

export interface BuiltOffer {
  sdp: SessionDescription;
  /** Our a=crypto lines (keys included); empty when SRTP is off. */
  cryptos: SdesCrypto[];
}

export function localConnection(address: string): SdpConnection {
  return { netType: 'IN', addressType: isIPv6(address) ? 'IP6' : 'IP4', address };
}

/** Our session level (RFC 4566 §5: v=0, o=, s=, one c= for all streams, t=0 0) around `media`; offer and answer alike. */
export function localSession(options: Pick<LocalMediaOptions, 'origin' | 'sessionName' | 'address'>, media: SdpMedia[]): SessionDescription {
  return {
    version: 0,
    origin: options.origin,
    sessionName: options.sessionName ?? 'Parley',
    emails: [],
    phones: [],
    connection: localConnection(options.address),
    bandwidths: [],
    timings: [{ start: '0', stop: '0', repeats: [] }],
    attributes: [],
    media,
  };
}

export function codecAttributes(codec: { payloadType: number; name: string; clockRate: number; channels?: number; fmtp?: Record<string, string | number> | string }): SdpAttribute[] {
  const channels = codec.channels !== undefined && codec.channels !== 1 ? `/${codec.channels}` : '';
  const attrs: SdpAttribute[] = [{ name: 'rtpmap', value: `${codec.payloadType} ${codec.name}/${codec.clockRate}${channels}` }];
  const fmtp = typeof codec.fmtp === 'string' ? codec.fmtp : codec.fmtp ? formatFmtpParameters(codec.fmtp) : '';
  if (fmtp !== '') attrs.push({ name: 'fmtp', value: `${codec.payloadType} ${fmtp}` });
  return attrs;
}

function checkPayloadTypes(codecs: LocalCodec[], events: LocalTelephoneEvent[]): void {
  const seen = new Set<number>();
  for (const pt of [...codecs.map((c) => c.payloadType), ...events.map((e) => e.payloadType)]) {
    if (!Number.isInteger(pt) || pt < 0 || pt > 127 || (pt >= 64 && pt <= 95)) {
      // 64–95 would collide with RTCP packet types under rtcp-mux (RFC 5761 §4).
      throw new SdpError('syntax', `payload type ${pt} is not usable`);
    }
    if (seen.has(pt)) throw new SdpError('syntax', `payload type ${pt} used twice`);
    seen.add(pt);
  }
}

export function buildOffer(options: LocalMediaOptions): BuiltOffer {
  if (!Number.isInteger(options.port) || options.port <= 0 || options.port > 65535) {
    throw new SdpError('syntax', `local port ${options.port} is not usable`);
  }
  const events = options.telephoneEvents ?? [];
  if (options.codecs.length === 0) throw new SdpError('not-acceptable', 'no codec to offer');
  checkPayloadTypes(options.codecs, events);
  const policy = options.srtpPolicy ?? 'off';
  const keyExchange = options.keyExchange ?? ['sdes'];
  const sdes = policy !== 'off' && keyExchange.includes('sdes');
  const dtls = policy !== 'off' && !sdes && keyExchange.includes('dtls') && options.dtlsFingerprint !== undefined;
  const cryptos: SdesCrypto[] = sdes
    ? (options.srtpSuites ?? DEFAULT_SRTP_SUITES).map((suite, i) => ({ tag: i + 1, suite, key: generateSrtpKeyMaterial(suite) }))
    : [];

  const attributes: SdpAttribute[] = [];
  for (const codec of options.codecs) attributes.push(...codecAttributes(codec));
  for (const e of events) attributes.push(...codecAttributes({ payloadType: e.payloadType, name: 'telephone-event', clockRate: e.clockRate, fmtp: TELEPHONE_EVENTS }));
  if (options.ptime !== undefined) attributes.push({ name: 'ptime', value: String(options.ptime) });
  attributes.push({ name: options.direction ?? 'sendrecv' });
  if (options.rtcpPort !== undefined) attributes.push({ name: 'rtcp', value: String(options.rtcpPort) });
  if (options.rtcpMux ?? true) attributes.push({ name: 'rtcp-mux' });
  for (const c of cryptos) attributes.push({ name: 'crypto', value: formatCryptoAttribute(c) });
  if (dtls) {
    attributes.push({ name: 'fingerprint', value: formatFingerprint(options.dtlsFingerprint!) }, { name: 'setup', value: ourSetup(options.dtlsRole, 'actpass') });
  }

  const media: SdpMedia = {
    type: 'audio',
    port: options.port,
    protocol: policy !== 'mandatory' || (!sdes && !dtls) ? 'RTP/AVP' : dtls ? 'UDP/TLS/RTP/SAVP' : 'RTP/SAVP',
    formats: [...options.codecs.map((c) => String(c.payloadType)), ...events.map((e) => String(e.payloadType))],
    bandwidths: [],
    attributes,
  };
  return { sdp: localSession(options, [media]), cryptos };
}
