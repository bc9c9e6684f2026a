/**
 * An echo test device: what is written to `sink` comes back from `source`
 * after `delayMs` (0 by default), through a bounded buffer (so a stalled
 * reader cannot grow memory). Pointing a call's playback at the sink and its
 * capture at the source sends the far end its own voice back.
 */
import { DEVICE_RATE, type AudioSink, type AudioSource } from '../audio/frame.ts';
import { FrameBridge } from './frame-bridge.ts';

export interface EchoDeviceOptions {
  sampleRate?: number;
  /** Extra delay before the echo, in ms (default 0). */
  delayMs?: number;
  /** Most audio held (default 1000 ms, at least delayMs + 200 ms). */
  maxBufferMs?: number;
}

export class EchoDevice {
  readonly sampleRate: number;
  readonly sink: AudioSink;
  readonly source: AudioSource;
  readonly #bridge: FrameBridge;

  constructor(opts: EchoDeviceOptions = {}) {
    const rate = opts.sampleRate ?? DEVICE_RATE;
    const delayMs = opts.delayMs ?? 0;
    this.sampleRate = rate;
    const bridge = new FrameBridge({ sampleRate: rate, maxBufferMs: Math.max(opts.maxBufferMs ?? 1000, delayMs + 200) });
    const delay = Math.round((delayMs * rate) / 1000);
    if (delay > 0) bridge.write(new Int16Array(delay));
    this.#bridge = bridge;
    this.sink = { sampleRate: rate, write: (frame) => bridge.write(frame) };
    this.source = { sampleRate: rate, read: (n) => bridge.read(n), close: () => bridge.close() };
  }

  /** Samples waiting to be echoed. */
  get buffered(): number {
    return this.#bridge.buffered;
  }

  /** Samples dropped because nobody read them in time. */
  get dropped(): number {
    return this.#bridge.dropped;
  }
}
