/**
 * The desktop audio path end to end, as in the app: the renderer's own
 * BridgeTransport (renderer/src/api/bridge-transport.ts) sends 20 ms capture
 * frames on the port that ipc-binding.ts made with (fake) MessageChannelMain;
 * the port behaves as Electron's does, so a frame sent in a transfer list
 * arrives as `data: null` (electron/electron issue 34905). The real engine
 * calls its Echo test through real SIP and RTP on loopback, and the echo
 * must come back through the same port: if the microphone does not reach the
 * engine, the far end hears silence and so does this test. The same
 * routine runs through the web host (WsTransport → ws-server), the other
 * carrier of the same renderer audio code, and — as a call runs in the app —
 * with the renderer's real capture and playback worklets holding the two
 * ports main made (BridgeTransport.audioPorts), so no frame passes through
 * the page's main thread.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import { bindIpc, type IpcBinding, type IpcEventLike } from '../../../electron/desktop/ipc-binding.ts';
import { IPC } from '../../../electron/desktop/ipc-channels.ts';
import { ToneSource } from '../../../electron/media/devices/tone-source.ts';
import { decodeFrame, encodeFrame } from '../../../renderer/src/api/audio-frame-codec.ts';
import { AUDIO_PORT_MESSAGE, type ParleyBridge } from '../../../renderer/src/api/bridge.ts';
import { BridgeTransport } from '../../../renderer/src/api/bridge-transport.ts';
import type { AudioPorts, Transport } from '../../../renderer/src/api/transport.ts';
import { CAPTURE_PROCESSOR, PLAYBACK_PROCESSOR, type CaptureCommand, type PlaybackCommand } from '../../../renderer/src/audio/worklet-scope.ts';
import { WsTransport } from '../../../renderer/src/api/ws-transport.ts';
import { startApiServer, type ApiServer } from '../../../electron/api/ws-server.ts';
import { createWebAudioBridge } from '../../../electron/cli/web-audio-bridge.ts';
import { toneLevelDbfs } from '../../helpers/audio-analysis.ts';
import { startPhone, sleep, type TestPhone } from '../phone/engine/engine-harness.ts';
import { removeTempDirs } from '../phone/temp-dir.ts';
import { FakeWebContents, MessageChannelMain, rendererPort } from './fake-electron.ts';

type Listener = (event: IpcEventLike, ...args: unknown[]) => unknown;

/** The part of ipcMain bindIpc uses, refusing a second handler as Electron does. */
function fakeIpcMain() {
  const handlers = new Map<string, Listener>();
  const listeners = new Map<string, Listener[]>();
  return {
    handlers,
    listeners,
    handle(channel: string, l: Listener) {
      if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      handlers.set(channel, l);
    },
    removeHandler: (channel: string) => void handlers.delete(channel),
    on(channel: string, l: Listener) {
      listeners.set(channel, [...(listeners.get(channel) ?? []), l]);
      return this;
    },
    removeListener(channel: string, l: Listener) {
      listeners.set(channel, (listeners.get(channel) ?? []).filter((x) => x !== l));
      return this;
    },
  };
}

function joined(frames: Int16Array[]): Int16Array {
  const out = new Int16Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) {
    out.set(f, at);
    at += f.length;
  }
  return out;
}

/** Where the page's audio enters and leaves: 20 ms of 48 kHz microphone in, what is played out. */
interface PageAudio {
  capture(samples: Int16Array): void;
  onPlayed(listener: (samples: Int16Array) => void): void;
}

/** The page's own path: sendAudio / onAudio with audio-frame-codec.ts frames. */
function throughPage(transport: Transport): PageAudio {
  let sequence = 0;
  return {
    capture: (samples) => transport.sendAudio(encodeFrame({ kind: 'capture', sampleRate: 48000, sequence: sequence++ & 0xffff, stream: 0, samples })),
    onPlayed: (listener) =>
      void transport.onAudio((bytes) => {
        const frame = decodeFrame(bytes);
        if (frame?.kind === 'playback') listener(frame.samples);
      }),
  };
}

/** A processor the worklet modules registered, with the scope's port as a plain object the test drives. */
interface Processor {
  port: { onmessage: ((e: { data: unknown }) => void) | null; postMessage(m: unknown): void };
  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean;
}

/**
 * The renderer's real capture and playback worklet modules, loaded under an
 * AudioWorkletGlobalScope stand-in (48 kHz, registerProcessor), connected as
 * the audio controller connects them to the transport's two ports; the
 * render quanta (128 samples) are run as the microphone's frames come.
 */
