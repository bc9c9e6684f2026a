import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SrtpContext, estimateRoc } from '../../../../electron/media/srtp/srtp-context.ts';
import { SrtpError } from '../../../../electron/media/srtp/srtp-error.ts';
import type { SrtpCryptoSuite } from '../../../../electron/media/srtp/srtp-crypto-suite.ts';
import { serializeRtpPacket, parseRtpPacket } from '../../../../electron/media/rtp/rtp-packet.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const key = { masterKey: hex('E1F97A0D3E018BE0D64FA32C06DE4139'), masterSalt: hex('0EC675AD498AFEEBB6960B3AABE6') };
const ctx = (suite: SrtpCryptoSuite = 'AES_CM_128_HMAC_SHA1_80') => new SrtpContext({ suite, key });

function rtp(seq: number, payload = Buffer.from('hello, srtp world'), ssrc = 0xcafebabe): Buffer {
  return serializeRtpPacket({ marker: false, payloadType: 0, sequenceNumber: seq, timestamp: seq * 160, ssrc, csrcs: [], payload, paddingLength: 0 });
}

function assertSrtpError(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => err instanceof SrtpError && err.code === code, `expected SrtpError ${code}`);
}

// libsrtp's srtp_driver.c reference packets (AES_CM_128_HMAC_SHA1_80, key of RFC 3711 B.3).
const SRTP_PLAIN = hex('800f1234decafbadcafebabe' + 'ab'.repeat(16));
const SRTP_CIPHER = hex('800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb');
const RTCP_PLAIN = hex('81c8000bcafebabe' + 'ab'.repeat(16));
const SRTCP_CIPHER_INDEX1 = hex('81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001993e08cd54d6c1230798');

