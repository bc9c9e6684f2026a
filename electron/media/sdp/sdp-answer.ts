/**
 * Our answer to a peer's offer (RFC 3264 §6), for one audio stream.
 *
 * - The answer has as many m= lines as the offer; the first audio stream we
 *   can use is accepted, every other one is rejected with port 0 (§6).
 * - Codecs match by encoding name (case-insensitive), clock rate and
 *   channels, static and dynamic types alike; the answer keeps the offerer's
 *   payload type numbers (§6.1) and lists only the chosen codec (plus
 *   telephone-event) so neither side has to guess what the other will send.
 *   The chosen codec is the offerer's most preferred one we support, or ours
 *   with `preferLocalOrder`.
 * - Direction per §6.1 (media-direction.ts); c=0.0.0.0 in the offer is the
 *   RFC 2543 hold: the offerer does not want to receive (§8.4).
 * - SRTP per the account policy (see sdp-offer.ts); the first offered
 *   a=crypto line we can use wins, and we answer it with the same tag and
 *   suite and a fresh key of ours (RFC 4568 §7.1.2) — where SDES is
 *   allowed (keyExchange). DTLS-SRTP (RFC 5763 §5) where allowed: a
 *   UDP/TLS/RTP/SAVP offer, or an RTP/AVP/SAVP one with a=fingerprint and no
 *   usable a=crypto, is answered with our fingerprint and a=setup:active
 *   (we start the handshake) — passive when the offer says active.
 * - Nothing usable → SdpError 'not-acceptable' (statusCode 488).
 */
import type { SrtpCryptoSuite } from '../srtp/srtp-crypto-suite.ts';
import { generateSrtpKeyMaterial } from '../srtp/srtp-crypto-suite.ts';
import type { SdesCrypto } from './crypto-attribute.ts';
import { formatCryptoAttribute, parseCryptoAttribute } from './crypto-attribute.ts';
import type { CertificateFingerprint } from './dtls-attributes.ts';
import { DTLS_PROFILES, formatFingerprint, streamFingerprints, streamSetup } from './dtls-attributes.ts';
import type { LocalCodec, LocalMediaOptions } from './local-media.ts';
import { DEFAULT_PTIME_MS, ourSetup } from './local-media.ts';
import type { NegotiatedDtls } from './negotiated-media.ts';
import { answerDirection, directionFlags, directionFromFlags } from './media-direction.ts';
import type { NegotiatedMedia } from './negotiated-media.ts';
import { codecMatches, isComfortNoise, isTelephoneEvent, pickTelephoneEvent, remoteTransport } from './negotiated-media.ts';
import type { RtpFormat } from './sdp-attributes.ts';
import { announcedSsrc, findAttributes, hasRtcpMux, mediaDirection, packetTime, rtpFormats } from './sdp-attributes.ts';
import { SdpError } from './sdp-error.ts';
import { DEFAULT_SRTP_SUITES, codecAttributes, localSession } from './sdp-offer.ts';
import type { SdpAttribute, SdpMedia, SessionDescription } from './session-description.ts';
import { answerEventList } from './telephone-event-range.ts';

export interface AnswerOptions extends LocalMediaOptions {
  /** Choose the codec by our order instead of the offerer's. */
  preferLocalOrder?: boolean;
}

export interface BuiltAnswer {
  sdp: SessionDescription;
  negotiated: NegotiatedMedia;
}

interface Candidate {
  index: number;
  media: SdpMedia;
  format: RtpFormat;
  codec: LocalCodec;
  telephoneEvent?: RtpFormat;
  crypto?: SdesCrypto;
  dtls?: NegotiatedDtls;
}

const RTP_PROFILES = new Set(['RTP/AVP', 'RTP/SAVP', ...DTLS_PROFILES]);

function chooseCodec(formats: RtpFormat[], codecs: LocalCodec[], preferLocal: boolean): { format: RtpFormat; codec: LocalCodec } | undefined {
  const usable = formats.filter((f) => !isTelephoneEvent(f) && !isComfortNoise(f));
  if (preferLocal) {
    for (const codec of codecs) {
      const format = usable.find((f) => codecMatches(f, codec));
      if (format) return { format, codec };
    }
    return undefined;
  }
  for (const format of usable) {
    const codec = codecs.find((c) => codecMatches(format, c));
    if (codec) return { format, codec };
  }
  return undefined;
}

