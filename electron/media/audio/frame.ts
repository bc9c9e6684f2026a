/**
 * The audio frame contract of the media engine (docs/architecture.md §5): everything
 * between a device and a codec moves as mono 16-bit PCM frames of FRAME_MS,
 * at a rate the owner states. Devices (renderer capture/playback, WAV files,
 * tones, the mixer) run at DEVICE_RATE; codecs run at their own PCM rate and
 * a resampler sits between (see resampler.ts).
 *
 * Pull for sources, push for sinks: the capture clock (or the playback
 * device's demand) paces everything, so no timer on the audio path can drift
 * against the sound card.
 */

/** Mono, signed 16-bit PCM samples at a rate stated by whoever hands it over. */
export type AudioFrame = Int16Array;

/** The rate every device, the mixer and the renderer's worklets use. */
export const DEVICE_RATE = 48000;

/** Packetisation time of one frame; RTP ptime 20 is what every peer accepts. */
export const FRAME_MS = 20;

/** Samples in one FRAME_MS frame at `sampleRate` (960 at 48 kHz, 160 at 8 kHz). */
export function frameSamples(sampleRate: number, frameMs: number = FRAME_MS): number {
  return Math.round((sampleRate * frameMs) / 1000);
}

/** Something that produces audio when asked (microphone, WAV file, tone, mixer). */
export interface AudioSource {
  readonly sampleRate: number;
  /**
   * The next `frameSamples` samples. A source never returns a shorter frame:
   * it pads with silence. `null` means the source has ended for good.
   */
  read(frameSamples: number): Int16Array | null;
  close?(): void;
}

/** Something that consumes audio (speaker, WAV file, RTP sender, mixer input). */
export interface AudioSink {
  readonly sampleRate: number;
  /** Takes a frame; the sink must copy it if it keeps it beyond the call. */
  write(frame: Int16Array): void;
  close?(): Promise<void> | void;
}
