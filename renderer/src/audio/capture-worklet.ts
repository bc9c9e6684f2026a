/**
 * Runs on the audio thread: microphone samples (after the browser's echo
 * cancellation and noise suppression) → 20 ms Int16 frames → main thread,
 * which sends them to the engine. Only the first channel is used: the
 * engine's audio is mono.
 */
import { FrameChunker } from './frame-chunker.ts';
import { CAPTURE_PROCESSOR, type AudioWorkletScope, type CaptureMessage } from './worklet-scope.ts';

const scope = globalThis as unknown as AudioWorkletScope;

/**
 * Without a microphone (refused, unplugged) the node still runs and sends
 * silence: the engine's calls are paced by these frames (docs/architecture.md §5), so
 * stopping them would also stop what we hear.
 */
class CaptureProcessor extends scope.AudioWorkletProcessor {
  #chunker = new FrameChunker(Math.round((scope.sampleRate * 20) / 1000));
  #silence = new Float32Array(128);

  process(inputs: Float32Array[][]): boolean {
    const channel = inputs[0]?.[0] ?? this.#silence;
    this.#chunker.push(channel, (frame, level) => {
      const message: CaptureMessage = { type: 'frame', samples: frame.buffer as ArrayBuffer, rms: level.rms, peak: level.peak };
      this.port.postMessage(message, [frame.buffer as ArrayBuffer]);
    });
    return true;
  }
}

scope.registerProcessor(CAPTURE_PROCESSOR, CaptureProcessor);
