/**
 * Binary WebSocket frames carrying 20 ms of audio between a browser (the web
 * host's renderer is the sound card: getUserMedia + AudioWorklet, docs/architecture.md §5)
 * and the engine. JSON never carries audio; binary messages carry only this.
 *
 *    0        1        2        3        4        5        6        7        8
 *   +--------+--------+--------+--------+--------+--------+--------+--------+----------------
 *   |  kind  |  rate  |  sequence (u16) |         stream (u32)              | PCM: Int16 LE,
 *   +--------+--------+--------+--------+--------+--------+--------+--------+ mono, 20 ms
 *
 *  kind      1 = capture (microphone, client → engine), 2 = playback (engine → client)
 *  rate      index into AUDIO_SAMPLE_RATES (8, 16, 24, 32, 44.1, 48 kHz)
 *  sequence  counts frames per stream, wrapping at 65536; shows loss and reordering
 *  stream    0 = the device stream (all calls mixed, the usual case); otherwise
 *            streamIdOf(callId) for a per-call stream
 *
 * The header is 8 bytes so the samples start 2-byte aligned (an Int16Array
 * view needs that). Header fields are big-endian (network order); samples are
 * little-endian because that is what Int16Array and Web Audio use on every
 * platform we ship. The payload must be exactly one 20 ms frame at `rate`
 * (960 samples at 48 kHz, 882 at 44.1 kHz, 160 at 8 kHz): anything else is
 * refused rather than guessed at.
 *
 * No Node APIs: the renderer builds and reads frames with the same code.
 */

export const AUDIO_FRAME_HEADER_BYTES = 8;
export const AUDIO_FRAME_MS = 20;
export const AUDIO_SAMPLE_RATES = [8000, 16000, 24000, 32000, 44100, 48000] as const;
export type AudioSampleRate = (typeof AUDIO_SAMPLE_RATES)[number];

export const AUDIO_FRAME_KINDS = ['capture', 'playback'] as const;
export type AudioFrameKind = (typeof AUDIO_FRAME_KINDS)[number];
const KIND_CODES: Record<AudioFrameKind, number> = { capture: 1, playback: 2 };

/** The device stream: every call mixed, as a sound card sees it. */
export const MIX_STREAM = 0;

/** The largest valid frame (20 ms at 48 kHz): hosts may refuse longer binary messages unread. */
export const MAX_AUDIO_FRAME_BYTES = AUDIO_FRAME_HEADER_BYTES + (48000 * AUDIO_FRAME_MS) / 1000 * 2;

export interface AudioFrame {
  kind: AudioFrameKind;
  sampleRate: AudioSampleRate;
  /** 0–65535. */
  sequence: number;
  /** 0–2^32-1; MIX_STREAM or streamIdOf(callId). */
  stream: number;
  samples: Int16Array;
}

export type AudioFrameResult = { ok: true; frame: AudioFrame } | { ok: false; reason: string };

export function samplesPerFrame(rate: AudioSampleRate): number {
  return (rate * AUDIO_FRAME_MS) / 1000;
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** FNV-1a over the UTF-8 bytes of a call id, never 0 (0 is MIX_STREAM). */
export function streamIdOf(callId: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(callId)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash === MIX_STREAM ? 1 : hash;
}

export function encodeAudioFrame(frame: AudioFrame): Uint8Array {
  const rateCode = AUDIO_SAMPLE_RATES.indexOf(frame.sampleRate);
  if (rateCode < 0) throw new RangeError(`unsupported sample rate ${frame.sampleRate}`);
  const n = samplesPerFrame(frame.sampleRate);
  if (frame.samples.length !== n) throw new RangeError(`a 20 ms frame at ${frame.sampleRate} Hz has ${n} samples, not ${frame.samples.length}`);
  if (!Number.isInteger(frame.sequence) || frame.sequence < 0 || frame.sequence > 0xffff) throw new RangeError('sequence must be 0–65535');
  if (!Number.isInteger(frame.stream) || frame.stream < 0 || frame.stream > 0xffffffff) throw new RangeError('stream must be a 32-bit unsigned integer');
  const out = new Uint8Array(AUDIO_FRAME_HEADER_BYTES + n * 2);
  const view = new DataView(out.buffer);
  view.setUint8(0, KIND_CODES[frame.kind]);
  view.setUint8(1, rateCode);
  view.setUint16(2, frame.sequence);
  view.setUint32(4, frame.stream);
  if (littleEndian) {
    out.set(new Uint8Array(frame.samples.buffer, frame.samples.byteOffset, n * 2), AUDIO_FRAME_HEADER_BYTES);
  } else {
    for (let i = 0; i < n; i++) view.setInt16(AUDIO_FRAME_HEADER_BYTES + i * 2, frame.samples[i]!, true);
  }
  return out;
}

/** Reads and checks a frame; the samples are copied, so the input buffer may be reused. */
export function decodeAudioFrame(bytes: Uint8Array): AudioFrameResult {
  if (bytes.length < AUDIO_FRAME_HEADER_BYTES) return { ok: false, reason: `audio frame of ${bytes.length} bytes is shorter than its ${AUDIO_FRAME_HEADER_BYTES}-byte header` };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kindCode = view.getUint8(0);
  const kind = AUDIO_FRAME_KINDS.find((k) => KIND_CODES[k] === kindCode);
  if (!kind) return { ok: false, reason: `unknown audio frame kind ${kindCode}` };
  const sampleRate = AUDIO_SAMPLE_RATES[view.getUint8(1)];
  if (sampleRate === undefined) return { ok: false, reason: `unknown sample rate code ${view.getUint8(1)}` };
  const n = samplesPerFrame(sampleRate);
  const payload = bytes.length - AUDIO_FRAME_HEADER_BYTES;
  if (payload !== n * 2) return { ok: false, reason: `a 20 ms frame at ${sampleRate} Hz carries ${n * 2} bytes of samples, not ${payload}` };
  const samples = new Int16Array(n);
  if (littleEndian) {
    new Uint8Array(samples.buffer).set(bytes.subarray(AUDIO_FRAME_HEADER_BYTES));
  } else {
    for (let i = 0; i < n; i++) samples[i] = view.getInt16(AUDIO_FRAME_HEADER_BYTES + i * 2, true);
  }
  return { ok: true, frame: { kind, sampleRate, sequence: view.getUint16(2), stream: view.getUint32(4), samples } };
}
