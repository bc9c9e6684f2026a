/**
 * Ogg pages (RFC 3533) for one logical stream: packets are laced into
 * pages of at most 255 segments, each page carries the granule position of
 * the last packet that ends on it, and its CRC-32 (polynomial 0x04C11DB7,
 * not reflected, initial value 0, no final XOR — Ogg's own, not zlib's).
 *
 * The writer only builds bytes; the caller decides when a page is cut
 * (ogg-opus-file.ts: the headers each on their own page, audio about every
 * second) and where the bytes go.
 *
 *   packet ─▶ lacing values (255, 255, …, rest) ─▶ segment table
 *   page: "OggS" | 0 | flags | granule (i64 LE) | serial | sequence | CRC | n | table | data
 */

/** Built at the first page written, not at load (an idle phone records nothing; see codecs/g711.ts). */
let crcTable: Uint32Array | undefined;

function buildCrcTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t[i] = r >>> 0;
  }
  crcTable = t;
  return t;
}

/** Ogg's CRC-32 of `bytes` (the page with its CRC field zeroed). */
export function oggCrc(bytes: Uint8Array): number {
  const table = crcTable ?? buildCrcTable();
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) crc = ((crc << 8) ^ table[((crc >>> 24) ^ bytes[i]!) & 0xff]!) >>> 0;
  return crc;
}

export const OGG_BOS = 0x02;
export const OGG_EOS = 0x04;
const HEADER_BYTES = 27;
const MAX_SEGMENTS = 255;

/** Lacing values a packet needs: a 255 per full segment and the rest (0 when it is a multiple of 255). */
function lacing(length: number): number {
  return Math.floor(length / 255) + 1;
}

export class OggPageWriter {
  readonly serial: number;
  #sequence = 0;
  #packets: Uint8Array[] = [];
  #segments = 0;
  #granule = 0n;

  constructor(serial: number) {
    this.serial = serial >>> 0;
  }

  /** Segments already waiting for the next page. */
  get pendingSegments(): number {
    return this.#segments;
  }

  /** Whether `packet` still fits on the page being filled. */
  fits(packet: Uint8Array): boolean {
    return this.#segments + lacing(packet.length) <= MAX_SEGMENTS;
  }

  /**
   * Adds a packet ending at `granule` to the page being filled. A packet
   * that does not fit must be preceded by a page() call; one over 255
   * segments (64 kB) is refused — Opus packets are at most 3.8 kB.
   */
  add(packet: Uint8Array, granule: bigint): void {
    const n = lacing(packet.length);
    if (n > MAX_SEGMENTS) throw new RangeError(`a ${packet.length}-byte packet does not fit on one Ogg page`);
    if (!this.fits(packet)) throw new RangeError('the page is full: cut it first');
    this.#packets.push(packet);
    this.#segments += n;
    this.#granule = granule;
  }

  /** The page holding the packets added since the last one (flags: OGG_BOS / OGG_EOS); empty when none wait and no flag asks for one. */
  page(flags = 0, granule?: bigint): Uint8Array {
    if (this.#packets.length === 0 && flags === 0) return new Uint8Array(0);
    const dataBytes = this.#packets.reduce((sum, p) => sum + p.length, 0);
    const page = new Uint8Array(HEADER_BYTES + this.#segments + dataBytes);
    const view = new DataView(page.buffer);
    page.set([0x4f, 0x67, 0x67, 0x53]); // "OggS"
    page[4] = 0;
    page[5] = flags;
    view.setBigInt64(6, granule ?? this.#granule, true);
    view.setUint32(14, this.serial, true);
    view.setUint32(18, this.#sequence++, true);
    page[26] = this.#segments;
    let at = HEADER_BYTES;
    for (const p of this.#packets) {
      for (let left = p.length; ; left -= 255) {
        page[at++] = Math.min(left, 255);
        if (left < 255) break;
      }
    }
    for (const p of this.#packets) {
      page.set(p, at);
      at += p.length;
    }
    view.setUint32(22, oggCrc(page), true);
    this.#packets = [];
    this.#segments = 0;
    return page;
  }
}
