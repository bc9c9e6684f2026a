/**
 * Where each call's audio comes from and goes to (docs/architecture.md §5).
 *
 * Headless (CLI, tests): the host gives a device factory; each call gets its
 * own source and sink from it (tone, WAV, echo…) and one MediaClock paces
 * every call, so the calls of a conference tick together.
 *
 * Client audio (desktop, web host): the client is the sound card. Capture
 * frames arrive through `capture(frame, client)` and are copied to every call
 * that listens to that client (the client that placed or answered the call;
 * a call no client claimed hears every client). Each call's received audio
 * goes into its own FrameBridge; after every tick the Mixer sums the calls
 * into one playback frame for the client(s). The capture frames pace the
 * calls (capture-ticker.ts).
 */
import type { AudioSink, AudioSource } from '../media/audio/frame.ts';
import { DEVICE_RATE, frameSamples } from '../media/audio/frame.ts';
import { FrameBridge } from '../media/devices/frame-bridge.ts';
import { Mixer, type MixerInput } from '../media/devices/mixer.ts';
import { MediaClock, type FrameTicker } from '../media/session/media-clock.ts';
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/logger.ts';
import { CaptureTicker } from './capture-ticker.ts';

export interface CallAudioDevices {
  source: AudioSource;
  sink: AudioSink;
}

export type AudioDeviceFactory = (callId: string) => CallAudioDevices;

interface Route {
  callId: string;
  client: string | undefined;
  source: AudioSource;
  sink: AudioSink;
  capture?: FrameBridge;
  playback?: FrameBridge;
  mixerInput?: MixerInput;
}

/** Capture frames wait at most this long for a tick (then the oldest is dropped). */
const CAPTURE_BUFFER_MS = 200;
const PLAYBACK_BUFFER_MS = 200;

export class AudioRouter {
  readonly ticker: FrameTicker;
  readonly #factory: AudioDeviceFactory | undefined;
  readonly #captureTicker: CaptureTicker | undefined;
  readonly #mixer = new Mixer({ sampleRate: DEVICE_RATE });
  readonly #routes = new Map<string, Route>();
  readonly #playbackListeners = new Set<(frame: Int16Array) => void>();
  readonly #log: Logger;

  constructor(opts: { clock: Clock; logger: Logger; factory?: AudioDeviceFactory }) {
    this.#factory = opts.factory;
    this.#log = opts.logger;
    if (opts.factory) {
      this.ticker = new MediaClock({ clock: opts.clock, onListenerError: (e) => this.#log.warn('audio tick failed', { error: String(e) }) });
    } else {
      this.#captureTicker = new CaptureTicker({ clock: opts.clock, afterTick: () => this.#mixPlayback() });
      this.ticker = this.#captureTicker;
    }
  }

  get headless(): boolean {
    return this.#factory !== undefined;
  }

  /** Devices for a new call; `client` ties its capture to one client (see the file comment). */
  open(callId: string, client?: string): CallAudioDevices {
    this.release(callId);
    let route: Route;
    if (this.#factory) {
      const devices = this.#factory(callId);
      route = { callId, client, source: devices.source, sink: devices.sink };
    } else {
      const capture = new FrameBridge({ sampleRate: DEVICE_RATE, maxBufferMs: CAPTURE_BUFFER_MS, newestOnly: true });
      const playback = new FrameBridge({ sampleRate: DEVICE_RATE, maxBufferMs: PLAYBACK_BUFFER_MS });
      route = { callId, client, source: capture, sink: playback, capture, playback, mixerInput: this.#mixer.add(playback) };
    }
    this.#routes.set(callId, route);
    return { source: route.source, sink: route.sink };
  }

  /** The client that answered or placed the call hears and speaks on it from now on. */
  claim(callId: string, client: string | undefined): void {
    const route = this.#routes.get(callId);
    if (route && client !== undefined) route.client = client;
  }

  /** The call ended: its devices are closed (headless sinks such as WAV files get finalised). */
  release(callId: string): void {
    const route = this.#routes.get(callId);
    if (!route) return;
    this.#routes.delete(callId);
    route.mixerInput?.remove();
    try {
      route.source.close?.();
      const closing = route.sink.close?.();
      if (closing) closing.catch((e: unknown) => this.#log.warn('closing a call sink failed', { callId, error: String(e) }));
    } catch (e) {
      this.#log.warn('closing call devices failed', { callId, error: String(e) });
    }
  }

  /** A 20 ms capture frame at 48 kHz from a client. */
  capture(frame: Int16Array, client: string): void {
    if (this.#factory) return; // headless calls have their own sources
    for (const route of this.#routes.values()) {
      if (route.client === undefined || route.client === client) route.capture?.write(frame);
    }
    this.#captureTicker?.captured(client);
  }

  onPlayback(cb: (frame: Int16Array) => void): () => void {
    this.#playbackListeners.add(cb);
    return () => void this.#playbackListeners.delete(cb);
  }

  #mixPlayback(): void {
    if (this.#playbackListeners.size === 0 || this.#mixer.inputCount === 0) return;
    const frame = this.#mixer.read(frameSamples(DEVICE_RATE));
    if (!frame) return;
    for (const cb of [...this.#playbackListeners]) {
      try {
        cb(frame);
      } catch (e) {
        this.#log.warn('playback listener failed', { error: String(e) });
      }
    }
  }

  close(): void {
    for (const callId of [...this.#routes.keys()]) this.release(callId);
    if (this.ticker instanceof MediaClock) this.ticker.stop();
    this.#playbackListeners.clear();
  }
}
