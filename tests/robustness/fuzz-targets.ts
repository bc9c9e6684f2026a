/**
 * The decoders a hostile network reaches, as fuzz targets: each runs the
 * whole path an input takes in Parley, not only the first parse.
 *  - sip-datagram: parseMessage as the UDP transport calls it, the accessors
 *    every layer uses (Via, From, To, CSeq, Contact, Route, Authorization,
 *    Request-URI), the digest credentials check, re-serialization, and for a
 *    refused request the 400/413/505/513 answer the transport builds;
 *  - sip-stream: the TCP/TLS framing (StreamParser) fed the input in pieces;
 *  - sdp: parseSdp, then what an offer goes through: answer building and the
 *    attribute readers (rtpmap/fmtp, direction, ptime, rtcp, crypto);
 *  - rtp: parseRtpPacket and the RFC 4733 telephone-event decoder;
 *  - rtcp: parseRtcpCompound;
 *  - stun: decodeStun and what a Binding client or ICE reads of a message
 *    (FINGERPRINT, MESSAGE-INTEGRITY, XOR-MAPPED-ADDRESS, ERROR-CODE).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FakeClock } from '../helpers/fake-clock.ts';
import { decodeTelephoneEvent, TelephoneEventError } from '../../electron/media/dtmf/telephone-event.ts';
import { parseRtcpCompound, serializeRtcpCompound } from '../../electron/media/rtcp/rtcp-packet.ts';
import { RtcpError } from '../../electron/media/rtcp/rtcp-error.ts';
import { parseRtpPacket, serializeRtpPacket } from '../../electron/media/rtp/rtp-packet.ts';
import { RtpError } from '../../electron/media/rtp/rtp-error.ts';
import { parseCryptoAttribute } from '../../electron/media/sdp/crypto-attribute.ts';
import { buildAnswer } from '../../electron/media/sdp/sdp-answer.ts';
import type { AnswerOptions } from '../../electron/media/sdp/sdp-answer.ts';
import { announcedSsrc, findAttributes, mediaConnection, mediaDirection, packetTime, rtcpAttribute, rtpFormats } from '../../electron/media/sdp/sdp-attributes.ts';
import { SdpError } from '../../electron/media/sdp/sdp-error.ts';
import { createOrigin } from '../../electron/media/sdp/sdp-origin.ts';
import { parseSdp } from '../../electron/media/sdp/sdp-parser.ts';
import { serializeSdp } from '../../electron/media/sdp/sdp-serializer.ts';
import { DigestVerifier } from '../../electron/sip/auth/digest-verifier.ts';
import {
  checkMessage, cseqOf, fromOf, parseAuthHeader, parseContacts, parseMessage, parseNameAddr, parseUri, parseVia, serializeMessage, SipParseError, StreamParser, toOf, topVia,
} from '../../electron/sip/message/index.ts';
import { responseToMalformed } from '../../electron/sip/transport/malformed-request.ts';
import {
  decodeStun, encodeStun, errorCode, fingerprintValid, integrityValid, isStun, mappedAddress, StunAttr, StunParseError, StunType, stringAttribute, xorAddressAttribute,
} from '../../electron/net/stun/stun-message.ts';
import type { FuzzTarget } from './fuzz-engine.ts';

const tortureDir = fileURLToPath(new URL('../fixtures/sip/torture/', import.meta.url));

const b = (s: string) => Buffer.from(s, 'latin1');

const SIP_EXTRA_SEEDS = [
  'REGISTER sip:sipA.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1;rport\r\nMax-Forwards: 70\r\nFrom: "John" <sip:johndoe@sipA.test>;tag=1\r\nTo: <sip:johndoe@sipA.test>\r\nCall-ID: reg@x\r\nCSeq: 2 REGISTER\r\nContact: <sip:johndoe@127.0.0.1:5070>;expires=3600;+sip.instance="<urn:uuid:1>"\r\nAuthorization: Digest username="johndoe", realm="sipA.test", nonce="abc", uri="sip:sipA.test", response="0123456789abcdef0123456789abcdef", algorithm=MD5, qop=auth, nc=00000001, cnonce="c"\r\nExpires: 3600\r\nContent-Length: 0\r\n\r\n',
  'SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1;rport=5070;received=127.0.0.1\r\nFrom: <sip:johndoe@sipA.test>;tag=1\r\nTo: <sip:johndoe@sipA.test>;tag=reg\r\nCall-ID: reg@x\r\nCSeq: 1 REGISTER\r\nWWW-Authenticate: Digest realm="sipA.test", nonce="n1", algorithm=SHA-256, qop="auth,auth-int", stale=true\r\nContent-Length: 0\r\n\r\n',
  'INVITE sip:bob@127.0.0.1:5080 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKi;rport\r\nMax-Forwards: 70\r\nFrom: "Alice" <sip:alice@127.0.0.1>;tag=a\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: inv@x\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:5070>\r\nRecord-Route: <sip:p1.example;lr>, <sip:p2.example;lr>\r\nContent-Type: application/sdp\r\nContent-Length: 112\r\n\r\nv=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n',
  'OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: legacy\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
];

const SIP_DICTIONARY = [
  'Via: SIP/2.0/UDP ', ';branch=z9hG4bK', ';rport', ';received=', ';maddr=', 'From: ', 'To: ', ';tag=', 'Call-ID: ', 'CSeq: ', 'Contact: ', 'Route: ',
  'Record-Route: ', 'Content-Length: ', 'Max-Forwards: ', 'Authorization: Digest ', 'nc=', 'sip:', 'sips:', 'tel:', '<', '>', '"', '\\', '\r\n', '\r\n ',
  '\r\n\r\n', ';', ',', '=', '@', ':', '[', ']', '%', '%00', '*', 'SIP/2.0', 'INVITE', 'ACK', '2147483648', '4294967296', '99999999999999999999',
  ';expires=', 'l: ', 'v: ', 'm: ', 'i: ',
].map(b);

const OFFER =
  'v=0\r\no=peer 5 5 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 30000 RTP/AVP 96 0 8 9 97 13\r\nb=AS:64\r\na=rtpmap:96 opus/48000/2\r\n' +
  'a=fmtp:96 maxaveragebitrate=20000;stereo=0;useinbandfec=1\r\na=rtpmap:97 telephone-event/8000\r\na=fmtp:97 0-15\r\na=ptime:20\r\na=maxptime:60\r\na=rtcp:30001 IN IP4 192.0.2.1\r\na=ssrc:1234 cname:x\r\na=sendrecv\r\n';
const SAVP_OFFER =
  'v=0\r\no=- 7 7 IN IP6 ::1\r\ns=call\r\nc=IN IP6 ::1\r\nt=0 0\r\na=group:BUNDLE 0\r\nm=audio 40000 RTP/SAVP 0 101\r\na=rtcp-mux\r\n' +
  'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4\r\na=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj\r\na=rtpmap:101 telephone-event/8000\r\na=recvonly\r\nm=video 0 RTP/AVP 31\r\n';
const HOLD_OFFER = 'v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 5004 RTP/AVP 8\r\na=sendonly\r\n';

const SDP_DICTIONARY = [
  'm=audio ', 'c=IN IP4 ', 'c=IN IP6 ', 'a=rtpmap:', 'a=fmtp:', 'a=crypto:', 'a=rtcp:', 'a=ptime:', 'a=ssrc:', 'inline:', 'RTP/AVP', 'RTP/SAVP', 'UDP/TLS/RTP/SAVPF',
  '/48000/2', 'telephone-event/8000', ' 127', ' 128', ' 65536', '\r\n', '\n', '=', ':', ' ', '|2^', '0-15', '0.0.0.0', 'localhost', 'v=0\r\n', 'o=- 1 1 IN IP4 x\r\n',
].map(b);

const ANSWER_OPTIONS: AnswerOptions = {
  origin: createOrigin({ address: '127.0.0.1', sessionId: '1000' }),
  address: '127.0.0.1',
  port: 40000,
  codecs: [
    { name: 'opus', clockRate: 48000, channels: 2, payloadType: 111, fmtp: { useinbandfec: 1 } },
    { name: 'G722', clockRate: 8000, payloadType: 9 },
    { name: 'PCMU', clockRate: 8000, payloadType: 0 },
    { name: 'PCMA', clockRate: 8000, payloadType: 8 },
  ],
  telephoneEvents: [{ payloadType: 101, clockRate: 8000 }],
  srtpPolicy: 'optional',
};

function rtpSeeds(): Buffer[] {
  const base = { marker: false, payloadType: 0, sequenceNumber: 1, timestamp: 160, ssrc: 0x11223344, csrcs: [] as number[], payload: new Uint8Array(160).fill(0xff), paddingLength: 0 };
  return [
    serializeRtpPacket(base),
    serializeRtpPacket({ ...base, marker: true, payloadType: 101, payload: Uint8Array.from([5, 0x8a, 0x03, 0x20]) }),
    serializeRtpPacket({ ...base, csrcs: [1, 2, 3], extension: { profile: 0xbede, data: new Uint8Array(8).fill(7) }, paddingLength: 4 }),
    serializeRtpPacket({ ...base, payloadType: 111, payload: new Uint8Array(40).fill(0x5a) }),
  ];
}

function rtcpSeeds(): Buffer[] {
  const block = { ssrc: 2, fractionLost: 10, cumulativeLost: -3, extendedHighestSequenceNumber: 70000, jitter: 33, lastSenderReport: 0x12345678, delaySinceLastSenderReport: 65536 };
  return [
    serializeRtcpCompound([
      { type: 'sr', ssrc: 1, ntpSeconds: 3_900_000_000, ntpFraction: 5, rtpTimestamp: 160, packetCount: 50, octetCount: 8000, reports: [block] },
      { type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 1, value: 'parley@127.0.0.1' }, { type: 6, value: 'Parley' }] }] },
    ]),
    serializeRtcpCompound([
      { type: 'rr', ssrc: 3, reports: [block, { ...block, ssrc: 4 }] },
      { type: 'sdes', chunks: [{ ssrc: 3, items: [{ type: 1, value: 'c' }] }, { ssrc: 4, items: [] }] },
      { type: 'bye', ssrcs: [3, 4], reason: 'bye now' },
    ]),
    serializeRtcpCompound([{ type: 'rr', ssrc: 9, reports: [] }, { type: 'other', packetType: 204, count: 1, body: new Uint8Array(12).fill(1) }]),
  ];
}

const sipSeeds = (): Buffer[] => [
  ...readdirSync(tortureDir).filter((f) => f.endsWith('.sip')).map((f) => readFileSync(tortureDir + f)),
  ...SIP_EXTRA_SEEDS.map(b),
];

/** What every layer reads from a request or response, and the digest check a registrar makes. */
function exerciseSip(input: Buffer, verifier: DigestVerifier): void {
  try {
    const m = parseMessage(input);
    checkMessage(m);
    topVia(m);
    fromOf(m);
    toOf(m);
    cseqOf(m);
    for (const v of m.headers.getAll('via')) parseVia(v);
    for (const name of ['route', 'record-route']) for (const v of m.headers.getAll(name)) parseNameAddr(v);
    if (m.headers.has('contact')) parseContacts(m.headers.getAll('contact'));
    for (const name of ['authorization', 'proxy-authorization', 'www-authenticate', 'proxy-authenticate']) for (const v of m.headers.getAll(name)) parseAuthHeader(v);
    if (m.kind === 'request') {
      parseUri(m.uri);
      const auth = m.headers.get('authorization');
      if (auth !== undefined) verifier.verify(auth, { method: m.method, requestUri: m.uri, body: m.body });
    }
    m.headers.append('X-Fuzz', '1');
    parseMessage(serializeMessage(m));
  } catch (e) {
    if (!(e instanceof SipParseError)) throw e;
    if (e.status < 400 || e.status > 599) throw new Error(`SipParseError with status ${e.status}`);
    // What the UDP transport then does: answer the request if it can be addressed.
    const answer = responseToMalformed(e, { protocol: 'udp', address: '127.0.0.1', port: 5070 });
    if (answer) serializeMessage(answer);
    throw e;
  }
}

