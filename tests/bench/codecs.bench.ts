/**
 * Codec and resampler figures: per-20 ms-frame encode/decode time and SNR on
 * tones and on espeak-ng speech, and Opus (our libopus WASM build) beside
 * libopus native — the library baresip's opus module links — at several
 * complexities on the same speech, both timed in CPU time. Prints tables;
 * not a pass/fail test.
 *
 * Then, at the complexity Parley uses: other libopus WASM builds
 * (--opus-wasm, e.g. scripts/build-opus-wasm.sh's or @evan/opus's
 * wasm/simd.wasm) timed beside ours and native in alternating rounds once
 * each is tiered up, with the SNR each gives on the speech; and how V8's
 * WebAssembly tiering treats our build in a fresh process (each in a child:
 * Node's default — Liftoff first, TurboFan for hot functions —,
 * --no-liftoff and --liftoff-only): CPU per frame over the first 1,000
 * frames, module compile included, against the tiered-up figure.
 *
 *   node tests/bench/codecs.bench.ts [--frames N] [--only-opus] [--opus-wasm a.wasm,b.wasm] [--no-tiering]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { defaultCodecRegistry } from '../../electron/media/codecs/codec-registry.ts';
import { OPUS_DEFAULTS, opusCodec } from '../../electron/media/codecs/opus-codec.ts';
import { makeTempDir } from '../interop/harness/managed-process.ts';
import { codecFrameSamples, type Codec } from '../../electron/media/codecs/codec.ts';
import { initMedia } from '../../electron/media/audio/init-media.ts';
import { Resampler } from '../../electron/media/audio/resampler.ts';
import { rmsDbfs, sine, snrDb } from '../helpers/audio-analysis.ts';
import { speechAt } from '../unit/media/codecs/speech-fixture.ts';
import { rawOpusPair } from './harness/raw-opus-wasm.ts';

const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const FRAMES = Number(argValue('--frames') ?? 1500);
const OPUS_WASM = (argValue('--opus-wasm') ?? '').split(',').filter((f) => f !== '');
const SELF = new URL(import.meta.url).pathname;
const ONLY_OPUS = process.argv.includes('--only-opus');
const cpuUs = (): number => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

/** The first frames Parley's Opus encodes and decodes in a fresh process, in blocks: CPU µs per frame of each block (module compile in the first). */
const TIER_BLOCKS = [100, 100, 100, 200, 500, 1000];

if (process.argv.includes('--tiering-child')) {
  const speech = (await speechAt(48000)) ?? sine(440, 48000, 48000 * 3, 12000);
  const count = Math.floor(speech.length / 960);
  const t0 = cpuUs();
  const enc = opusCodec.createEncoder();
  const dec = opusCodec.createDecoder();
  const compile = cpuUs() - t0;
  const perFrame: number[] = [];
  let i = 0;
  for (const n of TIER_BLOCKS) {
    const a = cpuUs();
    for (const end = i + n; i < end; i++) dec.decode(enc.encode(speech.subarray((i % count) * 960, ((i % count) + 1) * 960)));
    perFrame.push((cpuUs() - a) / n);
  }
  process.stdout.write(JSON.stringify({ compile, perFrame }) + '\n');
  process.exit(0);
}

function loop<T>(signal: Int16Array, n: number, frames: number, fn: (frame: Int16Array, i: number) => T): T[] {
  const out: T[] = [];
  const count = Math.floor(signal.length / n);
  for (let i = 0; i < frames; i++) {
    const k = i % count;
    out.push(fn(signal.subarray(k * n, (k + 1) * n), i));
  }
  return out;
}

function timeCodec(codec: Codec, signal: Int16Array): { enc: number; dec: number; bytes: number } {
  const n = codecFrameSamples(codec);
  const enc = codec.createEncoder();
  const dec = codec.createDecoder();
  const warm = loop(signal, n, 200, (f) => enc.encode(f));
  for (const p of warm) dec.decode(p);
  let t0 = process.hrtime.bigint();
  const payloads = loop(signal, n, FRAMES, (f) => enc.encode(f));
  const encNs = Number(process.hrtime.bigint() - t0);
  t0 = process.hrtime.bigint();
  for (const p of payloads) dec.decode(p);
  const decNs = Number(process.hrtime.bigint() - t0);
  enc.destroy();
  dec.destroy();
  const bytes = payloads.reduce((s, p) => s + p.length, 0) / payloads.length;
  return { enc: encNs / FRAMES / 1000, dec: decNs / FRAMES / 1000, bytes };
}

