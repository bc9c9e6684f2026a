/**
 * AES in counter mode as SRTP defines it (RFC 3711 §4.1.1): keystream block
 * j is AES_k(IV + j), where the IV's low 16 bits are zero and j < 2^16 counts
 * 16-byte blocks. Built on one long-lived AES-ECB cipher per key: creating an
 * aes-128-ctr cipher per packet costs ≈ 30 µs in Node, encrypting a few
 * counter blocks through a kept ECB context ≈ 5 µs.
 *
 * xorInto() is the per-packet form: the counter blocks are written into a
 * kept buffer and the result XORed straight into the caller's output, so a
 * packet costs one object (the ECB output node:crypto returns) instead of
 * the counters, the keystream view and the XORed copy (fifty calls make
 * 5,000 packets a second, and their garbage drove the GC: issue 17 §3).
 */
import { createCipheriv } from 'node:crypto';
import type { Cipheriv } from 'node:crypto';

const MAX_BLOCKS = 0x10000;
/** Counter blocks kept for xorInto (1 kB: a 1,024-byte payload); longer ones take a buffer of their own. */
const KEPT_BLOCKS = 64;

export class AesCounterMode {
  readonly #ecb: Cipheriv;
  readonly #counters = Buffer.alloc(KEPT_BLOCKS * 16);
  /** Views of #counters by block count, made once each. */
  readonly #views: Buffer[] = [];

  constructor(key: Uint8Array) {
    // AES-128 (RFC 3711) or AES-256 (RFC 6188 §4) by the key's length.
    this.#ecb = createCipheriv(key.length === 32 ? 'aes-256-ecb' : 'aes-128-ecb', key, null);
    this.#ecb.setAutoPadding(false);
  }

  /** `length` bytes of keystream from `iv` (16 bytes, low 16 bits zero). */
  keystream(iv: Uint8Array, length: number): Buffer {
    const blocks = Math.ceil(length / 16);
    if (blocks > MAX_BLOCKS) throw new RangeError(`AES-CM keystream of ${length} bytes exceeds 2^16 blocks`);
    const counters = Buffer.alloc(blocks * 16);
    fillCounters(counters, iv, blocks);
    return this.#ecb.update(counters).subarray(0, length);
  }

  /**
   * `src[from, to)` XOR the keystream from `iv`, written to `dst` at `at`
   * (`dst` may be `src` itself, at the same offset): encryption and
   * decryption alike, with nothing allocated but node:crypto's output.
   */
  xorInto(iv: Uint8Array, src: Uint8Array, from: number, to: number, dst: Uint8Array, at: number): void {
    const length = to - from;
    if (length <= 0) return;
    const blocks = Math.ceil(length / 16);
    if (blocks > KEPT_BLOCKS) {
      const ks = this.keystream(iv, length);
      for (let i = 0; i < length; i++) dst[at + i] = src[from + i]! ^ ks[i]!;
      return;
    }
    const counters = (this.#views[blocks] ??= this.#counters.subarray(0, blocks * 16));
    fillCounters(counters, iv, blocks);
    const ks = this.#ecb.update(counters);
    for (let i = 0; i < length; i++) dst[at + i] = src[from + i]! ^ ks[i]!;
  }

  /** `data` XOR the keystream: encryption and decryption alike. */
  xor(iv: Uint8Array, data: Uint8Array): Buffer {
    const out = this.keystream(iv, data.length);
    for (let i = 0; i < out.length; i++) out[i]! ^= data[i]!;
    return out;
  }
}

/** The counter blocks of `iv` (RFC 3711 §4.1.1: the block index XORed into its low 16 bits), `blocks` of them. */
function fillCounters(counters: Uint8Array, iv: Uint8Array, blocks: number): void {
  const iv14 = iv[14]!;
  const iv15 = iv[15]!;
  for (let j = 0; j < blocks; j++) {
    const o = j * 16;
    for (let b = 0; b < 14; b++) counters[o + b] = iv[b]!;
    counters[o + 14] = (iv14 ^ (j >>> 8)) & 0xff;
    counters[o + 15] = (iv15 ^ j) & 0xff;
  }
}
