/**
 * PCMU and PCMA payload formats (RFC 3551 §4.5.14): one G.711 octet per
 * sample at 8000 Hz, static payload types 0 and 8.
 */
import type { Codec, Decoder, Encoder } from './codec.ts';
import { decodeAlaw, decodeUlaw, encodeAlaw, encodeUlaw } from './g711.ts';
import { WaveformPlc } from './waveform-plc.ts';

class G711Encoder implements Encoder {
  readonly #encode: (pcm: Int16Array) => Uint8Array;
  constructor(encode: (pcm: Int16Array) => Uint8Array) {
    this.#encode = encode;
  }
  encode(pcm: Int16Array): Uint8Array {
    return this.#encode(pcm);
  }
  destroy(): void {}
}

class G711Decoder implements Decoder {
  readonly #decode: (payload: Uint8Array) => Int16Array;
  readonly #plc = new WaveformPlc(8000);
  constructor(decode: (payload: Uint8Array) => Int16Array) {
    this.#decode = decode;
  }
  decode(payload: Uint8Array): Int16Array {
    return this.#plc.good(this.#decode(payload));
  }
  conceal(samples: number): Int16Array {
    return this.#plc.conceal(samples);
  }
  destroy(): void {}
}

export const pcmuCodec: Codec = {
  name: 'PCMU',
  clockRate: 8000,
  sampleRate: 8000,
  channels: 1,
  defaultPayloadType: 0,
  createEncoder: () => new G711Encoder(encodeUlaw),
  createDecoder: () => new G711Decoder(decodeUlaw),
};

export const pcmaCodec: Codec = {
  name: 'PCMA',
  clockRate: 8000,
  sampleRate: 8000,
  channels: 1,
  defaultPayloadType: 8,
  createEncoder: () => new G711Encoder(encodeAlaw),
  createDecoder: () => new G711Decoder(decodeAlaw),
};
