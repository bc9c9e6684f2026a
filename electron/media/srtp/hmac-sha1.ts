/**
 * HMAC-SHA1 (RFC 2104) with the key schedule done once: the inner and outer
 * padded-key hash states are kept and copied per message, which is ≈ 5× as
 * fast in Node as createHmac() per packet. SRTP authenticates every packet
 * with the same session key (RFC 3711 §4.2.1), so this is its hot path.
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';

const BLOCK = 64;

export class HmacSha1 {
  readonly #inner: Hash;
  readonly #outer: Hash;

  constructor(key: Uint8Array) {
    const k = key.length > BLOCK ? createHash('sha1').update(key).digest() : key;
    const ipad = Buffer.alloc(BLOCK, 0x36);
    const opad = Buffer.alloc(BLOCK, 0x5c);
    for (let i = 0; i < k.length; i++) {
      ipad[i]! ^= k[i]!;
      opad[i]! ^= k[i]!;
    }
    this.#inner = createHash('sha1').update(ipad);
    this.#outer = createHash('sha1').update(opad);
  }

  /** The 20-byte MAC of the concatenated parts. */
  digest(...parts: Uint8Array[]): Buffer {
    const inner = this.#inner.copy();
    for (const part of parts) inner.update(part);
    return this.#outer.copy().update(inner.digest()).digest();
  }
}
