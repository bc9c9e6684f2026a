/**
 * Runs on the audio thread: the engine's playback frames → ring buffer →
 * the output device, with a level report for the output meter about ten
 * times a second. Frames come from the main thread (PlaybackCommand
 * 'frame': tones, and call audio with a transport that cannot relay) or,
 * once connected, encoded straight from the transport's relay.
 */
import { decodeFrame } from '../api/audio-frame-codec.ts';
import { PlaybackRing } from './playback-ring.ts';
import { resampleLinear } from './resample.ts';
import { MIX_STREAM, PLAYBACK_PROCESSOR, type AudioWorkletScope, type PlaybackCommand, type PlaybackReport } from './worklet-scope.ts';

const scope = globalThis as unknown as AudioWorkletScope;
const ms = (n: number) => Math.round((scope.sampleRate * n) / 1000);

class PlaybackProcessor extends scope.AudioWorkletProcessor {
  /**
   * 100 ms of room; the slack kept is sized by how unevenly frames arrive
   * (PlaybackRing's adaptation): 10 ms at first, 2.7 ms (one render quantum)
   * at least, 60 ms at most; judged every 25 frames (half a second).
   */
  #ring = new PlaybackRing(ms(100), ms(30), ms(1), { frame: ms(20), quantum: 128, minMargin: 128, initialMargin: ms(10), maxMargin: ms(60), window: 25 });
  #sumSquares = 0;
  #peak = 0;
  #count = 0;
  #reportEvery = ms(100);

  constructor(options?: AudioWorkletNodeOptions) {
    super(options);
    this.port.onmessage = (event: MessageEvent<PlaybackCommand>) => {
      const command = event.data;
      if (command.type === 'frame') this.#ring.write(new Int16Array(command.samples));
      else if (command.type === 'clear') this.#ring.clear();
      else if (command.type === 'connect') command.port.onmessage = (e: MessageEvent<unknown>) => this.#fromRelay(e.data);
    };
  }

  /** An encoded frame from the engine; anything else (another stream, a malformed frame) is dropped. */
  #fromRelay(data: unknown): void {
    if (!(data instanceof ArrayBuffer)) return;
    const frame = decodeFrame(new Uint8Array(data));
    if (!frame || frame.kind !== 'playback' || frame.stream !== MIX_STREAM) return;
    this.#ring.write(resampleLinear(frame.samples, frame.sampleRate, scope.sampleRate));
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const output = outputs[0];
    const first = output?.[0];
    if (!output || !first) return true;
    this.#ring.read(first);
    for (let c = 1; c < output.length; c++) output[c]!.set(first);
    for (let i = 0; i < first.length; i++) {
      const x = first[i]!;
      this.#sumSquares += x * x;
      const abs = Math.abs(x);
      if (abs > this.#peak) this.#peak = abs;
    }
    this.#count += first.length;
    if (this.#count >= this.#reportEvery) {
      const stats = this.#ring.stats;
      const report: PlaybackReport = {
        type: 'level',
        rms: Math.sqrt(this.#sumSquares / this.#count),
        peak: this.#peak,
        buffered: stats.buffered,
        underruns: stats.underruns,
        overflows: stats.overflows,
      };
      this.port.postMessage(report);
      this.#sumSquares = 0;
      this.#peak = 0;
      this.#count = 0;
    }
    return true;
  }
}

scope.registerProcessor(PLAYBACK_PROCESSOR, PlaybackProcessor);
