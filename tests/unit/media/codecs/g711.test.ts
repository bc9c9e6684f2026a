import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  alawToLinear,
  decodeAlaw,
  decodeUlaw,
  encodeAlaw,
  encodeUlaw,
  linearToAlaw,
  linearToUlaw,
  ulawToLinear,
} from '../../../../electron/media/codecs/g711.ts';
import { pcmaCodec, pcmuCodec } from '../../../../electron/media/codecs/g711-codec.ts';
import { dominantFrequency, rmsDbfs, sine, snrDb } from '../../../helpers/audio-analysis.ts';

/*
 * Reference built from ITU-T G.711's segment description, independently of
 * the table code: for each code, its quantisation interval [lo, hi) and
 * reconstruction value in the codec's native resolution (μ-law 14-bit
 * magnitude, A-law 13-bit), then every 16-bit input is mapped by searching
 * the intervals.
 */
interface Interval {
  lo: number;
  hi: number;
  y: number;
}

// μ-law: segment s (0..7), step m (0..15); magnitude + 33 lies in [(32+2m)·2^s, (34+2m)·2^s).
function ulawIntervals(): Interval[] {
  const out: Interval[] = [];
  for (let s = 0; s < 8; s++) {
    for (let m = 0; m < 16; m++) {
      out[s * 16 + m] = { lo: ((32 + 2 * m) << s) - 33, hi: ((34 + 2 * m) << s) - 33, y: ((33 + 2 * m) << s) - 33 };
    }
  }
  return out;
}

// A-law: segment 0 has steps of 2 from 0; segment s ≥ 1 spans [32·2^(s-1), 64·2^(s-1)) in 16 steps.
function alawIntervals(): Interval[] {
  const out: Interval[] = [];
  for (let s = 0; s < 8; s++) {
    for (let m = 0; m < 16; m++) {
      out[s * 16 + m] =
        s === 0
          ? { lo: 2 * m, hi: 2 * m + 2, y: 2 * m + 1 }
          : { lo: (32 + 2 * m) << (s - 1), hi: (34 + 2 * m) << (s - 1), y: (33 + 2 * m) << (s - 1) };
    }
  }
  return out;
}

function findStep(intervals: Interval[], mag: number): number {
  for (let k = 0; k < intervals.length; k++) if (mag >= intervals[k]!.lo && mag < intervals[k]!.hi) return k;
  return intervals.length - 1; // beyond the last decision value: clip to the top step
}

function refUlawEncode(x: number): number {
  const x14 = Math.floor(x / 4);
  const neg = x14 < 0;
  const k = findStep(ulawIntervals_, neg ? -x14 : x14);
  // Codes are sent inverted; bit 7 set means positive.
  return (neg ? 0x00 : 0x80) | (~k & 0x7f);
}
function refUlawDecode(code: number): number {
  const k = ~code & 0x7f;
  const y = ulawIntervals_[k]!.y * 4;
  return code & 0x80 ? y : 0 - y || 0; // -0 is 0 in PCM
}
function refAlawEncode(x: number): number {
  const x13 = Math.floor(x / 8);
  const neg = x13 < 0;
  const k = findStep(alawIntervals_, neg ? -x13 - 1 : x13);
  // Even bits inverted on the line (XOR 0x55); bit 7 set means positive.
  return ((neg ? 0x00 : 0x80) | k) ^ 0x55;
}
function refAlawDecode(code: number): number {
  const a = code ^ 0x55;
  const y = alawIntervals_[a & 0x7f]!.y * 8;
  return a & 0x80 ? y : -y;
}
const ulawIntervals_ = ulawIntervals();
const alawIntervals_ = alawIntervals();

test('μ-law known code/value pairs from G.711', () => {
  assert.equal(ulawToLinear(0xff), 0);
  assert.equal(ulawToLinear(0x7f), 0);
  assert.equal(ulawToLinear(0x80), 32124);
  assert.equal(ulawToLinear(0x00), -32124);
  assert.equal(ulawToLinear(0xfe), 8); // 14-bit value 2
  assert.equal(ulawToLinear(0xef), 132); // segment 1 starts at 33 (14-bit)
  assert.equal(linearToUlaw(0), 0xff);
  assert.equal(linearToUlaw(32767), 0x80);
  assert.equal(linearToUlaw(-32768), 0x00);
});

test('A-law known code/value pairs from G.711', () => {
  assert.equal(alawToLinear(0xd5), 8);
  assert.equal(alawToLinear(0x55), -8);
  assert.equal(alawToLinear(0xaa), 32256);
  assert.equal(alawToLinear(0x2a), -32256);
  assert.equal(linearToAlaw(0), 0xd5);
  assert.equal(linearToAlaw(-1), 0x55);
  assert.equal(linearToAlaw(32767), 0xaa);
  assert.equal(linearToAlaw(-32768), 0x2a);
});

test('μ-law: all 256 codes decode and all 65536 inputs encode as the segment reference', () => {
  for (let c = 0; c < 256; c++) assert.equal(ulawToLinear(c), refUlawDecode(c), `code ${c}`);
  let bad = 0;
  for (let x = -32768; x <= 32767; x++) if (linearToUlaw(x) !== refUlawEncode(x)) bad++;
  assert.equal(bad, 0);
});

