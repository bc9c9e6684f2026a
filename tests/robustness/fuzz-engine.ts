/**
 * A deterministic byte mutator for the decoders that read what the network
 * sends (SIP, SDP, RTP, RTCP...). Each input is a seed (a valid message)
 * with 1–8 stacked mutations: bit flips, "interesting" bytes and integers,
 * deleted, duplicated or many-times-repeated ranges (the shape that finds
 * superlinear scans), dictionary tokens, splices of two seeds, truncation;
 * one input in 32 is plain random bytes. Same seed → same inputs, so a
 * failure reproduces from the seed and index the report names.
 *
 * An input "crashes" when the target throws anything but the decoder's own
 * typed error, and "hangs" when it takes more than `hangMs`: an input over
 * the limit is run again three times at once and five times at the end of
 * the run, and its fastest run counts, so that a
 * garbage collection or another process taking the CPU (the machines are
 * shared) is not reported as a hang, while an input that is slow every time is.
 */
export interface FuzzTarget {
  name: string;
  /** Valid inputs to start from. */
  seeds: readonly Buffer[];
  /** Tokens worth inserting (separators, header names, field values). */
  dictionary: readonly Buffer[];
  /** Largest input to build (the transport's own bound, e.g. one UDP datagram). */
  maxBytes: number;
  /** Decodes one input; throws only what `isExpected` accepts, or a defect. */
  run(input: Buffer): void;
  /** The decoder's own refusal (SipParseError, SdpError...): not a crash. */
  isExpected(err: unknown): boolean;
}

export interface FuzzFinding {
  index: number;
  bytes: number;
  /** The input, base64, to reproduce it. */
  input: string;
  detail: string;
}

export interface FuzzReport {
  target: string;
  inputs: number;
  /** Inputs the decoder refused with its own error. */
  refused: number;
  crashCount: number;
  hangCount: number;
  /** The first few, to reproduce (the counts are exact). */
  crashes: FuzzFinding[];
  hangs: FuzzFinding[];
  /** The slowest input's time (ms; for one over the limit, its fastest re-run). */
  slowestMs: number;
  slowestBytes: number;
  /** The slowest input, base64 (its first 64 KB). */
  slowestInput: string;
  totalMs: number;
}

export interface FuzzOptions {
  count: number;
  seed?: number;
  hangMs?: number;
  /** Findings kept in the report (counting goes on). */
  keep?: number;
}

