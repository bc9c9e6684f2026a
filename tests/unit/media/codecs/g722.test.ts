import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { G722Decoder, G722Encoder } from '../../../../electron/media/codecs/g722.ts';
import { g722Codec } from '../../../../electron/media/codecs/g722-codec.ts';
import { rtpTicks } from '../../../../electron/media/codecs/codec.ts';
import { dominantFrequency, findLag, rmsDbfs, sine, snrDb } from '../../../helpers/audio-analysis.ts';
import { speechAt } from './speech-fixture.ts';

const RATE = 16000;

/** A deterministic test signal: two tones plus pseudo-random noise. */
function testSignal(n: number): Int16Array {
  const out = new Int16Array(n);
  let seed = 1;
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    out[i] = Math.round(
      12000 * Math.sin((2 * Math.PI * 1000 * i) / RATE) +
        6000 * Math.sin((2 * Math.PI * 5300 * i) / RATE) +
        ((seed >> 8) % 2000) -
        1000,
    );
  }
  return out;
}

function roundTrip(ref: Int16Array, frame = 320): { codes: Uint8Array; out: Int16Array } {
  const enc = g722Codec.createEncoder();
  const dec = g722Codec.createDecoder();
  const codes = new Uint8Array(ref.length / 2);
  const out = new Int16Array(ref.length);
  for (let i = 0; i < ref.length; i += frame) {
    const p = enc.encode(ref.subarray(i, i + frame));
    assert.equal(p.length, frame / 2);
    codes.set(p, i / 2);
    out.set(dec.decode(p), i);
  }
  return { codes, out };
}

function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

test('G722 codec description follows RFC 3551 (clock 8000, PCM 16000, PT 9)', () => {
  assert.equal(g722Codec.name, 'G722');
  assert.equal(g722Codec.clockRate, 8000);
  assert.equal(g722Codec.sampleRate, 16000);
  assert.equal(g722Codec.defaultPayloadType, 9);
  assert.equal(rtpTicks(g722Codec, 320), 160);
});

test('1 kHz tone: frequency and level kept, SNR > 40 dB, 22-sample codec delay', () => {
  const ref = sine(1000, RATE, RATE, 10000);
  const { out } = roundTrip(ref);
  const steady = out.subarray(1600);
  assert.ok(Math.abs(dominantFrequency(steady, RATE) - 1000) < 0.5);
  assert.ok(Math.abs(rmsDbfs(steady) - rmsDbfs(ref)) < 0.2);
  const snr = snrDb(ref, out, { skip: 1600 });
  assert.ok(snr > 40, `SNR ${snr.toFixed(1)} dB`);
  assert.equal(findLag(testSignal(8000), roundTrip(testSignal(8000)).out, 100), 22);
});

test('tones across the band survive (lower and higher sub-band)', () => {
  for (const [hz, minSnr] of [
    [300, 45],
    [3000, 35],
    [5000, 18],
    [6500, 15],
  ] as const) {
    const ref = sine(hz, RATE, RATE, 8000);
    const { out } = roundTrip(ref);
    assert.ok(Math.abs(dominantFrequency(out.subarray(1600), RATE) - hz) < 1, `${hz} Hz`);
    const snr = snrDb(ref, out, { skip: 1600 });
    assert.ok(snr > minSnr, `${hz} Hz: SNR ${snr.toFixed(1)} dB`);
  }
});

test('espeak-ng speech at 16 kHz: SNR > 20 dB and level within 0.5 dB', async (t) => {
  const speech = await speechAt(RATE);
  if (!speech) return t.skip('espeak-ng not installed');
  const ref = speech.subarray(0, speech.length - (speech.length % 320));
  const { out } = roundTrip(ref);
  const snr = snrDb(ref, out, { skip: 1600 });
  assert.ok(snr > 20, `speech SNR ${snr.toFixed(1)} dB`);
  assert.ok(Math.abs(rmsDbfs(out) - rmsDbfs(ref)) < 0.5);
});

test('encoder state carries across frames: frame size does not change the bitstream', () => {
  const ref = testSignal(6400);
  const whole = new G722Encoder().encode(ref);
  const framed = roundTrip(ref, 320).codes;
  const small = roundTrip(ref, 20).codes;
  assert.deepEqual(framed, whole);
  assert.deepEqual(small, whole);
});

test('silence encodes to the 0xFA idle codeword (IH=3, IL=58) from reset', () => {
  const codes = new G722Encoder().encode(new Int16Array(88));
  assert.deepEqual([...codes.subarray(0, 40)], new Array(40).fill(0xfa));
  const out = new G722Decoder().decode(codes);
  assert.ok(out.every((v) => Math.abs(v) <= 4));
});

