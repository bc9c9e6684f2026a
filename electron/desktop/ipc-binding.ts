/**
 * Binds the window's renderer to the engine over Electron IPC:
 *
 *   renderer                       main
 *   invoke(cmd, params) ─────────▶ ipcMain.handle(IPC.invoke) → sender check → dispatcher
 *   onEvent(listener)   ◀───────── webContents.send(IPC.event, ApiEvent)   (every bus event; `trace`
 *                                  only while the window follows it: trace.follow)
 *   requestAudioPort()  ─────────▶ ipcMain.on(IPC.audioPortRequest) → two MessageChannelMains
 *                       ◀───────── webContents.postMessage(IPC.audioPort, null, [capture.port2, playback.port2])
 *   capture port:  frames ═══════▶ capture.port1 'message' → decodeAudioFrame → engine capture
 *   playback port: frames ◀══════ engine playback → encodeAudioFrame → playback.port1.postMessage
 *
 * The page's ends go on, through the preload, to the renderer's capture and
 * playback worklets (renderer/src/api/bridge-transport.ts), so during a call
 * frames pass between the audio thread and this process without the page's
 * main thread. A new request replaces (closes) the pair before it.
 * The renderer is never trusted (docs/api.md): a command is answered only
 * when it comes from our window's main frame showing our own page
 * (app://parley); anything else gets 'not-allowed' and a log line. The
 * dispatcher validates params and never rejects, so ipcRenderer.invoke
 * never sees an exception. Audio frames are the 8-byte-header format of
 * audio-frames.ts, as on the web host's WebSocket.
 *
 * Written against structural subsets of Electron's types (no 'electron'
 * import), so unit tests drive it with fakes.
 */
import { decodeAudioFrame, encodeAudioFrame, MAX_AUDIO_FRAME_BYTES, MIX_STREAM, AUDIO_SAMPLE_RATES, samplesPerFrame, type AudioSampleRate } from '../api/audio-frames.ts';
import type { Dispatcher } from '../api/dispatcher.ts';
import { failure, type ApiResult } from '../api/errors.ts';
import type { EventBus } from '../api/event-bus.ts';
import type { ConnectionControl } from '../api/connection-api.ts';
import { nullLogger, type Logger } from '../common/logger.ts';
import { APP_ORIGIN, originOf } from './app-url.ts';
import { IPC, type DesktopEvent } from './ipc-channels.ts';

export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
}

export interface WebContentsLike {
  readonly id: number;
  isDestroyed(): boolean;
  send(channel: string, ...args: unknown[]): void;
  postMessage(channel: string, message: unknown, transfer?: never[]): void;
}

export interface IpcEventLike {
  readonly sender: WebContentsLike;
  readonly senderFrame: FrameLike | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
  on(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => void): unknown;
}

export interface PortLike {
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  postMessage(message: unknown): void;
  start(): void;
  close(): void;
}

export interface EngineAudio {
  onCaptureFrame(frame: Int16Array, client: string): void;
  onPlaybackFrame(cb: (frame: Int16Array) => void): () => void;
}

export interface IpcBindingOptions {
  ipcMain: IpcMainLike;
  /** The window's webContents: the only sender we answer. */
  contents: WebContentsLike;
  dispatcher: Pick<Dispatcher, 'dispatch'>;
  events: Pick<EventBus, 'subscribe'>;
  audio?: EngineAudio;
  /** `new MessageChannelMain()` in the app; fakes in tests. */
  createChannel?: () => { port1: PortLike; port2: unknown };
  appOrigin?: string;
  logger?: Logger;
  /** Called after a successful app.snapshot: the renderer is listening to events now. */
  onRendererReady?: () => void;
}

export interface IpcBinding {
  /** Pushes a desktop event (e.g. link.open) to the renderer. */
  send(event: DesktopEvent): void;
  readonly client: string;
  dispose(): void;
}

const RATE_BY_SAMPLES = new Map<number, AudioSampleRate>(AUDIO_SAMPLE_RATES.map((r) => [samplesPerFrame(r), r]));

function asBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