function snrOf(codec: Codec, ref: Int16Array): { snr: number; dLevel: number } {
  const n = codecFrameSamples(codec);
  const enc = codec.createEncoder();
  const dec = codec.createDecoder();
  const usable = ref.subarray(0, ref.length - (ref.length % n));
  const out = new Int16Array(usable.length);
  for (let i = 0; i < usable.length; i += n) out.set(dec.decode(enc.encode(usable.subarray(i, i + n))), i);
  enc.destroy();
  dec.destroy();
  const skip = codec.sampleRate / 10;
  return { snr: snrDb(usable, out, { skip, maxLag: 1000 }), dLevel: rmsDbfs(out.subarray(skip)) - rmsDbfs(usable.subarray(skip)) };
}

function timeResampler(from: number, to: number, quality: number): number {
  const r = new Resampler(from, to, { quality });
  const n = Math.round(from / 50);
  const x = sine(997, from, n * 50, 12000);
  loop(x, n, 200, (f) => r.process(f));
  const t0 = process.hrtime.bigint();
  loop(x, n, FRAMES, (f) => r.process(f));
  const us = Number(process.hrtime.bigint() - t0) / FRAMES / 1000;
  r.destroy();
  return us;
}

/** 48→16→48 kHz on five tones 300–6300 Hz (a pure 1 kHz tone comes back bit-exact, which says little). */
function resampleRoundTripSnr(quality: number): number {
  const down = new Resampler(48000, 16000, { quality });
  const up = new Resampler(16000, 48000, { quality });
  const x = new Int16Array(48000);
  for (const hz of [300, 1013, 2500, 4100, 6300]) sine(hz, 48000, 48000, 4000).forEach((v, i) => (x[i] = x[i]! + v));
  const y = new Int16Array(48000);
  for (let i = 0; i < 48000; i += 960) y.set(up.process(down.process(x.subarray(i, i + 960))), i);
  down.destroy();
  up.destroy();
  return snrDb(x, y, { skip: 4800, maxLag: 2000 });
}

/** 16→48→16 kHz on speech: limited by the low-pass near 8 kHz, not by the interpolation. */
function speechRoundTripSnr(quality: number, speech: Int16Array | undefined): number {
  if (!speech) return NaN;
  const up = new Resampler(16000, 48000, { quality });
  const down = new Resampler(48000, 16000, { quality });
  const x = speech.subarray(0, speech.length - (speech.length % 320));
  const y = new Int16Array(x.length);
  for (let i = 0; i < x.length; i += 320) y.set(down.process(up.process(x.subarray(i, i + 320))), i);
  up.destroy();
  down.destroy();
  return snrDb(x, y, { skip: 1600, maxLag: 2000 });
}

await initMedia();
const fmt = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : String(v)).padStart(7);

if (!ONLY_OPUS) {
  console.log(`Per 20 ms frame, ${FRAMES} frames (node ${process.version}, ${process.arch})`);
  console.log('codec   encode µs  decode µs  bytes/frame');
  for (const codec of defaultCodecRegistry.list()) {
    const signal = (await speechAt(codec.sampleRate)) ?? sine(440, codec.sampleRate, codec.sampleRate, 12000);
    const t = timeCodec(codec, signal);
    console.log(`${codec.name.padEnd(6)} ${fmt(t.enc)}    ${fmt(t.dec)}    ${fmt(t.bytes, 0)}`);
  }

  console.log('\nSNR after encode/decode (delay-aligned, dB; level change in dB)');
  console.log('codec    300Hz  1013Hz   3000Hz   5000Hz   speech   speech Δlevel');
  for (const codec of defaultCodecRegistry.list()) {
    const cells = [300, 1013, 3000, 5000].map((hz) =>
      hz < codec.sampleRate / 2 - 500 ? fmt(snrOf(codec, sine(hz, codec.sampleRate, codec.sampleRate * 2, 10000)).snr) : '    n/a',
    );
    const speech = await speechAt(codec.sampleRate);
    const s = speech ? snrOf(codec, speech) : undefined;
    console.log(`${codec.name.padEnd(6)} ${cells.join('  ')}  ${s ? fmt(s.snr) : '    n/a'}  ${s ? fmt(s.dLevel, 2) : ''}`);
  }

  console.log('\nResampler (speexdsp WASM) per 20 ms frame');
  const speech16 = await speechAt(16000);
  for (const q of [3, 5, 8]) {
    const figures = [
      [48000, 16000],
      [16000, 48000],
      [48000, 8000],
      [8000, 48000],
      [44100, 48000],
    ].map(([a, b]) => `${a! / 1000}→${b! / 1000}k ${timeResampler(a!, b!, q).toFixed(1)} µs`);
    console.log(`q${q}: ${figures.join(', ')}`);
    console.log(
      `    48→16→48 kHz tones SNR ${resampleRoundTripSnr(q).toFixed(1)} dB, 16→48→16 kHz speech SNR ${speechRoundTripSnr(q, speech16).toFixed(1)} dB`,
    );
  }
}

