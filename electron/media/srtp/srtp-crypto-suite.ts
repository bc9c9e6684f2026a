/**
 * The SDES crypto suites we support (RFC 4568 §6.2, RFC 6188 §5, RFC 7714 §12)
 * and their master keys.
 *
 *   suite                     cipher       key  salt  RTP tag  RTCP tag
 *   AES_CM_128_HMAC_SHA1_80   AES-128-CM    16    14     10       10    RFC 4568
 *   AES_CM_128_HMAC_SHA1_32   AES-128-CM    16    14      4       10    RFC 4568
 *   AES_256_CM_HMAC_SHA1_80   AES-256-CM    32    14     10       10    RFC 6188
 *   AEAD_AES_128_GCM          AES-128-GCM   16    12     16       16    RFC 7714
 *   AEAD_AES_256_GCM          AES-256-GCM   32    12     16       16    RFC 7714
 *
 * The HMAC suites authenticate with a 160-bit HMAC-SHA1 key; SRTCP always
 * carries an 80-bit tag (RFC 4568 §6.2.2). GCM is an AEAD: its 16-byte tag is
 * the authentication. The inline key is base64 of the master key followed by
 * the master salt (RFC 4568 §6.1), e.g. 30 bytes = 40 characters for AES-128-CM.
 */
import { randomBytes } from 'node:crypto';
import { SrtpError } from './srtp-error.ts';

export type SrtpCryptoSuite = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32' | 'AES_256_CM_HMAC_SHA1_80' | 'AEAD_AES_128_GCM' | 'AEAD_AES_256_GCM';

/** Per-account SRTP policy: never, offer and accept when the peer does, or refuse plain RTP. */
export type SrtpPolicy = 'off' | 'optional' | 'mandatory';

export interface SrtpSuiteParameters {
  /** 'cm': AES counter mode + HMAC-SHA1 (RFC 3711); 'gcm': AES-GCM AEAD (RFC 7714). */
  cipher: 'cm' | 'gcm';
  masterKeyLength: 16 | 32;
  masterSaltLength: 14 | 12;
  rtpTagLength: number;
  rtcpTagLength: number;
}

export const SRTP_SUITES: Readonly<Record<SrtpCryptoSuite, SrtpSuiteParameters>> = {
  AES_CM_128_HMAC_SHA1_80: { cipher: 'cm', masterKeyLength: 16, masterSaltLength: 14, rtpTagLength: 10, rtcpTagLength: 10 },
  AES_CM_128_HMAC_SHA1_32: { cipher: 'cm', masterKeyLength: 16, masterSaltLength: 14, rtpTagLength: 4, rtcpTagLength: 10 },
  AES_256_CM_HMAC_SHA1_80: { cipher: 'cm', masterKeyLength: 32, masterSaltLength: 14, rtpTagLength: 10, rtcpTagLength: 10 },
  AEAD_AES_128_GCM: { cipher: 'gcm', masterKeyLength: 16, masterSaltLength: 12, rtpTagLength: 16, rtcpTagLength: 16 },
  AEAD_AES_256_GCM: { cipher: 'gcm', masterKeyLength: 32, masterSaltLength: 12, rtpTagLength: 16, rtcpTagLength: 16 },
};

/** Words for people: "AES-256-GCM", "AES-128-CM with an 80-bit HMAC-SHA1 tag". */
export const SRTP_SUITE_NAMES: Readonly<Record<SrtpCryptoSuite, string>> = {
  AES_CM_128_HMAC_SHA1_80: 'AES-128-CM',
  AES_CM_128_HMAC_SHA1_32: 'AES-128-CM (32-bit tag)',
  AES_256_CM_HMAC_SHA1_80: 'AES-256-CM',
  AEAD_AES_128_GCM: 'AES-128-GCM',
  AEAD_AES_256_GCM: 'AES-256-GCM',
};

export function isSrtpCryptoSuite(name: string): name is SrtpCryptoSuite {
  return Object.hasOwn(SRTP_SUITES, name);
}

export interface SrtpKeyMaterial {
  masterKey: Uint8Array;
  masterSalt: Uint8Array;
}

export function generateSrtpKeyMaterial(suite: SrtpCryptoSuite = 'AES_CM_128_HMAC_SHA1_80'): SrtpKeyMaterial {
  const { masterKeyLength: k, masterSaltLength: s } = SRTP_SUITES[suite];
  const bytes = randomBytes(k + s);
  return { masterKey: bytes.subarray(0, k), masterSalt: bytes.subarray(k, k + s) };
}

export function encodeInlineKey(key: SrtpKeyMaterial, suite?: SrtpCryptoSuite): string {
  checkKeyMaterial(key, suite);
  return Buffer.concat([key.masterKey, key.masterSalt]).toString('base64');
}

/** Decode the base64 key||salt of `inline:` for `suite`; anything but its exact length in strict base64 is refused. */
export function decodeInlineKey(text: string, suite: SrtpCryptoSuite = 'AES_CM_128_HMAC_SHA1_80'): SrtpKeyMaterial {
  const { masterKeyLength: k, masterSaltLength: s } = SRTP_SUITES[suite];
  const bytes = k + s;
  const chars = Math.ceil(bytes / 3) * 4;
  const pad = (3 - (bytes % 3)) % 3;
  const pattern = new RegExp(`^[A-Za-z0-9+/]{${chars - pad}}${'='.repeat(pad)}$`);
  // RFC 4568 §6.1 examples carry no padding for 30 bytes; for 28/44/46 bytes peers differ, so "=" is optional.
  const unpadded = new RegExp(`^[A-Za-z0-9+/]{${chars - pad}}$`);
  if (!pattern.test(text) && !unpadded.test(text)) {
    throw new SrtpError('invalid-key', `SRTP inline key for ${suite} must be ${chars - pad} base64 characters (${bytes} bytes of key and salt)`);
  }
  const raw = Buffer.from(text, 'base64');
  if (raw.length !== bytes) throw new SrtpError('invalid-key', `SRTP inline key for ${suite} must hold ${bytes} bytes`);
  return { masterKey: raw.subarray(0, k), masterSalt: raw.subarray(k, bytes) };
}

export function checkKeyMaterial(key: SrtpKeyMaterial, suite?: SrtpCryptoSuite): void {
  const p = suite ? SRTP_SUITES[suite] : undefined;
  const keyOk = key.masterKey instanceof Uint8Array && (p ? key.masterKey.length === p.masterKeyLength : key.masterKey.length === 16 || key.masterKey.length === 32);
  if (!keyOk) throw new SrtpError('invalid-key', `SRTP master key must be ${p ? p.masterKeyLength : '16 or 32'} bytes`);
  const saltOk = key.masterSalt instanceof Uint8Array && (p ? key.masterSalt.length === p.masterSaltLength : key.masterSalt.length === 14 || key.masterSalt.length === 12);
  if (!saltOk) throw new SrtpError('invalid-key', `SRTP master salt must be ${p ? p.masterSaltLength : '14 or 12'} bytes`);
}
