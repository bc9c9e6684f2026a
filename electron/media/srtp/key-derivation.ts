/**
 * AES counter mode and the SRTP key derivation (RFC 3711 §4.1.1, §4.3).
 *
 * AES-CM keystream block j is AES_k(IV + j) (aes-cm.ts).
 *
 * Session keys: key_id = label || (index DIV kdr); x = key_id XOR master_salt;
 * key = AES-CM keystream with IV = x · 2^16. SDES uses kdr = 0 (RFC 4568
 * §6.3: no KDR parameter means "derive once"), so index DIV kdr is 0.
 */
import { AesCounterMode } from './aes-cm.ts';
import type { SrtpCryptoSuite, SrtpKeyMaterial } from './srtp-crypto-suite.ts';
import { checkKeyMaterial, SRTP_SUITES } from './srtp-crypto-suite.ts';

export const LABEL_RTP_ENCRYPTION = 0x00;
export const LABEL_RTP_AUTH = 0x01;
export const LABEL_RTP_SALT = 0x02;
export const LABEL_RTCP_ENCRYPTION = 0x03;
export const LABEL_RTCP_AUTH = 0x04;
export const LABEL_RTCP_SALT = 0x05;

/** The first `length` bytes of the AES-CM keystream (RFC 3711 B.2); one-off use, see AesCounterMode. */
export function aesCmKeystream(key: Uint8Array, iv: Uint8Array, length: number): Buffer {
  return new AesCounterMode(key).keystream(iv, length);
}

/**
 * PRF_n(k_master, x) of §4.3.3 for one label, kdr = 0; AES-256 for a 32-byte
 * master key (RFC 6188 §3, AES_256_CM_PRF). A 96-bit GCM master salt is
 * multiplied by 2^16 (zero-padded) to the 112 bits the PRF takes (RFC 7714 §11, erratum 4938).
 */
export function deriveKey(master: SrtpKeyMaterial, label: number, length: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.set(master.masterSalt, 0);
  iv[7]! ^= label;
  return aesCmKeystream(master.masterKey, iv, length);
}

export interface SessionKeys {
  cipherKey: Buffer;
  authKey: Buffer;
  salt: Buffer;
}

export interface SrtpSessionKeys {
  rtp: SessionKeys;
  rtcp: SessionKeys;
}

/**
 * Session keys of a suite: the cipher key as long as the master key, a 160-bit
 * HMAC key (CM suites; GCM needs none, RFC 7714 §11), the salt 14 bytes (CM)
 * or 12 (GCM).
 */
export function deriveSessionKeys(master: SrtpKeyMaterial, suite: SrtpCryptoSuite = 'AES_CM_128_HMAC_SHA1_80'): SrtpSessionKeys {
  checkKeyMaterial(master, suite);
  const p = SRTP_SUITES[suite];
  const authLength = p.cipher === 'cm' ? 20 : 0;
  return {
    rtp: {
      cipherKey: deriveKey(master, LABEL_RTP_ENCRYPTION, p.masterKeyLength),
      authKey: deriveKey(master, LABEL_RTP_AUTH, authLength),
      salt: deriveKey(master, LABEL_RTP_SALT, p.masterSaltLength),
    },
    rtcp: {
      cipherKey: deriveKey(master, LABEL_RTCP_ENCRYPTION, p.masterKeyLength),
      authKey: deriveKey(master, LABEL_RTCP_AUTH, authLength),
      salt: deriveKey(master, LABEL_RTCP_SALT, p.masterSaltLength),
    },
  };
}

/**
 * The packet IV of §4.1.1: (k_s · 2^16) XOR (SSRC · 2^64) XOR (i · 2^16),
 * where i is the 48-bit RTP packet index or the 31-bit SRTCP index.
 */
export function packetIv(salt: Uint8Array, ssrc: number, index: number): Buffer {
  const iv = Buffer.alloc(16);
  packetIvInto(iv, salt, ssrc, index);
  return iv;
}

/** packetIv written into `iv` (16 bytes, every one overwritten): the per-packet path keeps one and allocates nothing. */
export function packetIvInto(iv: Uint8Array, salt: Uint8Array, ssrc: number, index: number): void {
  for (let i = 0; i < 16; i++) iv[i] = i < salt.length ? salt[i]! : 0;
  iv[4]! ^= (ssrc >>> 24) & 0xff;
  iv[5]! ^= (ssrc >>> 16) & 0xff;
  iv[6]! ^= (ssrc >>> 8) & 0xff;
  iv[7]! ^= ssrc & 0xff;
  const high = Math.floor(index / 2 ** 32);
  const low = index >>> 0;
  iv[8]! ^= (high >>> 8) & 0xff;
  iv[9]! ^= high & 0xff;
  iv[10]! ^= (low >>> 24) & 0xff;
  iv[11]! ^= (low >>> 16) & 0xff;
  iv[12]! ^= (low >>> 8) & 0xff;
  iv[13]! ^= low & 0xff;
}
