/**
 * Records frames into a 16-bit PCM WAV file (mono, or the mono signal on
 * both channels of a stereo file, or interleaved stereo frames). The header is written first with the
 * streaming placeholder size 0xFFFFFFFF ("to the end of the file") and
 * finalised on close(), so an interrupted recording is still readable
 * (our reader clamps the size to the file). Writes are synchronous and
 * batched (≈ 100 ms) to keep system calls off the per-frame path.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { AudioSink } from '../audio/frame.ts';
import { ResamplingSink } from '../audio/resampling-sink.ts';
import { initResampler } from '../audio/resampler.ts';
import { WAV_HEADER_BYTES, wavHeader } from './wav-format.ts';

export interface WavFileSinkOptions {
  /** Rate of the frames written (and of the file). */
  sampleRate: number;
  /** 1 (default) or 2: stereo files carry the same signal on both channels. */
  channels?: 1 | 2;
}

export class WavFileSink implements AudioSink {
  readonly sampleRate: number;
  readonly channels: 1 | 2;
  readonly path: string;
  #fd: number | undefined;
  #pending: Uint8Array;
  #pendingBytes = 0;
  #dataBytes = 0;

  constructor(path: string, opts: WavFileSinkOptions) {
    this.path = path;
    this.sampleRate = opts.sampleRate;
    this.channels = opts.channels ?? 1;
    this.#pending = new Uint8Array(Math.max(4096, Math.round(this.sampleRate * 0.1) * 2 * this.channels));
    this.#fd = openSync(path, 'w');
    writeSync(this.#fd, wavHeader(this.sampleRate, this.channels, 0xffffffff));
  }

  /** Samples per channel written so far. */
  get samplesWritten(): number {
    return this.#dataBytes / (2 * this.channels) + this.#pendingBytes / (2 * this.channels);
  }

  write(frame: Int16Array): void {
    if (this.#fd === undefined) return;
    const bytes = frame.length * 2 * this.channels;
    if (this.#pendingBytes + bytes > this.#pending.length) this.#flush();
    if (bytes > this.#pending.length) this.#pending = new Uint8Array(bytes);
    const view = new DataView(this.#pending.buffer, this.#pendingBytes, bytes);
    if (this.channels === 1) {
      for (let i = 0; i < frame.length; i++) view.setInt16(i * 2, frame[i]!, true);
    } else {
      for (let i = 0; i < frame.length; i++) {
        view.setInt16(i * 4, frame[i]!, true);
        view.setInt16(i * 4 + 2, frame[i]!, true);
      }
    }
    this.#pendingBytes += bytes;
  }

  /** Samples already interleaved for the file's channels (a stereo file: left, right, left, …). */
  writeInterleaved(samples: Int16Array): void {
    if (this.#fd === undefined) return;
    const bytes = samples.length * 2;
    if (this.#pendingBytes + bytes > this.#pending.length) this.#flush();
    if (bytes > this.#pending.length) this.#pending = new Uint8Array(bytes);
    const view = new DataView(this.#pending.buffer, this.#pendingBytes, bytes);
    for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i]!, true);
    this.#pendingBytes += bytes;
  }

  /** Flushes and writes the final RIFF and data sizes. Idempotent. */
  close(): void {
    const fd = this.#fd;
    if (fd === undefined) return;
    this.#flush();
    writeSync(fd, wavHeader(this.sampleRate, this.channels, this.#dataBytes), 0, WAV_HEADER_BYTES, 0);
    closeSync(fd);
    this.#fd = undefined;
  }

  #flush(): void {
    if (this.#fd === undefined || this.#pendingBytes === 0) return;
    writeSync(this.#fd, this.#pending, 0, this.#pendingBytes, WAV_HEADER_BYTES + this.#dataBytes);
    this.#dataBytes += this.#pendingBytes;
    this.#pendingBytes = 0;
  }
}

/**
 * A sink taking frames at `sampleRate` that records a file at `fileRate`
 * (resampling when they differ).
 */
export async function openWavSink(
  path: string,
  opts: WavFileSinkOptions & { fileRate?: number },
): Promise<AudioSink> {
  const fileRate = opts.fileRate ?? opts.sampleRate;
  const sink = new WavFileSink(path, { sampleRate: fileRate, channels: opts.channels });
  if (fileRate === opts.sampleRate) return sink;
  await initResampler();
  return new ResamplingSink(sink, opts.sampleRate);
}
