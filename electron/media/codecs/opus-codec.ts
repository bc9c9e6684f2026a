/**
 * Opus (RFC 6716) in RTP (RFC 7587) through opusscript's libopus 1.4 WASM
 * build (driven by opus-native.ts, not opusscript's buggy JS wrapper):
 * 48 kHz mono, VOIP application, in-band FEC on by default.
 *
 * Concealment is libopus's PLC. opusscript decodes an empty packet as a
 * 60 ms loss (it always asks libopus for its maximum frame), so the extra
 * 40 ms is kept and served to the next conceal() calls instead of asking
 * again — consecutive losses then continue the same synthetic signal.
 * opusscript exposes no decode_fec flag, so FEC carried in the next packet
 * cannot be decoded here (peers still benefit from the FEC we send).
 *
 * Why opusscript's build, measured (tests/bench/codecs.bench.ts --opus-wasm,
 * same run, tiered up): @evan/opus's SIMD and plain WASM and our own builds
 * of libopus with clang + wasi-libc (scripts/build-opus-wasm.sh; float with
 * and without -msimd128, fixed point) were at most ≈ 9 % faster per frame,
 * inside the rounds' spread, and all are libopus 1.3.1, which at our
 * settings (FEC on) decodes the speech fixture 0.9 dB worse (10.1 against
 * 11.0 dB SNR) than opusscript's 1.4. SIMD is not what native libopus has
 * over WASM here: built natively as plain C it is as fast as Debian's.
 */
import type { Codec, Decoder, Encoder, EncoderOptions } from './codec.ts';
import { OpusNative } from './opus-native.ts';

// libopus CTL request numbers (opus_defines.h).
const OPUS_SET_BITRATE = 4002;
const OPUS_SET_VBR = 4006;
const OPUS_SET_COMPLEXITY = 4010;
const OPUS_SET_INBAND_FEC = 4012;
const OPUS_SET_PACKET_LOSS_PERC = 4014;
const OPUS_SET_DTX = 4016;
const OPUS_SET_SIGNAL = 4024;
const OPUS_SIGNAL_VOICE = 3001;

const RATE = 48000;
const VALID_FRAME_SIZES = new Set([120, 240, 480, 960, 1920, 2880]);

/**
 * Complexity 6, chosen by measurement (tests/bench/codecs.bench.ts): on the
 * speech fixture at 32 kbit/s it decodes to the same SNR as 9 and 10
 * (11.0 dB; 5 loses 0.3 dB) for ≈ 28 % less encoding time in our WASM build
 * (≈ 330 µs instead of ≈ 455 µs per 20 ms frame), which brings encode +
 * decode to about what native libopus spends at 9.
 */
export const OPUS_DEFAULTS: Required<EncoderOptions> = {
  bitrate: 32000,
  complexity: 6,
  fec: true,
  packetLossPercent: 10,
  dtx: false,
};

/** Opus rejected options or PCM it cannot frame (a caller's mistake). */
export class OpusCodecError extends Error {
  override readonly name = 'OpusCodecError';
}

class OpusEncoder implements Encoder {
  #opus: OpusNative | undefined;

  constructor(opts: EncoderOptions = {}) {
    const o = { ...OPUS_DEFAULTS, ...opts };
    if (o.complexity < 0 || o.complexity > 10) throw new OpusCodecError(`complexity ${o.complexity} not in 0..10`);
    if (o.bitrate < 6000 || o.bitrate > 510000) throw new OpusCodecError(`bitrate ${o.bitrate} not in 6000..510000`);
    const opus = new OpusNative();
    try {
      opus.encoderCtl(OPUS_SET_BITRATE, Math.round(o.bitrate));
      opus.encoderCtl(OPUS_SET_VBR, 1);
      opus.encoderCtl(OPUS_SET_COMPLEXITY, Math.round(o.complexity));
      opus.encoderCtl(OPUS_SET_INBAND_FEC, o.fec ? 1 : 0);
      opus.encoderCtl(OPUS_SET_PACKET_LOSS_PERC, Math.max(0, Math.min(100, Math.round(o.packetLossPercent))));
      opus.encoderCtl(OPUS_SET_DTX, o.dtx ? 1 : 0);
      opus.encoderCtl(OPUS_SET_SIGNAL, OPUS_SIGNAL_VOICE);
    } catch (e) {
      opus.destroy();
      throw new OpusCodecError(`opus encoder setup failed: ${(e as Error).message}`);
    }
    this.#opus = opus;
  }

  encode(pcm: Int16Array): Uint8Array {
    const opus = this.#opus;
    if (!opus) throw new OpusCodecError('encoder destroyed');
    if (!VALID_FRAME_SIZES.has(pcm.length)) throw new OpusCodecError(`opus cannot frame ${pcm.length} samples`);
    return opus.encode(pcm);
  }

  destroy(): void {
    this.#opus?.destroy();
    this.#opus = undefined;
  }
}

class OpusDecoder implements Decoder {
  #opus: OpusNative | undefined = new OpusNative();
  #plc: Int16Array = new Int16Array(0);
  #lastFrame = 960;
  #errors = 0;

  /** Packets libopus rejected (each was concealed instead). */
  get errors(): number {
    return this.#errors;
  }

  decode(payload: Uint8Array): Int16Array {
    const opus = this.#opus;
    if (!opus) throw new OpusCodecError('decoder destroyed');
    if (payload.length === 0) return this.conceal(this.#lastFrame);
    let pcm: Int16Array;
    try {
      pcm = opus.decode(payload);
    } catch {
      // Garbage from the network must not end the call: conceal it instead.
      this.#errors++;
      return this.conceal(this.#lastFrame);
    }
    this.#plc = new Int16Array(0);
    this.#lastFrame = pcm.length;
    return pcm;
  }

  conceal(samples: number): Int16Array {
    const opus = this.#opus;
    if (!opus) throw new OpusCodecError('decoder destroyed');
    while (this.#plc.length < samples) {
      const more = opus.decode(new Uint8Array(0));
      if (more.length === 0) break;
      const joined = new Int16Array(this.#plc.length + more.length);
      joined.set(this.#plc);
      joined.set(more, this.#plc.length);
      this.#plc = joined;
    }
    const out = new Int16Array(samples);
    out.set(this.#plc.subarray(0, samples));
    this.#plc = this.#plc.slice(Math.min(samples, this.#plc.length));
    return out;
  }

  destroy(): void {
    this.#opus?.destroy();
    this.#opus = undefined;
  }
}

export const opusCodec: Codec = {
  name: 'opus',
  clockRate: RATE,
  sampleRate: RATE,
  channels: 2,
  fmtp: 'minptime=10;useinbandfec=1',
  createEncoder: (opts?: EncoderOptions) => new OpusEncoder(opts),
  createDecoder: () => new OpusDecoder(),
};
