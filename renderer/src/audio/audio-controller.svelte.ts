/**
 * The renderer as the phone's sound card (docs/architecture.md §5):
 *
 *   getUserMedia (AEC, NS, AGC) → capture worklet → 20 ms Int16 frames → client → engine
 *   engine → client → playback worklet (ring buffer) → output device (setSinkId)
 *
 * When the transport can carry audio off the main thread (the web host's
 * socket in a Worker: worker-socket.ts; Electron's main process through the
 * ports the preload hands over: bridge-transport.ts), the worklets get
 * MessagePorts to it and frames never pass through the page; the page then
 * only hears levels.
 *
 * One AudioContext at 48 kHz carries both directions so the capture clock
 * paces what we send. The views read `state`, `error` and the two levels.
 *
 * Building that context and loading the worklets costs the page's main
 * thread 5–11 ms (≈ 180 ms the first time), and a call's audio starts when
 * the call connects — the moment the call card is about to say Connected.
 * So a spare context is made ahead (`prepare`, when the page is idle; again
 * after each call) with its worklets loaded, its two worklet nodes and gains
 * built and wired (constructing an AudioWorkletNode cost the page 1–9 ms
 * at connect), and then suspended: a suspended context holds no audio device
 * and runs no audio thread work. `start` takes the spare, resumes it and
 * opens the microphone. Chromium lets a page start audio only after
 * the user interacted with it (its autoplay policy), so the web page prepares
 * after the first click or key press; Electron's window allows it at once.
 */
import type { ApiClient } from '../api/client.ts';
import { isSampleRate } from '../api/audio-frame-codec.ts';
import type { AudioFrame, Settings } from '../api/types.ts';
import captureWorkletUrl from './capture-worklet.ts?worker&url';
import playbackWorkletUrl from './playback-worklet.ts?worker&url';
import { resampleLinear } from './resample.ts';
import { routeContext } from './ringtone.ts';
import { CAPTURE_PROCESSOR, MIX_STREAM, PLAYBACK_PROCESSOR, type CaptureCommand, type CaptureMessage, type PlaybackCommand, type PlaybackReport } from './worklet-scope.ts';

export type AudioSettings = Pick<Settings, 'audioInput' | 'audioOutput' | 'echoCancellation' | 'noiseSuppression' | 'autoGainControl'>;
export type AudioState = 'idle' | 'starting' | 'running' | 'failed';

/** The call's graph: playback worklet → speaker gain → output; microphone → mic gain → capture worklet. */
interface CallNodes {
  playback: AudioWorkletNode;
  speaker: GainNode;
  capture: AudioWorkletNode;
  mic: GainNode;
}

/** A context with both worklets loaded and the call's nodes wired, suspended, waiting for the next call. */
interface SpareContext {
  ctx: AudioContext;
  /** The nodes, once built; undefined if the spare failed. */
  ready: Promise<CallNodes | undefined>;
}

export interface AudioControllerOptions {
  /** Makes the call's AudioContext (tests pass a fake). */
  createContext?: () => AudioContext;
  /** Runs `fn` when the page is idle (tests run it at once). */
  whenIdle?: (fn: () => void) => void;
}

const newCallContext = (): AudioContext => new AudioContext({ sampleRate: 48000, latencyHint: 'interactive' });

function browserWhenIdle(fn: () => void): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(() => fn(), { timeout: 2000 });
  else setTimeout(fn, 50);
}

async function loadWorklets(ctx: AudioContext): Promise<void> {
  await Promise.all([ctx.audioWorklet.addModule(captureWorkletUrl), ctx.audioWorklet.addModule(playbackWorkletUrl)]);
}

/** The call's nodes in `ctx` (its worklets loaded), wired; the port handlers are the call's to set. */
function buildNodes(ctx: AudioContext, volumes: { speaker: number; mic: number }): CallNodes {
  const playback = new AudioWorkletNode(ctx, PLAYBACK_PROCESSOR, { numberOfInputs: 0, outputChannelCount: [1] });
  const speaker = new GainNode(ctx, { gain: volumes.speaker });
  playback.connect(speaker).connect(ctx.destination);
  const capture = new AudioWorkletNode(ctx, CAPTURE_PROCESSOR, { numberOfOutputs: 0, channelCount: 1, channelCountMode: 'explicit' });
  const mic = new GainNode(ctx, { gain: volumes.mic });
  mic.connect(capture);
  return { playback, speaker, capture, mic };
}

