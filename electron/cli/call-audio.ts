/**
 * The CLI's sound card: per call, what we send (a tone, a WAV file, or
 * silence; the far end's own voice for `parley echo`) and where what we hear
 * goes (a WAV recording, or nowhere). The engine asks for a pair when a call
 * starts (the `audio` option of createPhoneEngine); everything runs at
 * DEVICE_RATE and the engine converts to each codec's rate.
 *
 * Recordings: the first call goes to --record as given, later ones (a
 * `listen` that takes several calls) to name-2.wav, name-3.wav, … so no call
 * overwrites another. Each file is finalised when its call ends, and at exit
 * for any call still open, so an interrupted run still leaves playable files.
 */
import { TwoWayRecorder } from '../media/devices/two-way-recorder.ts';
import { extname } from 'node:path';
import { DEVICE_RATE, type AudioSink, type AudioSource } from '../media/audio/frame.ts';
import { EchoDevice } from '../media/devices/echo-device.ts';
import { NullSink } from '../media/devices/null-sink.ts';
import { SilenceSource } from '../media/devices/silence-source.ts';
import { ToneSource } from '../media/devices/tone-source.ts';
import { WavFileSink } from '../media/devices/wav-file-sink.ts';
import { WavFileSource } from '../media/devices/wav-file-source.ts';
import { readWavFile, type WavData } from '../media/devices/wav-format.ts';
import { initMedia } from '../media/audio/init-media.ts';

export interface CallAudioOptions {
  /** A sine tone in Hz. */
  tone?: number;
  /** A WAV file to play (16-bit PCM, any rate, mono or stereo). */
  play?: string;
  /** Where to record what we hear. */
  record?: string;
  /** Where to record both ways, mixed (what we send and what we hear). */
  recordBoth?: string;
  /** Send back what we hear (`parley echo`). */
  echo?: boolean;
  /** Peak level of --tone (default -10 dBFS). */
  toneLevelDbfs?: number;
}

export interface CallDevices {
  source: AudioSource;
  sink: AudioSink;
}

/** A source that turns into silence once the inner one has ended (the engine keeps sending packets). */
class ThenSilence implements AudioSource {
  readonly sampleRate: number;
  readonly #inner: AudioSource;
  #ended = false;

  constructor(inner: AudioSource) {
    this.#inner = inner;
    this.sampleRate = inner.sampleRate;
  }

  read(n: number): Int16Array {
    if (!this.#ended) {
      const frame = this.#inner.read(n);
      if (frame !== null) return frame;
      this.#ended = true;
    }
    return new Int16Array(n);
  }

  close(): void {
    this.#inner.close?.();
  }
}

/** Writes every frame to several sinks (echo + recording). */
class TeeSink implements AudioSink {
  readonly sampleRate: number;
  readonly #sinks: AudioSink[];

  constructor(sinks: AudioSink[]) {
    this.sampleRate = sinks[0]!.sampleRate;
    this.#sinks = sinks;
  }

  write(frame: Int16Array): void {
    for (const s of this.#sinks) s.write(frame);
  }

  async close(): Promise<void> {
    for (const s of this.#sinks) await s.close?.();
  }
}

/** --record-both into a .opus or .ogg file writes Ogg Opus (ogg-opus-file.ts); anything else WAV. */
const OPUS_FILE = /\.(opus|ogg)$/i;

/** name.wav → name-2.wav for the second call. */
export function recordingPath(base: string, index: number): string {
  if (index <= 1) return base;
  const ext = extname(base);
  return ext ? `${base.slice(0, -ext.length)}-${index}${ext}` : `${base}-${index}`;
}

export class CallAudio {
  readonly #options: CallAudioOptions;
  readonly #wav: WavData | undefined;
  readonly #open = new Map<string, { source: AudioSource; sink: AudioSink; recording?: WavFileSink; both?: TwoWayRecorder }>();
  readonly #bothRecordings = new Map<string, string>();
  #recordedBoth = 0;
  readonly #recordings = new Map<string, string>();
  #recorded = 0;

  private constructor(options: CallAudioOptions, wav: WavData | undefined) {
    this.#options = options;
    this.#wav = wav;
  }

  /** Reads --play up front, so a missing or broken file is reported before any call starts. */
  static async create(options: CallAudioOptions): Promise<CallAudio> {
    let wav: WavData | undefined;
    if (options.play !== undefined) {
      wav = readWavFile(options.play);
      if (wav.sampleRate !== DEVICE_RATE) await initMedia();
    }
    return new CallAudio(options, wav);
  }

  /** Length of the --play file in seconds, if one was given. */
  get playSeconds(): number | undefined {
    return this.#wav ? this.#wav.samples.length / this.#wav.channels / this.#wav.sampleRate : undefined;
  }

  /** The engine's per-call audio factory. */
  readonly devicesFor = (callId: string): CallDevices => {
    const existing = this.#open.get(callId);
    if (existing) return { source: existing.source, sink: existing.sink };
    let recording: WavFileSink | undefined;
    if (this.#options.record !== undefined) {
      const path = recordingPath(this.#options.record, ++this.#recorded);
      recording = new WavFileSink(path, { sampleRate: DEVICE_RATE });
      this.#recordings.set(callId, path);
    }
    let source: AudioSource;
    let sink: AudioSink;
    if (this.#options.echo) {
      const echo = new EchoDevice({ sampleRate: DEVICE_RATE });
      source = echo.source;
      sink = recording ? new TeeSink([echo.sink, recording]) : echo.sink;
    } else {
      if (this.#wav) source = new ThenSilence(new WavFileSource(this.#wav, { sampleRate: DEVICE_RATE }));
      else if (this.#options.tone !== undefined) source = new ToneSource({ frequency: this.#options.tone, levelDbfs: this.#options.toneLevelDbfs ?? -10, sampleRate: DEVICE_RATE });
      else source = new SilenceSource({ sampleRate: DEVICE_RATE });
      sink = recording ?? new NullSink(DEVICE_RATE);
    }
    let both: TwoWayRecorder | undefined;
    if (this.#options.recordBoth !== undefined) {
      const path = recordingPath(this.#options.recordBoth, ++this.#recordedBoth);
      both = new TwoWayRecorder({ path, sampleRate: DEVICE_RATE, format: OPUS_FILE.test(path) ? 'opus' : 'wav' });
      this.#bothRecordings.set(callId, path);
      source = both.tapSource(source);
      sink = both.tapSink(sink);
    }
    this.#open.set(callId, { source, sink, ...(recording ? { recording } : {}), ...(both ? { both } : {}) });
    return { source, sink };
  };

  /** Where the call's audio is being recorded, if it is. */
  recordingOf(callId: string): string | undefined {
    return this.#recordings.get(callId);
  }

  /** Where the call is being recorded both ways (--record-both), if it is. */
  bothRecordingOf(callId: string): string | undefined {
    return this.#bothRecordings.get(callId);
  }

  /** Finalises the call's recording and releases its devices (idempotent). */
  release(callId: string): void {
    const devices = this.#open.get(callId);
    if (!devices) return;
    this.#open.delete(callId);
    devices.recording?.close();
    devices.both?.close();
    devices.source.close?.();
  }

  releaseAll(): void {
    for (const id of [...this.#open.keys()]) this.release(id);
  }
}
