import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  WavFormatError,
  decodeWav,
  encodeWav,
  parseWavHeader,
  wavHeader,
} from '../../../../electron/media/devices/wav-format.ts';

function riff(chunks: { id: string; body: Uint8Array; size?: number }[]): Uint8Array {
  const parts: number[] = [];
  const str = (s: string) => [...s].forEach((c) => parts.push(c.charCodeAt(0)));
  const u32 = (v: number) => parts.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
  str('RIFF');
  u32(0);
  str('WAVE');
  for (const c of chunks) {
    str(c.id);
    u32(c.size ?? c.body.length);
    parts.push(...c.body);
    if (c.body.length & 1) parts.push(0);
  }
  return new Uint8Array(parts);
}

function fmt(format: number, channels: number, rate: number, bits: number, extensibleSub?: number): Uint8Array {
  const b = new Uint8Array(extensibleSub === undefined ? 16 : 40);
  const v = new DataView(b.buffer);
  v.setUint16(0, format, true);
  v.setUint16(2, channels, true);
  v.setUint32(4, rate, true);
  v.setUint32(8, rate * channels * (bits / 8), true);
  v.setUint16(12, channels * (bits / 8), true);
  v.setUint16(14, bits, true);
  if (extensibleSub !== undefined) {
    v.setUint16(16, 22, true);
    v.setUint16(24, extensibleSub, true);
  }
  return b;
}

const pcmBytes = (s: number[]) => new Uint8Array(new Int16Array(s).buffer);

test('encode/decode round trip, canonical 44-byte header', () => {
  const s = new Int16Array([0, 1, -1, 32767, -32768]);
  const bytes = encodeWav(s, 16000, 1);
  assert.equal(bytes.length, 44 + 10);
  const v = new DataView(bytes.buffer);
  assert.equal(v.getUint32(4, true), 36 + 10);
  assert.equal(v.getUint32(24, true), 16000);
  assert.equal(v.getUint32(28, true), 32000);
  assert.equal(v.getUint32(40, true), 10);
  const d = decodeWav(bytes);
  assert.deepEqual(d, { sampleRate: 16000, channels: 1, samples: s });
  assert.equal(wavHeader(8000, 2, 100).length, 44);
});

test('skips unknown chunks with odd-size padding; reads stereo and EXTENSIBLE PCM', () => {
  const data = pcmBytes([1, 2, 3, 4]);
  const f = riff([
    { id: 'LIST', body: new Uint8Array([1, 2, 3]) },
    { id: 'fmt ', body: fmt(0xfffe, 2, 22050, 16, 1) },
    { id: 'data', body: data },
  ]);
  const info = parseWavHeader(f);
  assert.equal(info.channels, 2);
  assert.equal(info.sampleRate, 22050);
  assert.equal(info.dataLength, 8);
  assert.deepEqual([...decodeWav(f).samples], [1, 2, 3, 4]);
});

test('a data size beyond the file (unfinalised or streamed) is clamped to whole frames', () => {
  const f = riff([
    { id: 'fmt ', body: fmt(1, 2, 8000, 16) },
    { id: 'data', body: pcmBytes([5, 6, 7]), size: 0xffffffff },
  ]);
  const info = parseWavHeader(f);
  assert.equal(info.dataLength, 4); // 6 bytes present, 4 make a whole stereo frame
});

test('rejects what it cannot play with a typed error', () => {
  const cases: Uint8Array[] = [
    new Uint8Array(8),
    riff([{ id: 'data', body: pcmBytes([1]) }]),
    riff([{ id: 'fmt ', body: fmt(3, 1, 8000, 32) }, { id: 'data', body: new Uint8Array(8) }]),
    riff([{ id: 'fmt ', body: fmt(1, 1, 8000, 8) }, { id: 'data', body: new Uint8Array(8) }]),
    riff([{ id: 'fmt ', body: fmt(1, 6, 8000, 16) }, { id: 'data', body: new Uint8Array(12) }]),
    riff([{ id: 'fmt ', body: fmt(1, 1, 8000, 16) }]),
  ];
  for (const c of cases) assert.throws(() => parseWavHeader(c), WavFormatError);
});
