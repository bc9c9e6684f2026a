/**
 * The AudioWorkletGlobalScope as the worklets use it. TypeScript's DOM lib
 * does not describe that scope, and declaring its globals for the whole
 * renderer would let main-thread code use `sampleRate` by mistake, so the
 * worklets reach them through this typed view of globalThis.
 */
export interface WorkletProcessor {
  readonly port: MessagePort;
  process(inputs: Float32Array[][], outputs: Float32Array[][], parameters: Record<string, Float32Array>): boolean;
}

export interface AudioWorkletScope {
  readonly sampleRate: number;
  readonly currentTime: number;
  AudioWorkletProcessor: abstract new (options?: AudioWorkletNodeOptions) => { readonly port: MessagePort };
  registerProcessor(name: string, processor: new (options?: AudioWorkletNodeOptions) => WorkletProcessor): void;
}

export const CAPTURE_PROCESSOR = 'parley-capture';
export const PLAYBACK_PROCESSOR = 'parley-playback';

/** The device stream of electron/api/audio-frames.ts that carries every call mixed. */
export const MIX_STREAM = 0;

/**
 * Main thread → capture worklet. `connect`: from now on encoded frames go to
 * `port` (the transport's relay, off the main thread) while `sending`, and
 * only the level comes to the main thread.
 */
/** `sequence` on connect: the next frame's number, so the engine sees one run of numbers when the page hands the frames over. */
export type CaptureCommand = { type: 'connect'; port: MessagePort; sending: boolean; sequence: number } | { type: 'sending'; on: boolean };

/** Capture worklet → main thread: each frame (until connected), or the level about ten times a second. */
export type CaptureMessage =
  | {
      type: 'frame';
      /** An Int16Array's buffer, transferred. */
      samples: ArrayBuffer;
      rms: number;
      peak: number;
    }
  | { type: 'level'; rms: number; peak: number };

/**
 * Main thread → playback worklet. `connect`: encoded playback frames
 * (audio-frame-codec.ts) arrive on `port` straight from the transport's relay.
 */
export type PlaybackCommand = { type: 'frame'; samples: ArrayBuffer } | { type: 'clear' } | { type: 'connect'; port: MessagePort };

/** Playback worklet → main thread, a few times a second. */
export interface PlaybackReport {
  type: 'level';
  rms: number;
  peak: number;
  buffered: number;
  underruns: number;
  overflows: number;
}
