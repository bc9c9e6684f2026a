/**
 * Hostile a=crypto lines (issue "Secure calls" §5): random suites, keys,
 * lifetimes, MKIs and session parameters in an RTP/SAVP offer. The answer is
 * either an answer that uses one line we fully understand, or SdpError
 * 'not-acceptable' (488) — never a crash, never a half-understood key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildAnswer } from '../../../../electron/media/sdp/sdp-answer.ts';
import { parseCryptoAttribute } from '../../../../electron/media/sdp/crypto-attribute.ts';
import { parseSdp } from '../../../../electron/media/sdp/sdp-parser.ts';
import { SdpError } from '../../../../electron/media/sdp/sdp-error.ts';
import { createOrigin } from '../../../../electron/media/sdp/sdp-origin.ts';
import { SRTP_SUITES } from '../../../../electron/media/srtp/srtp-crypto-suite.ts';

const suites = [...Object.keys(SRTP_SUITES), 'AES_256_CM_HMAC_SHA1_32', 'F8_128_HMAC_SHA1_80', 'AEAD_AES_128_GCM_8', '__proto__', 'constructor', ''];
const b64 = fc.stringMatching(/^[A-Za-z0-9+/=]{0,70}$/);
const cryptoLine = fc.record({
  tag: fc.oneof(fc.integer({ min: 0, max: 1e10 }).map(String), fc.string({ maxLength: 4 })),
  suite: fc.constantFrom(...suites),
  key: fc.oneof(b64, fc.string({ maxLength: 80 })),
  extra: fc.constantFrom('', '|2^20', '|2^20|1:4', '|1:4', '|2^99|', ';inline:AAAA', ' KDR=1', ' UNENCRYPTED_SRTP', ' WSH=64', ' FEC_ORDER=FEC_SRTP'),
}).map((c) => `a=crypto:${c.tag} ${c.suite} inline:${c.key}${c.extra}`);

const options = { origin: createOrigin({ address: '127.0.0.1', sessionId: '1' }), address: '127.0.0.1', port: 40000, codecs: [{ name: 'PCMU', clockRate: 8000, payloadType: 0, channels: 1 }], srtpPolicy: 'mandatory' as const };

test('a=crypto values: parse never throws; a usable line has exactly its suite\'s key length', () => {
  fc.assert(
    fc.property(fc.oneof(cryptoLine.map((l) => l.slice('a=crypto:'.length)), fc.string({ maxLength: 200 })), (value) => {
      const r = parseCryptoAttribute(value);
      if (r.crypto) {
        const p = SRTP_SUITES[r.crypto.suite];
        assert.equal(r.crypto.key.masterKey.length, p.masterKeyLength);
        assert.equal(r.crypto.key.masterSalt.length, p.masterSaltLength);
      } else {
        assert.equal(typeof r.reason, 'string');
      }
    }),
    { numRuns: 3000 },
  );
});

test('an RTP/SAVP offer with hostile a=crypto lines: an answer, or SdpError not-acceptable (488)', () => {
  fc.assert(
    fc.property(fc.array(cryptoLine, { minLength: 0, maxLength: 6 }), (lines) => {
      const text = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 5000 RTP/SAVP 0', 'a=rtpmap:0 PCMU/8000', ...lines, ''].join('\r\n');
      let offer;
      try {
        offer = parseSdp(text);
      } catch (e) {
        assert.ok(e instanceof SdpError, String(e));
        return;
      }
      try {
        const answer = buildAnswer(offer, options);
        assert.ok(answer.negotiated.srtp, 'an RTP/SAVP answer always carries keys');
      } catch (e) {
        assert.ok(e instanceof SdpError, String(e));
        assert.equal((e as SdpError).code, 'not-acceptable');
      }
    }),
    { numRuns: 1500 },
  );
});