/** xorshift32: small, fast, reproducible. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.#s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#s = x >>> 0;
    return this.#s;
  }
  /** 0 … n-1 */
  below(n: number): number {
    return n <= 1 ? 0 : this.next() % n;
  }
}

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x0d, 0x0a, 0x20, 0x09, 0x3a, 0x3b, 0x2c, 0x22, 0x3c, 0x3e, 0x5c, 0x25, 0x3d, 0x40, 0x5b, 0x5d, 0x2f];
const INTERESTING_U16 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xfffe, 0xffff];
const INTERESTING_U32 = [0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

export function mutate(target: FuzzTarget, rng: Rng): Buffer {
  const seeds = target.seeds;
  if (rng.below(32) === 0) {
    const out = Buffer.allocUnsafe(rng.below(Math.min(target.maxBytes, 2048)) + 1);
    for (let i = 0; i < out.length; i++) out[i] = rng.next() & 0xff;
    return out;
  }
  let b: Buffer = Buffer.from(seeds[rng.below(seeds.length)]!);
  // Mostly one or two mutations (inputs close to valid reach deeper), sometimes up to eight.
  const ops = rng.below(4) === 0 ? 1 + rng.below(8) : 1 + rng.below(2);
  for (let k = 0; k < ops; k++) {
    b = step(b, target, rng);
    if (b.length > target.maxBytes) b = b.subarray(0, target.maxBytes);
  }
  return b;
}

function range(b: Buffer, rng: Rng, maxLen = 64): [number, number] {
  const start = rng.below(b.length + 1);
  const len = Math.min(b.length - start, 1 + rng.below(maxLen));
  return [start, start + Math.max(0, len)];
}

function step(b: Buffer, target: FuzzTarget, rng: Rng): Buffer {
  const n = b.length;
  switch (rng.below(11)) {
    case 0: {
      if (n === 0) return b;
      const i = rng.below(n);
      b[i]! ^= 1 << rng.below(8);
      return b;
    }
    case 1: {
      if (n === 0) return b;
      b[rng.below(n)] = INTERESTING_BYTES[rng.below(INTERESTING_BYTES.length)]!;
      return b;
    }
    case 2: {
      if (n < 2) return b;
      const i = rng.below(n - 1);
      b.writeUInt16BE(INTERESTING_U16[rng.below(INTERESTING_U16.length)]!, i);
      return b;
    }
    case 3: {
      if (n < 4) return b;
      const i = rng.below(n - 3);
      b.writeUInt32BE(INTERESTING_U32[rng.below(INTERESTING_U32.length)]!, i);
      return b;
    }
    case 4: {
      const [s, e] = range(b, rng, 128);
      return Buffer.concat([b.subarray(0, s), b.subarray(e)]);
    }
    case 5: {
      const [s, e] = range(b, rng);
      const at = rng.below(n + 1);
      return Buffer.concat([b.subarray(0, at), b.subarray(s, e), b.subarray(at)]);
    }
    case 6: {
      // A range repeated many times: long runs of separators, nested quotes, endless parameters.
      const [s, e] = range(b, rng, 8);
      if (e <= s) return b;
      // Up to 16 KB of repetition, and one time in eight up to the target's size limit.
      const room = rng.below(8) === 0 ? target.maxBytes - n : Math.min(16_384, target.maxBytes - n);
      const times = 2 + rng.below(Math.max(2, Math.floor(room / (e - s))));
      const piece = b.subarray(s, e);
      const reps = Buffer.allocUnsafe(piece.length * Math.min(times, 20_000));
      for (let o = 0; o < reps.length; o += piece.length) piece.copy(reps, o);
      return Buffer.concat([b.subarray(0, e), reps, b.subarray(e)]);
    }
    case 7: {
      const d = target.dictionary;
      if (d.length === 0) return b;
      const word = d[rng.below(d.length)]!;
      const at = rng.below(n + 1);
      if (rng.below(2) === 0) return Buffer.concat([b.subarray(0, at), word, b.subarray(at)]);
      const copy = Buffer.from(b);
      word.copy(copy, at, 0, Math.min(word.length, n - at));
      return copy;
    }
    case 8: {
      const other = target.seeds[rng.below(target.seeds.length)]!;
      const at = rng.below(n + 1);
      const from = rng.below(other.length + 1);
      return Buffer.concat([b.subarray(0, at), other.subarray(from)]);
    }
    case 9:
      return b.subarray(0, rng.below(n + 1));
    default: {
      // A run of one byte at a place: "\r\n\r\n..." , ";;;;", "\"\"\"\"".
      const at = rng.below(n + 1);
      const byte = INTERESTING_BYTES[rng.below(INTERESTING_BYTES.length)]!;
      const run = Buffer.alloc(1 + rng.below(Math.min(4096, target.maxBytes)), byte);
      return Buffer.concat([b.subarray(0, at), run, b.subarray(at)]);
    }
  }
}

/** Inputs slower than this are timed again before they count as the slowest (or as a hang). */
const RETIME_MS = 5;

/** Runs `count` mutated inputs through `target`. */
export function fuzz(target: FuzzTarget, options: FuzzOptions): FuzzReport {
  const rng = new Rng(options.seed ?? 1);
  const hangMs = options.hangMs ?? 50;
  const keep = options.keep ?? 5;
  const report: FuzzReport = { target: target.name, inputs: 0, refused: 0, crashCount: 0, hangCount: 0, crashes: [], hangs: [], slowestMs: 0, slowestBytes: 0, slowestInput: '', totalMs: 0 };
  const suspects: Array<{ index: number; input: Buffer; ms: number }> = [];
  const start = performance.now();
  const timed = (input: Buffer): { ms: number; error: unknown } => {
    let error: unknown;
    const t = performance.now();
    try {
      target.run(input);
    } catch (e) {
      error = e ?? new Error('undefined thrown');
    }
    return { ms: performance.now() - t, error };
  };
  for (let i = 0; i < options.count; i++) {
    const input = mutate(target, rng);
    let { ms, error } = timed(input);
    if (ms > RETIME_MS) {
      // Again, three times: a pause of the process (GC, another process on the CPU) is not the input's doing.
      for (let r = 0; r < 3 && ms > RETIME_MS; r++) ms = Math.min(ms, timed(input).ms);
      // Still slow: timed again at the end of the run, away from whatever slowed this moment down.
      if (ms > hangMs) suspects.push({ index: i, input, ms });
    }
    if (ms > report.slowestMs) {
      report.slowestMs = ms;
      report.slowestBytes = input.length;
      report.slowestInput = input.subarray(0, 65_536).toString('base64');
    }
    report.inputs++;
    if (error === undefined) continue;
    if (target.isExpected(error)) {
      report.refused++;
      continue;
    }
    report.crashCount++;
    if (report.crashes.length < keep) report.crashes.push(finding(i, input, error instanceof Error ? (error.stack ?? error.message) : String(error)));
  }
  for (const s of suspects) {
    let ms = s.ms;
    for (let r = 0; r < 5 && ms > hangMs; r++) ms = Math.min(ms, timed(s.input).ms);
    if (ms > hangMs) {
      report.hangCount++;
      if (report.hangs.length < keep) report.hangs.push(finding(s.index, s.input, `${ms.toFixed(1)} ms at best of 9 runs`));
    }
  }
  report.totalMs = performance.now() - start;
  return report;
}

function finding(index: number, input: Buffer, detail: string): FuzzFinding {
  return { index, bytes: input.length, input: input.subarray(0, 4096).toString('base64'), detail: detail.split('\n').slice(0, 6).join('\n') };
}

/** One line per target: what a bench or a CI log shows. */
export function describeReport(r: FuzzReport): string {
  const rate = r.inputs / (r.totalMs / 1000);
  return (
    `${r.target.padEnd(14)} ${r.inputs.toLocaleString('en-US').padStart(10)} inputs, ${String(r.crashCount).padStart(2)} crashes, ` +
    `${String(r.hangCount).padStart(2)} hangs > limit, slowest ${r.slowestMs.toFixed(2)} ms (${r.slowestBytes} B), ` +
    `${Math.round(rate).toLocaleString('en-US')}/s, ${((100 * r.refused) / Math.max(1, r.inputs)).toFixed(0)} % refused`
  );
}
