/**
 * Records frames into an Ogg Opus file (RFC 7845): Opus from the libopus
 * WASM build the media engine already carries (opus-native.ts), in Ogg
 * pages from ogg-page-writer.ts. Mono, or stereo with the channels
 * interleaved (left, right, …), at the devices' rate (any rate libopus
 * takes: 8, 12, 16, 24 or 48 kHz); granule positions count 48 kHz samples
 * as RFC 7845 §4 wants whatever the input rate.
 *
 *   page 0: OpusHead (BOS)   page 1: OpusTags   pages 2…: 20 ms packets, one page ≈ 1 s   last page: EOS
 *
 * Pre-skip is libopus's encoder look-ahead: 2.5 ms + 4 ms of delay
 * compensation = 312 samples at 48 kHz for the VoIP and audio
 * applications. At the end silence is fed until the last sample taken in
 * has come out of the encoder, and the EOS page's granule trims the rest
 * (§4.5). Each page is written when cut, so a
 * recording interrupted by a crash is playable up to its last page.
 *
 * Same writing interface as WavFileSink (write mono frames, or interleaved
 * samples), so the two-way recorder picks either (recording-file.ts).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { OPUS_APPLICATION_AUDIO, OpusNative } from '../codecs/opus-native.ts';
import { OGG_BOS, OGG_EOS, OggPageWriter } from './ogg-page-writer.ts';

export interface OggOpusFileOptions {
  /** Rate of the frames written: 8000, 12000, 16000, 24000 or 48000. */
  sampleRate: number;
  channels?: 1 | 2;
  /** Bits per second for the whole stream (default 32 kb/s mono, 64 kb/s stereo). */
  bitrate?: number;
  /** The OpusTags vendor string. */
  vendor?: string;
}

/** RFC 7845 §4.2: libopus's look-ahead in 48 kHz samples. */
export const OPUS_PRE_SKIP = 312;
const OPUS_SET_BITRATE = 4002;
/** Packets per page: about one second of 20 ms frames. */
const PACKETS_PER_PAGE = 50;

function opusHead(channels: number, inputRate: number): Uint8Array {
  const head = new Uint8Array(19);
  const v = new DataView(head.buffer);
  head.set(new TextEncoder().encode('OpusHead'));
  head[8] = 1; // version
  head[9] = channels;
  v.setUint16(10, OPUS_PRE_SKIP, true);
  v.setUint32(12, inputRate, true);
  v.setInt16(16, 0, true); // output gain
  head[18] = 0; // channel mapping family 0: mono or stereo
  return head;
}

function opusTags(vendor: string): Uint8Array {
  const v = new TextEncoder().encode(vendor);
  const tags = new Uint8Array(8 + 4 + v.length + 4);
  const view = new DataView(tags.buffer);
  tags.set(new TextEncoder().encode('OpusTags'));
  view.setUint32(8, v.length, true);
  tags.set(v, 12);
  view.setUint32(12 + v.length, 0, true); // no user comments
  return tags;
}

export class OggOpusFile {
  readonly path: string;
  readonly sampleRate: number;
  readonly channels: 1 | 2;
  #fd: number | undefined;
  readonly #opus: OpusNative;
  readonly #ogg = new OggPageWriter(randomInt(0, 0x1_0000_0000));
  /** Interleaved samples of the frame being filled. */
  readonly #frame: Int16Array;
  #filled = 0;
  /** Samples per channel taken in (what the file will play). */
  #samples = 0;
  /** Samples per channel encoded, padding included. */
  #encoded = 0;
  #packetsOnPage = 0;

  constructor(path: string, opts: OggOpusFileOptions) {
    this.path = path;
    this.sampleRate = opts.sampleRate;
    this.channels = opts.channels ?? 1;
    this.#opus = new OpusNative(OPUS_APPLICATION_AUDIO, opts.sampleRate, this.channels);
    try {
      this.#opus.encoderCtl(OPUS_SET_BITRATE, opts.bitrate ?? 32000 * this.channels);
      this.#frame = new Int16Array((opts.sampleRate / 50) * this.channels);
      this.#fd = openSync(path, 'w');
    } catch (e) {
      this.#opus.destroy();
      throw e;
    }
    const fd = this.#fd;
    this.#ogg.add(opusHead(this.channels, opts.sampleRate), 0n);
    writeSync(fd, this.#ogg.page(OGG_BOS));
    this.#ogg.add(opusTags(opts.vendor ?? 'Parley (libopus 1.4)'), 0n);
    writeSync(fd, this.#ogg.page());
  }

  /** Samples per channel written so far. */
  get samplesWritten(): number {
    return this.#samples;
  }

  /** A mono frame (on both channels of a stereo file). */
  write(frame: Int16Array): void {
    if (this.channels === 1) return this.writeInterleaved(frame);
    const both = new Int16Array(frame.length * 2);
    for (let i = 0; i < frame.length; i++) both[2 * i] = both[2 * i + 1] = frame[i]!;
    this.writeInterleaved(both);
  }

  /** Samples already interleaved for the file's channels. */
  writeInterleaved(samples: Int16Array): void {
    if (this.#fd === undefined) return;
    let at = 0;
    while (at < samples.length) {
      const n = Math.min(samples.length - at, this.#frame.length - this.#filled);
      this.#frame.set(samples.subarray(at, at + n), this.#filled);
      this.#filled += n;
      at += n;
      if (this.#filled === this.#frame.length) this.#encodeFrame();
    }
    this.#samples += samples.length / this.channels;
  }

  /** Encodes what is left (padded), writes the EOS page and closes the file. Idempotent. */
  close(): void {
    const fd = this.#fd;
    if (fd === undefined) return;
    try {
      // The encoder's output lags its input by the pre-skip: feed silence until every sample
      // taken in has come out, then trim the end to them with the EOS page's granule (§4.5).
      const end = this.#at48k(this.#samples) + BigInt(OPUS_PRE_SKIP);
      while (this.#filled > 0 || this.#at48k(this.#encoded) < end) {
        this.#frame.fill(0, this.#filled);
        this.#filled = this.#frame.length;
        this.#encodeFrame();
      }
      // The last packet is always still waiting (pages are cut when the next packet comes), so
      // the EOS page carries it.
      writeSync(fd, this.#ogg.page(OGG_EOS, end));
    } finally {
      closeSync(fd);
      this.#fd = undefined;
      this.#opus.destroy();
    }
  }

  /** Samples per channel at the file's rate as 48 kHz granules. */
  #at48k(samplesPerChannel: number): bigint {
    return (BigInt(samplesPerChannel) * 48000n) / BigInt(this.sampleRate);
  }

  /** Encodes the full frame; the page is cut before a packet that would overfill it, so the last packet always waits for close(). */
  #encodeFrame(): void {
    const packet = this.#opus.encode(this.#frame);
    this.#filled = 0;
    this.#encoded += this.#frame.length / this.channels;
    if (this.#packetsOnPage >= PACKETS_PER_PAGE || !this.#ogg.fits(packet)) this.#writePage();
    // Granule: the samples the packets so far decode to, the pre-skip among them (§4).
    this.#ogg.add(packet, this.#at48k(this.#encoded));
    this.#packetsOnPage++;
  }

  #writePage(): void {
    if (this.#fd === undefined) return;
    const page = this.#ogg.page();
    if (page.length > 0) writeSync(this.#fd, page);
    this.#packetsOnPage = 0;
  }
}
