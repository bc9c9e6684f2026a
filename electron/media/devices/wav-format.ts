/**
 * RIFF/WAVE reading and writing for 16-bit PCM (mono or interleaved
 * stereo). Reading walks the chunk list (fmt, data, and anything else
 * skipped, with RIFF's odd-size padding) and accepts WAVE_FORMAT_EXTENSIBLE
 * with the PCM sub-format. A data size larger than the file (a writer that
 * never finalised, or 0xFFFFFFFF from streaming tools) is clamped to what
 * is there.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Byte offset of the sample data in the file. */
  dataOffset: number;
  /** Bytes of sample data actually present. */
  dataLength: number;
}

export interface WavData {
  sampleRate: number;
  channels: number;
  /** Interleaved samples. */
  samples: Int16Array;
}

/** The file is not a 16-bit PCM WAV we can read. */
export class WavFormatError extends Error {
  override readonly name = 'WavFormatError';
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
export const WAV_HEADER_BYTES = 44;

function tag(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);
}

export function parseWavHeader(buf: Uint8Array): WavInfo {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 12 || tag(buf, 0) !== 'RIFF' || tag(buf, 8) !== 'WAVE') throw new WavFormatError('not a RIFF/WAVE file');
  let fmt: { format: number; channels: number; sampleRate: number; bits: number } | undefined;
  let at = 12;
  while (at + 8 <= buf.length) {
    const id = tag(buf, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) throw new WavFormatError('truncated fmt chunk');
      let format = view.getUint16(body, true);
      if (format === WAVE_FORMAT_EXTENSIBLE && size >= 40 && body + 26 <= buf.length) {
        format = view.getUint16(body + 24, true); // first two bytes of the sub-format GUID
      }
      fmt = {
        format,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!fmt) throw new WavFormatError('data chunk before fmt chunk');
      if (fmt.format !== WAVE_FORMAT_PCM) throw new WavFormatError(`unsupported WAV format ${fmt.format} (only PCM)`);
      if (fmt.bits !== 16) throw new WavFormatError(`unsupported ${fmt.bits}-bit samples (only 16-bit)`);
      if (fmt.channels < 1 || fmt.channels > 2) throw new WavFormatError(`unsupported channel count ${fmt.channels}`);
      if (fmt.sampleRate < 1000 || fmt.sampleRate > 384000) throw new WavFormatError(`implausible rate ${fmt.sampleRate}`);
      const frameBytes = 2 * fmt.channels;
      let length = Math.min(size, buf.length - body);
      length -= length % frameBytes;
      return { sampleRate: fmt.sampleRate, channels: fmt.channels, bitsPerSample: 16, dataOffset: body, dataLength: length };
    }
    at = body + size + (size & 1);
  }
  throw new WavFormatError('no data chunk');
}

/** A canonical 44-byte header for `dataBytes` of 16-bit PCM. */
export function wavHeader(sampleRate: number, channels: number, dataBytes: number): Uint8Array {
  const h = new Uint8Array(WAV_HEADER_BYTES);
  const v = new DataView(h.buffer);
  const put = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) h[at + i] = s.charCodeAt(i);
  };
  put(0, 'RIFF');
  v.setUint32(4, Math.min(0xffffffff, 36 + dataBytes), true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, WAVE_FORMAT_PCM, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * channels * 2, true);
  v.setUint16(32, channels * 2, true);
  v.setUint16(34, 16, true);
  put(36, 'data');
  v.setUint32(40, Math.min(0xffffffff, dataBytes), true);
  return h;
}

/** Samples (interleaved) of WAV bytes already in memory. */
export function decodeWav(buf: Uint8Array): WavData {
  const info = parseWavHeader(buf);
  const samples = new Int16Array(info.dataLength >> 1);
  const view = new DataView(buf.buffer, buf.byteOffset + info.dataOffset, info.dataLength);
  for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true);
  return { sampleRate: info.sampleRate, channels: info.channels, samples };
}

export function readWavFile(path: string): WavData {
  return decodeWav(readFileSync(path));
}

/** WAV bytes of interleaved samples. */
export function encodeWav(samples: Int16Array, sampleRate: number, channels = 1): Uint8Array {
  const out = new Uint8Array(WAV_HEADER_BYTES + samples.length * 2);
  out.set(wavHeader(sampleRate, channels, samples.length * 2));
  const view = new DataView(out.buffer, WAV_HEADER_BYTES);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i]!, true);
  return out;
}

export function writeWavFile(path: string, samples: Int16Array, sampleRate: number, channels = 1): void {
  writeFileSync(path, encodeWav(samples, sampleRate, channels));
}
