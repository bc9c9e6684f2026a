/**
 * AES-GCM for SRTP and SRTCP (RFC 7714): the 12-octet IVs of §8.1 and §9.1
 * and the seal/open of one packet through node:crypto's aes-128-gcm /
 * aes-256-gcm (a new cipher per packet: GCM takes its IV at creation).
 *
 *   SRTP IV  = (00 00 | SSRC | ROC | SEQ)              XOR session salt   (§8.1)
 *   SRTCP IV = (00 00 | SSRC | 00 00 | 0 | SRTCP index) XOR session salt  (§9.1)
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { SrtpError } from './srtp-error.ts';

export const GCM_TAG_LENGTH = 16;

export function gcmRtpIv(salt: Uint8Array, ssrc: number, roc: number, seq: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(ssrc >>> 0, 2);
  iv.writeUInt32BE(roc >>> 0, 6);
  iv.writeUInt16BE(seq & 0xffff, 10);
  for (let i = 0; i < 12; i++) iv[i]! ^= salt[i]!;
  return iv;
}

export function gcmRtcpIv(salt: Uint8Array, ssrc: number, index: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(ssrc >>> 0, 2);
  iv.writeUInt32BE(index & 0x7fffffff, 8);
  for (let i = 0; i < 12; i++) iv[i]! ^= salt[i]!;
  return iv;
}

function algorithm(key: Uint8Array): 'aes-128-gcm' | 'aes-256-gcm' {
  return key.length === 32 ? 'aes-256-gcm' : 'aes-128-gcm';
}

/** ciphertext || 16-byte tag. */
export function gcmSeal(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Buffer {
  const c = createCipheriv(algorithm(key), key, iv, { authTagLength: GCM_TAG_LENGTH });
  c.setAAD(aad);
  const body = c.update(plaintext);
  c.final();
  return Buffer.concat([body, c.getAuthTag()]);
}

/** The plaintext of ciphertext || tag; SrtpError 'auth-failed' when the tag does not verify. */
export function gcmOpen(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array, what: string): Buffer {
  if (sealed.length < GCM_TAG_LENGTH) throw new SrtpError('too-short', `${what} shorter than its GCM tag`);
  const d = createDecipheriv(algorithm(key), key, iv, { authTagLength: GCM_TAG_LENGTH });
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - GCM_TAG_LENGTH));
  const body = d.update(sealed.subarray(0, sealed.length - GCM_TAG_LENGTH));
  try {
    d.final();
  } catch {
    throw new SrtpError('auth-failed', `${what}: AES-GCM authentication failed`);
  }
  return body;
}
