/**
 * The codecs Parley can offer, in preference order. SDP offer/answer asks
 * the registry by encoding name (and clock rate, since a name may exist at
 * several rates); hosts may register more codecs or build their own
 * registry with a different order.
 */
import type { Codec } from './codec.ts';
import { g722Codec } from './g722-codec.ts';
import { pcmaCodec, pcmuCodec } from './g711-codec.ts';
import { opusCodec } from './opus-codec.ts';

export class CodecRegistry {
  readonly #codecs: Codec[] = [];

  /** Adds a codec at the end of the preference order; a codec with the same name and clock rate is replaced in place. */
  register(codec: Codec): this {
    const i = this.#codecs.findIndex((c) => sameCodec(c, codec.name, codec.clockRate));
    if (i >= 0) this.#codecs[i] = codec;
    else this.#codecs.push(codec);
    return this;
  }

  /** Removes a codec by name (any clock rate when none is given). */
  unregister(name: string, clockRate?: number): boolean {
    const before = this.#codecs.length;
    for (let i = this.#codecs.length - 1; i >= 0; i--) {
      if (sameCodec(this.#codecs[i]!, name, clockRate)) this.#codecs.splice(i, 1);
    }
    return this.#codecs.length !== before;
  }

  /** Looks a codec up by encoding name, case-insensitively (RFC 4855 §3), optionally at a clock rate. */
  get(name: string, clockRate?: number): Codec | undefined {
    return this.#codecs.find((c) => sameCodec(c, name, clockRate));
  }

  /** All codecs in preference order. */
  list(): readonly Codec[] {
    return [...this.#codecs];
  }
}

function sameCodec(c: Codec, name: string, clockRate: number | undefined): boolean {
  return c.name.toLowerCase() === name.toLowerCase() && (clockRate === undefined || c.clockRate === clockRate);
}

/** A fresh registry with Parley's default order: opus, G722, PCMU, PCMA. */
export function createDefaultCodecRegistry(): CodecRegistry {
  return new CodecRegistry().register(opusCodec).register(g722Codec).register(pcmuCodec).register(pcmaCodec);
}

/** The shared default registry. */
export const defaultCodecRegistry: CodecRegistry = createDefaultCodecRegistry();
