/**
 * The suites added beside RFC 4568's, checked against published vectors:
 *  - RFC 6188 §7.1 (AES-256 counter-mode keystream) and §7.2 (AES_256_CM_PRF key derivation);
 *  - RFC 7714 §16.1.1 / §16.2.1 (AEAD_AES_128_GCM / AEAD_AES_256_GCM SRTP packets), the
 *    vectors giving the session key and salt, fed here through SrtpContext by choosing the
 *    master key whose derivation we bypass (the packet transform itself is what is checked);
 *  - RFC 7714 §11 with erratum 4938 (96-bit salt padded to 112 bits for the PRF).
 * Then every suite round-trips RTP and RTCP, refuses tampering and replays, and is measured.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AesCounterMode } from '../../../../electron/media/srtp/aes-cm.ts';
import { gcmOpen, gcmRtpIv, gcmSeal } from '../../../../electron/media/srtp/aes-gcm.ts';
import { deriveKey, deriveSessionKeys } from '../../../../electron/media/srtp/key-derivation.ts';
import { SrtpSession } from '../../../../electron/media/srtp/srtp-session.ts';
import { SRTP_SUITES, decodeInlineKey, encodeInlineKey, generateSrtpKeyMaterial, type SrtpCryptoSuite } from '../../../../electron/media/srtp/srtp-crypto-suite.ts';
import { SrtpError } from '../../../../electron/media/srtp/srtp-error.ts';
import { serializeRtpPacket } from '../../../../electron/media/rtp/rtp-packet.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('RFC 6188: AES-256 counter mode and AES_256_CM_PRF', () => {
  it('§7.1 keystream', () => {
    const ks = new AesCounterMode(hex('57f82fe3613fd170a85ec93c40b1f0922ec4cb0dc025b58272147cc438944a98')).keystream(hex('f0f1f2f3f4f5f6f7f8f9fafbfcfd0000'), 48);
    assert.equal(ks.toString('hex'), '92bdd28a93c3f52511c677d08b5515a49da71b2378a854f67050756ded165bac63c4868b7096d88421b563b8c94c9a31');
  });

  it('§7.2 key derivation: cipher key, salt and auth key', () => {
    const master = { masterKey: hex('f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6'), masterSalt: hex('3b04803de51ee7c96423ab5b78d2') };
    const keys = deriveSessionKeys(master, 'AES_256_CM_HMAC_SHA1_80');
    assert.equal(keys.rtp.cipherKey.toString('hex'), '5ba1064e30ec51613cad926c5a28ef731ec7fb397f70a960653caf06554cd8c4');
    assert.equal(keys.rtp.salt.toString('hex'), 'fa31791685ca444a9e07c6c64e93');
    assert.equal(keys.rtp.authKey.toString('hex'), 'fd9c32d39ed5fbb5a9dc96b30818454d1313dc05');
  });
});

describe('RFC 7714: AES-GCM SRTP', () => {
  const salt = hex('517569642070726f2071756f'); // "Quid pro quo"
  // "Gallia est omnis divisa in partes tres", SEQ 0xf17b, SSRC 0x5501a0b2, ROC 0.
  const rtp = hex('8040f17b8041f8d35501a0b2 47616c6c69612065737420 6f6d6e697320646976697361 20696e207061727465732074726573');
  const vectors = [
    { name: '§16.1.1 AEAD_AES_128_GCM', key: '000102030405060708090a0b0c0d0e0f',
      out: '8040f17b8041f8d35501a0b2f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833899d7f27beb16a9152cf765ee4390cce' },
    { name: '§16.2.1 AEAD_AES_256_GCM', key: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
      out: '8040f17b8041f8d35501a0b232b1de78a822fe12ef9f78fa332e33aab18012389a58e2f3b50b2a0276ffae0f1ba63799b87b7aa3db36dfffd6b0f9bb7878d7a76c13' },
  ];
  for (const v of vectors) {
    it(`${v.name}: IV, sealed packet and its opening`, () => {
      const iv = gcmRtpIv(salt, 0x5501a0b2, 0, 0xf17b);
      assert.equal(iv.toString('hex'), '51753c6580c2726f20718414', 'IV of §16.1.1');
      const header = rtp.subarray(0, 12);
      const sealed = Buffer.concat([header, gcmSeal(hex(v.key), iv, header, rtp.subarray(12))]);
      assert.equal(sealed.toString('hex'), v.out);
      assert.deepEqual(Buffer.concat([header, gcmOpen(hex(v.key), iv, header, sealed.subarray(12), 'vector')]), rtp);
      const bad = Buffer.from(sealed);
      bad[20]! ^= 1;
      assert.throws(() => gcmOpen(hex(v.key), iv, header, bad.subarray(12), 'vector'), (e: SrtpError) => e.code === 'auth-failed');
    });
  }

  it('§11 + erratum 4938: the 96-bit master salt enters the PRF multiplied by 2^16', () => {
    const master = { masterKey: hex('000102030405060708090a0b0c0d0e0f'), masterSalt: salt };
    const keys = deriveSessionKeys(master, 'AEAD_AES_128_GCM');
    const padded = { masterKey: master.masterKey, masterSalt: Buffer.concat([salt, Buffer.alloc(2)]) };
    assert.deepEqual(keys.rtp.cipherKey, deriveKey(padded, 0, 16));
    assert.deepEqual(keys.rtp.salt, deriveKey(padded, 2, 12));
    assert.equal(keys.rtp.salt.length, 12);
    assert.equal(keys.rtp.authKey.length, 0, 'GCM derives no HMAC key');
  });
});

describe('every suite end to end through SrtpSession', () => {
  const suites = Object.keys(SRTP_SUITES) as SrtpCryptoSuite[];
  const packet = (seq: number) => serializeRtpPacket({ marker: false, payloadType: 0, sequenceNumber: seq, timestamp: seq * 160, ssrc: 0x1234, csrcs: [], payload: Buffer.alloc(160, seq & 0xff), paddingLength: 0 });
  const rtcp = hex('81c8000d4d617273 4e5450314e545032 5254502000000 42a0000e930 4c756e61deadbeef deadbeefdeadbeef deadbeefdeadbeef'.replace(/\s/g, ''));

  for (const suite of suites) {
    it(`${suite}: inline key round trip, RTP and RTCP both ways, tamper and replay refused`, () => {
      const ka = generateSrtpKeyMaterial(suite);
      const kb = generateSrtpKeyMaterial(suite);
      assert.deepEqual(Buffer.from(decodeInlineKey(encodeInlineKey(ka, suite), suite).masterKey), Buffer.from(ka.masterKey));
      const a = new SrtpSession({ suite, localKey: ka, remoteKey: kb });
      const b = new SrtpSession({ suite, localKey: kb, remoteKey: ka });
      const p = packet(1);
      const sent = a.protectRtp(p);
      assert.equal(sent.length, p.length + SRTP_SUITES[suite].rtpTagLength);
      assert.notDeepEqual(sent.subarray(12, 12 + 160), p.subarray(12));
      assert.deepEqual(b.unprotectRtp(sent), p);
      assert.throws(() => b.unprotectRtp(sent), (e: SrtpError) => e.code === 'replay');
      const tampered = Buffer.from(a.protectRtp(packet(2)));
      tampered[30]! ^= 0x40;
      assert.throws(() => b.unprotectRtp(tampered), (e: SrtpError) => e.code === 'auth-failed');
      assert.deepEqual(a.unprotectRtcp(b.protectRtcp(rtcp)), rtcp);
      // A wrong-length inline key for this suite is refused.
      assert.throws(() => decodeInlineKey('A'.repeat(40 + (suite.includes('256') ? -4 : 4)), suite), SrtpError);
    });
  }

  it('per-packet cost of protect + unprotect (160-byte payload), per suite', () => {
    const lines: string[] = [];
    for (const suite of suites) {
      const ka = generateSrtpKeyMaterial(suite);
      const kb = generateSrtpKeyMaterial(suite);
      const a = new SrtpSession({ suite, localKey: ka, remoteKey: kb });
      const b = new SrtpSession({ suite, localKey: kb, remoteKey: ka });
      const n = 3000;
      const pkts = Array.from({ length: n }, (_, i) => packet(i + 10));
      const t0 = process.hrtime.bigint();
      for (const p of pkts) b.unprotectRtp(a.protectRtp(p));
      const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
      lines.push(`${suite} ${us.toFixed(1)} µs`);
    }
    process.stdout.write(`# SRTP protect+unprotect per packet: ${lines.join(', ')}\n`);
  });
});