// ---- Opus: our WASM build beside libopus native ------------------------------------------------

/**
 * A C harness against the system's libopus.so.0 (no headers needed: the five
 * prototypes are declared here), timing encode and decode of 20 ms frames of
 * the PCM on stdin in process CPU time. Undefined without gcc or libopus.
 */
const NATIVE_OPUS_C = `
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
typedef struct OpusEncoder OpusEncoder; typedef struct OpusDecoder OpusDecoder;
OpusEncoder *opus_encoder_create(int fs, int ch, int app, int *err);
int opus_encoder_ctl(OpusEncoder *st, int req, ...);
int opus_encode(OpusEncoder *st, const short *pcm, int frame, unsigned char *data, int max);
OpusDecoder *opus_decoder_create(int fs, int ch, int *err);
int opus_decode(OpusDecoder *st, const unsigned char *data, int len, short *pcm, int frame, int fec);
static double now(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec * 1e6 + t.tv_nsec / 1e3; }
static short pcm[48000 * 120];
int main(int argc, char **argv) {
  int complexity = atoi(argv[1]), bitrate = atoi(argv[2]), fec = atoi(argv[3]), frames = atoi(argv[4]);
  size_t n = fread(pcm, 2, sizeof pcm / 2, stdin);
  int count = (int)(n / 960), err;
  if (count < 1) return 2;
  OpusEncoder *e = opus_encoder_create(48000, 1, 2048, &err);
  OpusDecoder *d = opus_decoder_create(48000, 1, &err);
  opus_encoder_ctl(e, 4002, bitrate); opus_encoder_ctl(e, 4010, complexity); opus_encoder_ctl(e, 4012, fec); opus_encoder_ctl(e, 4014, 10);
  unsigned char pkt[4000]; short out[5760]; double enc = 0, dec = 0;
  for (int i = 0; i < 200 + frames; i++) {
    double t0 = now(); int l = opus_encode(e, pcm + (i % count) * 960, 960, pkt, sizeof pkt); double t1 = now();
    opus_decode(d, pkt, l, out, 5760, 0); double t2 = now();
    if (i >= 200) { enc += t1 - t0; dec += t2 - t1; }
  }
  printf("%.2f %.2f\\n", enc / frames, dec / frames);
  return 0;
}
`;

function buildNativeOpus(dir: string): string | undefined {
  const lib = ['/usr/lib/x86_64-linux-gnu/libopus.so.0', '/usr/lib/aarch64-linux-gnu/libopus.so.0', '/usr/lib/libopus.so.0'].find((p) => existsSync(p));
  if (!lib) return undefined;
  writeFileSync(join(dir, 'opus-bench.c'), NATIVE_OPUS_C);
  const exe = join(dir, 'opus-bench');
  const r = spawnSync('gcc', ['-O2', '-o', exe, join(dir, 'opus-bench.c'), lib], { encoding: 'utf8' });
  return r.status === 0 ? exe : undefined;
}

/** Our encoder and decoder over the same frames, µs per frame of CPU time (process.cpuUsage). */
function wasmOpus(signal: Int16Array, complexity: number): { enc: number; dec: number } {
  const enc = opusCodec.createEncoder({ ...OPUS_DEFAULTS, complexity, bitrate: 32000, fec: true, packetLossPercent: 10 });
  const dec = opusCodec.createDecoder();
  const count = Math.floor(signal.length / 960);
  const frame = (i: number) => signal.subarray((i % count) * 960, ((i % count) + 1) * 960);
  // Long enough for V8 to have moved this complexity's hot functions to optimized code (see tiering()).
  for (let i = 0; i < 1000; i++) dec.decode(enc.encode(frame(i)));
  let encUs = 0;
  let decUs = 0;
  for (let i = 0; i < FRAMES; i++) {
    const c0 = process.cpuUsage();
    const p = enc.encode(frame(i));
    const c1 = process.cpuUsage();
    dec.decode(p);
    const c2 = process.cpuUsage();
    encUs += c1.user + c1.system - c0.user - c0.system;
    decUs += c2.user + c2.system - c1.user - c1.system;
  }
  enc.destroy();
  dec.destroy();
  return { enc: encUs / FRAMES, dec: decUs / FRAMES };
}