export function captureConstraints(s: AudioSettings): MediaStreamConstraints {
  return {
    audio: {
      ...(s.audioInput && s.audioInput !== 'default' ? { deviceId: { exact: s.audioInput } } : {}),
      echoCancellation: s.echoCancellation,
      noiseSuppression: s.noiseSuppression,
      autoGainControl: s.autoGainControl,
      channelCount: 1,
      sampleRate: 48000,
    },
    video: false,
  };
}

function describeMediaError(e: unknown): string {
  const name = e instanceof DOMException ? e.name : '';
  if (name === 'NotAllowedError') return 'Parley may not use the microphone. Allow it in the browser or system settings.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'The chosen microphone is not connected.';
  if (name === 'NotReadableError') return 'The microphone is busy in another program.';
  return e instanceof Error ? e.message : 'The audio device could not be opened.';
}

export class AudioController {
  state = $state<AudioState>('idle');
  error = $state<string | undefined>(undefined);
  /** RMS 0–1 of the last captured frame. */
  inputLevel = $state(0);
  /** RMS 0–1 of what was last played. */
  outputLevel = $state(0);
  /** Playback buffer underruns since start (shown in diagnostics). */
  underruns = $state(0);
  /** True while frames go to the engine; false for a settings preview. */
  sending = $state(false);
  /** In-call volumes, 0–2 (1 = as captured / as received). */
  speakerVolume = $state(1);
  micVolume = $state(1);

  #client: ApiClient;
  readonly #createContext: () => AudioContext;
  readonly #whenIdle: (fn: () => void) => void;
  /** prepare() was asked for: a spare is kept from then on (one after each call). */
  #keepSpare = false;
  #spare: SpareContext | undefined;
  #spareQueued = false;
  #ctx: AudioContext | undefined;
  #stream: MediaStream | undefined;
  #source: MediaStreamAudioSourceNode | undefined;
  #capture: AudioWorkletNode | undefined;
  #playback: AudioWorkletNode | undefined;
  #speakerGain: GainNode | undefined;
  #micGain: GainNode | undefined;
  #offAudio: (() => void) | undefined;
  #sequence = 0;
  #settings: AudioSettings | undefined;
  #generation = 0;
  /** True once the worklets' frames go straight to the transport (connectAudio). */
  #direct = false;

  constructor(client: ApiClient, options: AudioControllerOptions = {}) {
    this.#client = client;
    this.#createContext = options.createContext ?? newCallContext;
    this.#whenIdle = options.whenIdle ?? browserWhenIdle;
  }

  /**
   * Keeps a spare context ready for the next call from now on (made when the
   * page is idle). Call it once the page may start audio: at once in
   * Electron, after the user's first gesture in a browser.
   */
  prepare(): void {
    this.#keepSpare = true;
    this.#queueSpare();
  }

  /** True while a spare context is kept (made or being made). */
  get prepared(): boolean {
    return this.#spare !== undefined;
  }

