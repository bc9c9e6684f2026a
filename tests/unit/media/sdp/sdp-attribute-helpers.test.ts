import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatCryptoAttribute, parseCryptoAttribute } from '../../../../electron/media/sdp/crypto-attribute.ts';
import { answerEventList, formatEventList, parseEventList } from '../../../../electron/media/sdp/telephone-event-range.ts';
import { parseFmtpParameters } from '../../../../electron/media/sdp/sdp-attributes.ts';
import { createOrigin } from '../../../../electron/media/sdp/sdp-origin.ts';
import { encodeInlineKey } from '../../../../electron/media/srtp/srtp-crypto-suite.ts';

const KEY = 'WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz';

describe('a=crypto (RFC 4568 §9.1)', () => {
  it('reads tag, suite and inline key; lifetimes are tolerated', () => {
    for (const value of [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}`, `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|2^31`, `1 AES_CM_128_HMAC_SHA1_80  inline:${KEY}|1048576 WSH=128`]) {
      const { crypto, reason } = parseCryptoAttribute(value);
      assert.equal(reason, undefined, value);
      assert.equal(crypto?.tag, 1);
      assert.equal(crypto?.suite, 'AES_CM_128_HMAC_SHA1_80');
      assert.equal(encodeInlineKey(crypto!.key), KEY);
    }
  });

  it('explains why a line cannot be used', () => {
    const reasons: [string, RegExp][] = [
      ['', /needs tag/],
      [`x AES_CM_128_HMAC_SHA1_80 inline:${KEY}`, /tag/],
      [`1 F8_128_HMAC_SHA1_80 inline:${KEY}`, /unsupported suite/],
      [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|2^20|1:4`, /MKI/],
      [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|1:4`, /MKI/],
      [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY};inline:${KEY}`, /several keys/],
      [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|forever`, /lifetime/],
      [`1 AES_CM_128_HMAC_SHA1_80 key:${KEY}`, /inline/],
      ['1 AES_CM_128_HMAC_SHA1_80 inline:AAAA', /40 base64/],
      [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY} KDR=1`, /session parameter/],
    ];
    for (const [value, pattern] of reasons) {
      const result = parseCryptoAttribute(value);
      assert.equal(result.crypto, undefined, value);
      assert.match(result.reason ?? '', pattern, value);
    }
  });

  it('formats what it parses', () => {
    const { crypto } = parseCryptoAttribute(`3 AES_CM_128_HMAC_SHA1_32 inline:${KEY}`);
    assert.equal(formatCryptoAttribute(crypto!), `3 AES_CM_128_HMAC_SHA1_32 inline:${KEY}`);
  });
});

describe('telephone-event lists (RFC 4733 §2.4.1)', () => {
  it('parses ranges and singles, defaults to 0-15, and formats compactly', () => {
    assert.deepEqual([...parseEventList('0-3,5,7-8')], [0, 1, 2, 3, 5, 7, 8]);
    assert.equal(parseEventList(undefined).size, 16);
    assert.equal(formatEventList(parseEventList('0-15,16')), '0-16');
    assert.equal(formatEventList(parseEventList('0-999')), '0-255'); // bounded to 8-bit events
    assert.equal(formatEventList(parseEventList('0-999999,x,5')), '5'); // malformed parts are ignored
  });

  it('answers the intersection with our 0-16', () => {
    assert.equal(answerEventList('0-15'), '0-15');
    assert.equal(answerEventList('0-16,32-40,66'), '0-16');
    assert.equal(answerEventList('5,11'), '5,11');
    assert.equal(answerEventList(undefined), '0-15');
  });
});

describe('fmtp parameters and origin', () => {
  it('splits key=value pairs, lower-cases keys, ignores junk and __proto__', () => {
    assert.deepEqual(parseFmtpParameters('useinbandfec=1; MaxAverageBitrate=20000;;junk;__proto__=x'), { useinbandfec: '1', maxaveragebitrate: '20000' });
  });

  it('creates an origin with matching id and version and the right address type', () => {
    const o = createOrigin({ address: '::1' });
    assert.equal(o.addressType, 'IP6');
    assert.equal(o.sessionId, o.sessionVersion);
    assert.match(o.sessionId, /^\d+$/);
  });
});
