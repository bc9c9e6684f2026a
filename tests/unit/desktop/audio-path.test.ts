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
 * carrier of the same renderer audio code.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import { bindIpc, type IpcBinding, type IpcEventLike } from '../../../electron/desktop/ipc-binding.ts';
import { IPC } from '../../../electron/desktop/ipc-channels.ts';
import { ToneSource } from '../../../electron/media/devices/tone-source.ts';
import { decodeFrame, encodeFrame } from '../../../renderer/src/api/audio-frame-codec.ts';
import { AUDIO_PORT_MESSAGE, type ParleyBridge } from '../../../renderer/src/api/bridge.ts';
import { BridgeTransport } from '../../../renderer/src/api/bridge-transport.ts';
import type { Transport } from '../../../renderer/src/api/transport.ts';
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

/**
 * Through `transport` as the renderer's audio code uses it (sendAudio / onAudio with
 * audio-frame-codec.ts frames, paced like the AudioWorklet), dial the Echo test and wait
 * (bounded) for the microphone's tone to come back. `captured()` counts the capture frames
 * that reached the engine.
 */
async function echoThrough(t: TestContext, phone: TestPhone, transport: Transport, captured: () => number, reached: Int16Array[]): Promise<void> {
  const played: Int16Array[] = [];
  transport.onAudio((bytes) => {
    const frame = decodeFrame(bytes);
    if (frame?.kind === 'playback') played.push(frame.samples);
  });
  const mic = new ToneSource({ frequency: 440, levelDbfs: -12 });
  const t0 = Date.now();
  let n = 0;
  let timer: NodeJS.Timeout | undefined;
  let capturing = true;
  // Paced like the AudioWorklet: frame n is due at t0 + 20n ms.
  const pace = () => {
    while (capturing && Date.now() >= t0 + n * 20 && n < 1000) {
      transport.sendAudio(encodeFrame({ kind: 'capture', sampleRate: 48000, sequence: n & 0xffff, stream: 0, samples: mic.read(960)! }));
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
        // What preload.ts does with the port main posted: window.postMessage(AUDIO_PORT_MESSAGE, origin, [port]).
        const posted = contents.posted.at(-1)!;
        const port = rendererPort(posted.transfer[0]);
        queueMicrotask(() => {
          for (const l of windowListeners) l({ source: win, data: AUDIO_PORT_MESSAGE, ports: [port] });
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
