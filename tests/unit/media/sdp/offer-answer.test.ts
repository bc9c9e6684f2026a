import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildOffer } from '../../../../electron/media/sdp/sdp-offer.ts';
import { buildAnswer } from '../../../../electron/media/sdp/sdp-answer.ts';
import type { AnswerOptions } from '../../../../electron/media/sdp/sdp-answer.ts';
import { processAnswer } from '../../../../electron/media/sdp/sdp-answer-processing.ts';
import { parseSdp } from '../../../../electron/media/sdp/sdp-parser.ts';
import { serializeSdp } from '../../../../electron/media/sdp/sdp-serializer.ts';
import { SdpError } from '../../../../electron/media/sdp/sdp-error.ts';
import { createOrigin, incrementOriginVersion } from '../../../../electron/media/sdp/sdp-origin.ts';
import type { LocalCodec, LocalMediaOptions } from '../../../../electron/media/sdp/local-media.ts';
import type { MediaDirection } from '../../../../electron/media/sdp/session-description.ts';
import { answerDirection } from '../../../../electron/media/sdp/media-direction.ts';
import { encodeInlineKey } from '../../../../electron/media/srtp/srtp-crypto-suite.ts';

const CODECS: LocalCodec[] = [
  { name: 'opus', clockRate: 48000, channels: 2, payloadType: 111, fmtp: { useinbandfec: 1, maxaveragebitrate: 32000 } },
  { name: 'G722', clockRate: 8000, payloadType: 9 },
  { name: 'PCMU', clockRate: 8000, payloadType: 0 },
  { name: 'PCMA', clockRate: 8000, payloadType: 8 },
];

function local(over: Partial<LocalMediaOptions> = {}): AnswerOptions {
  return {
    origin: createOrigin({ address: '127.0.0.1', sessionId: '1000' }),
    address: '127.0.0.1',
    port: 40000,
    codecs: CODECS,
    telephoneEvents: [
      { payloadType: 101, clockRate: 8000 },
      { payloadType: 110, clockRate: 48000 },
    ],
    ...over,
  };
}

const crlf = (lines: string[]) => lines.join('\r\n') + '\r\n';
const offerText = (media: string[], session: string[] = ['c=IN IP4 192.0.2.1']) =>
  crlf(['v=0', 'o=peer 5 5 IN IP4 192.0.2.1', 's=-', ...session, 't=0 0', ...media]);

function attr(sdpText: string, prefix: string): string[] {
  return sdpText.split('\r\n').filter((l) => l.startsWith(prefix));
}

function assert488(fn: () => unknown, pattern?: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof SdpError, `expected SdpError, got ${String(caught)}`);
  assert.equal(caught.statusCode, 488);
  assert.equal(caught.code, 'not-acceptable');
  if (pattern) assert.match(caught.message, pattern);
}

