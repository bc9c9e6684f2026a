/**
 * The receiving half of a call's audio, without sockets: RTP payloads in,
 * device frames out.
 *
 *   payload ─▶ JitterBuffer ─▶ decode | decoder.conceal | silence
 *           ─▶ resample to the device rate ─▶ FIFO ─▶ one 20 ms frame per pull
 *
 * pull() is called once per device frame (the call's 20 ms tick) and asks
 * the jitter buffer for another packet only when the FIFO holds less than a
 * frame, so the buffer is pulled once per packet duration whatever the
 * peer's ptime. When the buffer has more delay than it needs (after a late
 * burst, or when the jitter died down) and the frame just decoded is quiet
 * (below −50 dBFS: a pause), that frame is not played and the next one is
 * pulled at once: silence is compressed, one frame per pull, so the delay
 * comes down within a pause instead of by cutting speech. Each played packet's time from arrival to the device is
 * measured: that is the receive side's share of mouth-to-ear delay.
 */
import { frameSamples } from '../audio/frame.ts';
import { Resampler } from '../audio/resampler.ts';
import { SampleFifo } from '../audio/sample-fifo.ts';
import type { Codec, Decoder } from '../codecs/codec.ts';
import type { JitterBufferOptions, JitterBufferStats, PushResult } from '../jitter/jitter-buffer.ts';
import { JitterBuffer } from '../jitter/jitter-buffer.ts';
import type { DelayFigures } from './delay-figures.ts';
import { DelayAccumulator } from './delay-figures.ts';

export type { DelayFigures };

export interface ReceivePipelineOptions {
  codec: Codec;
  /** Rate of the frames pull() returns (the playback device's). */
  outputRate: number;
  jitter?: Omit<JitterBufferOptions, 'clockRate'>;
}

interface Queued {
  payload: Uint8Array;
  arrivalMs: number;
}

export interface ReceivePipelineStats {
  jitterBuffer: JitterBufferStats;
  /** Arrival of a packet until its audio reaches the device. */
  arrivalToPlayout: DelayFigures;
  /** The jitter buffer's playout delay (media buffered ahead), sampled every pull while playing. */
  playoutDelay: DelayFigures;
  /** Device frames that held decoded, concealed or silent audio; quiet decoded frames shed to shrink the delay. */
  frames: { decoded: number; concealed: number; silent: number; shed: number };
}

/** Most packets fetched for one device frame: a guard against decoders that return nothing. */
const MAX_PULLS_PER_FRAME = 8;
/** A decoded frame whose RMS is below this (−50 dBFS) is a pause that may be shed to shrink the delay. */
const QUIET_RMS = 32768 * 10 ** (-50 / 20);

function quiet(pcm: Int16Array): boolean {
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) sum += pcm[i]! * pcm[i]!;
  return sum < QUIET_RMS * QUIET_RMS * pcm.length;
}

export class ReceivePipeline {
  readonly codec: Codec;
  readonly #decoder: Decoder;
  readonly #jitter: JitterBuffer<Queued>;
  #outputRate: number;
  #resampler: Resampler;
  #fifo: SampleFifo;
  #outFrame: number;
  readonly #arrivalToPlayout = new DelayAccumulator();
  readonly #playoutDelay = new DelayAccumulator();
  readonly #frames = { decoded: 0, concealed: 0, silent: 0, shed: 0 };
  #destroyed = false;

  /** Needs the WASM resampler loaded (initMedia) when the rates differ. */
  constructor(options: ReceivePipelineOptions) {
    this.codec = options.codec;
    this.#outputRate = options.outputRate;
    this.#outFrame = frameSamples(options.outputRate);
    this.#jitter = new JitterBuffer<Queued>({ ...options.jitter, clockRate: options.codec.clockRate });
    this.#decoder = options.codec.createDecoder();
    try {
      this.#resampler = new Resampler(options.codec.sampleRate, options.outputRate);
    } catch (err) {
      this.#decoder.destroy();
      throw err;
    }
    this.#fifo = new SampleFifo(frameSamples(options.outputRate, 500));
  }

  get outputRate(): number {
    return this.#outputRate;
  }

  /** Follows a new playback device rate (the audio still buffered is dropped). */
  setOutputRate(rate: number): void {
    if (rate === this.#outputRate || this.#destroyed) return;
    const resampler = new Resampler(this.codec.sampleRate, rate);
    this.#resampler.destroy();
    this.#resampler = resampler;
    this.#outputRate = rate;
    this.#outFrame = frameSamples(rate);
    this.#fifo = new SampleFifo(frameSamples(rate, 500));
  }

  /** One received audio packet. `seq` is the audio numbering (see SequenceCompactor). */
  push(seq: number, timestamp: number, payload: Uint8Array, arrivalMs: number, marker = false): PushResult {
    return this.#jitter.push({ seq, timestamp, payload: { payload, arrivalMs }, arrivalMs, marker });
  }

  /** The next device frame (FRAME_MS at outputRate). */
  pull(nowMs: number): Int16Array {
    if (this.#destroyed) return new Int16Array(this.#outFrame);
    let kind: 'decoded' | 'concealed' | 'silent' = 'silent';
    let shed = false;
    for (let i = 0; i < MAX_PULLS_PER_FRAME && this.#fifo.length < this.#outFrame; i++) {
      const buffered = this.#fifo.length;
      const frame = this.#jitter.pull(nowMs);
      const packetSamples = frameSamples(this.codec.sampleRate, this.#jitter.frameMs);
      let pcm: Int16Array;
      if (frame.kind === 'audio') {
        pcm = this.#decoder.decode(frame.payload.payload);
        if (!shed && this.#jitter.excessFrames > 0 && quiet(pcm)) {
          shed = true;
          this.#jitter.shedPlayed();
          this.#frames.shed++;
          continue;
        }
        this.#arrivalToPlayout.add(nowMs - frame.payload.arrivalMs + (buffered * 1000) / this.#outputRate);
        kind = 'decoded';
      } else if (frame.kind === 'conceal') {
        pcm = this.#decoder.conceal(packetSamples);
        if (kind !== 'decoded') kind = 'concealed';
      } else {
        pcm = new Int16Array(packetSamples);
      }
      if (frame.kind !== 'silence') this.#playoutDelay.add(this.#jitter.playoutDelayMs);
      const out = this.#resampler.process(pcm);
      if (buffered === 0 && out.length === this.#outFrame) {
        // The common case (20 ms packets, exact rate ratio): no copy through the FIFO.
        this.#frames[kind]++;
        return out;
      }
      this.#fifo.push(out);
    }
    this.#frames[kind]++;
    return this.#fifo.shift(this.#outFrame).samples;
  }

  /** Forget buffered packets and audio (resume after hold, new stream). */
  reset(): void {
    this.#jitter.reset();
    this.#fifo.clear();
  }

  get stats(): ReceivePipelineStats {
    return {
      jitterBuffer: this.#jitter.stats,
      arrivalToPlayout: this.#arrivalToPlayout.figures,
      playoutDelay: this.#playoutDelay.figures,
      frames: { ...this.#frames },
    };
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#decoder.destroy();
    this.#resampler.destroy();
  }
}
