/**
 * libopus from opusscript's WASM build, driven directly instead of through
 * opusscript's JS wrapper, which has two memory bugs (opusscript 0.1.1):
 *
 *  - its PCM buffers are `HEAPU16.subarray(ptr, ptr + len)` with `ptr` a
 *    *byte* address, so PCM is written to and decoded into address 2·ptr —
 *    memory nobody allocated. With a few encoders and decoders alive (a
 *    conference, ten calls) that is other instances' state: decoding
 *    concealment (60 ms of PLC) corrupted the heap and `delete()` died with
 *    "RuntimeError: memory access out of bounds" (seen in the media bench);
 *  - its views are made once, so after the WASM memory grows they are views
 *    of a detached buffer.
 *
 * Here every buffer is malloc'd at the size the C++ glue really touches and
 * addressed through the module's current HEAP views on every call. The glue
 * (opusscript_encoder.cpp) moves PCM as one *byte per 16-bit slot* — low,
 * high, low, high… — and converts in place, so that is what we write and
 * read. The module loads synchronously (as opusscript does) on first use; we
 * keep our own instance of it.
 */
import { createRequire } from 'node:module';

/** The embind handler of opusscript's C++ glue (one libopus encoder + decoder). */
interface OpusHandler {
  _encode(pcmPtr: number, bytes: number, packetPtr: number, frameSize: number): number;
  _decode(packetPtr: number, bytes: number, pcmPtr: number): number;
  _encoder_ctl(ctl: number, arg: number): number;
  _decoder_ctl(ctl: number, arg: number): number;
}

interface OpusModule {
  HEAPU16: Uint16Array;
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  OpusScriptHandler: { new (rate: number, channels: number, application: number): OpusHandler; destroy_handler(h: OpusHandler): void };
}

let native: OpusModule | undefined;

function opusModule(): OpusModule {
  if (!native) {
    const require = createRequire(import.meta.url);
    const factory = require('opusscript/build/opusscript_native_wasm.js') as () => OpusModule;
    native = factory();
  }
  return native;
}

export const OPUS_APPLICATION_VOIP = 2048;
/** Recordings: music and tones as well as speech. */
export const OPUS_APPLICATION_AUDIO = 2049;
/** The glue's MAX_FRAME_SIZE (960 × 6): the most one decode may return. */
const MAX_FRAME_SAMPLES = 5760;
/** RFC 6716 §3.4: at most 1275 octets per frame, three frames per packet. */
const MAX_PACKET_BYTES = 1276 * 3;
/**
 * _encode(ptr, bytes, …) reads slots [0, 2·bytes) and rewrites [0, bytes) in
 * place; with bytes = 2·samples that is 4·samples slots of 2 bytes.
 */
const PCM_IN_BYTES = MAX_FRAME_SAMPLES * 8;
/** _decode writes two slots (low, high byte) per sample. */
const PCM_OUT_BYTES = MAX_FRAME_SAMPLES * 4;

/** The rates libopus encodes and decodes at (opus_encoder_create). */
export const OPUS_NATIVE_RATES: readonly number[] = [8000, 12000, 16000, 24000, 48000];

/**
 * One libopus encoder/decoder pair, with its own correctly sized buffers:
 * 48 kHz mono for RTP; recordings (ogg-opus-file.ts) use the devices' rate
 * and two channels for a stereo file. Stereo PCM is interleaved (left,
 * right, …) and frame sizes count samples per channel.
 */
export class OpusNative {
  readonly #m: OpusModule;
  readonly channels: 1 | 2;
  #handler: OpusHandler | undefined;
  readonly #pcmInPtr: number;
  readonly #pcmOutPtr: number;
  readonly #packetPtr: number;

  constructor(application = OPUS_APPLICATION_VOIP, rate = 48000, channels: 1 | 2 = 1) {
    if (!OPUS_NATIVE_RATES.includes(rate)) throw new RangeError(`opus cannot run at ${rate} Hz`);
    const m = opusModule();
    this.#m = m;
    this.channels = channels;
    this.#handler = new m.OpusScriptHandler(rate, channels, application);
    this.#pcmInPtr = m._malloc(PCM_IN_BYTES * channels);
    this.#pcmOutPtr = m._malloc(PCM_OUT_BYTES * channels);
    this.#packetPtr = m._malloc(MAX_PACKET_BYTES);
    // The glue reads past the bytes we write (see PCM_IN_BYTES): keep that part defined.
    m.HEAPU8.fill(0, this.#pcmInPtr, this.#pcmInPtr + PCM_IN_BYTES * channels);
  }

  /** opus_encode of one frame (interleaved when stereo); returns libopus's (negative) error code as a thrown Error. */
  encode(pcm: Int16Array): Uint8Array {
    const m = this.#m;
    const h = this.#live();
    const n = Math.min(pcm.length, MAX_FRAME_SAMPLES * this.channels);
    const slots = m.HEAPU16;
    const at = this.#pcmInPtr >> 1;
    for (let i = 0; i < n; i++) {
      const v = pcm[i]! & 0xffff;
      slots[at + 2 * i] = v & 0xff;
      slots[at + 2 * i + 1] = v >> 8;
    }
    const len = h._encode(this.#pcmInPtr, n * 2, this.#packetPtr, n / this.channels);
    if (len < 0) throw new Error(`opus_encode failed (${len})`);
    return m.HEAPU8.slice(this.#packetPtr, this.#packetPtr + len);
  }

  /** opus_decode (interleaved when stereo); an empty packet asks for 60 ms of loss concealment. */
  decode(packet: Uint8Array): Int16Array {
    const m = this.#m;
    const h = this.#live();
    const bytes = Math.min(packet.length, MAX_PACKET_BYTES);
    m.HEAPU8.set(packet.subarray(0, bytes), this.#packetPtr);
    const perChannel = h._decode(this.#packetPtr, bytes, this.#pcmOutPtr);
    if (perChannel < 0) throw new Error(`opus_decode failed (${perChannel})`);
    const samples = perChannel * this.channels;
    const slots = m.HEAPU16;
    const at = this.#pcmOutPtr >> 1;
    const out = new Int16Array(samples);
    for (let i = 0; i < samples; i++) out[i] = (slots[at + 2 * i]! & 0xff) | (slots[at + 2 * i + 1]! << 8);
    return out;
  }

  encoderCtl(ctl: number, arg: number): void {
    const r = this.#live()._encoder_ctl(ctl, arg);
    if (r < 0) throw new Error(`opus encoder ctl ${ctl} failed (${r})`);
  }

  destroy(): void {
    const h = this.#handler;
    if (!h) return;
    this.#handler = undefined;
    this.#m.OpusScriptHandler.destroy_handler(h);
    this.#m._free(this.#pcmInPtr);
    this.#m._free(this.#pcmOutPtr);
    this.#m._free(this.#packetPtr);
  }

  #live(): OpusHandler {
    if (!this.#handler) throw new Error('opus instance destroyed');
    return this.#handler;
  }
}
