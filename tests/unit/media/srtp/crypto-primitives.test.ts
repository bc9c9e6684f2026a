import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { AesCounterMode } from '../../../../electron/media/srtp/aes-cm.ts';
import { HmacSha1 } from '../../../../electron/media/srtp/hmac-sha1.ts';

describe('HmacSha1 (kept key schedule)', () => {
  it('gives the RFC 2202 test case 2 MAC', () => {
    const mac = new HmacSha1(Buffer.from('Jefe'));
    assert.equal(mac.digest(Buffer.from('what do ya want '), Buffer.from('for nothing?')).toString('hex'), 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79');
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

  it('refuses a keystream longer than 2^16 blocks', () => {
    assert.throws(() => new AesCounterMode(Buffer.alloc(16)).keystream(Buffer.alloc(16), 16 * 65536 + 1), RangeError);
  });
});
