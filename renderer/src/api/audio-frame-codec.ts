/**
 * Reads and writes the binary audio frames of electron/api/audio-frames.ts
 * (8-byte big-endian header, then 20 ms of Int16 little-endian mono PCM).
 * The renderer imports only types from electron/api, so the few lines of
 * codec live here too; audio-frame-codec.test.ts checks them byte for byte
 * against the engine's own encoder and decoder.
 */
import type { AudioFrame, AudioFrameKind, AudioSampleRate } from './types.ts';

export const HEADER_BYTES = 8;
export const FRAME_MS = 20;
export const SAMPLE_RATES = [8000, 16000, 24000, 32000, 44100, 48000] as const satisfies readonly AudioSampleRate[];
const KIND_CODES: Record<AudioFrameKind, number> = { capture: 1, playback: 2 };

export function frameSamples(rate: number): number {
  return (rate * FRAME_MS) / 1000;
}

export function isSampleRate(rate: number): rate is AudioSampleRate {
  return (SAMPLE_RATES as readonly number[]).includes(rate);
}

export function encodeFrame(frame: AudioFrame): Uint8Array<ArrayBuffer> {
  const rateCode = SAMPLE_RATES.indexOf(frame.sampleRate);
  const n = frameSamples(frame.sampleRate);
  if (rateCode < 0) throw new RangeError(`unsupported sample rate ${frame.sampleRate}`);
  if (frame.samples.length !== n) throw new RangeError(`a 20 ms frame at ${frame.sampleRate} Hz has ${n} samples, not ${frame.samples.length}`);
  const out = new Uint8Array(HEADER_BYTES + n * 2);
  const view = new DataView(out.buffer);
  view.setUint8(0, KIND_CODES[frame.kind]);
  view.setUint8(1, rateCode);
  view.setUint16(2, frame.sequence & 0xffff);
  view.setUint32(4, frame.stream >>> 0);
  for (let i = 0; i < n; i++) view.setInt16(HEADER_BYTES + i * 2, frame.samples[i]!, true);
  return out;
}

/**
 * An encoded frame as a port message: its own ArrayBuffer, posted as a copy
 * and never in the transfer list, because the port's other end may be
 * Electron's MessagePortMain, which can take only MessagePorts in a transfer
 * list: a transferred ArrayBuffer arrives there as `data: null`
 * (electron/electron issue 34905) and the frame would be lost. The
 * structured clone copies ≈ 2 KB per 20 ms frame; a view into a larger
 * buffer is cut to the frame first, or the clone would copy all of it.
 */
export function portMessage(frame: Uint8Array<ArrayBuffer>): ArrayBuffer {
  const whole = frame.byteOffset === 0 && frame.byteLength === frame.buffer.byteLength;
  return whole ? frame.buffer : frame.slice().buffer;
}

export function decodeFrame(bytes: Uint8Array): AudioFrame | undefined {
  if (bytes.length < HEADER_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kindCode = view.getUint8(0);
  const kind = kindCode === 1 ? 'capture' : kindCode === 2 ? 'playback' : undefined;
  const sampleRate = SAMPLE_RATES[view.getUint8(1)];
  if (!kind || sampleRate === undefined) return undefined;
  const n = frameSamples(sampleRate);
  if (bytes.length !== HEADER_BYTES + n * 2) return undefined;
  const samples = new Int16Array(n);
  for (let i = 0; i < n; i++) samples[i] = view.getInt16(HEADER_BYTES + i * 2, true);
  return { kind, sampleRate, sequence: view.getUint16(2), stream: view.getUint32(4), samples };
}