function chooseCrypto(media: SdpMedia, suites: readonly SrtpCryptoSuite[]): { crypto?: SdesCrypto; reason?: string } {
  const lines = findAttributes(media.attributes, 'crypto');
  if (lines.length === 0) return { reason: 'no a=crypto line' };
  const reasons: string[] = [];
  for (const line of lines) {
    const { crypto, reason } = parseCryptoAttribute(line.value ?? '');
    if (crypto && suites.includes(crypto.suite)) return { crypto };
    reasons.push(reason ?? `suite ${crypto?.suite} not allowed`);
  }
  return { reason: `no usable a=crypto (${reasons.join('; ')})` };
}

/** Our DTLS role and the peer's fingerprints, or why the offer's DTLS-SRTP cannot be followed. */
function chooseDtls(media: SdpMedia, offer: SessionDescription, existing: 'client' | 'server' | undefined): { dtls?: NegotiatedDtls; reason?: string } {
  const { fingerprints, reasons } = streamFingerprints(media, offer);
  if (fingerprints.length === 0) return { reason: reasons[0] ?? 'no a=fingerprint for DTLS-SRTP' };
  const setup = streamSetup(media, offer);
  if (setup === undefined) return { reason: 'an a=setup value we cannot follow' };
  if (setup === 'holdconn') return { reason: 'a=setup:holdconn (no connection wanted)' };
  // RFC 5763 §5: the answerer of actpass is active; an existing association keeps its roles.
  const role = setup === 'active' ? 'server' : setup === 'passive' ? 'client' : (existing ?? 'client');
  return { dtls: { role, remoteFingerprints: fingerprints } };
}

function evaluate(offer: SessionDescription, index: number, options: AnswerOptions): Candidate | string {
  const media = offer.media[index]!;
  if (media.type !== 'audio') return `m=${media.type} is not audio`;
  if (media.port === 0) return 'stream rejected by the offerer (port 0)';
  if (!RTP_PROFILES.has(media.protocol)) return `transport ${media.protocol} is not RTP/AVP, RTP/SAVP or UDP/TLS/RTP/SAVP`;
  const formats = rtpFormats(media);
  const chosen = chooseCodec(formats, options.codecs, options.preferLocalOrder ?? false);
  if (!chosen) return `no common codec (offered ${formats.map((f) => `${f.name}/${f.clockRate}`).join(', ') || 'none'})`;
  const policy = options.srtpPolicy ?? 'off';
  const dtlsProfile = DTLS_PROFILES.has(media.protocol);
  const secure = media.protocol === 'RTP/SAVP' || dtlsProfile;
  const keyExchange = options.keyExchange ?? ['sdes'];
  const dtlsAllowed = keyExchange.includes('dtls') && options.dtlsFingerprint !== undefined;
  let crypto: SdesCrypto | undefined;
  let dtls: NegotiatedDtls | undefined;
  if (policy === 'off') {
    if (secure) return `offer requires SRTP (${media.protocol}) and SRTP is off for this account`;
  } else if (dtlsProfile) {
    if (!dtlsAllowed) return 'offer requires DTLS-SRTP, which this account does not use';
    const found = chooseDtls(media, offer, options.dtlsRole);
    if (!found.dtls) return `DTLS-SRTP offered but ${found.reason}`;
    dtls = found.dtls;
  } else {
    const reasons: string[] = [];
    if (keyExchange.includes('sdes')) {
      const found = chooseCrypto(media, options.srtpSuites ?? DEFAULT_SRTP_SUITES);
      if (found.crypto) crypto = found.crypto;
      else reasons.push(found.reason!);
    } else if (findAttributes(media.attributes, 'crypto').length > 0) {
      reasons.push('SDES keys (a=crypto) are only accepted over TLS signalling');
    }
    const fingerprinted = findAttributes(media.attributes, 'fingerprint').length > 0 || findAttributes(offer.attributes, 'fingerprint').length > 0;
    if (!crypto && dtlsAllowed && fingerprinted) {
      const found = chooseDtls(media, offer, options.dtlsRole);
      if (found.dtls) dtls = found.dtls;
      else reasons.push(found.reason!);
    }
    if (!crypto && !dtls && (secure || policy === 'mandatory')) return `SRTP required but ${reasons.join('; ') || 'no a=crypto line'}`;
  }
  const events = options.telephoneEvents ?? [];
  const telephoneEvent = events.length > 0 ? pickTelephoneEvent(formats, chosen.format.clockRate, events.map((e) => e.clockRate)) : undefined;
  return { index, media, ...chosen, telephoneEvent, crypto, dtls };
}

