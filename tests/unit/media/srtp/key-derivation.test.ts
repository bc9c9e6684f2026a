import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { aesCmKeystream, deriveSessionKeys, packetIv } from '../../../../electron/media/srtp/key-derivation.ts';
import { SrtpError } from '../../../../electron/media/srtp/srtp-error.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const master = { masterKey: hex('E1F97A0D3E018BE0D64FA32C06DE4139'), masterSalt: hex('0EC675AD498AFEEBB6960B3AABE6') };

describe('SRTP key derivation (RFC 3711 Appendix B.3)', () => {
  it('derives the session encryption key, salt and authentication key of B.3', () => {
    const keys = deriveSessionKeys(master);
    assert.equal(keys.rtp.cipherKey.toString('hex').toUpperCase(), 'C61E7A93744F39EE10734AFE3FF7A087');
    assert.equal(keys.rtp.salt.toString('hex').toUpperCase(), '30CBBC08863D8C85D49DB34A9AE1');
    assert.equal(keys.rtp.authKey.toString('hex').toUpperCase(), 'CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4');
  });

  it('derives the SRTCP keys (labels 3, 4, 5) as libsrtp does', () => {
    const keys = deriveSessionKeys(master);
    assert.equal(keys.rtcp.cipherKey.toString('hex'), '4c1aa45a81f73d61c800bbb00fbb1eaa');
    assert.equal(keys.rtcp.authKey.toString('hex'), '8d54534feb49ae8e7993a6bd0b844fc323a93dfd');
    assert.equal(keys.rtcp.salt.toString('hex'), '9581c7ad87b3e530bf3e4454a8b3');
  });

  it('rejects master keys of the wrong size with a typed error', () => {
    assert.throws(() => deriveSessionKeys({ masterKey: Buffer.alloc(15), masterSalt: Buffer.alloc(14) }), SrtpError);
    assert.throws(() => deriveSessionKeys({ masterKey: Buffer.alloc(16), masterSalt: Buffer.alloc(12) }), SrtpError);
  });
});

describe('AES-CM keystream (RFC 3711 Appendix B.2)', () => {
  it('produces the first three keystream blocks of B.2', () => {
    // session key and IV = session salt · 2^16 (SSRC 0, index 0)
    const ks = aesCmKeystream(hex('2B7E151628AED2A6ABF7158809CF4F3C'), hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000'), 48);
    assert.equal(ks.subarray(0, 16).toString('hex').toUpperCase(), 'E03EAD0935C95E80E166B16DD92B4EB4');
    assert.equal(ks.subarray(16, 32).toString('hex').toUpperCase(), 'D23513162B02D0F72A43A2FE4A5F97AB');
    assert.equal(ks.subarray(32, 48).toString('hex').toUpperCase(), '41E95B3BB0A2E8DD477901E4FCA894C0');
  });

  it('builds the packet IV as salt·2^16 ⊕ SSRC·2^64 ⊕ index·2^16', () => {
    const salt = hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD');
    assert.equal(packetIv(salt, 0, 0).toString('hex'), 'f0f1f2f3f4f5f6f7f8f9fafbfcfd0000');
    const iv = packetIv(salt, 0xcafebabe, 0x123456789abc);
    // bytes 4–7: F4F5F6F7 ⊕ CAFEBABE; bytes 8–13: F8F9FAFBFCFD ⊕ 123456789ABC; last two: block counter
    assert.equal(iv.toString('hex'), 'f0f1f2f3' + '3e0b4c49' + 'eacdac836641' + '0000');
  });
});