describe('SDP offer', () => {
  it('lists codecs in order with rtpmap/fmtp, telephone-event 0-16, rtcp-mux, direction', () => {
    const { sdp, cryptos } = buildOffer(local({ ptime: 20, rtcpPort: 40001 }));
    const text = serializeSdp(sdp);
    assert.deepEqual(cryptos, []);
    assert.match(text, /^v=0\r\no=- 1000 1000 IN IP4 127\.0\.0\.1\r\ns=Parley\r\nc=IN IP4 127\.0\.0\.1\r\nt=0 0\r\n/);
    assert.deepEqual(attr(text, 'm='), ['m=audio 40000 RTP/AVP 111 9 0 8 101 110']);
    assert.deepEqual(attr(text, 'a='), [
      'a=rtpmap:111 opus/48000/2',
      'a=fmtp:111 useinbandfec=1;maxaveragebitrate=32000',
      'a=rtpmap:9 G722/8000',
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:8 PCMA/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-16',
      'a=rtpmap:110 telephone-event/48000',
      'a=fmtp:110 0-16',
      'a=ptime:20',
      'a=sendrecv',
      'a=rtcp:40001',
      'a=rtcp-mux',
    ]);
    assert.deepEqual(parseSdp(text), sdp); // what we write, we read back identically
  });

  it('SRTP policy picks the profile and adds one a=crypto per suite, each with its own key', () => {
    const mandatory = buildOffer(local({ srtpPolicy: 'mandatory' }));
    const text = serializeSdp(mandatory.sdp);
    assert.match(text, /m=audio 40000 RTP\/SAVP /);
    const lines = attr(text, 'a=crypto:');
    // Strongest first: AES-256-GCM (44 bytes of key and salt), AES-128-GCM (28), AES-256-CM (46), then the RFC 4568 suites (30).
    assert.equal(lines.length, 5);
    assert.match(lines[0]!, /^a=crypto:1 AEAD_AES_256_GCM inline:[A-Za-z0-9+/]{59}=$/);
    assert.match(lines[1]!, /^a=crypto:2 AEAD_AES_128_GCM inline:[A-Za-z0-9+/]{38}==$/);
    assert.match(lines[2]!, /^a=crypto:3 AES_256_CM_HMAC_SHA1_80 inline:[A-Za-z0-9+/]{62}==$/);
    assert.match(lines[3]!, /^a=crypto:4 AES_CM_128_HMAC_SHA1_80 inline:[A-Za-z0-9+/]{40}$/);
    assert.match(lines[4]!, /^a=crypto:5 AES_CM_128_HMAC_SHA1_32 inline:[A-Za-z0-9+/]{40}$/);
    assert.notEqual(encodeInlineKey(mandatory.cryptos[0]!.key), encodeInlineKey(mandatory.cryptos[1]!.key));
    const optional = serializeSdp(buildOffer(local({ srtpPolicy: 'optional', srtpSuites: ['AES_CM_128_HMAC_SHA1_80'] })).sdp);
    assert.match(optional, /m=audio 40000 RTP\/AVP /);
    assert.equal(attr(optional, 'a=crypto:').length, 1);
    assert.equal(attr(serializeSdp(buildOffer(local({ srtpPolicy: 'off' })).sdp), 'a=crypto').length, 0);
  });

  it('re-offers for hold keep the session id and bump the version', () => {
    const origin = createOrigin({ address: '127.0.0.1' });
    const first = buildOffer(local({ origin }));
    const hold = buildOffer(local({ origin: incrementOriginVersion(origin), direction: 'sendonly' }));
    const resume = buildOffer(local({ origin: incrementOriginVersion(incrementOriginVersion(origin)) }));
    assert.equal(hold.sdp.origin.sessionId, first.sdp.origin.sessionId);
    assert.equal(BigInt(hold.sdp.origin.sessionVersion), BigInt(first.sdp.origin.sessionVersion) + 1n);
    assert.equal(BigInt(resume.sdp.origin.sessionVersion), BigInt(first.sdp.origin.sessionVersion) + 2n);
    assert.match(serializeSdp(hold.sdp), /a=sendonly/);
    assert.equal(incrementOriginVersion({ ...origin, sessionVersion: '18446744073709551615' }).sessionVersion, '18446744073709551616');
  });

  it('refuses to offer nothing, duplicate or RTCP-colliding payload types', () => {
    assert.throws(() => buildOffer(local({ codecs: [] })), SdpError);
    assert.throws(() => buildOffer(local({ codecs: [CODECS[0]!, { ...CODECS[1]!, payloadType: 111 }] })), SdpError);
    assert.throws(() => buildOffer(local({ codecs: [{ ...CODECS[0]!, payloadType: 72 }] })), SdpError);
  });
});

