/**
 * What the mouth-to-ear benchmarks share (latency.bench.ts): a click train
 * (4 ms bursts of 1 kHz at irregular 300–700 ms intervals) as samples and as
 * a WAV file, the delay between two recordings of it by cross-correlation,
 * RTP on loopback captured with dumpcap and rebuilt into a signal on the
 * capture's clock, and baresip's echo line (the reference's turnaround).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeUlaw } from '../../../electron/media/codecs/g711.ts';
import { startBaresip } from '../../interop/harness/baresip.ts';
import { freePort, portFree } from '../../interop/harness/free-port.ts';
import { ManagedProcess, sleep } from '../../interop/harness/managed-process.ts';

/** PCMU's clock rate: the wire's signals are rebuilt at it. */
export const RATE = 8000;

export const f1 = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : '–');
export const median = (xs: number[]): number => {
  const s = xs.filter(Number.isFinite).sort((x, y) => x - y);
  if (s.length === 0) return NaN;
  return s.length % 2 === 1 ? (s[s.length >> 1] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

// ---- the click train -----------------------------------------------------------------------

/** Click onsets (samples) at irregular 300–700 ms intervals, so no lag below 700 ms matches a wrong click. */
export function clickOnsets(seconds: number, rate: number): number[] {
  const out: number[] = [];
  let seed = 12345;
  let t = Math.round(0.5 * rate);
  while (t < (seconds - 0.5) * rate) {
    out.push(t);
    seed = (seed * 1103515245 + 12345) >>> 0;
    t += Math.round((0.3 + 0.4 * (seed / 2 ** 32)) * rate);
  }
  return out;
}

/** A 4 ms burst of 1 kHz under a Hann window: short, band-limited (survives G.711 and resampling). */
export function clickTrain(seconds: number, rate: number): Int16Array {
  const x = new Int16Array(Math.round(seconds * rate));
  const len = Math.round(0.004 * rate);
  for (const onset of clickOnsets(seconds, rate)) {
    for (let i = 0; i < len; i++) {
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (len - 1));
      x[onset + i] = Math.round(20000 * w * Math.sin((2 * Math.PI * 1000 * i) / rate));
    }
  }
  return x;
}

export function writeWav(path: string, samples: Int16Array, rate: number): void {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + samples.length * 2, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(samples.length * 2, 40);
  writeFileSync(path, Buffer.concat([h, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)]));
}

// ---- delay by cross-correlation ------------------------------------------------------------

/** Energy per 1 ms bin. */
export function envelope(x: Float64Array | Int16Array, rate: number): Float64Array {
  const bin = rate / 1000;
  const out = new Float64Array(Math.floor(x.length / bin));
  for (let b = 0; b < out.length; b++) {
    let e = 0;
    for (let i = b * bin; i < (b + 1) * bin; i++) e += (x[i] as number) * (x[i] as number);
    out[b] = e;
  }
  return out;
}

/**
 * The lag (ms, with sample resolution) at which `y` best matches `x` delayed:
 * first on 1 ms energy envelopes over [minMs, maxMs], then sample by sample
 * within ±2 ms of that on the signals themselves.
 */
export function delayMs(x: Float64Array | Int16Array, y: Float64Array | Int16Array, rate: number, minMs: number, maxMs: number): number {
  const ex = envelope(x, rate);
  const ey = envelope(y, rate);
  let best = NaN;
  let bestScore = -Infinity;
  for (let lag = Math.max(0, minMs); lag <= maxMs; lag++) {
    let s = 0;
    for (let i = 0; i + lag < ey.length && i < ex.length; i++) s += (ex[i] as number) * (ey[i + lag] as number);
    if (s > bestScore) {
      bestScore = s;
      best = lag;
    }
  }
  if (!Number.isFinite(best) || bestScore <= 0) return NaN;
  const per = rate / 1000;
  let fine = best * per;
  let fineScore = -Infinity;
  for (let lag = Math.max(0, (best - 2) * per); lag <= (best + 2) * per; lag++) {
    let s = 0;
    for (let i = 0; i + lag < y.length && i < x.length; i++) s += Math.abs((x[i] as number) * (y[i + lag] as number));
    if (s > fineScore) {
      fineScore = s;
      fine = lag;
    }
  }
  return (fine / rate) * 1000;
}

