/**
 * Codec and resampler figures: per-20 ms-frame encode/decode time and SNR on
 * tones and on espeak-ng speech, and Opus (our libopus WASM build) beside
 * libopus native — the library baresip's opus module links — at several
 * complexities on the same speech, both timed in CPU time. Prints tables;
 * not a pass/fail test.
 *
 *   node tests/bench/codecs.bench.ts [--frames N]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultCodecRegistry } from '../../electron/media/codecs/codec-registry.ts';
import { OPUS_DEFAULTS, opusCodec } from '../../electron/media/codecs/opus-codec.ts';
import { makeTempDir } from '../interop/harness/managed-process.ts';
import { codecFrameSamples, type Codec } from '../../electron/media/codecs/codec.ts';
import { initMedia } from '../../electron/media/audio/init-media.ts';
import { Resampler } from '../../electron/media/audio/resampler.ts';
import { rmsDbfs, sine, snrDb } from '../helpers/audio-analysis.ts';
import { speechAt } from '../unit/media/codecs/speech-fixture.ts';

const framesArg = process.argv.indexOf('--frames');
const FRAMES = framesArg > 0 ? Number(process.argv[framesArg + 1]) : 1500;

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
  for (let i = 0; i < 200; i++) dec.decode(enc.encode(frame(i)));
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
} finally {
  tmp.remove();
}