  #queueSpare(): void {
    if (!this.#keepSpare || this.#spare || this.#spareQueued) return;
    this.#spareQueued = true;
    this.#whenIdle(() => {
      this.#spareQueued = false;
      // A call's context is running (or being started): the next spare comes when it stops.
      if (this.#spare || this.#ctx || this.state === 'starting' || this.state === 'running') return;
      try {
        this.#spare = this.#makeSpare();
      } catch {
        // No audio here (no device, a policy): each call then tries for itself and says why.
        this.#keepSpare = false;
      }
    });
  }

  #makeSpare(): SpareContext {
    const ctx = this.#createContext();
    const ready = (async () => {
      // Suspended at once (a context where autoplay is allowed starts by itself): it holds no device while it waits.
      await ctx.suspend();
      await loadWorklets(ctx);
      return buildNodes(ctx, { speaker: 1, mic: 1 });
    })().catch(() => {
      if (this.#spare?.ctx === ctx) this.#spare = undefined;
      void ctx.close().catch(() => undefined);
      return undefined;
    });
    return { ctx, ready };
  }

  /** The spare context with its nodes built, taken for a call; else a new one, loaded and built here. */
  async #takeContext(): Promise<{ ctx: AudioContext; nodes: CallNodes }> {
    const spare = this.#spare;
    this.#spare = undefined;
    const built = spare ? await spare.ready : undefined;
    if (spare && built && spare.ctx.state !== 'closed') {
      built.speaker.gain.value = this.speakerVolume;
      built.mic.gain.value = this.micVolume;
      return { ctx: spare.ctx, nodes: built };
    }
    const ctx = this.#createContext();
    this.#ctx = ctx;
    await loadWorklets(ctx);
    return { ctx, nodes: buildNodes(ctx, { speaker: this.speakerVolume, mic: this.micVolume }) };
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /** Opens the devices. `send: false` only meters the microphone (settings preview). */
  async start(settings: AudioSettings, options: { send: boolean }): Promise<void> {
    if (this.state === 'running' || this.state === 'starting') {
      this.#setSending(this.sending || options.send);
      return;
    }
    const generation = ++this.#generation;
    this.state = 'starting';
    this.error = undefined;
    this.#setSending(options.send);
    this.#settings = settings;
    try {
      const { ctx, nodes } = await this.#takeContext();
      if (generation !== this.#generation) {
        // Stopped meanwhile: this context is nobody's.
        if (this.#ctx === ctx) this.#ctx = undefined;
        void ctx.close().catch(() => undefined);
        return;
      }
      this.#ctx = ctx;
      // A spare starts now, while the nodes are made and the microphone opens (awaited below).
      if (ctx.state === 'suspended') void ctx.resume().catch(() => undefined);
      await routeContext(ctx, settings.audioOutput);
      const { playback, capture } = nodes;
      const rate = ctx.sampleRate;
      if (!isSampleRate(rate)) throw new Error(`The sound card runs at ${rate} Hz, which the engine does not take.`);
      playback.port.onmessage = (e: MessageEvent<PlaybackReport>) => {
        this.outputLevel = e.data.rms;
        this.underruns = e.data.underruns;
      };
      this.#speakerGain = nodes.speaker;
      this.#playback = playback;
      capture.port.onmessage = (e: MessageEvent<CaptureMessage>) => {
        const message = e.data;
        this.inputLevel = message.rms;
        // Once the worklet sends by itself (connectDirect), a frame still on its way here is not sent twice.
        if (message.type !== 'frame' || !this.sending || this.#direct) return;
        const frame: AudioFrame = { kind: 'capture', sampleRate: rate, sequence: this.#sequence, stream: MIX_STREAM, samples: new Int16Array(message.samples) };
        this.#sequence = (this.#sequence + 1) & 0xffff;
        this.#client.sendAudio(frame);
      };
      this.#capture = capture;
      this.#micGain = nodes.mic;
      this.#offAudio = this.#client.onAudio((frame) => this.#play(frame));
      if (generation !== this.#generation) return;
      await this.#openCapture(settings, generation);
      if (generation === this.#generation) this.#connectDirect();
      if (ctx.state === 'suspended') await ctx.resume();
      if (generation === this.#generation) this.state = 'running';
    } catch (e) {
      if (generation !== this.#generation) return;
      this.error = describeMediaError(e);
      this.state = 'failed';
      this.#teardown();
    }
  }

  /**
   * The capture node runs whether or not the microphone opens: without one it
   * sends silence, which keeps the engine's calls paced so we still hear them.
   */
  async #openCapture(settings: AudioSettings, generation: number): Promise<void> {
    const ctx = this.#ctx;
    if (!ctx) return;
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia(captureConstraints(settings));
    } catch (e) {
      if (generation === this.#generation) this.error = `${describeMediaError(e)} The other side hears silence.`;
      return;
    }
    if (generation !== this.#generation || !this.#capture) {
      for (const t of stream.getTracks()) t.stop();
      return;
    }
    const source = ctx.createMediaStreamSource(stream);
    if (this.#micGain) source.connect(this.#micGain);
    this.#stream = stream;
    this.#source = source;
    this.error = undefined;
  }

  /** Hands the worklets the transport's ports to the engine, when it has them. */
  #connectDirect(): void {
    const capture = this.#capture;
    const playback = this.#playback;
    if (this.#direct || !capture || !playback) return;
    const ports = this.#client.audioPorts();
    if (!ports) return;
    const connectCapture: CaptureCommand = { type: 'connect', port: ports.capture, sending: this.sending, sequence: this.#sequence };
    capture.port.postMessage(connectCapture, [ports.capture]);
    const connectPlayback: PlaybackCommand = { type: 'connect', port: ports.playback };
    playback.port.postMessage(connectPlayback, [ports.playback]);
    this.#direct = true;
  }

  #setSending(on: boolean): void {
    this.sending = on;
    const command: CaptureCommand = { type: 'sending', on };
    this.#capture?.port.postMessage(command);
  }

  #play(frame: AudioFrame): void {
    const node = this.#playback;
    const ctx = this.#ctx;
    if (!node || !ctx || frame.stream !== MIX_STREAM) return;
    const samples = resampleLinear(frame.samples, frame.sampleRate, ctx.sampleRate);
    const buffer = samples.slice().buffer;
    const command: PlaybackCommand = { type: 'frame', samples: buffer };
    node.port.postMessage(command, [buffer]);
  }

  /** New devices or processing options: the capture side reopens, the output is re-routed. */
  async applySettings(settings: AudioSettings): Promise<void> {
    const old = this.#settings;
    this.#settings = settings;
    if (!this.#ctx || this.state !== 'running' || !old) return;
    if (old.audioOutput !== settings.audioOutput) await routeContext(this.#ctx, settings.audioOutput);
    const captureChanged =
      old.audioInput !== settings.audioInput ||
      old.echoCancellation !== settings.echoCancellation ||
      old.noiseSuppression !== settings.noiseSuppression ||
      old.autoGainControl !== settings.autoGainControl;
    if (!captureChanged) return;
    this.#closeCapture();
    try {
      await this.#openCapture(settings, this.#generation);
    } catch (e) {
      this.error = describeMediaError(e);
    }
  }

  /** Speaker (what we hear) and microphone (what we send) volume, 0–2, applied at once. */
  setVolumes(volumes: { speaker?: number; mic?: number }): void {
    const clamp = (v: number) => Math.max(0, Math.min(2, v));
    if (volumes.speaker !== undefined) this.speakerVolume = clamp(volumes.speaker);
    if (volumes.mic !== undefined) this.micVolume = clamp(volumes.mic);
    if (this.#speakerGain) this.#speakerGain.gain.value = this.speakerVolume;
    if (this.#micGain) this.#micGain.gain.value = this.micVolume;
  }

  /** A second of 440 Hz through the playback path, so the output device and meter can be checked. */
  playTestTone(): void {
    this.#tone(440, 1000, 8000);
  }

  /**
   * The call-waiting tone in the earpiece (ITU-T E.180 §2.6: 400–450 Hz, a
   * 300 ms burst), mixed into what the call plays instead of ringing aloud.
   */
  playCallWaitingBeep(): void {
    this.#tone(440, 300, 5000);
  }

  #tone(hz: number, ms: number, amplitude: number): void {
    const ctx = this.#ctx;
    if (!ctx || !this.#playback) return;
    const n = Math.round(ctx.sampleRate / 50);
    const frames = Math.round(ms / 20);
    const seconds = ms / 1000;
    for (let f = 0; f < frames; f++) {
      const samples = new Int16Array(n);
      for (let i = 0; i < n; i++) {
        const t = (f * n + i) / ctx.sampleRate;
        const envelope = Math.min(1, t * 50, (seconds - t) * 50);
        samples[i] = Math.round(Math.sin(2 * Math.PI * hz * t) * amplitude * Math.max(0, envelope));
      }
      const command: PlaybackCommand = { type: 'frame', samples: samples.buffer };
      // The ring holds 100 ms, so feed it at real time.
      setTimeout(() => this.#playback?.port.postMessage(command, [samples.buffer]), f * 20);
    }
  }

  stop(): void {
    this.#generation++;
    this.#teardown();
    this.state = 'idle';
    this.#setSending(false);
    this.inputLevel = 0;
    this.outputLevel = 0;
    this.#queueSpare();
  }

  /** Lets go of the microphone; the capture node stays (it sends silence until a new one is connected). */
  #closeCapture(): void {
    this.#source?.disconnect();
    for (const t of this.#stream?.getTracks() ?? []) t.stop();
    this.#source = undefined;
    this.#stream = undefined;
  }

  #teardown(): void {
    if (this.#direct) this.#client.disconnectAudio();
    this.#direct = false;
    this.#closeCapture();
    this.#micGain?.disconnect();
    this.#micGain = undefined;
    this.#speakerGain?.disconnect();
    this.#speakerGain = undefined;
    this.#capture?.port.close();
    this.#capture?.disconnect();
    this.#capture = undefined;
    this.#offAudio?.();
    this.#offAudio = undefined;
    this.#playback?.port.close();
    this.#playback?.disconnect();
    this.#playback = undefined;
    void this.#ctx?.close().catch(() => undefined);
    this.#ctx = undefined;
  }
}