async function throughWorklets(ports: AudioPorts): Promise<PageAudio> {
  const registered = new Map<string, new () => Processor>();
  const scope = globalThis as unknown as Record<string, unknown>;
  scope.sampleRate = 48000;
  scope.currentTime = 0;
  scope.AudioWorkletProcessor = class {
    port = { onmessage: null, postMessage: () => undefined };
  };
  scope.registerProcessor = (name: string, ctor: new () => Processor) => void registered.set(name, ctor);
  await import('../../../renderer/src/audio/capture-worklet.ts');
  await import('../../../renderer/src/audio/playback-worklet.ts');
  const capture = new (registered.get(CAPTURE_PROCESSOR)!)();
  const playback = new (registered.get(PLAYBACK_PROCESSOR)!)();
  capture.port.onmessage!({ data: { type: 'connect', port: ports.capture, sending: true, sequence: 0 } satisfies CaptureCommand });
  playback.port.onmessage!({ data: { type: 'connect', port: ports.playback } satisfies PlaybackCommand });
  const listeners: Array<(samples: Int16Array) => void> = [];
  const pending: number[] = [];
  return {
    capture(samples) {
      for (const x of samples) pending.push(x / 32768);
      while (pending.length >= 128) {
        capture.process([[Float32Array.from(pending.splice(0, 128))]], []);
        const out = new Float32Array(128);
        playback.process([], [[out]]);
        const played = Int16Array.from(out, (x) => Math.round(x * 32767));
        for (const l of listeners) l(played);
      }
    },
    onPlayed: (listener) => void listeners.push(listener),
  };
}

/**
 * Through `transport` (commands) and `audio` (as the renderer's audio code moves it, paced
 * like the AudioWorklet), dial the Echo test and wait (bounded) for the microphone's tone to
 * come back. `captured()` counts the capture frames that reached the engine.
 */
async function echoThrough(t: TestContext, phone: TestPhone, transport: Transport, captured: () => number, reached: Int16Array[], audio: PageAudio = throughPage(transport)): Promise<void> {
  const played: Int16Array[] = [];
  let carry = new Int16Array(0);
  // Cut into 20 ms pieces whatever size the path plays in.
  audio.onPlayed((samples) => {
    const all = new Int16Array(carry.length + samples.length);
    all.set(carry);
    all.set(samples, carry.length);
    let at = 0;
    for (; at + 960 <= all.length; at += 960) played.push(all.slice(at, at + 960));
    carry = all.slice(at);
  });
  const mic = new ToneSource({ frequency: 440, levelDbfs: -12 });
  const t0 = Date.now();
  let n = 0;
  let timer: NodeJS.Timeout | undefined;
  let capturing = true;
  // Paced like the AudioWorklet: frame n is due at t0 + 20n ms.
  const pace = () => {
    while (capturing && Date.now() >= t0 + n * 20 && n < 1000) {
      audio.capture(mic.read(960)!);
      n++;
    }
    if (capturing && n < 1000) timer = setTimeout(pace, Math.max(0, t0 + n * 20 - Date.now()));
  };
  await sleep(50); // the audio port (or socket) comes up asynchronously
  pace();
  try {
    const echoUri = (await phone.call('contacts.list', {})).find((c) => c.name === 'Echo test')!.addresses[0]!.uri;
    const dialled = await transport.request('call.dial', { target: echoUri });
    assert.ok(dialled.ok, JSON.stringify(dialled));
    const callId = (dialled.result as { id: string }).id;
    await phone.waitFor('call', (c) => c.id === callId && c.state === 'active', 5000);
    played.length = 0;
    // The echo path (two jitter buffers, two clocks) settles within a few hundred ms, and a machine
    // busy with other tests may gap it: wait (bounded) for half a second of the tone at its level.
    let level = -Infinity;
    const deadline = Date.now() + 8000;
    while (level <= -25 && Date.now() < deadline) {
      await sleep(250);
      for (let i = Math.max(0, played.length - 50); i + 25 <= played.length; i += 5) level = Math.max(level, toneLevelDbfs(joined(played.slice(i, i + 25)), 48000, 440));
    }
    t.diagnostic(`${n} capture frames sent, ${captured()} reached the engine; ${played.length} playback frames; the echoed 440 Hz at ${level.toFixed(1)} dBFS (best 0.5 s)`);
    assert.ok(captured() >= n - 25, `the capture frames reached the engine (${captured()} of ${n})`);
  // What the engine got is the microphone itself, before any network: the 440 Hz at its -12 dBFS peak.
  const atEngine = toneLevelDbfs(joined(reached), 48000, 440);
  assert.ok(atEngine > -20, `the engine got the microphone's 440 Hz at ${atEngine.toFixed(1)} dBFS`);
    assert.ok(level > -25, `the microphone's 440 Hz came back from the echo at ${level.toFixed(1)} dBFS (silence: the capture frames were lost)`);
    await transport.request('call.hangup', { callId });
  } finally {
    capturing = false;
    clearTimeout(timer);
  }
}

