/**
 * Runs on the audio thread: microphone samples (after the browser's echo
 * cancellation and noise suppression) → 20 ms Int16 frames. Only the first
 * channel is used: the engine's audio is mono.
 *
 * Where the frames go: once the page has connected a port to the engine
 * (CaptureCommand 'connect': the web host's socket Worker, or Electron's
 * main process), each frame is encoded here and posted straight to it — the main thread only hears the level, ten
 * times a second; before that (or with a transport that cannot relay), each
 * frame goes to the main thread, which sends it.
 */
import { encodeFrame, portMessage } from '../api/audio-frame-codec.ts';
import type { AudioSampleRate } from '../api/types.ts';
import { FrameChunker } from './frame-chunker.ts';
import { CAPTURE_PROCESSOR, MIX_STREAM, type AudioWorkletScope, type CaptureCommand, type CaptureMessage } from './worklet-scope.ts';

const scope = globalThis as unknown as AudioWorkletScope;

/** Frames between two level reports to the main thread once frames go straight to the relay. */
const LEVEL_EVERY = 5;

/**
 * Without a microphone (refused, unplugged) the node still runs and sends
 * silence: the engine's calls are paced by these frames (docs/architecture.md §5), so
 * stopping them would also stop what we hear.
 */
class CaptureProcessor extends scope.AudioWorkletProcessor {
  #chunker = new FrameChunker(Math.round((scope.sampleRate * 20) / 1000));
  #silence = new Float32Array(128);
  #relay: MessagePort | undefined;
  #sending = false;
  #sequence = 0;
  #frames = 0;

  constructor(options?: AudioWorkletNodeOptions) {
    super(options);
    this.port.onmessage = (event: MessageEvent<CaptureCommand>) => {
      const command = event.data;
      if (command.type === 'connect') {
        this.#relay = command.port;
        this.#sending = command.sending;
        this.#sequence = command.sequence & 0xffff;
      } else if (command.type === 'sending') this.#sending = command.on;
    };
  }

  process(inputs: Float32Array[][]): boolean {
    const channel = inputs[0]?.[0] ?? this.#silence;
    this.#chunker.push(channel, (frame, level) => {
      const relay = this.#relay;
      if (!relay) {
        const message: CaptureMessage = { type: 'frame', samples: frame.buffer as ArrayBuffer, rms: level.rms, peak: level.peak };
        this.port.postMessage(message, [frame.buffer as ArrayBuffer]);
        return;
      }
      if (this.#sending) {
        const bytes = encodeFrame({ kind: 'capture', sampleRate: scope.sampleRate as AudioSampleRate, sequence: this.#sequence, stream: MIX_STREAM, samples: frame });
        this.#sequence = (this.#sequence + 1) & 0xffff;
        // A copy, not a transfer: the port may lead to Electron's main process (portMessage).
        relay.postMessage(portMessage(bytes));
      }
      if (++this.#frames % LEVEL_EVERY === 0) {
        const message: CaptureMessage = { type: 'level', rms: level.rms, peak: level.peak };
        this.port.postMessage(message);
      }
    });
    return true;
  }
}

scope.registerProcessor(CAPTURE_PROCESSOR, CaptureProcessor);