export function sipDatagramTarget(): FuzzTarget {
  const verifier = new DigestVerifier({ realm: 'sipA.test', clock: new FakeClock(), lookup: (u) => (u === 'johndoe' ? { password: 'secret' } : undefined) });
  return {
    name: 'sip-datagram',
    seeds: sipSeeds(),
    dictionary: SIP_DICTIONARY,
    maxBytes: 65_507,
    run: (input) => exerciseSip(input, verifier),
    isExpected: (e) => e instanceof SipParseError,
  };
}

export function sipStreamTarget(): FuzzTarget {
  return {
    name: 'sip-stream',
    seeds: sipSeeds().map((s) => Buffer.concat([s, Buffer.from('\r\n\r\n'), s])),
    dictionary: SIP_DICTIONARY,
    // One socket read at most (Node reads 64 KB at a time): what one turn of the event loop parses.
    maxBytes: 64 * 1024,
    run: (input) => {
      // As a TCP connection does: a malformed message with intact framing is reported and skipped.
      const parser = new StreamParser(undefined, (err) => {
        if (!(err instanceof SipParseError)) throw err;
      });
      const cut = input.length > 0 ? (input[0]! * 131 + input.length) % input.length : 0;
      parser.push(input.subarray(0, cut));
      parser.push(input.subarray(cut));
    },
    isExpected: (e) => e instanceof SipParseError,
  };
}