// ---- the capture -----------------------------------------------------------------------------

export interface WirePacket {
  atMs: number;
  srcPort: number;
  dstPort: number;
  payload: Buffer;
}

/** UDP datagrams of a classic pcap file (Ethernet or Linux cooked link layer, IPv4). */
export function readPcap(path: string): WirePacket[] {
  const b = readFileSync(path);
  if (b.length < 24) return [];
  const magic = b.readUInt32LE(0);
  const nanos = magic === 0xa1b23c4d;
  if (magic !== 0xa1b2c3d4 && !nanos) throw new Error(`${path}: not a little-endian pcap file`);
  const link = b.readUInt32LE(20);
  const l2 = link === 1 ? 14 : link === 113 ? 16 : link === 0 ? 4 : -1;
  if (l2 < 0) throw new Error(`${path}: link type ${link} not handled`);
  const out: WirePacket[] = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const atMs = b.readUInt32LE(o) * 1000 + b.readUInt32LE(o + 4) / (nanos ? 1e6 : 1e3);
    const len = b.readUInt32LE(o + 8);
    const p = o + 16;
    o = p + len;
    const ip = p + l2;
    if (ip + 28 > b.length || b[ip]! >> 4 !== 4 || b[ip + 9] !== 17) continue;
    const udp = ip + (b[ip]! & 0x0f) * 4;
    out.push({ atMs, srcPort: b.readUInt16BE(udp), dstPort: b.readUInt16BE(udp + 2), payload: b.subarray(udp + 8, Math.min(o, b.length)) });
  }
  return out;
}

/**
 * One direction's PCMU RTP as a signal on the capture's time line: sample i
 * is at `startMs + i / 8 ms`, where the packet with the least transit sets
 * the mapping and every sample is placed when it was spoken (its packet's
 * departure minus one ptime).
 */
export function rebuild(packets: WirePacket[]): { startMs: number; samples: Int16Array } | undefined {
  const rtp = packets.filter((p) => p.payload.length > 12 && p.payload[0]! >> 6 === 2 && (p.payload[1]! & 0x7f) === 0);
  if (rtp.length < 50) return undefined;
  const ts0 = rtp[0]!.payload.readUInt32BE(4);
  let anchor = Infinity;
  let end = 0;
  for (const p of rtp) {
    const rel = (p.payload.readUInt32BE(4) - ts0) | 0;
    const n = p.payload.length - 12;
    // The packet left once its last sample was spoken: rel + n samples after the stream's origin.
    anchor = Math.min(anchor, p.atMs - ((rel + n) / RATE) * 1000);
    end = Math.max(end, rel + n);
  }
  const samples = new Int16Array(end);
  for (const p of rtp) {
    const rel = (p.payload.readUInt32BE(4) - ts0) | 0;
    if (rel >= 0) samples.set(decodeUlaw(p.payload.subarray(12)), rel);
  }
  return { startMs: anchor, samples };
}

// ---- click by click ------------------------------------------------------------------------

/**
 * Where the clicks start in `x` (ms from its first sample): 1 ms energy bins,
 * a bin above a twentieth of the loudest after at least 150 ms of quiet.
 */
export function detectClicksMs(x: Int16Array | Float64Array, rate: number): number[] {
  const e = envelope(x, rate);
  let loudest = 0;
  for (const v of e) if (v > loudest) loudest = v;
  const threshold = loudest / 20;
  const out: number[] = [];
  let quietSince = 0;
  for (let b = 0; b < e.length; b++) {
    if ((e[b] as number) < threshold) continue;
    if (b - quietSince >= 150) out.push(b);
    quietSince = b + 1;
  }
  return out;
}

