import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeInlineKey, encodeInlineKey, generateSrtpKeyMaterial, isSrtpCryptoSuite, SRTP_SUITES } from '../../../../electron/media/srtp/srtp-crypto-suite.ts';
import { SrtpError } from '../../../../electron/media/srtp/srtp-error.ts';
import { SrtpSession } from '../../../../electron/media/srtp/srtp-session.ts';
import { ReplayWindow } from '../../../../electron/media/srtp/replay-window.ts';
import { serializeRtpPacket } from '../../../../electron/media/rtp/rtp-packet.ts';

describe('SDES key material (RFC 4568 §6.1)', () => {
  it('round-trips a 30-byte inline key as 40 base64 characters', () => {
    const k = generateSrtpKeyMaterial();
    const text = encodeInlineKey(k);
    assert.match(text, /^[A-Za-z0-9+/]{40}$/);
    const back = decodeInlineKey(text);
    assert.deepEqual(Buffer.from(back.masterKey), Buffer.from(k.masterKey));
    assert.deepEqual(Buffer.from(back.masterSalt), Buffer.from(k.masterSalt));
  });

  it('generates a different key each time', () => {
    assert.notEqual(encodeInlineKey(generateSrtpKeyMaterial()), encodeInlineKey(generateSrtpKeyMaterial()));
  });

  it('refuses keys of the wrong length or alphabet', () => {
    for (const bad of ['', 'abc', 'A'.repeat(39), 'A'.repeat(44), '!'.repeat(40), 'A'.repeat(38) + '==']) {
      assert.throws(() => decodeInlineKey(bad), SrtpError, bad);
    }
  });

  it('knows exactly the five suites', () => {
    for (const s of ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32', 'AES_256_CM_HMAC_SHA1_80', 'AEAD_AES_128_GCM', 'AEAD_AES_256_GCM']) assert.ok(isSrtpCryptoSuite(s), s);
    assert.ok(!isSrtpCryptoSuite('AES_256_CM_HMAC_SHA1_32'));
    assert.ok(!isSrtpCryptoSuite('F8_128_HMAC_SHA1_80'));
    assert.ok(!isSrtpCryptoSuite('__proto__'));
    assert.equal(SRTP_SUITES.AES_CM_128_HMAC_SHA1_32.rtpTagLength, 4);
  });
});

describe('SrtpSession: each side protects with its key, unprotects with the peer’s', () => {
  it('works both ways and fails with swapped keys', () => {
    const ka = generateSrtpKeyMaterial();
    const kb = generateSrtpKeyMaterial();
    const a = new SrtpSession({ suite: 'AES_CM_128_HMAC_SHA1_80', localKey: ka, remoteKey: kb });
    const b = new SrtpSession({ suite: 'AES_CM_128_HMAC_SHA1_80', localKey: kb, remoteKey: ka });
    const pkt = serializeRtpPacket({ marker: false, payloadType: 0, sequenceNumber: 1, timestamp: 0, ssrc: 1, csrcs: [], payload: Buffer.from('x'), paddingLength: 0 });
    assert.deepEqual(b.unprotectRtp(a.protectRtp(pkt)), pkt);
    assert.deepEqual(a.unprotectRtp(b.protectRtp(pkt)), pkt);
    assert.throws(() => a.unprotectRtp(a.protectRtp(pkt)), SrtpError);
  });
});

describe('ReplayWindow', () => {
  it('slides, marks and forgets', () => {
    const w = new ReplayWindow();
    assert.equal(w.check(5), 'fresh');
    w.accept(5);
    assert.equal(w.check(5), 'replay');
    assert.equal(w.check(4), 'fresh');
    w.accept(200);
    assert.equal(w.check(5), 'too-old');
    assert.equal(w.check(136), 'too-old'); // 64 behind
    assert.equal(w.check(137), 'fresh'); // 63 behind: the window's last slot
    w.accept(137);
    assert.equal(w.check(137), 'replay');
    assert.equal(w.check(199), 'fresh');
    w.accept(201);
    assert.equal(w.check(137), 'too-old'); // now 64 behind
    assert.equal(w.check(200), 'replay');
    w.accept(1000); // a jump larger than the window clears it
    assert.equal(w.check(999), 'fresh');
  });
});

describe('ReplayWindow against a set-based model', () => {
  it('gives the verdicts of "accepted set + highest" for random index walks (shifts of every size, 32 and 64 included)', () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
    for (let walk = 0; walk < 200; walk++) {
      const w = new ReplayWindow();
      const accepted = new Set<number>();
      let highest = -1;
      let index = rand(1000);
      for (let step = 0; step < 300; step++) {
        const jumps = [1, 2, 31, 32, 33, 63, 64, 65, 100];
        const r = rand(4);
        index = r === 0 ? index + (jumps[rand(jumps.length)] as number) : r === 1 ? Math.max(0, index - rand(70)) : index + rand(3);
        const model = highest < 0 || index > highest ? 'fresh' : highest - index >= 64 ? 'too-old' : accepted.has(index) ? 'replay' : 'fresh';
        assert.equal(w.check(index), model, `walk ${walk} step ${step} index ${index} highest ${highest}`);
        if (model === 'fresh' && rand(3) > 0) {
          w.accept(index);
          accepted.add(index);
          highest = Math.max(highest, index);
        }
      }
    }
  });
});
