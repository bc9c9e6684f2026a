import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { AesCounterMode } from '../../../../electron/media/srtp/aes-cm.ts';
import { HmacSha1 } from '../../../../electron/media/srtp/hmac-sha1.ts';

describe('HmacSha1 (kept key schedule, SHA-1 in JavaScript)', () => {
  it('gives the RFC 2202 test case 2 MAC', () => {
    const mac = new HmacSha1(Buffer.from('Jefe'));
    assert.equal(mac.digest(Buffer.from('what do ya want '), Buffer.from('for nothing?')).toString('hex'), 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79');
  });

  it('gives the RFC 2202 MACs of cases 1, 3 and 6 (a key longer than a block, hashed first)', () => {
    assert.equal(new HmacSha1(Buffer.alloc(20, 0x0b)).digest(Buffer.from('Hi There')).toString('hex'), 'b617318655057264e28bc0b6fb378c8ef146be00');
    assert.equal(new HmacSha1(Buffer.alloc(20, 0xaa)).digest(Buffer.alloc(50, 0xdd)).toString('hex'), '125d7342b9ac11cd91a39af48aa17b4f63f175d3');
    const long = new HmacSha1(Buffer.alloc(80, 0xaa));
    assert.equal(long.digest(Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First')).toString('hex'), 'aa4ae5e15272d00e95705637ce8a3b55ed402112');
  });

  it('equals createHmac at every length around the padding boundaries and for long messages split anywhere', () => {
    const key = randomBytes(20);
    const mac = new HmacSha1(key);
    for (let n = 0; n <= 200; n++) {
      const m = randomBytes(n);
      assert.deepEqual(mac.digest(m), createHmac('sha1', key).update(m).digest(), `${n} bytes`);
    }
    const big = randomBytes(5000);
    for (const cut of [0, 1, 55, 56, 63, 64, 65, 1000, 4999, 5000]) {
      assert.deepEqual(mac.digest(big.subarray(0, cut), big.subarray(cut)), createHmac('sha1', key).update(big).digest(), `cut at ${cut}`);
    }
  });

  it('equals createHmac for random keys (including > 64 bytes) and messages, reused many times', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 100 }), fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 4 }), (key, messages) => {
        const mac = new HmacSha1(key);
        for (const m of messages) assert.deepEqual(mac.digest(m), createHmac('sha1', key).update(m).digest());
      }),
      { numRuns: 300 },
    );
  });
});

describe('HmacSha1.digestInto (the per-packet form)', () => {
  it('equals createHmac over a prefix of the first part and all of the second, written at an offset', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.uint8Array({ maxLength: 400 }), fc.nat(400), fc.uint8Array({ maxLength: 8 }), (key, a, cut, b) => {
        const mac = new HmacSha1(key);
        const aLength = Math.min(cut, a.length);
        const out = new Uint8Array(25);
        mac.digestInto(out, 5, a, aLength, b);
        assert.deepEqual(Buffer.from(out.subarray(5)), createHmac('sha1', key).update(a.subarray(0, aLength)).update(b).digest());
      }),
      { numRuns: 300 },
    );
  });
});

describe('AesCounterMode (kept ECB context)', () => {
  it('equals aes-128-ctr for IVs with a zero block counter, any length, many calls on one context', () => {
    const key = randomBytes(16);
    const cm = new AesCounterMode(key);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 14, maxLength: 14 }), fc.uint8Array({ maxLength: 1500 }), (head, data) => {
        const iv = Buffer.concat([head, Buffer.alloc(2)]);
        const ctr = createCipheriv('aes-128-ctr', key, iv);
        assert.deepEqual(cm.xor(iv, data), Buffer.concat([ctr.update(data), ctr.final()]));
      }),
      { numRuns: 300 },
    );
  });

  it('xorInto equals aes-128-ctr too, into another buffer at an offset or in place, with the kept counter blocks and past them', () => {
    const key = randomBytes(16);
    const cm = new AesCounterMode(key);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 14, maxLength: 14 }), fc.uint8Array({ maxLength: 1500 }), fc.nat(20), fc.boolean(), (head, data, skip, inPlace) => {
        const iv = Buffer.concat([head, Buffer.alloc(2)]);
        const ctr = createCipheriv('aes-128-ctr', key, iv);
        const expected = Buffer.concat([ctr.update(data.subarray(Math.min(skip, data.length))), ctr.final()]);
        const src = Uint8Array.from(data);
        const dst = inPlace ? src : new Uint8Array(data.length + 3).fill(0xee);
        const at = inPlace ? Math.min(skip, data.length) : 3;
        cm.xorInto(iv, src, Math.min(skip, data.length), data.length, dst, at);
        assert.deepEqual(Buffer.from(dst.subarray(at, at + expected.length)), expected);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a keystream longer than 2^16 blocks', () => {
    assert.throws(() => new AesCounterMode(Buffer.alloc(16)).keystream(Buffer.alloc(16), 16 * 65536 + 1), RangeError);
  });
});