/**
 * Pairs the clicks of two recordings of the same train (onset times, ms,
 * each on its own clock): `a[i]` is the same click as `b[j]` for every
 * returned [i, j]. A recording made in real time stretches or skips here and
 * there (a starved audio thread, a jitter buffer adapting), so the train is
 * not matched as a whole: a click of `a` agrees with one of `b` when the
 * intervals to their neighbours on both sides agree within 40 ms (the
 * irregular spacing makes that pattern rare by chance); the index shift most
 * of those agreements share (and any other shared by at least three, after a
 * click went missing) pairs the clicks; a click next to a stretch or a
 * skip is left out, and each click is used once.
 */
export function pairClicks(a: number[], b: number[]): [number, number][] {
  const gap = (x: number[], i: number) => (i > 0 && i < x.length ? (x[i] as number) - (x[i - 1] as number) : NaN);
  const votes = new Map<number, number>();
  for (let i = 1; i + 1 < a.length; i++) {
    for (let j = 1; j + 1 < b.length; j++) {
      if (Math.abs(gap(a, i) - gap(b, j)) <= 40 && Math.abs(gap(a, i + 1) - gap(b, j + 1)) <= 40) votes.set(i - j, (votes.get(i - j) ?? 0) + 1);
    }
  }
  const shifts = [...votes].filter(([, n], k, all) => n >= 3 || n === Math.max(...all.map(([, m]) => m))).sort((x, y) => y[1] - x[1]);
  const pairs = new Map<number, number>();
  const used = new Set<number>();
  for (const [shift] of shifts) {
    for (let i = 0; i < a.length; i++) {
      const j = i - shift;
      if (j < 0 || j >= b.length || pairs.has(i) || used.has(j)) continue;
      // Both neighbours' intervals agree (one, at either end of a recording).
      const before = i === 0 || j === 0 || Math.abs(gap(a, i) - gap(b, j)) <= 40;
      const after = i + 1 === a.length || j + 1 === b.length || Math.abs(gap(a, i + 1) - gap(b, j + 1)) <= 40;
      if (before && after) {
        pairs.set(i, j);
        used.add(j);
      }
    }
  }
  return [...pairs].sort((x, y) => x[0] - y[0]);
}

/**
 * The clicks of one direction of PCMU RTP: their onsets on the stream's
 * media time (RTP timestamps, ms) and when the packet that carried each
 * onset was on the wire (capture clock, ms).
 */
export function wireClicks(packets: WirePacket[]): { mediaMs: number[]; wireMs: number[] } {
  const rtp = packets.filter((p) => p.payload.length > 12 && p.payload[0]! >> 6 === 2 && (p.payload[1]! & 0x7f) === 0);
  if (rtp.length < 50) return { mediaMs: [], wireMs: [] };
  const ts0 = rtp[0]!.payload.readUInt32BE(4);
  let end = 0;
  for (const p of rtp) end = Math.max(end, ((p.payload.readUInt32BE(4) - ts0) | 0) + p.payload.length - 12);
  const samples = new Int16Array(end);
  const at = new Float64Array(Math.ceil(end / RATE * 1000) + 1).fill(NaN);
  for (const p of rtp) {
    const rel = (p.payload.readUInt32BE(4) - ts0) | 0;
    if (rel < 0) continue;
    samples.set(decodeUlaw(p.payload.subarray(12)), rel);
    for (let ms = Math.floor((rel / RATE) * 1000); ms < ((rel + p.payload.length - 12) / RATE) * 1000; ms++) at[ms] = p.atMs;
  }
  const mediaMs = detectClicksMs(samples, RATE);
  return { mediaMs, wireMs: mediaMs.map((ms) => at[ms] as number) };
}

/**
 * How unevenly a sender's packets left: each packet's departure minus its
 * RTP timestamp (ms), less the least of them; the median and the 99th
 * percentile. A sender paced by a steady clock keeps both near 0; a bursty
 * one makes the receiver's jitter buffer hold more.
 */