describe('SDP answer (RFC 3264 §6)', () => {
  it('matches by name and rate, keeps the offerer’s dynamic payload type numbers, lists only the choice', () => {
    const offer = parseSdp(offerText(['m=audio 30000 RTP/AVP 96 0 97', 'a=rtpmap:96 OPUS/48000/2', 'a=fmtp:96 maxaveragebitrate=20000;stereo=0', 'a=rtpmap:97 telephone-event/48000', 'a=fmtp:97 0-15']));
    const { sdp, negotiated } = buildAnswer(offer, local());
    const text = serializeSdp(sdp);
    assert.deepEqual(attr(text, 'm='), ['m=audio 40000 RTP/AVP 96 97']);
    assert.deepEqual(attr(text, 'a='), ['a=rtpmap:96 opus/48000/2', 'a=fmtp:96 useinbandfec=1;maxaveragebitrate=32000', 'a=rtpmap:97 telephone-event/48000', 'a=fmtp:97 0-15', 'a=sendrecv']);
    assert.deepEqual(negotiated.codec, { name: 'OPUS', clockRate: 48000, channels: 2, payloadType: 96, receivePayloadType: 96, remoteParameters: { maxaveragebitrate: '20000', stereo: '0' } });
    assert.deepEqual(negotiated.telephoneEvent, { payloadType: 97, receivePayloadType: 97, clockRate: 48000 });
    assert.equal(negotiated.remoteAddress, '192.0.2.1');
    assert.equal(negotiated.remotePort, 30000);
    assert.equal(negotiated.remoteRtcpPort, 30001);
    assert.equal(negotiated.rtcpMux, false);
    assert.equal(negotiated.ptime, 20);
    assert.equal(negotiated.direction, 'sendrecv');
    assert.equal(negotiated.remoteHold, false);
  });

  it('follows the offerer’s preference, or ours with preferLocalOrder', () => {
    const offer = parseSdp(offerText(['m=audio 30000 RTP/AVP 8 0 9']));
    assert.equal(buildAnswer(offer, local()).negotiated.codec.name, 'PCMA');
    assert.equal(buildAnswer(offer, local({ preferLocalOrder: true } as Partial<LocalMediaOptions>)).negotiated.codec.name, 'G722');
  });

  it('matches static types without rtpmap and refuses a rate mismatch', () => {
    const offer = parseSdp(offerText(['m=audio 30000 RTP/AVP 96 0', 'a=rtpmap:96 G722/16000']));
    const { negotiated } = buildAnswer(offer, local());
    assert.equal(negotiated.codec.name, 'PCMU'); // G722/16000 is not G722/8000
    assert.equal(negotiated.codec.payloadType, 0);
    assert.equal(negotiated.telephoneEvent, undefined); // none offered
  });

  it('pairs telephone-event with the codec clock rate, else 8000', () => {
    const offer = parseSdp(offerText(['m=audio 30000 RTP/AVP 0 101 110', 'a=rtpmap:101 telephone-event/8000', 'a=rtpmap:110 telephone-event/48000']));
    const { negotiated, sdp } = buildAnswer(offer, local());
    assert.deepEqual(negotiated.telephoneEvent, { payloadType: 101, receivePayloadType: 101, clockRate: 8000 });
    assert.match(serializeSdp(sdp), /a=fmtp:101 0-15\r\n/); // no fmtp offered means 0-15 (RFC 4733)
    const none = buildAnswer(offer, local({ telephoneEvents: [] }));
    assert.equal(none.negotiated.telephoneEvent, undefined);
    assert.deepEqual(none.sdp.media[0]!.formats, ['0']);
  });

  it('takes the offer’s ptime as our send ptime', () => {
    const offer = parseSdp(offerText(['m=audio 30000 RTP/AVP 0', 'a=ptime:30']));
    assert.equal(buildAnswer(offer, local()).negotiated.ptime, 30);
    assert.equal(buildAnswer(parseSdp(offerText(['m=audio 30000 RTP/AVP 0', 'a=ptime:5000'])), local()).negotiated.ptime, 20);
  });

  it('answers every direction per RFC 3264 §6.1', () => {
    const table: [MediaDirection, MediaDirection, MediaDirection][] = [
      ['sendrecv', 'sendrecv', 'sendrecv'],
      ['sendonly', 'sendrecv', 'recvonly'],
      ['recvonly', 'sendrecv', 'sendonly'],
      ['inactive', 'sendrecv', 'inactive'],
      ['sendrecv', 'sendonly', 'sendonly'], // we hold
      ['sendonly', 'sendonly', 'inactive'], // both hold
      ['sendrecv', 'inactive', 'inactive'],
      ['recvonly', 'recvonly', 'inactive'],
    ];
    for (const [offered, ours, expected] of table) {
      assert.equal(answerDirection(offered, ours), expected, `${offered} × ${ours}`);
      const offer = parseSdp(offerText(['m=audio 30000 RTP/AVP 0', `a=${offered}`]));
      const { sdp, negotiated } = buildAnswer(offer, local({ direction: ours }));
      assert.equal(negotiated.direction, expected);
      assert.match(serializeSdp(sdp), new RegExp(`a=${expected}\\r\\n`));
      assert.equal(negotiated.remoteHold, offered === 'sendonly' || offered === 'inactive');
    }
  });

  it('treats c=0.0.0.0 as the RFC 2543 hold', () => {
    const offer = parseSdp(offerText(['m=audio 30000 RTP/AVP 0'], ['c=IN IP4 0.0.0.0']));
    const { sdp, negotiated } = buildAnswer(offer, local());
    assert.equal(negotiated.direction, 'recvonly');
    assert.equal(negotiated.remoteHold, true);
    assert.equal(negotiated.remoteAddress, '0.0.0.0');
    assert.match(serializeSdp(sdp), /c=IN IP4 127\.0\.0\.1/); // our own address stays real
  });

  it('uses a=rtcp and rtcp-mux for the remote RTCP destination', () => {
    const withRtcp = parseSdp(offerText(['m=audio 30000 RTP/AVP 0', 'a=rtcp:31000 IN IP4 192.0.2.9']));
    const a = buildAnswer(withRtcp, local({ rtcpPort: 40001 }));
    assert.deepEqual([a.negotiated.remoteRtcpAddress, a.negotiated.remoteRtcpPort, a.negotiated.rtcpMux], ['192.0.2.9', 31000, false]);
    assert.match(serializeSdp(a.sdp), /a=rtcp:40001\r\n/);
    const mux = parseSdp(offerText(['m=audio 30000 RTP/AVP 0', 'a=rtcp:30000', 'a=rtcp-mux']));
    const b = buildAnswer(mux, local({ rtcpPort: 40001 }));
    assert.deepEqual([b.negotiated.remoteRtcpAddress, b.negotiated.remoteRtcpPort, b.negotiated.rtcpMux], ['192.0.2.1', 30000, true]);
    assert.match(serializeSdp(b.sdp), /a=rtcp-mux\r\n/);
    assert.doesNotMatch(serializeSdp(b.sdp), /a=rtcp:/);
    const refused = buildAnswer(mux, local({ rtcpMux: false }));
    assert.equal(refused.negotiated.rtcpMux, false);
    assert.equal(refused.negotiated.remoteRtcpPort, 30000); // the a=rtcp port
  });

  it('rejects streams it cannot use with port 0 and accepts the first usable one', () => {
    const offer = parseSdp(offerText(['m=video 5000 RTP/AVP 31', 'm=audio 0 RTP/AVP 0', 'm=audio 6000 UDP/TLS/RTP/SAVPF 0', 'm=audio 7000 RTP/AVP 0', 'm=audio 8000 RTP/AVP 8']));
    const { sdp, negotiated } = buildAnswer(offer, local());
    assert.equal(negotiated.mediaIndex, 3);
    assert.deepEqual(sdp.media.map((m) => `${m.type} ${m.port} ${m.protocol} ${m.formats.join(',')}`), [
      'video 0 RTP/AVP 31',
      'audio 0 RTP/AVP 0',
      'audio 0 UDP/TLS/RTP/SAVPF 0',
      'audio 40000 RTP/AVP 0',
      'audio 0 RTP/AVP 8',
    ]);
  });

  it('an offer with nothing usable is a 488 with reasons', () => {
    assert488(() => buildAnswer(parseSdp(offerText(['m=audio 30000 RTP/AVP 18 3'])), local()), /no common codec.*G729\/8000, GSM\/8000/);
    assert488(() => buildAnswer(parseSdp(offerText(['m=video 30000 RTP/AVP 31'])), local()), /not audio/);
    assert488(() => buildAnswer(parseSdp(offerText(['m=audio 0 RTP/AVP 0'])), local()), /port 0/);
    assert488(() => buildAnswer(parseSdp(offerText([])), local()), /no m= line/);
    assert488(() => buildAnswer(parseSdp(offerText(['m=audio 30000 RTP/AVP 101', 'a=rtpmap:101 telephone-event/8000'])), local()));
  });
});

