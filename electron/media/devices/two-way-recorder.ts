/**
 * Records a call both ways into one WAV or Ogg Opus file (recording-file.ts): what we send (the frames the
 * call reads from its source) and what we hear (the frames it writes to its
 * sink), mixed into one channel at their own levels, or as two channels
 * (left: us, right: the other side).
 *
 * The call's device taps feed it: `tapSource` wraps the microphone,
 * `tapSink` the speaker. Both run on the call's 20 ms tick, so the frames
 * are paired in order; the sink is the clock (one file frame per frame
 * heard). Frames we sent that find no heard frame to pair with — the other
 * side is silent and nothing is written to the sink — are written against
 * silence once more than MAX_LAG_FRAMES wait, so the file keeps real time.
 */
import type { AudioSink, AudioSource } from '../audio/frame.ts';
import { openRecordingFile, type RecordingFile, type RecordingFormat } from './recording-file.ts';

export type RecordingLayout = 'mixed' | 'stereo';

export interface TwoWayRecorderOptions {
  path: string;
  /** The devices' rate (both taps must run at it). */
  sampleRate: number;
  layout?: RecordingLayout;
  /** 'wav' (default) or 'opus' (Ogg Opus). */
  format?: RecordingFormat;
}

/** Frames of ours kept waiting for the other side's before they go in against silence (200 ms). */
const MAX_LAG_FRAMES = 10;

export class TwoWayRecorder {
  readonly path: string;
  readonly layout: RecordingLayout;
  readonly sampleRate: number;
  readonly format: RecordingFormat;
  readonly #file: RecordingFile;
  readonly #sent: Int16Array[] = [];
  #closed = false;

  constructor(opts: TwoWayRecorderOptions) {
    this.path = opts.path;
    this.layout = opts.layout ?? 'mixed';
    this.sampleRate = opts.sampleRate;
    this.format = opts.format ?? 'wav';
    this.#file = openRecordingFile(opts.path, { format: this.format, sampleRate: opts.sampleRate, channels: this.layout === 'stereo' ? 2 : 1 });
  }

  /** Seconds of audio in the file so far. */
  get seconds(): number {
    return this.#file.samplesWritten / this.sampleRate;
  }

  /** The microphone side: every frame read is also recorded. */
  tapSource(source: AudioSource): AudioSource {
    if (source.sampleRate !== this.sampleRate) throw new RangeError(`the source runs at ${source.sampleRate} Hz, the recording at ${this.sampleRate} Hz`);
    return {
      sampleRate: source.sampleRate,
      read: (n) => {
        const frame = source.read(n);
        if (frame && !this.#closed) this.#sentFrame(frame);
        return frame;
      },
      ...(source.close ? { close: () => source.close?.() } : {}),
    };
  }

  /** The speaker side: every frame written is also recorded, paired with what we sent at that tick. */
  tapSink(sink: AudioSink): AudioSink {
    if (sink.sampleRate !== this.sampleRate) throw new RangeError(`the sink runs at ${sink.sampleRate} Hz, the recording at ${this.sampleRate} Hz`);
    return {
      sampleRate: sink.sampleRate,
      write: (frame) => {
        sink.write(frame);
        if (!this.#closed) this.#write(this.#sent.shift(), frame);
      },
      ...(sink.close ? { close: () => sink.close?.() } : {}),
    };
  }

  /** Writes what is still waiting and finalises the file. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const frame of this.#sent.splice(0)) this.#write(frame, undefined);
    this.#file.close();
  }

  #sentFrame(frame: Int16Array): void {
    this.#sent.push(frame.slice());
    while (this.#sent.length > MAX_LAG_FRAMES) this.#write(this.#sent.shift(), undefined);
  }

  #write(sent: Int16Array | undefined, heard: Int16Array | undefined): void {
    const n = Math.max(sent?.length ?? 0, heard?.length ?? 0);
    if (n === 0) return;
    if (this.layout === 'mixed') {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) {
        const v = (sent?.[i] ?? 0) + (heard?.[i] ?? 0);
        out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
      this.#file.write(out);
      return;
    }
    const out = new Int16Array(n * 2);
    for (let i = 0; i < n; i++) {
      out[i * 2] = sent?.[i] ?? 0;
      out[i * 2 + 1] = heard?.[i] ?? 0;
    }
    this.#file.writeInterleaved(out);
  }
}