console.log('\nOpus 48 kHz mono, 32 kbit/s, FEC, 20 ms frames on speech: encode + decode per frame, CPU µs (our WASM libopus vs libopus native, as baresip runs it)');
const speech48 = (await speechAt(48000)) ?? sine(440, 48000, 48000 * 3, 12000);
const tmp = makeTempDir('codecs-bench');
try {
  const native = buildNativeOpus(tmp.path);
  if (!native) console.log('  (no gcc or libopus.so.0 here: native figures skipped)');
  console.log('  complexity   WASM enc   dec   enc+dec     native enc   dec   enc+dec     ratio');
  for (const complexity of [0, 5, OPUS_DEFAULTS.complexity, 8, 9, 10].filter((c, i, all) => all.indexOf(c) === i)) {
    const used = complexity === OPUS_DEFAULTS.complexity ? ' (ours)' : '';
    const w = wasmOpus(speech48, complexity);
    let n = { enc: NaN, dec: NaN };
    if (native) {
      const r = spawnSync(native, [String(complexity), '32000', '1', String(FRAMES)], { input: Buffer.from(speech48.buffer, speech48.byteOffset, speech48.byteLength), encoding: 'utf8' });
      const [e, d] = r.stdout.trim().split(' ').map(Number);
      n = { enc: e ?? NaN, dec: d ?? NaN };
    }
    console.log(`  ${(String(complexity) + used).padEnd(11)} ${fmt(w.enc)} ${fmt(w.dec)} ${fmt(w.enc + w.dec)}      ${fmt(n.enc)} ${fmt(n.dec)} ${fmt(n.enc + n.dec)}     ${fmt((w.enc + w.dec) / (n.enc + n.dec), 2)}×`);
  }
  compareBuilds(speech48, native);
} finally {
  tmp.remove();
}
if (!process.argv.includes('--no-tiering')) tiering();

// ---- Opus builds side by side, and V8's tiering of ours ------------------------------------------

/** Parley's encoder settings as libopus ctl requests (opus_defines.h), for builds driven through the C API. */
function parleySettings(): [number, number][] {
  const o = OPUS_DEFAULTS;
  return [
    [4002, o.bitrate],
    [4006, 1],
    [4010, o.complexity],
    [4012, o.fec ? 1 : 0],
    [4014, o.packetLossPercent],
    [4016, o.dtx ? 1 : 0],
    [4024, 3001],
  ];
}

interface Pair {
  encode(pcm: Int16Array): Uint8Array;
  decode(packet: Uint8Array): Int16Array;
}

function timePair(pair: Pair, speech: Int16Array, frames: number): { enc: number; dec: number } {
  const count = Math.floor(speech.length / 960);
  let enc = 0;
  let dec = 0;
  for (let i = 0; i < frames; i++) {
    const a = cpuUs();
    const p = pair.encode(speech.subarray((i % count) * 960, ((i % count) + 1) * 960));
    const b = cpuUs();
    pair.decode(p);
    enc += b - a;
    dec += cpuUs() - b;
  }
  return { enc: enc / frames, dec: dec / frames };
}

function pairSnr(pair: Pair, speech: Int16Array): number {
  const usable = speech.subarray(0, speech.length - (speech.length % 960));
  const out = new Int16Array(usable.length);
  for (let i = 0; i < usable.length; i += 960) out.set(pair.decode(pair.encode(usable.subarray(i, i + 960))), i);
  return snrDb(usable, out, { skip: 4800, maxLag: 1000 });
}

function median(v: number[]): number {
  return [...v].sort((a, b) => a - b)[v.length >> 1]!;
}

/**
 * At Parley's complexity: our build (opusscript's libopus, through our codec),
 * each --opus-wasm build and native, 3 rounds in alternating order after
 * 1,000 frames of warm-up each (every hot function tiered up), medians.
 */