describe('SRTP protect/unprotect (RFC 3711 §3.1–§3.3)', () => {
  it('matches the libsrtp reference SRTP packet byte for byte and decrypts it back', () => {
    assert.equal(ctx().protectRtp(SRTP_PLAIN).toString('hex'), SRTP_CIPHER.toString('hex'));
    assert.equal(ctx().unprotectRtp(SRTP_CIPHER).toString('hex'), SRTP_PLAIN.toString('hex'));
  });

  it('matches the libsrtp reference SRTCP packet (index 1, E flag) and decrypts it back', () => {
    const sender = ctx();
    const first = sender.protectRtcp(RTCP_PLAIN);
    assert.equal(first.readUInt32BE(RTCP_PLAIN.length), 0x80000000); // E=1, index 0
    assert.equal(sender.protectRtcp(RTCP_PLAIN).toString('hex'), SRTCP_CIPHER_INDEX1.toString('hex'));
    assert.equal(ctx().unprotectRtcp(SRTCP_CIPHER_INDEX1).toString('hex'), RTCP_PLAIN.toString('hex'));
  });

  it('_32 carries a 4-byte SRTP tag but an 80-bit SRTCP tag (RFC 4568 §6.2.2)', () => {
    const tx = ctx('AES_CM_128_HMAC_SHA1_32');
    const rx = ctx('AES_CM_128_HMAC_SHA1_32');
    const plain = rtp(1);
    const prot = tx.protectRtp(plain);
    assert.equal(prot.length, plain.length + 4);
    assert.deepEqual(rx.unprotectRtp(prot), plain);
    const rtcpProt = tx.protectRtcp(RTCP_PLAIN);
    assert.equal(rtcpProt.length, RTCP_PLAIN.length + 4 + 10);
    assert.deepEqual(rx.unprotectRtcp(rtcpProt), RTCP_PLAIN);
    // The 80 and 32 suites share keys but not tags: cross-suite fails
    assertSrtpError(() => ctx('AES_CM_128_HMAC_SHA1_80').unprotectRtp(prot), 'auth-failed');
  });

  it('encrypts the payload only, keeping CSRCs and extension in clear', () => {
    const plain = serializeRtpPacket({ marker: true, payloadType: 111, sequenceNumber: 9, timestamp: 1, ssrc: 2, csrcs: [3, 4], extension: { profile: 0xbede, data: Buffer.from([1, 2, 3, 4]) }, payload: Buffer.from('secret audio'), paddingLength: 0 });
    const prot = ctx().protectRtp(plain);
    assert.deepEqual(prot.subarray(0, 28), plain.subarray(0, 28));
    assert.notDeepEqual(prot.subarray(28, plain.length), plain.subarray(28));
    assert.equal(parseRtpPacket(ctx().unprotectRtp(prot)).payload.toString(), 'secret audio');
  });

  it('rejects every single-bit tamper in header, payload and tag', () => {
    const prot = ctx().protectRtp(rtp(7));
    for (let byte = 0; byte < prot.length; byte++) {
      const bad = Buffer.from(prot);
      bad[byte]! ^= 0x01;
      assert.throws(() => ctx().unprotectRtp(bad), SrtpError, `byte ${byte}`);
    }
    const rtcp = ctx().protectRtcp(RTCP_PLAIN);
    for (let byte = 0; byte < rtcp.length; byte++) {
      const bad = Buffer.from(rtcp);
      bad[byte]! ^= 0x80;
      assert.throws(() => ctx().unprotectRtcp(bad), SrtpError, `rtcp byte ${byte}`);
    }
  });

  it('rejects truncated packets as too short or failed, never accepts them', () => {
    for (let len = 0; len < SRTP_CIPHER.length; len++) {
      assert.throws(() => ctx().unprotectRtp(SRTP_CIPHER.subarray(0, len)), SrtpError, `length ${len}`);
    }
    for (let len = 0; len < SRTCP_CIPHER_INDEX1.length; len++) {
      assert.throws(() => ctx().unprotectRtcp(SRTCP_CIPHER_INDEX1.subarray(0, len)), SrtpError, `rtcp length ${len}`);
    }
    assertSrtpError(() => ctx().unprotectRtp(hex('8000')), 'too-short');
    assertSrtpError(() => ctx().protectRtp(hex('4000000100000000000000000102')), 'malformed');
  });

  it('rejects a packet protected under another key', () => {
    const other = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', key: { masterKey: Buffer.alloc(16, 1), masterSalt: Buffer.alloc(14, 2) } });
    assertSrtpError(() => ctx().unprotectRtp(other.protectRtp(rtp(1))), 'auth-failed');
    assertSrtpError(() => ctx().unprotectRtcp(other.protectRtcp(RTCP_PLAIN)), 'auth-failed');
  });
});

describe('SRTP replay protection (RFC 3711 §3.3.2)', () => {
  it('drops a replayed SRTP packet, accepts reordering inside the window, drops older than 64', () => {
    const tx = ctx();
    const rx = ctx();
    const packets = new Map<number, Buffer>();
    for (let seq = 1000; seq <= 1100; seq++) packets.set(seq, tx.protectRtp(rtp(seq)));
    rx.unprotectRtp(packets.get(1000)!);
    assertSrtpError(() => rx.unprotectRtp(packets.get(1000)!), 'replay');
    rx.unprotectRtp(packets.get(1100)!);
    rx.unprotectRtp(packets.get(1050)!); // 50 behind: inside the window
    assertSrtpError(() => rx.unprotectRtp(packets.get(1050)!), 'replay');
    rx.unprotectRtp(packets.get(1037)!); // exactly 63 behind: last slot of the window
    assertSrtpError(() => rx.unprotectRtp(packets.get(1036)!), 'replay'); // 64 behind: too old
  });

  it('a forged packet does not advance the window', () => {
    const tx = ctx();
    const rx = ctx();
    rx.unprotectRtp(tx.protectRtp(rtp(10)));
    const forged = Buffer.from(tx.protectRtp(rtp(5000)));
    forged[forged.length - 1]! ^= 0xff;
    assertSrtpError(() => rx.unprotectRtp(forged), 'auth-failed');
    rx.unprotectRtp(tx.protectRtp(rtp(11))); // still fresh: the window did not jump to 5000
  });

  it('drops replayed SRTCP packets by SRTCP index', () => {
    const tx = ctx();
    const rx = ctx();
    const a = tx.protectRtcp(RTCP_PLAIN);
    const b = tx.protectRtcp(RTCP_PLAIN);
    rx.unprotectRtcp(b);
    rx.unprotectRtcp(a); // older but inside the window
    assertSrtpError(() => rx.unprotectRtcp(a), 'replay');
    assertSrtpError(() => rx.unprotectRtcp(b), 'replay');
  });
});