export function sdpTarget(): FuzzTarget {
  return {
    name: 'sdp',
    seeds: [OFFER, SAVP_OFFER, HOLD_OFFER].map(b),
    dictionary: SDP_DICTIONARY,
    maxBytes: 64 * 1024,
    run: (input) => {
      const session = parseSdp(input.toString('utf8'));
      for (const media of session.media) {
        rtpFormats(media);
        mediaDirection(media, session);
        mediaConnection(media, session);
        packetTime(media);
        rtcpAttribute(media);
        announcedSsrc(media);
        for (const c of findAttributes(media.attributes, 'crypto')) parseCryptoAttribute(c.value ?? '');
      }
      const answer = buildAnswer(session, ANSWER_OPTIONS);
      serializeSdp(answer.sdp);
    },
    isExpected: (e) => e instanceof SdpError,
  };
}

export function rtpTarget(): FuzzTarget {
  return {
    name: 'rtp',
    seeds: rtpSeeds(),
    dictionary: [Buffer.from([0x80]), Buffer.from([0xa0]), Buffer.from([0x90]), Buffer.from([0xbe, 0xde]), Buffer.from([0xff, 0xff])],
    maxBytes: 1500,
    run: (input) => {
      const p = parseRtpPacket(input);
      if (p.payload.length >= 4) decodeTelephoneEvent(p.payload);
    },
    isExpected: (e) => e instanceof RtpError || e instanceof TelephoneEventError,
  };
}

