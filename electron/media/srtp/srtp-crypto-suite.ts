/**
 * The SDES crypto suites we support (RFC 4568 §6.2) and their master keys.
 *
 * Both use AES-128 in counter mode and HMAC-SHA1 with a 160-bit key; they
 * differ only in the SRTP tag length (80 or 32 bits). SRTCP always carries an
 * 80-bit tag (RFC 4568 §6.2.2). The inline key is base64 of the 16-byte
 * master key followed by the 14-byte master salt (30 bytes, 40 characters).
 */
import { randomBytes } from 'node:crypto';
import { SrtpError } from './srtp-error.ts';

export type SrtpCryptoSuite = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32';

/** Per-account SRTP policy: never, offer and accept when the peer does, or refuse plain RTP. */
export type SrtpPolicy = 'off' | 'optional' | 'mandatory';

export interface SrtpSuiteParameters {
  masterKeyLength: 16;
  masterSaltLength: 14;
  rtpTagLength: number;
  rtcpTagLength: number;
}

export const SRTP_SUITES: Readonly<Record<SrtpCryptoSuite, SrtpSuiteParameters>> = {
  AES_CM_128_HMAC_SHA1_80: { masterKeyLength: 16, masterSaltLength: 14, rtpTagLength: 10, rtcpTagLength: 10 },
  AES_CM_128_HMAC_SHA1_32: { masterKeyLength: 16, masterSaltLength: 14, rtpTagLength: 4, rtcpTagLength: 10 },
};

export function isSrtpCryptoSuite(name: string): name is SrtpCryptoSuite {
  return Object.hasOwn(SRTP_SUITES, name);
}

export interface SrtpKeyMaterial {
  masterKey: Uint8Array;
  masterSalt: Uint8Array;
}

export function generateSrtpKeyMaterial(): SrtpKeyMaterial {
  const bytes = randomBytes(30);
  return { masterKey: bytes.subarray(0, 16), masterSalt: bytes.subarray(16, 30) };
}

export function encodeInlineKey(key: SrtpKeyMaterial): string {
  checkKeyMaterial(key);
  return Buffer.concat([key.masterKey, key.masterSalt]).toString('base64');
}

/** Decode the base64 key||salt of `inline:`; anything but 30 bytes of strict base64 is refused. */
export function decodeInlineKey(text: string): SrtpKeyMaterial {
  if (!/^[A-Za-z0-9+/]{40}$/.test(text)) {
    throw new SrtpError('invalid-key', 'SRTP inline key must be 40 base64 characters (30 bytes of key and salt)');
  }
  const bytes = Buffer.from(text, 'base64');
  return { masterKey: bytes.subarray(0, 16), masterSalt: bytes.subarray(16, 30) };
}

export function checkKeyMaterial(key: SrtpKeyMaterial): void {
  if (!(key.masterKey instanceof Uint8Array) || key.masterKey.length !== 16) {
    throw new SrtpError('invalid-key', 'SRTP master key must be 16 bytes');
  }
  if (!(key.masterSalt instanceof Uint8Array) || key.masterSalt.length !== 14) {
    throw new SrtpError('invalid-key', 'SRTP master salt must be 14 bytes');
  }
}