function rejected(media: SdpMedia): SdpMedia {
  return { type: media.type, port: 0, protocol: media.protocol, formats: media.formats.slice(0, 1), bandwidths: [], attributes: [] };
}

export function buildAnswer(offer: SessionDescription, options: AnswerOptions): BuiltAnswer {
  if (!Number.isInteger(options.port) || options.port <= 0 || options.port > 65535) {
    throw new SdpError('syntax', `local port ${options.port} is not usable`);
  }
  let candidate: Candidate | undefined;
  const reasons: string[] = [];
  for (let i = 0; i < offer.media.length && !candidate; i++) {
    const result = evaluate(offer, i, options);
    if (typeof result === 'string') reasons.push(`m-line ${i}: ${result}`);
    else candidate = result;
  }
  if (!candidate) {
    throw new SdpError('not-acceptable', offer.media.length === 0 ? 'offer has no m= line' : `nothing acceptable in the offer: ${reasons.join('; ')}`);
  }

  const { media, format, codec, telephoneEvent } = candidate;
  const rtcpMux = hasRtcpMux(media) && (options.rtcpMux ?? true);
  const remote = remoteTransport(media, offer, rtcpMux);
  const offered = mediaDirection(media, offer);
  // RFC 3264 §8.4: c=0.0.0.0 means the offerer does not want to receive.
  const effectiveOffer = remote.hold ? directionFromFlags(directionFlags(offered).send, false) : offered;
  const direction = answerDirection(effectiveOffer, options.direction ?? 'sendrecv');
  const localCrypto: SdesCrypto | undefined = candidate.crypto && { tag: candidate.crypto.tag, suite: candidate.crypto.suite, key: generateSrtpKeyMaterial(candidate.crypto.suite) };

  const attributes: SdpAttribute[] = codecAttributes({ ...codec, payloadType: format.payloadType });
  if (telephoneEvent) {
    attributes.push(...codecAttributes({ payloadType: telephoneEvent.payloadType, name: 'telephone-event', clockRate: telephoneEvent.clockRate, fmtp: answerEventList(telephoneEvent.fmtp) }));
  }
  if (options.ptime !== undefined) attributes.push({ name: 'ptime', value: String(options.ptime) });
  attributes.push({ name: direction });
  if (rtcpMux) attributes.push({ name: 'rtcp-mux' });
  else if (options.rtcpPort !== undefined) attributes.push({ name: 'rtcp', value: String(options.rtcpPort) });
  if (localCrypto) attributes.push({ name: 'crypto', value: formatCryptoAttribute(localCrypto) });
  if (candidate.dtls) {
    attributes.push({ name: 'fingerprint', value: formatFingerprint(options.dtlsFingerprint as CertificateFingerprint) }, { name: 'setup', value: ourSetup(candidate.dtls.role, 'active') });
  }

  const accepted: SdpMedia = {
    type: 'audio',
    port: options.port,
    protocol: media.protocol,
    formats: [String(format.payloadType), ...(telephoneEvent ? [String(telephoneEvent.payloadType)] : [])],
    bandwidths: [],
    attributes,
  };
  const sdp = localSession(options, offer.media.map((m, i) => (i === candidate.index ? accepted : rejected(m))));

  const negotiated: NegotiatedMedia = {
    mediaIndex: candidate.index,
    remoteAddress: remote.address,
    remotePort: remote.port,
    remoteRtcpAddress: remote.rtcpAddress,
    remoteRtcpPort: remote.rtcpPort,
    rtcpMux,
    codec: {
      name: format.name,
      clockRate: format.clockRate,
      channels: format.channels,
      payloadType: format.payloadType,
      receivePayloadType: format.payloadType,
      remoteParameters: format.parameters,
    },
    direction,
    remoteHold: !directionFlags(effectiveOffer).recv,
    ptime: packetTime(media) ?? options.ptime ?? DEFAULT_PTIME_MS,
  };
  if (telephoneEvent) {
    negotiated.telephoneEvent = { payloadType: telephoneEvent.payloadType, receivePayloadType: telephoneEvent.payloadType, clockRate: telephoneEvent.clockRate };
  }
  if (candidate.crypto && localCrypto) {
    negotiated.srtp = { suite: localCrypto.suite, keyExchange: 'sdes', tag: localCrypto.tag, localKey: localCrypto.key, remoteKey: candidate.crypto.key };
  }
  if (candidate.dtls) negotiated.dtls = candidate.dtls;
  const ssrc = announcedSsrc(media);
  if (ssrc !== undefined) negotiated.remoteSsrc = ssrc;
  return { sdp, negotiated };
}