function compareBuilds(speech: Int16Array, native: string | undefined): void {
  const builds: { name: string; make: () => Pair }[] = [
    {
      name: 'ours (opusscript)',
      make: () => {
        const e = opusCodec.createEncoder();
        const d = opusCodec.createDecoder();
        return { encode: (pcm) => e.encode(pcm), decode: (p) => d.decode(p) };
      },
    },
    ...OPUS_WASM.map((file) => ({ name: basename(file), make: () => rawOpusPair(file, parleySettings()) })),
  ];
  const pairs = builds.map((b) => b.make());
  pairs.forEach((p) => timePair(p, speech, 1000));
  const sums: number[][] = builds.map(() => []);
  const parts: { enc: number; dec: number }[][] = builds.map(() => []);
  const nativeSums: number[] = [];
  for (let round = 0; round < 3; round++) {
    const order = builds.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) {
      const t = timePair(pairs[i]!, speech, FRAMES);
      sums[i]!.push(t.enc + t.dec);
      parts[i]!.push(t);
    }
    if (native) {
      const r = spawnSync(native, [String(OPUS_DEFAULTS.complexity), String(OPUS_DEFAULTS.bitrate), OPUS_DEFAULTS.fec ? '1' : '0', String(FRAMES)], {
        input: Buffer.from(speech.buffer, speech.byteOffset, speech.byteLength),
        encoding: 'utf8',
      });
      const [e, d] = r.stdout.trim().split(' ').map(Number);
      nativeSums.push((e ?? NaN) + (d ?? NaN));
    }
  }
  const nat = nativeSums.length ? median(nativeSums) : NaN;
  console.log(`\nOpus builds at complexity ${OPUS_DEFAULTS.complexity} (Parley's settings), tiered up, 3 rounds alternating, medians; CPU µs per 20 ms frame, SNR on the speech`);
  console.log('  build                     enc     dec   enc+dec   rounds (enc+dec)        vs native   SNR dB');
  builds.forEach((b, i) => {
    const enc = median(parts[i]!.map((t) => t.enc));
    const dec = median(parts[i]!.map((t) => t.dec));
    const snr = pairSnr(b.make(), speech);
    console.log(
      `  ${b.name.padEnd(22)} ${fmt(enc)} ${fmt(dec)} ${fmt(median(sums[i]!))}   ${sums[i]!.map((v) => v.toFixed(0)).join(' / ').padEnd(22)} ${fmt(median(sums[i]!) / nat, 2)}×  ${fmt(snr, 2)}`,
    );
  });
  console.log(`  ${'libopus native'.padEnd(22)}                 ${fmt(nat)}   ${nativeSums.map((v) => v.toFixed(0)).join(' / ')}`);
}

/** Our build in fresh processes under V8's three WebAssembly tiering modes, 3 runs each in turn, medians per block. */
function tiering(): void {
  const modes = [
    { name: 'default (Liftoff, then TurboFan)', flags: [] as string[] },
    { name: '--no-liftoff (TurboFan only)', flags: ['--no-liftoff'] },
    { name: '--liftoff-only', flags: ['--liftoff-only'] },
  ];
  const runs: { compile: number; perFrame: number[] }[][] = modes.map(() => []);
  for (let r = 0; r < 3; r++) {
    modes.forEach((m, i) => {
      const c = spawnSync(process.execPath, [...m.flags, SELF, '--tiering-child'], { encoding: 'utf8', timeout: 120_000 });
      const line = c.stdout.trim().split('\n').pop() ?? '';
      if (c.status === 0 && line.startsWith('{')) runs[i]!.push(JSON.parse(line) as { compile: number; perFrame: number[] });
    });
  }
  let edges = 0;
  const heads = TIER_BLOCKS.map((n) => {
    const h = `${edges}–${edges + n}`;
    edges += n;
    return h.padStart(11);
  });
  console.log('\nOur Opus in a fresh process: CPU µs per frame (encode + decode at Parley\'s settings) by frames since the first, medians of 3 processes per mode');
  console.log(`  mode                              compile ms${heads.join('')}   above the last block, ms`);
  modes.forEach((m, i) => {
    const rs = runs[i]!;
    if (rs.length === 0) return console.log(`  ${m.name}: no figures`);
    const blocks = TIER_BLOCKS.map((_, b) => median(rs.map((x) => x.perFrame[b]!)));
    const steady = blocks[blocks.length - 1]!;
    const above = blocks.reduce((s, v, b) => s + Math.max(0, v - steady) * TIER_BLOCKS[b]!, 0) / 1000;
    console.log(`  ${m.name.padEnd(33)} ${fmt(median(rs.map((x) => x.compile)) / 1000)}   ${blocks.map((v) => fmt(v, 0).padStart(11)).join('')}   ${fmt(above)}`);
  });
}