export function rtcpTarget(): FuzzTarget {
  return {
    name: 'rtcp',
    seeds: rtcpSeeds(),
    dictionary: [Buffer.from([0x80, 200]), Buffer.from([0x81, 201]), Buffer.from([0x81, 202]), Buffer.from([0x81, 203]), Buffer.from([0xff, 0xff]), Buffer.from([0, 0])],
    maxBytes: 1500,
    run: (input) => {
      parseRtcpCompound(input);
    },
    isExpected: (e) => e instanceof RtcpError,
  };
}

function stunSeeds(): Buffer[] {
  const tid = Buffer.from('0123456789ab');
  const err = Buffer.concat([Buffer.from([0, 0, 4, 1]), Buffer.from('Unauthorized')]);
  return [
    encodeStun({ type: StunType.bindingRequest, transactionId: tid, attributes: [] }),
    encodeStun({ type: StunType.bindingSuccess, transactionId: tid, attributes: [xorAddressAttribute({ family: 4, address: '192.0.2.1', port: 40000 }, tid)] }),
    encodeStun({ type: StunType.bindingSuccess, transactionId: tid, attributes: [xorAddressAttribute({ family: 6, address: '2001:db8::1', port: 5060 }, tid)] }, { integrityKey: 'pass' }),
    encodeStun({ type: StunType.bindingError, transactionId: tid, attributes: [{ type: StunAttr.errorCode, value: err }, stringAttribute(StunAttr.username, 'a:b')] }),
  ];
}

export function stunTarget(): FuzzTarget {
  return {
    name: 'stun',
    seeds: stunSeeds(),
    dictionary: [Buffer.from([0x21, 0x12, 0xa4, 0x42]), Buffer.from([0x00, 0x20]), Buffer.from([0x80, 0x28]), Buffer.from([0x00, 0x08]), Buffer.from([0xff, 0xff])],
    maxBytes: 1500,
    run: (input) => {
      isStun(input);
      const m = decodeStun(input);
      fingerprintValid(input);
      integrityValid(input, 'pass');
      mappedAddress(m);
      errorCode(m);
    },
    isExpected: (e) => e instanceof StunParseError,
  };
}

export function allTargets(): FuzzTarget[] {
  return [sipDatagramTarget(), sipStreamTarget(), sdpTarget(), rtpTarget(), rtcpTarget(), stunTarget()];
}
