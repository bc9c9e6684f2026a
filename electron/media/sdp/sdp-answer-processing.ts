/**
 * The offerer's side of RFC 3264 §7: read the peer's answer against our
 * offer and produce the NegotiatedMedia.
 *
 * - The answer must have as many m= lines as the offer (§6); the stream we
 *   use is the first one both sides left at a non-zero port.
 * - We send with the payload type the *answer* gives the codec (the peer
 *   receives under its numbering) and receive with the one of our offer.
 * - The answer's direction is the peer's; ours is its reverse, narrowed by
 *   what we offered.
 * - SRTP: the answer echoes the tag of the a=crypto line it accepted; our key
 *   for that tag is in our own offer. An answer without crypto to an offer
 *   that required it (RTP/SAVP) is not acceptable; to a best-effort offer
 *   (RTP/AVP + a=crypto) it means plain RTP.
 * - DTLS-SRTP: when we offered our fingerprint, an answer with its own and
 *   a=setup active (we are the DTLS server) or passive (we are the client)
 *   gives the handshake roles (RFC 5763 §5); actpass in an answer is
 *   invalid. An UDP/TLS/RTP/SAVP answer without a fingerprint is unusable.
 */
import { parseCryptoAttribute } from './crypto-attribute.ts';
import type { SdesCrypto } from './crypto-attribute.ts';
import { DEFAULT_PTIME_MS } from './local-media.ts';
import { directionFlags, directionFromFlags, intersectDirections, reverseDirection } from './media-direction.ts';
import type { NegotiatedMedia } from './negotiated-media.ts';
import { isComfortNoise, isTelephoneEvent, remoteTransport } from './negotiated-media.ts';
import { announcedSsrc, findAttributes, hasRtcpMux, mediaDirection, packetTime, rtpFormats } from './sdp-attributes.ts';
import { SdpError } from './sdp-error.ts';
import { DTLS_PROFILES, streamFingerprints, streamSetup } from './dtls-attributes.ts';
import type { NegotiatedDtls } from './negotiated-media.ts';
import type { SessionDescription } from './session-description.ts';

export interface ProcessAnswerOptions {
  /** Send ptime when the answer has no a=ptime; default 20. */
  defaultPtime?: number;
}

function cryptos(lines: { value?: string }[]): SdesCrypto[] {
  return lines.map((l) => parseCryptoAttribute(l.value ?? '').crypto).filter((c): c is SdesCrypto => c !== undefined);
}

export function processAnswer(offer: SessionDescription, answer: SessionDescription, options: ProcessAnswerOptions = {}): NegotiatedMedia {
  if (answer.media.length !== offer.media.length) {
    throw new SdpError('invalid-answer', `answer has ${answer.media.length} m= lines, our offer ${offer.media.length}`);
  }
  const reasons: string[] = [];
  for (let i = 0; i < offer.media.length; i++) {
    const ours = offer.media[i]!;
    const theirs = answer.media[i]!;
    if (ours.port === 0 || theirs.port === 0) {
      reasons.push(`m-line ${i} rejected`);
      continue;
    }
    if (theirs.type !== ours.type || theirs.protocol !== ours.protocol) {
      throw new SdpError('invalid-answer', `m-line ${i}: answer ${theirs.type} ${theirs.protocol} does not match offer ${ours.type} ${ours.protocol}`);
    }
    const offered = rtpFormats(ours);
    const answered = rtpFormats(theirs);
    const sameFormat = (a: { name: string; clockRate: number; channels: number }, b: typeof a) =>
      a.name.toLowerCase() === b.name.toLowerCase() && a.clockRate === b.clockRate && a.channels === b.channels;
    let codec: NegotiatedMedia['codec'] | undefined;
    for (const f of answered) {
      if (isTelephoneEvent(f) || isComfortNoise(f)) continue;
      const mine = offered.find((o) => sameFormat(o, f));
      if (mine) {
        codec = { name: mine.name, clockRate: f.clockRate, channels: f.channels, payloadType: f.payloadType, receivePayloadType: mine.payloadType, remoteParameters: f.parameters };
        break;
      }
    }
    if (!codec) {
      reasons.push(`m-line ${i}: the answer has none of our codecs`);
      continue;
    }

    let srtp: NegotiatedMedia['srtp'];
    const offeredCryptos = cryptos(findAttributes(ours.attributes, 'crypto'));
    const answeredCryptos = cryptos(findAttributes(theirs.attributes, 'crypto'));
    if (offeredCryptos.length > 0) {
      const match = answeredCryptos.map((a) => ({ a, mine: offeredCryptos.find((o) => o.tag === a.tag && o.suite === a.suite) })).find((x) => x.mine);
      if (match?.mine) {
        srtp = { suite: match.a.suite, keyExchange: 'sdes', tag: match.a.tag, localKey: match.mine.key, remoteKey: match.a.key };
      } else if (ours.protocol === 'RTP/SAVP') {
        throw new SdpError('not-acceptable', `m-line ${i}: SRTP was required but the answer accepted none of our a=crypto lines`);
      }
    }

    let dtls: NegotiatedDtls | undefined;
    if (!srtp && findAttributes(ours.attributes, 'fingerprint').length > 0) {
      const { fingerprints, reasons: why } = streamFingerprints(theirs, answer);
      const setup = streamSetup(theirs, answer);
      if (fingerprints.length > 0) {
        if (setup !== 'active' && setup !== 'passive') throw new SdpError('invalid-answer', `m-line ${i}: a=setup:${setup ?? '?'} is not a DTLS role an answer may take`);
        dtls = { role: setup === 'active' ? 'server' : 'client', remoteFingerprints: fingerprints };
      } else if (DTLS_PROFILES.has(ours.protocol)) {
        throw new SdpError('not-acceptable', `m-line ${i}: DTLS-SRTP was required but ${why[0] ?? 'the answer has no a=fingerprint'}`);
      }
    }

    const rtcpMux = hasRtcpMux(ours) && hasRtcpMux(theirs);
    const remote = remoteTransport(theirs, answer, rtcpMux);
    const theirDirection = mediaDirection(theirs, answer);
    const theirEffective = remote.hold ? directionFromFlags(directionFlags(theirDirection).send, false) : theirDirection;
    const direction = intersectDirections(mediaDirection(ours, offer), reverseDirection(theirEffective));
    const theirEvent = answered.find((f) => isTelephoneEvent(f));
    const ourEvent = theirEvent && offered.find((o) => isTelephoneEvent(o) && o.clockRate === theirEvent.clockRate);

    const negotiated: NegotiatedMedia = {
      mediaIndex: i,
      remoteAddress: remote.address,
      remotePort: remote.port,
      remoteRtcpAddress: remote.rtcpAddress,
      remoteRtcpPort: remote.rtcpPort,
      rtcpMux,
      codec,
      direction,
      remoteHold: !directionFlags(theirEffective).recv,
      ptime: packetTime(theirs) ?? options.defaultPtime ?? DEFAULT_PTIME_MS,
    };
    if (theirEvent && ourEvent) {
      negotiated.telephoneEvent = { payloadType: theirEvent.payloadType, receivePayloadType: ourEvent.payloadType, clockRate: theirEvent.clockRate };
    }
    if (srtp) negotiated.srtp = srtp;
    if (dtls) negotiated.dtls = dtls;
    const ssrc = announcedSsrc(theirs);
    if (ssrc !== undefined) negotiated.remoteSsrc = ssrc;
    return negotiated;
  }
  throw new SdpError('not-acceptable', `no usable stream in the answer: ${reasons.join('; ') || 'no m= lines'}`);
}