test('golden bitstream (pinned after a bit-exact match with libspandsp 0.0.6)', () => {
  const codes = roundTrip(testSignal(16000)).codes;
  assert.equal(fnv1a(codes), GOLDEN_CODES);
  const dec = new G722Decoder().decode(codes);
  assert.equal(fnv1a(new Uint8Array(dec.buffer)), GOLDEN_PCM);
});

test('hostile input: full-scale square wave and random octets stay in range', () => {
  const square = new Int16Array(3200).map((_, i) => (Math.floor(i / 8) % 2 ? 32767 : -32768));
  const { out } = roundTrip(square);
  assert.ok(rmsDbfs(out.subarray(320)) > -3);
  const dec = new G722Decoder();
  let seed = 5;
  const junk = new Uint8Array(8000).map(() => ((seed = (seed * 69069 + 1) >>> 0), seed >>> 24));
  const pcm = dec.decode(junk);
  assert.equal(pcm.length, 16000);
  assert.ok(pcm.every((v) => v >= -32768 && v <= 32767));
});

test('odd-length input is padded to whole octets', () => {
  assert.equal(new G722Encoder().encode(new Int16Array(321)).length, 161);
});

test('concealment continues a tone, fades out by 60 ms, then decoding resumes', () => {
  const enc = g722Codec.createEncoder();
  const dec = g722Codec.createDecoder();
  const ref = sine(440, RATE, RATE, 10000);
  for (let i = 0; i < 3200; i += 320) dec.decode(enc.encode(ref.subarray(i, i + 320)));
  const c1 = dec.conceal(320);
  assert.equal(c1.length, 320);
  assert.ok(Math.abs(dominantFrequency(c1, RATE) - 440) < 15, 'first lost frame carries the pitch');
  assert.ok(rmsDbfs(c1.subarray(0, 160)) > rmsDbfs(ref) - 2, 'no fade in the first 10 ms');
  const c2 = dec.conceal(320);
  const c3 = dec.conceal(320);
  assert.ok(rmsDbfs(c2) < rmsDbfs(c1) && rmsDbfs(c3) < rmsDbfs(c2), 'fading');
  assert.equal(rmsDbfs(dec.conceal(320)), -Infinity, 'silent after 60 ms');
  const back = dec.decode(enc.encode(ref.subarray(3200, 3520)));
  assert.equal(back.length, 320);
});

test('interop: libspandsp (baresip\'s G.722) encodes and decodes bit-exactly like us', (t) => {
  const script = [
    'import ctypes, sys',
    "lib = ctypes.CDLL('libspandsp.so.2')",
    'lib.g722_encode_init.restype = ctypes.c_void_p',
    'lib.g722_decode_init.restype = ctypes.c_void_p',
    "pcm = open(sys.argv[1], 'rb').read(); n = len(pcm) // 2",
    'enc = lib.g722_encode_init(None, 64000, 0)',
    'codes = (ctypes.c_uint8 * (n // 2))()',
    'lib.g722_encode(ctypes.c_void_p(enc), codes, (ctypes.c_int16 * n).from_buffer_copy(pcm), n)',
    "open(sys.argv[2], 'wb').write(bytes(codes))",
    "ours = open(sys.argv[3], 'rb').read()",
    'dec = lib.g722_decode_init(None, 64000, 0)',
    'out = (ctypes.c_int16 * (2 * len(ours)))()',
    'lib.g722_decode(ctypes.c_void_p(dec), out, (ctypes.c_uint8 * len(ours)).from_buffer_copy(ours), len(ours))',
    "open(sys.argv[4], 'wb').write(bytes(out))",
  ].join('\n');
  const dir = mkdtempSync(join(tmpdir(), 'parley-g722-'));
  try {
    const ref = testSignal(32000);
    const ours = roundTrip(ref);
    const files = ['in.raw', 'spandsp.g722', 'ours.g722', 'spandsp.raw'].map((f) => join(dir, f));
    writeFileSync(files[0]!, new Uint8Array(ref.buffer));
    writeFileSync(files[2]!, ours.codes);
    const r = spawnSync('python3', ['-c', script, ...files], { timeout: 20000, encoding: 'utf8' });
    if (r.error || r.status !== 0) return t.skip(`python3 + libspandsp not available (${r.error?.message ?? r.stderr.trim().split('\n').pop()})`);
    assert.deepEqual(new Uint8Array(readFileSync(files[1]!)), ours.codes, 'spandsp bitstream = ours');
    const spOut = readFileSync(files[3]!);
    assert.deepEqual(new Int16Array(spOut.buffer, spOut.byteOffset, spOut.length / 2), ours.out, 'spandsp decode = ours');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const GOLDEN_CODES = '72e30656';
const GOLDEN_PCM = 'a4e94c44';