describe('desktop audio path: renderer BridgeTransport → MessagePortMain → engine → RTP → echo → back', () => {
  let phone: TestPhone;
  let binding: IpcBinding;
  let transport: BridgeTransport;
  /** Capture frames that reached the engine. */
  let captured = 0;
  /** The first second of capture as the engine got it. */
  const reached: Int16Array[] = [];

  before(async () => {
    phone = await startPhone('desk', null);
    const ipcMain = fakeIpcMain();
    const contents = new FakeWebContents();
    binding = bindIpc({
      ipcMain,
      contents,
      dispatcher: phone.dispatcher,
      events: phone.engine.events,
      audio: {
        onCaptureFrame: (frame, client) => {
          captured++;
          if (reached.length < 50) reached.push(frame.slice());
          phone.engine.audio.onCaptureFrame(frame, client);
        },
        onPlaybackFrame: (cb) => phone.engine.audio.onPlaybackFrame(cb),
      },
      createChannel: () => new MessageChannelMain(),
    });
    const ours: IpcEventLike = { sender: contents, senderFrame: { url: 'app://parley/index.html', parent: null } };
    // The page's window: BridgeTransport listens for the preload's window.postMessage carrying the port.
    const windowListeners: Array<(e: unknown) => void> = [];
    const win = {
      addEventListener: (_type: string, l: (e: unknown) => void) => void windowListeners.push(l),
      removeEventListener: () => undefined,
    } as unknown as Window;
    const bridge: ParleyBridge = {
      version: 1,
      invoke: (cmd, params) => ipcMain.handlers.get(IPC.invoke)!(ours, cmd, params) as never,
      onEvent: () => () => undefined,
      requestAudioPort: () => {
        for (const l of ipcMain.listeners.get(IPC.audioPortRequest) ?? []) l(ours);
        // What preload.ts does with the ports main posted: window.postMessage(AUDIO_PORT_MESSAGE, origin, [...ports]).
        const ports = contents.posted.at(-1)!.transfer.map(rendererPort);
        queueMicrotask(() => {
          for (const l of windowListeners) l({ source: win, data: AUDIO_PORT_MESSAGE, ports });
        });
      },
    };
    transport = new BridgeTransport(bridge, win);
  });
  after(async () => {
    transport?.close();
    binding?.dispose();
    await phone?.close();
    removeTempDirs();
  });

  test('the microphone reaches the engine: a 440 Hz capture comes back from the Echo test', (t) => echoThrough(t, phone, transport, () => captured, reached));

  test('off the page: the real capture and playback worklets on the ports main made, and the 440 Hz comes back', async (t) => {
    await sleep(50); // the ports come up asynchronously
    const ports = transport.audioPorts();
    assert.ok(ports, 'main sent the pair for the worklets');
    const fromPage = captured;
    reached.length = 0;
    try {
      await echoThrough(t, phone, transport, () => captured - fromPage, reached, await throughWorklets(ports));
    } finally {
      transport.disconnectAudio();
    }
  });
});

describe('web host audio path: the same renderer audio code over WsTransport → ws-server → engine → echo → back', () => {
  let phone: TestPhone;
  let server: ApiServer;
  let transport: WsTransport;
  let stopPlayback = () => {};
  let closeBridge = () => {};
  let captured = 0;
  /** The first second of capture as the engine got it. */
  const reached: Int16Array[] = [];

  before(async () => {
    phone = await startPhone('web', null);
    const bridge = createWebAudioBridge({
      onCaptureFrame: (frame, client) => {
        captured++;
        if (reached.length < 50) reached.push(frame.slice());
        phone.engine.audio.onCaptureFrame(frame, client);
      },
      onPlaybackFrame: (cb) => phone.engine.audio.onPlaybackFrame(cb),
    });
    closeBridge = () => bridge.close();
    server = await startApiServer({ dispatcher: phone.dispatcher, events: phone.engine.events, audio: bridge.hook });
    const live = server;
    stopPlayback = bridge.startPlayback((frame) => live.sendAudio(frame));
    transport = new WsTransport({ url: server.apiUrl });
    const deadline = Date.now() + 5000;
    while (transport.status.state !== 'open' && Date.now() < deadline) await sleep(20);
    assert.equal(transport.status.state, 'open');
  });
  after(async () => {
    transport?.close();
    stopPlayback();
    await server?.close();
    closeBridge();
    await phone?.close();
    removeTempDirs();
  });

  test('the microphone reaches the engine: a 440 Hz capture comes back from the Echo test', (t) => echoThrough(t, phone, transport, () => captured, reached));
});
