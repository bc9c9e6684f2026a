/**
 * Runs on the audio thread: the engine's playback frames → ring buffer →
 * the output device, with a level report for the output meter about ten
 * times a second.
 */
import { PlaybackRing } from './playback-ring.ts';
import { PLAYBACK_PROCESSOR, type AudioWorkletScope, type PlaybackCommand, type PlaybackReport } from './worklet-scope.ts';

const scope = globalThis as unknown as AudioWorkletScope;
const ms = (n: number) => Math.round((scope.sampleRate * n) / 1000);

class PlaybackProcessor extends scope.AudioWorkletProcessor {
  #ring = new PlaybackRing(ms(60), ms(30), ms(1));
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
    };
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