export function sendSpreadMs(packets: WirePacket[]): { p50: number; p99: number } {
  const rtp = packets.filter((p) => p.payload.length > 12 && p.payload[0]! >> 6 === 2 && (p.payload[1]! & 0x7f) === 0);
  if (rtp.length < 2) return { p50: NaN, p99: NaN };
  const ts0 = rtp[0]!.payload.readUInt32BE(4);
  const r = rtp.map((p) => p.atMs - (((p.payload.readUInt32BE(4) - ts0) | 0) / RATE) * 1000);
  const least = Math.min(...r);
  const s = r.map((x) => x - least).sort((x, y) => x - y);
  return { p50: s[s.length >> 1] as number, p99: s[Math.min(s.length - 1, Math.floor(0.99 * s.length))] as number };
}

/** A signal on a clock: sample i is at `startMs + i / rate` ms. */
export interface TimedSignal {
  startMs: number;
  samples: Int16Array | Float64Array;
}

/**
 * How much later `b` carries `a`'s clicks, ms, both on one clock (rate
 * `rate`); lags from −`marginMs` to `maxMs` are searched.
 */
export function alignedDelayMs(a: TimedSignal, b: TimedSignal, rate: number, maxMs: number, marginMs = 0): number {
  // b on a's grid, pushed `marginMs` later so that a small negative lag (clock mapping error) is still found.
  const shift = Math.round(((b.startMs - a.startMs + marginMs) / 1000) * rate);
  const y = new Float64Array(b.samples.length + Math.max(0, shift));
  for (let i = 0; i < b.samples.length; i++) if (i + shift >= 0) y[i + shift] = b.samples[i] as number;
  return delayMs(a.samples, y, rate, 0, maxMs + marginMs) - marginMs;
}

/** E's turnaround: the echo stream against the stream sent to E, both on the wire's clock. */
export function turnaroundMs(packets: WirePacket[], driverPort: number): number {
  const toE = rebuild(packets.filter((p) => p.srcPort === driverPort));
  const fromE = rebuild(packets.filter((p) => p.dstPort === driverPort));
  if (!toE || !fromE) return NaN;
  return alignedDelayMs(toE, fromE, RATE, 680);
}

export class Capture {
  readonly #proc: ManagedProcess;
  readonly file: string;

  private constructor(proc: ManagedProcess, file: string) {
    this.#proc = proc;
    this.file = file;
  }

  static available(): boolean {
    return spawnSync('dumpcap', ['-v'], { stdio: 'ignore' }).status === 0 && process.getuid?.() === 0;
  }

  /** dumpcap on loopback for one UDP port, classic pcap format. */
  static async start(dir: string, port: number): Promise<Capture> {
    const file = join(dir, `rtp-${port}.pcap`);
    const proc = new ManagedProcess('dumpcap', ['-q', '-i', 'lo', '-f', `udp port ${port}`, '-P', '-w', file]);
    const ok = await proc.waitForOutput(/Capturing on/i, 5000);
    // dumpcap -q still says it started on stderr; give the filter a moment either way.
    await sleep(ok ? 100 : 1000);
    return new Capture(proc, file);
  }

  async stop(): Promise<WirePacket[]> {
    await sleep(200);
    await this.#proc.stop(3000);
    return readPcap(this.file);
  }
}

// ---- the echo lines ---------------------------------------------------------------------------

export interface EchoLine {
  uri: string;
  stop(): Promise<void>;
}

export async function baresipEcho(options: { rtpPort?: number } = {}): Promise<EchoLine> {
  const b = await startBaresip({
    accounts: [{ aor: 'sip:echo@127.0.0.1', regint: 0, answermode: 'manual', audioCodecs: 'PCMU/8000/1' }],
    extraModules: ['echo.so'],
    audioSource: 'aubridge,echo',
    dumpAudio: false,
    ...(options.rtpPort ? { extraConfig: [`rtp_ports ${options.rtpPort}-${options.rtpPort + 1}`] } : {}),
  });
  return { uri: `sip:echo@127.0.0.1:${b.sipPort}`, stop: () => b.stop() };
}

/** An even UDP port whose successor is free too (baresip binds RTCP on RTP + 1). */
export async function freeEvenPortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await freePort(['udp4']);
    const even = p % 2 === 0 ? p : p + 1;
    if ((await portFree('udp4', even)) && (await portFree('udp4', even + 1))) return even;
  }
  throw new Error('no free RTP port pair');
}