export function bindIpc(options: IpcBindingOptions): IpcBinding {
  const { ipcMain, contents, dispatcher, events, audio } = options;
  const appOrigin = options.appOrigin ?? APP_ORIGIN;
  const log = (options.logger ?? nullLogger).child('ipc');
  const client = `ipc-${contents.id}`;
  let ports: { capture: PortLike; playback: PortLike } | undefined;
  let playbackSequence = 0;
  let badFrames = 0;
  let disposed = false;
  /** The window follows the SIP trace (trace.follow, connection-api.ts); off until it asks. */
  let tracing = false;
  const connection: ConnectionControl = {
    'trace.follow': ({ on }) => {
      tracing = on;
    },
  };

  // senderFrame is null once the frame navigated away or was destroyed, and its getters throw once
  // the frame is disposed ("Render frame was disposed before WebFrameMain could be accessed"):
  // either way the message is not from our live page.
  const frameOrigin = (event: IpcEventLike): { origin: string | undefined; main: boolean } | undefined => {
    try {
      const frame = event.senderFrame;
      return frame ? { origin: originOf(frame.url), main: frame.parent === null } : undefined;
    } catch {
      return undefined;
    }
  };

  const trusted = (event: IpcEventLike): boolean => {
    const frame = frameOrigin(event);
    return event.sender.id === contents.id && frame !== undefined && frame.main && frame.origin === appOrigin;
  };

  const alive = () => !disposed && !contents.isDestroyed();

  const send = (event: DesktopEvent) => {
    if (alive()) contents.send(IPC.event, event);
  };

  ipcMain.handle(IPC.invoke, async (event, cmd, params): Promise<ApiResult<unknown>> => {
    if (!trusted(event)) {
      log.warn('command from an untrusted sender refused', { sender: event.sender.id, origin: frameOrigin(event)?.origin ?? 'none' });
      return failure('not-allowed', 'commands are accepted only from the Parley window');
    }
    const result = await dispatcher.dispatch(cmd, params, { host: 'ipc', client, connection });
    if (cmd === 'app.snapshot' && result.ok) options.onRendererReady?.();
    return result;
  });

  const closePorts = () => {
    const old = ports;
    ports = undefined;
    old?.capture.close();
    old?.playback.close();
  };

  const onCapture = (e: { data: unknown }) => {
    const bytes = asBytes(e.data);
    const decoded = bytes && bytes.byteLength <= MAX_AUDIO_FRAME_BYTES ? decodeAudioFrame(bytes) : undefined;
    if (!decoded?.ok || decoded.frame.kind !== 'capture') {
      // Log the first few only: a broken renderer would send 50 a second.
      if (badFrames++ < 5) log.warn('bad audio frame from the renderer dropped', { reason: decoded && !decoded.ok ? decoded.reason : 'not a capture frame' });
      return;
    }
    try {
      audio?.onCaptureFrame(decoded.frame.samples, client);
    } catch (err) {
      log.error('engine capture failed', { error: String(err) });
    }
  };

  const onAudioPortRequest = (event: IpcEventLike) => {
    if (!trusted(event)) return log.warn('audio port request from an untrusted sender refused', { sender: event.sender.id });
    if (!audio || !options.createChannel) return log.warn('audio port requested, but this app has no audio path');
    closePorts();
    const capture = options.createChannel();
    const playback = options.createChannel();
    const pair = { capture: capture.port1, playback: playback.port1 };
    capture.port1.on('message', onCapture);
    // Either end closing (the page went away) ends the pair.
    const ended = () => {
      if (ports === pair) closePorts();
    };
    capture.port1.on('close', ended);
    playback.port1.on('close', ended);
    capture.port1.start();
    playback.port1.start();
    ports = pair;
    contents.postMessage(IPC.audioPort, null, [capture.port2 as never, playback.port2 as never]);
  };
  ipcMain.on(IPC.audioPortRequest, onAudioPortRequest);

  const offPlayback = audio?.onPlaybackFrame((samples) => {
    const port = ports?.playback;
    if (!port || !alive()) return;
    const sampleRate = RATE_BY_SAMPLES.get(samples.length);
    if (sampleRate === undefined) return void (badFrames++ < 5 && log.warn('engine playback frame of unexpected length dropped', { samples: samples.length }));
    const bytes = encodeAudioFrame({ kind: 'playback', sampleRate, sequence: playbackSequence, stream: MIX_STREAM, samples });
    playbackSequence = (playbackSequence + 1) & 0xffff;
    // An ArrayBuffer exactly the frame's size: the renderer accepts ArrayBuffer messages only.
    port.postMessage(bytes.buffer);
  });

  const offEvents = events.subscribe((event) => send(event), { takes: (event) => event !== 'trace' || tracing });

  return {
    send,
    client,
    dispose() {
      if (disposed) return;
      disposed = true;
      ipcMain.removeHandler(IPC.invoke);
      ipcMain.removeListener(IPC.audioPortRequest, onAudioPortRequest);
      offEvents();
      offPlayback?.();
      closePorts();
    },
  };
}
