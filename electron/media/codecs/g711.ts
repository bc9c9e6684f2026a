/**
 * ITU-T G.711 μ-law and A-law companding, table-driven.
 *
 * The tables are computed at the first use (not at load: an idle phone
 * never encodes, and a 24,576-step loop at load made V8 optimise the whole
 * bundled module's top level, pulling its optimising compiler into memory)
 * from the Recommendation's segment rules (8 segments of 16 steps, step size doubling per segment):
 *  - μ-law works on 14-bit magnitudes with a bias of 33 (0x21 in 14-bit,
 *    0x84 in 16-bit scale); codes are sent inverted, so 0xFF is +0 and 0x7F
 *    is -0; 0x80 decodes to +32124 (8031 in 14 bits), 0x00 to -32124.
 *  - A-law works on 13-bit magnitudes; even bits are inverted on the line
 *    (XOR 0x55), so 0xD5 decodes to +8 and 0x55 to -8; 0xAA to +32256.
 * Encoding is one table lookup on the top 14 (μ) or 13 (A) bits of the
 * sample; decoding one lookup on the code.
 */

const ULAW_BIAS = 0x84; // 33 in 14-bit units, scaled to 16 bits
const ULAW_CLIP = 8159; // largest 14-bit magnitude μ-law represents

function ulawEncode14(sample14: number): number {
  // sample14: signed 14-bit value (the 16-bit sample >> 2).
  let mask: number;
  let mag: number;
  if (sample14 < 0) {
    mag = -sample14;
    mask = 0x7f;
  } else {
    mag = sample14;
    mask = 0xff;
  }
  if (mag > ULAW_CLIP) mag = ULAW_CLIP;
  mag += ULAW_BIAS >> 2;
  let seg = 0;
  for (let limit = 0x3f; seg < 8 && mag > limit; seg++) limit = (limit << 1) | 1;
  if (seg >= 8) return 0x7f ^ mask;
  return ((seg << 4) | ((mag >> (seg + 1)) & 0x0f)) ^ mask;
}

function ulawDecode(code: number): number {
  const u = ~code & 0xff;
  let t = ((u & 0x0f) << 3) + ULAW_BIAS;
  t <<= (u & 0x70) >> 4;
  return u & 0x80 ? ULAW_BIAS - t : t - ULAW_BIAS;
}

function alawEncode13(sample13: number): number {
  // sample13: signed 13-bit value (the 16-bit sample >> 3).
  let mask: number;
  let mag: number;
  if (sample13 >= 0) {
    mask = 0xd5;
    mag = sample13;
  } else {
    // One's complement magnitude: A-law has no code for -0 distinct from the
    // smallest negative step, the first negative interval starts at -1.
    mask = 0x55;
    mag = -sample13 - 1;
  }
  let seg = 0;
  for (let limit = 0x1f; seg < 8 && mag > limit; seg++) limit = (limit << 1) | 1;
  if (seg >= 8) return 0x7f ^ mask;
  const mant = seg < 2 ? (mag >> 1) & 0x0f : (mag >> seg) & 0x0f;
  return ((seg << 4) | mant) ^ mask;
}

function alawDecode(code: number): number {
  const a = code ^ 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

interface Tables {
  /** μ-law codes indexed by (sample >> 2) & 0x3fff. */
  ulawEnc: Uint8Array;
  /** A-law codes indexed by (sample >> 3) & 0x1fff. */
  alawEnc: Uint8Array;
  ulawDec: Int16Array;
  alawDec: Int16Array;
}

let built: Tables | undefined;

function buildTables(): Tables {
  const t: Tables = { ulawEnc: new Uint8Array(1 << 14), alawEnc: new Uint8Array(1 << 13), ulawDec: new Int16Array(256), alawDec: new Int16Array(256) };
  for (let i = 0; i < 1 << 14; i++) t.ulawEnc[i] = ulawEncode14(i >= 1 << 13 ? i - (1 << 14) : i);
  for (let i = 0; i < 1 << 13; i++) t.alawEnc[i] = alawEncode13(i >= 1 << 12 ? i - (1 << 13) : i);
  for (let c = 0; c < 256; c++) {
    t.ulawDec[c] = ulawDecode(c);
    t.alawDec[c] = alawDecode(c);
  }
  built = t;
  return t;
}

/** Builds the tables now (once per process) instead of on the first frame (init-media.ts). */
export function prepareG711(): void {
  built ??= buildTables();
}

/** μ-law code of one 16-bit sample. */
export function linearToUlaw(sample: number): number {
  return (built ?? buildTables()).ulawEnc[(sample >> 2) & 0x3fff]!;
}

/** 16-bit sample of one μ-law code. */
export function ulawToLinear(code: number): number {
  return (built ?? buildTables()).ulawDec[code & 0xff]!;
}

/** A-law code of one 16-bit sample. */
export function linearToAlaw(sample: number): number {
  return (built ?? buildTables()).alawEnc[(sample >> 3) & 0x1fff]!;
}

/** 16-bit sample of one A-law code. */
export function alawToLinear(code: number): number {
  return (built ?? buildTables()).alawDec[code & 0xff]!;
}

export function encodeUlaw(pcm: Int16Array): Uint8Array {
  const table = (built ?? buildTables()).ulawEnc;
  const out = new Uint8Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = table[(pcm[i]! >> 2) & 0x3fff]!;
  return out;
}

export function decodeUlaw(payload: Uint8Array): Int16Array {
  const table = (built ?? buildTables()).ulawDec;
  const out = new Int16Array(payload.length);
  for (let i = 0; i < payload.length; i++) out[i] = table[payload[i]!]!;
  return out;
}

export function encodeAlaw(pcm: Int16Array): Uint8Array {
  const table = (built ?? buildTables()).alawEnc;
  const out = new Uint8Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = table[(pcm[i]! >> 3) & 0x1fff]!;
  return out;
}

export function decodeAlaw(payload: Uint8Array): Int16Array {
  const table = (built ?? buildTables()).alawDec;
  const out = new Int16Array(payload.length);
  for (let i = 0; i < payload.length; i++) out[i] = table[payload[i]!]!;
  return out;
}
