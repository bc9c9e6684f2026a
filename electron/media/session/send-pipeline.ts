/**
 * The sending half of a call's audio, without sockets: device frames in,
 * RTP payloads out.
 *
 *   device frame (source rate) ─▶ resample to codec PCM rate ─▶ cut into
 *   ptime-sized frames ─▶ encode ─▶ payload + RTP timestamp increment
 *
 * Capture frames are 20 ms (FRAME_MS); a ptime of 40 or 60 ms collects two
 * or three of them per packet, a ptime of 10 ms makes two packets a frame.
 * The RTP timestamp increment is counted at the codec's RTP clock, which
 * for G.722 is half its PCM rate (RFC 3551 §4.5.2).
 */
import { frameSamples } from '../audio/frame.ts';
import { Resampler } from '../audio/resampler.ts';
import { SampleFifo } from '../audio/sample-fifo.ts';
import type { Codec, Encoder, EncoderOptions } from '../codecs/codec.ts';
import { rtpTicks } from '../codecs/codec.ts';

export interface SendPipelineOptions {
  codec: Codec;
  /** Rate of the frames process() takes (the capture device's). */
  inputRate: number;
  /** Packet duration, ms. */
  ptimeMs: number;
  encoder?: EncoderOptions;
}

export interface EncodedPacket {
  payload: Uint8Array;
  /** RTP timestamp units the packet covers. */
  ticks: number;
}

export class SendPipeline {
  readonly codec: Codec;
  readonly ptimeMs: number;
  /** PCM samples per packet at the codec rate. */
  readonly packetSamples: number;
  /** RTP timestamp units per packet. */
  readonly packetTicks: number;
  readonly #encoder: Encoder;
  #resampler: Resampler;
  readonly #fifo: SampleFifo;
  #destroyed = false;

  /** Needs the WASM resampler loaded (initMedia) when the rates differ. */
  constructor(options: SendPipelineOptions) {
    this.codec = options.codec;
    this.ptimeMs = options.ptimeMs;
    this.packetSamples = frameSamples(options.codec.sampleRate, options.ptimeMs);
    this.packetTicks = rtpTicks(options.codec, this.packetSamples);
    this.#encoder = options.codec.createEncoder(options.encoder);
    try {
      this.#resampler = new Resampler(options.inputRate, options.codec.sampleRate);
    } catch (err) {
      this.#encoder.destroy();
      throw err;
    }
    this.#fifo = new SampleFifo(Math.max(4 * this.packetSamples, frameSamples(options.codec.sampleRate, 200)));
  }

  /** Audio waiting for a packet to fill, in codec PCM samples. */
  get pending(): number {
    return this.#fifo.length;
  }

  get inputRate(): number {
    return this.#resampler.inRate;
  }

  /**
   * One captured frame in; the packets it completes out (often exactly one).
   * `inputRate` follows a source of another rate (hold music, a new device).
   */
  process(frame: Int16Array, inputRate: number = this.#resampler.inRate): EncodedPacket[] {
    if (this.#destroyed) return [];
    if (inputRate !== this.#resampler.inRate) {
      const resampler = new Resampler(inputRate, this.codec.sampleRate);
      this.#resampler.destroy();
      this.#resampler = resampler;
    }
    const pcm = this.#resampler.process(frame);
    if (this.#fifo.length === 0 && pcm.length === this.packetSamples) {
      // The common case (20 ms frames, 20 ms packets): no copy through the FIFO.
      return [{ payload: this.#encoder.encode(pcm), ticks: this.packetTicks }];
    }
    this.#fifo.push(pcm);
    const out: EncodedPacket[] = [];
    while (this.#fifo.length >= this.packetSamples) {
      out.push({ payload: this.#encoder.encode(this.#fifo.shift(this.packetSamples).samples), ticks: this.packetTicks });
    }
    return out;
  }

  /** Drops half-filled packet audio (after a pause in sending: hold, DTMF). */
  flush(): void {
    this.#fifo.clear();
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#encoder.destroy();
    this.#resampler.destroy();
  }
}