describe('SRTP rollover counter (RFC 3711 §3.3.1)', () => {
  it('estimates v per Appendix A', () => {
    assert.equal(estimateRoc(5, 100, 101), 5);
    assert.equal(estimateRoc(5, 100, 65000), 4); // far ahead of a low s_l: belongs to the previous cycle
    assert.equal(estimateRoc(5, 65000, 100), 6); // small seq after a high s_l: the next cycle
    assert.equal(estimateRoc(5, 65000, 64000), 5);
    assert.equal(estimateRoc(0, 10, 65530), -1);
  });

  it('follows the sequence number across the wrap on both ends', () => {
    const tx = ctx();
    const rx = ctx();
    for (let i = 0; i < 40; i++) {
      const seq = (65520 + i) & 0xffff;
      const plain = rtp(seq);
      assert.deepEqual(rx.unprotectRtp(tx.protectRtp(plain)), plain, `seq ${seq}`);
    }
    assert.equal(tx.rolloverCounter(0xcafebabe), 1);
    assert.equal(rx.rolloverCounter(0xcafebabe), 1);
  });

  it('decrypts a packet of the old cycle that arrives after the wrap, without rolling back', () => {
    const tx = ctx();
    const rx = ctx();
    const late = tx.protectRtp(rtp(65535));
    rx.unprotectRtp(tx.protectRtp(rtp(65534)));
    const after = [0, 1, 2].map((s) => tx.protectRtp(rtp(s)));
    rx.unprotectRtp(after[0]!);
    assert.equal(rx.rolloverCounter(0xcafebabe), 1);
    assert.deepEqual(rx.unprotectRtp(late), rtp(65535)); // v = ROC − 1
    assert.equal(rx.rolloverCounter(0xcafebabe), 1);
    rx.unprotectRtp(after[1]!);
    rx.unprotectRtp(after[2]!);
  });

  it('the ROC is part of the authentication: a receiver with the wrong ROC fails', () => {
    const tx = ctx();
    for (let s = 65530; s <= 65535; s++) tx.protectRtp(rtp(s));
    const wrapped = tx.protectRtp(rtp(3)); // ROC 1
    assertSrtpError(() => ctx().unprotectRtp(wrapped), 'auth-failed'); // a fresh receiver guesses ROC 0
  });

  it('two wraps: ROC 2 at packet index 150 000 (sampled every 30 000)', () => {
    const tx = ctx();
    const rx = ctx();
    let last: Buffer | undefined;
    // Step by 30000 (< 32768, so the estimate can follow) through two wraps.
    for (let n = 0; n <= 5 * 30000; n += 30000) {
      const seq = n & 0xffff;
      last = rtp(seq);
      assert.deepEqual(rx.unprotectRtp(tx.protectRtp(last)), last);
    }
    assert.equal(tx.rolloverCounter(0xcafebabe), 2);
    assert.equal(rx.rolloverCounter(0xcafebabe), 2);
  });

  it('keeps state per SSRC and bounds the number of SSRCs', () => {
    const tx = ctx();
    const rx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', key, maxSources: 2 });
    rx.unprotectRtp(tx.protectRtp(rtp(1, undefined, 1)));
    rx.unprotectRtp(tx.protectRtp(rtp(1, undefined, 2)));
    assertSrtpError(() => rx.unprotectRtp(tx.protectRtp(rtp(1, undefined, 3))), 'too-many-sources');
  });
});