test('A-law: all 256 codes decode and all 65536 inputs encode as the segment reference', () => {
  for (let c = 0; c < 256; c++) assert.equal(alawToLinear(c), refAlawDecode(c), `code ${c}`);
  let bad = 0;
  for (let x = -32768; x <= 32767; x++) if (linearToAlaw(x) !== refAlawEncode(x)) bad++;
  assert.equal(bad, 0);
});

test('decode(encode(code value)) is the identity on codes (except μ-law -0)', () => {
  for (let c = 0; c < 256; c++) {
    assert.equal(linearToAlaw(alawToLinear(c)), c);
    if (c !== 0x7f) assert.equal(linearToUlaw(ulawToLinear(c)), c);
  }
  assert.equal(linearToUlaw(ulawToLinear(0x7f)), 0xff); // -0 and +0 both decode to 0
});

test('quantisation error is within half a step everywhere below clipping', () => {
  for (let x = -32000; x <= 32000; x += 7) {
    const u = ulawToLinear(linearToUlaw(x));
    const a = alawToLinear(linearToAlaw(x));
    // Half a step is at most 1/32 of the segment start, plus the truncation
    // of the 16-bit input to 14 (μ) or 13 (A) bits.
    assert.ok(Math.abs(u - x) <= Math.abs(x) / 15 + 12, `μ ${x} -> ${u}`);
    assert.ok(Math.abs(a - x) <= Math.abs(x) / 15 + 16, `A ${x} -> ${a}`);
  }
});

test('array helpers match the scalar functions', () => {
  const pcm = sine(1000, 8000, 160, 20000);
  const u = encodeUlaw(pcm);
  const a = encodeAlaw(pcm);
  for (let i = 0; i < pcm.length; i++) {
    assert.equal(u[i], linearToUlaw(pcm[i]!));
    assert.equal(a[i], linearToAlaw(pcm[i]!));
  }
  assert.deepEqual([...decodeUlaw(u)], [...u].map(ulawToLinear));
  assert.deepEqual([...decodeAlaw(a)], [...a].map(alawToLinear));
});

for (const codec of [pcmuCodec, pcmaCodec]) {
  test(`${codec.name}: a 1 kHz tone keeps frequency, level and ≥ 35 dB SNR`, () => {
    assert.equal(codec.clockRate, 8000);
    assert.equal(codec.sampleRate, 8000);
    const enc = codec.createEncoder();
    const dec = codec.createDecoder();
    const ref = sine(1000, 8000, 8000, 10000);
    const out = new Int16Array(ref.length);
    for (let i = 0; i < ref.length; i += 160) {
      const payload = enc.encode(ref.subarray(i, i + 160));
      assert.equal(payload.length, 160);
      out.set(dec.decode(payload), i);
    }
    assert.ok(Math.abs(dominantFrequency(out, 8000) - 1000) < 1);
    assert.ok(Math.abs(rmsDbfs(out) - rmsDbfs(ref)) < 0.1);
    const snr = snrDb(ref, out);
    assert.ok(snr > 35, `SNR ${snr.toFixed(1)} dB`);
    enc.destroy();
    dec.destroy();
  });
}

test('interop with sox: same decoding of all 256 codes; encoding differs only by sox rounding to 14/13 bits', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-g711-'));
  try {
    const ramp = new Int16Array(65536).map((_, i) => i - 32768);
    writeFileSync(join(dir, 'ramp.raw'), new Uint8Array(ramp.buffer));
    writeFileSync(join(dir, 'codes.raw'), new Uint8Array(256).map((_, i) => i));
    const sox = (args: string[]) => spawnSync('sox', ['-D', '-V1', ...args], { timeout: 10000 });
    const raw16 = ['-t', 'raw', '-r', '8000', '-e', 'signed', '-b', '16', '-c', '1'];
    for (const [law, toLinear, encode, shift] of [
      ['u-law', ulawToLinear, encodeUlaw, 2],
      ['a-law', alawToLinear, encodeAlaw, 3],
    ] as const) {
      const r = sox([...raw16, join(dir, 'ramp.raw'), '-t', 'raw', '-e', law, join(dir, `ramp.${law}`)]);
      if (r.error || r.status !== 0) return t.skip('sox not available');
      sox(['-t', 'raw', '-r', '8000', '-e', law, '-c', '1', join(dir, 'codes.raw'), ...raw16, join(dir, `codes.${law}.raw`)]);
      const dec = readFileSync(join(dir, `codes.${law}.raw`));
      for (let c = 0; c < 256; c++) assert.equal(dec.readInt16LE(c * 2), toLinear(c), `${law} code ${c}`);
      const theirs = readFileSync(join(dir, `ramp.${law}`));
      const ours = encode(ramp);
      let differ = 0;
      for (let i = 0; i < 65536; i++) {
        if (ours[i] === theirs[i]) continue;
        differ++;
        // sox rounds to the codec's resolution where we truncate: its input is
        // then one quantum higher, which may cross one decision level.
        const x = ramp[i]!;
        const rounded = ((x + (1 << (shift - 1))) >> shift) << shift;
        assert.equal(theirs[i], encode(new Int16Array([Math.min(32767, rounded)]))[0], `${law} at ${x}`);
      }
      assert.ok(differ < 65536 * 0.02, `${law}: ${differ} inputs differ`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