describe('SDP answer with SRTP (RFC 4568)', () => {
  const KEY = 'WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz'; // 30 bytes
  const savp = (crypto: string[]) => parseSdp(offerText(['m=audio 30000 RTP/SAVP 0', ...crypto]));

  it('accepts the first usable a=crypto, answers the same tag and suite with a fresh key', () => {
    const offer = savp([`a=crypto:7 AES_CM_128_HMAC_SHA1_32 inline:${KEY}|2^31`, `a=crypto:8 AES_CM_128_HMAC_SHA1_80 inline:${KEY}`]);
    const { sdp, negotiated } = buildAnswer(offer, local({ srtpPolicy: 'optional' }));
    const lines = attr(serializeSdp(sdp), 'a=crypto:');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^a=crypto:7 AES_CM_128_HMAC_SHA1_32 inline:[A-Za-z0-9+/]{40}$/);
    assert.equal(negotiated.srtp?.suite, 'AES_CM_128_HMAC_SHA1_32');
    assert.equal(negotiated.srtp?.tag, 7);
    assert.equal(encodeInlineKey(negotiated.srtp!.remoteKey), KEY);
    assert.notEqual(encodeInlineKey(negotiated.srtp!.localKey), KEY);
    assert.match(serializeSdp(sdp), /m=audio 40000 RTP\/SAVP 0/);
  });

  it('skips lines with MKI, unknown suites, session parameters or broken keys', () => {
    const offer = savp([
      `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|2^20|1:4`,
      `a=crypto:2 AEAD_AES_256_GCM inline:${KEY}`,
      `a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:${KEY} UNENCRYPTED_SRTP`,
      'a=crypto:4 AES_CM_128_HMAC_SHA1_80 inline:tooShort',
      `a=crypto:5 AES_CM_128_HMAC_SHA1_80 inline:${KEY} WSH=64`,
    ]);
    assert.equal(buildAnswer(offer, local({ srtpPolicy: 'mandatory' })).negotiated.srtp?.tag, 5);
    assert488(() => buildAnswer(savp([`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|2^20|1:4`]), local({ srtpPolicy: 'mandatory' })), /MKI/);
  });

  it('policy off refuses RTP/SAVP; mandatory refuses plain RTP; optional accepts both', () => {
    const secure = savp([`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}`]);
    const plain = parseSdp(offerText(['m=audio 30000 RTP/AVP 0']));
    const bestEffort = parseSdp(offerText(['m=audio 30000 RTP/AVP 0', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}`]));
    assert488(() => buildAnswer(secure, local({ srtpPolicy: 'off' })), /SRTP is off/);
    assert488(() => buildAnswer(plain, local({ srtpPolicy: 'mandatory' })), /SRTP required/);
    assert488(() => buildAnswer(savp([]), local({ srtpPolicy: 'optional' })), /SRTP required but no a=crypto/);
    assert.equal(buildAnswer(plain, local({ srtpPolicy: 'optional' })).negotiated.srtp, undefined);
    assert.equal(buildAnswer(bestEffort, local({ srtpPolicy: 'optional' })).negotiated.srtp?.tag, 1);
    assert.equal(buildAnswer(bestEffort, local({ srtpPolicy: 'mandatory' })).negotiated.srtp?.tag, 1);
    const off = buildAnswer(bestEffort, local({ srtpPolicy: 'off' }));
    assert.equal(off.negotiated.srtp, undefined);
    assert.equal(attr(serializeSdp(off.sdp), 'a=crypto').length, 0);
    assert488(() => buildAnswer(secure, local({ srtpPolicy: 'mandatory', srtpSuites: ['AES_CM_128_HMAC_SHA1_32'] })), /not allowed/);
  });
});

describe('offer → answer → processAnswer, end to end through text', () => {
  it('both sides agree: PTs crossed correctly, SRTP keys crossed, mux, directions', () => {
    // Caller offers opus as 111; the callee numbers things differently and answers PT 96 for opus.
    const caller = buildOffer(local({ srtpPolicy: 'mandatory', rtcpPort: 40001 }));
    const offerAtCallee = parseSdp(serializeSdp(caller.sdp));
    const callee = buildAnswer(offerAtCallee, local({ port: 50000, address: '127.0.0.2', origin: createOrigin({ address: '127.0.0.2' }), srtpPolicy: 'mandatory' }));
    const answerAtCaller = parseSdp(serializeSdp(callee.sdp));
    const mine = processAnswer(caller.sdp, answerAtCaller);
    const theirs = callee.negotiated;
    assert.equal(mine.codec.name, 'opus');
    assert.equal(mine.codec.payloadType, theirs.codec.receivePayloadType);
    assert.equal(theirs.codec.payloadType, mine.codec.receivePayloadType);
    assert.deepEqual(mine.codec.remoteParameters, { useinbandfec: '1', maxaveragebitrate: '32000' });
    assert.equal(mine.telephoneEvent?.clockRate, 48000);
    assert.equal(mine.rtcpMux, true);
    assert.equal(theirs.rtcpMux, true);
    assert.deepEqual([mine.remoteAddress, mine.remotePort, mine.remoteRtcpPort], ['127.0.0.2', 50000, 50000]);
    assert.deepEqual([theirs.remoteAddress, theirs.remotePort], ['127.0.0.1', 40000]);
    assert.equal(encodeInlineKey(mine.srtp!.localKey), encodeInlineKey(theirs.srtp!.remoteKey));
    assert.equal(encodeInlineKey(mine.srtp!.remoteKey), encodeInlineKey(theirs.srtp!.localKey));
    assert.equal(mine.srtp!.suite, 'AEAD_AES_256_GCM', 'the answerer takes the offer’s first (strongest) suite');
    assert.equal(mine.direction, 'sendrecv');
  });

  it('processAnswer maps a renumbered answer: we send with the answer’s PT', () => {
    const offer = buildOffer(local()).sdp;
    const answer = parseSdp(offerText(['m=audio 30000 RTP/AVP 120 121', 'a=rtpmap:120 opus/48000/2', 'a=fmtp:120 useinbandfec=1', 'a=rtpmap:121 telephone-event/48000', 'a=recvonly']));
    const n = processAnswer(offer, answer);
    assert.deepEqual([n.codec.payloadType, n.codec.receivePayloadType], [120, 111]);
    assert.deepEqual(n.telephoneEvent, { payloadType: 121, receivePayloadType: 110, clockRate: 48000 });
    assert.equal(n.direction, 'sendonly'); // the peer only receives
    assert.equal(n.remoteHold, false);
  });

  it('processAnswer: hold answered, m-line count mismatch, no codec, SRTP refused', () => {
    const holdOffer = buildOffer(local({ direction: 'sendonly' })).sdp;
    assert.equal(processAnswer(holdOffer, parseSdp(offerText(['m=audio 30000 RTP/AVP 0', 'a=recvonly']))).direction, 'sendonly');
    const offer = buildOffer(local()).sdp;
    assert.throws(() => processAnswer(offer, parseSdp(offerText(['m=audio 30000 RTP/AVP 0', 'm=audio 30002 RTP/AVP 0']))), (e: unknown) => e instanceof SdpError && e.code === 'invalid-answer');
    assert488(() => processAnswer(offer, parseSdp(offerText(['m=audio 30000 RTP/AVP 18']))), /none of our codecs/);
    assert488(() => processAnswer(offer, parseSdp(offerText(['m=audio 0 RTP/AVP 0']))), /rejected/);
    const secure = buildOffer(local({ srtpPolicy: 'mandatory' })).sdp;
    assert488(() => processAnswer(secure, parseSdp(offerText(['m=audio 30000 RTP/SAVP 0']))), /SRTP was required/);
    const bestEffort = buildOffer(local({ srtpPolicy: 'optional' })).sdp;
    assert.equal(processAnswer(bestEffort, parseSdp(offerText(['m=audio 30000 RTP/AVP 0']))).srtp, undefined);
  });

  it('an answer putting us on hold with c=0.0.0.0 stops our sending', () => {
    const offer = buildOffer(local()).sdp;
    const n = processAnswer(offer, parseSdp(offerText(['m=audio 30000 RTP/AVP 0'], ['c=IN IP4 0.0.0.0'])));
    assert.equal(n.direction, 'recvonly');
    assert.equal(n.remoteHold, true);
  });
});

describe('SDP addresses we send media to', () => {
  it('refuses a host name in c= or a=rtcp (488): no DNS lookup per packet, no target that moves with DNS', () => {
    assert488(() => buildAnswer(parseSdp(offerText(['m=audio 30000 RTP/AVP 0'], ['c=IN IP4 localhost'])), local()), /names a host/);
    assert488(() => buildAnswer(parseSdp(offerText(['m=audio 30000 RTP/AVP 0', 'c=IN IP4 victim.example'], [])), local()), /names a host/);
    assert488(() => buildAnswer(parseSdp(offerText(['m=audio 30000 RTP/AVP 0', 'a=rtcp:30001 IN IP4 victim.example'])), local({ rtcpMux: false })), /a=rtcp names a host/);
    // IP literals of both families, and the RFC 2543 hold address, are fine.
    assert.ok(buildAnswer(parseSdp(offerText(['m=audio 30000 RTP/AVP 0'], ['c=IN IP6 2001:db8::1'])), local()).negotiated);
    assert.ok(buildAnswer(parseSdp(offerText(['m=audio 30000 RTP/AVP 0'], ['c=IN IP4 0.0.0.0'])), local()).negotiated);
  });
});
