/**
 * G722 payload format (RFC 3551 §4.5.2): 16 kHz PCM, one octet per two
 * samples, static payload type 9. The RTP clock is 8000 Hz although the
 * sampling rate is 16000 — an erratum kept for compatibility, so a 20 ms
 * packet advances the timestamp by 160.
 */
import type { Codec, Decoder, Encoder } from './codec.ts';
import { G722Decoder, G722Encoder } from './g722.ts';
import { WaveformPlc } from './waveform-plc.ts';

class G722StreamEncoder implements Encoder {
  readonly #enc = new G722Encoder();
  encode(pcm: Int16Array): Uint8Array {
    return this.#enc.encode(pcm);
  }
  destroy(): void {}
}

/**
 * Concealment is waveform substitution on the 16 kHz output. The ADPCM
 * state carries on from before the gap and re-converges with the far
 * encoder in 30–50 ms (measured on speech). G.722 Appendix III/IV's state
 * updates are not implemented: feeding the concealment back through the
 * decoder was tried and gained < 1 dB with waveform PLC, so it was left out.
 */
class G722StreamDecoder implements Decoder {
  readonly #dec = new G722Decoder();
  readonly #plc = new WaveformPlc(16000);
  decode(payload: Uint8Array): Int16Array {
    return this.#plc.good(this.#dec.decode(payload));
  }
  conceal(samples: number): Int16Array {
    return this.#plc.conceal(samples);
  }
  destroy(): void {}
}

export const g722Codec: Codec = {
  name: 'G722',
  clockRate: 8000,
  sampleRate: 16000,
  channels: 1,
  defaultPayloadType: 9,
  createEncoder: () => new G722StreamEncoder(),
  createDecoder: () => new G722StreamDecoder(),
};
