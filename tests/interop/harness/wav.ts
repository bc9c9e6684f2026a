/**
 * Minimal 16-bit PCM WAV files for peers' audio (baresip's aufile source and
 * player): write a tone, read samples back.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export function writeToneWav(path: string, opts: { frequency?: number; seconds?: number; sampleRate?: number; amplitude?: number } = {}): void {
  const rate = opts.sampleRate ?? 8000;
  const n = Math.round(rate * (opts.seconds ?? 2));
  const freq = opts.frequency ?? 440;
  const amp = opts.amplitude ?? 0.3;
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * freq * i) / rate) * amp * 32767), i * 2);
  writeFileSync(path, Buffer.concat([wavHeader(data.length, rate, 1), data]));
}

function wavHeader(dataBytes: number, rate: number, channels: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/** Samples of one channel (the first unless told) of a 16-bit PCM WAV, walking the chunks rather than assuming 44 bytes. */
export function readWavPcm16(path: string, channel = 0): { sampleRate: number; channels: number; samples: Int16Array } {
  const buf = readFileSync(path);
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') throw new Error(`${path}: not a WAV file`);
  let pos = 12;
  let rate = 0;
  let channels = 1;
  while (pos + 8 <= buf.length) {
    const id = buf.toString('ascii', pos, pos + 4);
    let size = buf.readUInt32LE(pos + 4);
    const body = pos + 8;
    if (id === 'fmt ') {
      channels = buf.readUInt16LE(body + 2);
      rate = buf.readUInt32LE(body + 4);
    } else if (id === 'data') {
      // Writers that never finalised the header leave size 0 or 0xffffffff: take the rest.
      if (size === 0 || body + size > buf.length) size = buf.length - body;
      const frames = Math.floor(size / (2 * channels));
      const samples = new Int16Array(frames);
      if (channel >= channels) throw new Error(`${path}: no channel ${channel} in ${channels}`);
      for (let i = 0; i < frames; i++) samples[i] = buf.readInt16LE(body + (i * channels + channel) * 2);
      return { sampleRate: rate, channels, samples };
    }
    pos = body + size + (size % 2);
  }
  throw new Error(`${path}: no data chunk`);
}
