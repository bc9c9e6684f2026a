/**
 * The codec contract (docs/conventions.md item 5: codecs plug in through a
 * registry). A Codec describes one RTP payload format (RFC 3551 / RFC 7587)
 * and makes per-stream Encoders and Decoders; those hold the stream state
 * (ADPCM predictors, Opus internals, concealment history), so each direction
 * of each call owns its own pair.
 *
 * PCM in and out is mono Int16 at `sampleRate` (see audio/frame.ts); RTP
 * timestamps advance at `clockRate`, which differs from the PCM rate for
 * G.722 (RFC 3551 §4.5.2: 8000 for historical reasons, PCM is 16000).
 */

export type CodecName = 'PCMU' | 'PCMA' | 'G722' | 'opus';

export interface EncoderOptions {
  /** Target bitrate in bit/s (Opus; SDP maxaveragebitrate). */
  bitrate?: number;
  /** Encoder effort 0..10 (Opus). */
  complexity?: number;
  /** In-band forward error correction (Opus LBRR, RFC 7587 useinbandfec). */
  fec?: boolean;
  /** Expected packet loss in percent; tunes Opus FEC redundancy. */
  packetLossPercent?: number;
  /** Discontinuous transmission (Opus usedtx). */
  dtx?: boolean;
}

export interface Encoder {
  /** Encodes one frame of PCM at the codec's sampleRate into one RTP payload. */
  encode(pcm: Int16Array): Uint8Array;
  destroy(): void;
}

export interface Decoder {
  /** Decodes one RTP payload into PCM at the codec's sampleRate. */
  decode(payload: Uint8Array): Int16Array;
  /**
   * Packet loss concealment: `samples` of PCM standing in for a lost packet.
   * Opus uses its own PLC; G.711 and G.722 repeat the last pitch period and
   * fade (a simplified ITU-T G.711 Appendix I). The next decode() blends in.
   */
  conceal(samples: number): Int16Array;
  destroy(): void;
}

export interface Codec {
  /** Encoding name as in a=rtpmap (case-insensitive on the wire). */
  readonly name: CodecName | string;
  /** RTP timestamp clock (G.722: 8000 per RFC 3551, Opus: 48000 per RFC 7587). */
  readonly clockRate: number;
  /** PCM rate the encoder takes and the decoder gives: 8000, 16000 or 48000. */
  readonly sampleRate: number;
  /**
   * Channel count as written in a=rtpmap. Opus is always "opus/48000/2"
   * (RFC 7587 §7) although Parley encodes and decodes mono PCM.
   */
  readonly channels: number;
  /** Static payload type from RFC 3551, if any (PCMU 0, PCMA 8, G722 9). */
  readonly defaultPayloadType?: number;
  /** Our a=fmtp parameters, if any (Opus: "minptime=10;useinbandfec=1"). */
  readonly fmtp?: string;
  createEncoder(opts?: EncoderOptions): Encoder;
  createDecoder(): Decoder;
}

/** RTP timestamp ticks covered by `pcmSamples` of this codec's PCM. */
export function rtpTicks(codec: Codec, pcmSamples: number): number {
  return Math.round((pcmSamples * codec.clockRate) / codec.sampleRate);
}

/** PCM samples in one frame of `frameMs` at the codec's PCM rate. */
export function codecFrameSamples(codec: Codec, frameMs = 20): number {
  return Math.round((codec.sampleRate * frameMs) / 1000);
}
