import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAudioFrame, encodeAudioFrame } from '../../../electron/api/audio-frames.ts';
import type { CommandContext, PhoneApi } from '../../../electron/api/phone-api.ts';
import { createDispatcher } from '../../../electron/api/dispatcher.ts';
import { createEventBus } from '../../../electron/api/event-bus.ts';
import type { ApiResult } from '../../../electron/api/errors.ts';
import { bindIpc, type EngineAudio, type FrameLike, type IpcEventLike, type IpcMainLike, type PortLike, type WebContentsLike } from '../../../electron/desktop/ipc-binding.ts';
import { IPC } from '../../../electron/desktop/ipc-channels.ts';
import { ipcEvent } from './fake-electron.ts';

type Listener = (event: IpcEventLike, ...args: unknown[]) => unknown;

class FakeIpcMain implements IpcMainLike {
  handlers = new Map<string, Listener>();
  listeners = new Map<string, Listener[]>();
  handle(channel: string, listener: Listener) {
    assert.equal(this.handlers.has(channel), false, 'one handler per channel');
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
  on(channel: string, listener: Listener) {
    this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), listener]);
    return this;
  }
  removeListener(channel: string, listener: Listener) {
    this.listeners.set(channel, (this.listeners.get(channel) ?? []).filter((l) => l !== listener));
    return this;
  }
  invoke(event: IpcEventLike, ...args: unknown[]) {
    const h = this.handlers.get(IPC.invoke);
    assert.ok(h, 'invoke handler registered');
    return h(event, ...args) as Promise<ApiResult<unknown>>;
  }
  emit(channel: string, event: IpcEventLike) {
    for (const l of this.listeners.get(channel) ?? []) l(event);
  }
}

class FakeContents implements WebContentsLike {
  sent: Array<{ channel: string; args: unknown[] }> = [];
  posted: Array<{ channel: string; message: unknown; transfer?: unknown[] }> = [];
  destroyed = false;
  readonly id: number;
  constructor(id: number) {
    this.id = id;
  }
  isDestroyed() {
    return this.destroyed;
  }
  send(channel: string, ...args: unknown[]) {
    this.sent.push({ channel, args });
  }
  postMessage(channel: string, message: unknown, transfer?: never[]) {
    this.posted.push({ channel, message, transfer });
  }
}

class FakePort implements PortLike {
  messageListeners: Array<(e: { data: unknown }) => void> = [];
  closeListeners: Array<() => void> = [];
  posted: unknown[] = [];
  started = false;
  closed = false;
  on(event: 'message' | 'close', listener: never) {
    if (event === 'message') this.messageListeners.push(listener);
    else this.closeListeners.push(listener);
    return this;
  }
  postMessage(message: unknown) {
    this.posted.push(message);
  }
  start() {
    this.started = true;
  }
  close() {
    this.closed = true;
    for (const l of this.closeListeners) l();
  }
  deliver(data: unknown) {
    for (const l of this.messageListeners) l({ data });
  }
}

const mainFrame = (url: string): FrameLike => ({ url, parent: null });
const PAGE = 'app://parley/index.html';

function setup() {
  const ipcMain = new FakeIpcMain();
  const contents = new FakeContents(7);
  const calls: Array<{ name: string; params: unknown; context: CommandContext }> = [];
  const api = {
    async 'settings.get'(params: unknown, context: CommandContext) {
      calls.push({ name: 'settings.get', params, context });
      return { dnd: false };
    },
    async 'app.snapshot'(params: unknown, context: CommandContext) {
      calls.push({ name: 'app.snapshot', params, context });
      return { accounts: [], registrations: [], calls: [], settings: {} };
    },
  } as unknown as PhoneApi;
  const dispatcher = createDispatcher(api);
  const events = createEventBus();
  const captured: Array<{ frame: Int16Array; client: string }> = [];
  let playback: ((frame: Int16Array) => void) | undefined;
  const audio: EngineAudio = {
    onCaptureFrame: (frame, client) => void captured.push({ frame, client }),
    onPlaybackFrame: (cb) => {
      playback = cb;
      return () => {
        playback = undefined;
      };
    },
  };
  const ports: FakePort[] = [];
  let ready = 0;
  const binding = bindIpc({
    ipcMain,
    contents,
    dispatcher,
    events,
    audio,
    createChannel: () => {
      const port1 = new FakePort();
      ports.push(port1);
      return { port1, port2: { transferable: ports.length } };
    },
    onRendererReady: () => void ready++,
  });
  const ours = (): IpcEventLike => ({ sender: contents, senderFrame: mainFrame(PAGE) });
  return { ipcMain, contents, calls, events, captured, ports, binding, ours, playback: (f: Int16Array) => playback?.(f), hasPlayback: () => playback !== undefined, ready: () => ready };
}

test('commands from our page reach the dispatcher with an ipc context', async () => {
  const s = setup();
  const result = await s.ipcMain.invoke(s.ours(), 'settings.get', {});
  assert.deepEqual(result, { ok: true, result: { dnd: false } });
  const { connection, ...who } = s.calls[0]!.context;
  assert.deepEqual(who, { host: 'ipc', client: 'ipc-7' });
  assert.equal(typeof connection?.['trace.follow'], 'function', 'the window\'s own connection commands (trace.follow)');
  assert.equal(s.binding.client, 'ipc-7');
});

test('unknown commands and bad params come back as results, never as exceptions', async () => {
  const s = setup();
  const unknown = await s.ipcMain.invoke(s.ours(), 'rm -rf', {});
  assert.equal(unknown.ok, false);
  assert.equal(!unknown.ok && unknown.code, 'bad-request');
  const bad = await s.ipcMain.invoke(s.ours(), 'settings.get', { extra: 1 });
  assert.equal(!bad.ok && bad.code, 'bad-request');
  assert.equal(s.calls.length, 0);
});

test('commands from other frames, origins or webContents are refused', async () => {
  const s = setup();
  const cases: IpcEventLike[] = [
    { sender: s.contents, senderFrame: mainFrame('https://evil.example/') },
    { sender: s.contents, senderFrame: mainFrame('file:///tmp/x.html') },
    { sender: s.contents, senderFrame: mainFrame('app://parley.evil/index.html') },
    { sender: s.contents, senderFrame: { url: PAGE, parent: mainFrame(PAGE) } },
    { sender: s.contents, senderFrame: null },
    { sender: new FakeContents(8), senderFrame: mainFrame(PAGE) },
  ];
  for (const event of cases) {
    const r = await s.ipcMain.invoke(event, 'settings.get', {});
    assert.equal(!r.ok && r.code, 'not-allowed');
  }
  assert.equal(s.calls.length, 0);
});

test('a sender frame that is gone (null) or disposed (its getters throw) is refused, not thrown on', async () => {
  const s = setup();
  for (const frame of ['null', 'disposed'] as const) {
    const event = ipcEvent(s.contents as never, PAGE, frame) as unknown as IpcEventLike;
    const r = await s.ipcMain.invoke(event, 'settings.get', {});
    assert.equal(!r.ok && r.code, 'not-allowed', frame);
    assert.doesNotThrow(() => s.ipcMain.emit(IPC.audioPortRequest, event), frame);
  }
  assert.equal(s.calls.length, 0);
  assert.equal(s.ports.length, 0);
});

test('the first successful app.snapshot tells the shell the renderer is ready', async () => {
  const s = setup();
  await s.ipcMain.invoke(s.ours(), 'settings.get', {});
  assert.equal(s.ready(), 0);
  await s.ipcMain.invoke(s.ours(), 'app.snapshot', {});
  assert.equal(s.ready(), 1);
  await s.ipcMain.invoke({ sender: s.contents, senderFrame: mainFrame('https://evil.example/') }, 'app.snapshot', {});
  assert.equal(s.ready(), 1, 'a refused snapshot does not count');
});

test('engine events and desktop events are pushed to the window, not after it is gone', () => {
  const s = setup();
  s.events.emit('settings', { dnd: true } as never);
  s.binding.send({ event: 'link.open', data: { target: 'sip:alice@example.com', action: 'fill' } });
  assert.deepEqual(s.contents.sent, [
    { channel: IPC.event, args: [{ event: 'settings', data: { dnd: true } }] },
    { channel: IPC.event, args: [{ event: 'link.open', data: { target: 'sip:alice@example.com', action: 'fill' } }] },
  ]);
  s.contents.destroyed = true;
  s.events.emit('settings', { dnd: false } as never);
  assert.equal(s.contents.sent.length, 2);
});

test('the SIP trace reaches the window only while it follows it (trace.follow); the bus wants it only then', async () => {
  const s = setup();
  const trace = (time: number) => s.events.emit('trace', { time, direction: 'in', transport: 'udp', remote: '127.0.0.1:5060', local: '127.0.0.1:5070', text: 'SIP/2.0 200 OK' });
  const traces = () => s.contents.sent.filter((m) => (m.args[0] as { event: string }).event === 'trace').map((m) => (m.args[0] as { data: { time: number } }).data.time);
  assert.equal(s.events.wants('trace'), false, 'the engine makes no trace for a window that did not ask');
  assert.equal(s.events.wants('settings'), true);
  trace(1);
  assert.deepEqual(await s.ipcMain.invoke(s.ours(), 'trace.follow', { on: true }), { ok: true, result: null });
  assert.equal(s.events.wants('trace'), true);
  trace(2);
  assert.equal((await s.ipcMain.invoke(s.ours(), 'trace.follow', { on: 'yes' })).ok, false);
  assert.deepEqual(await s.ipcMain.invoke(s.ours(), 'trace.follow', { on: false }), { ok: true, result: null });
  trace(3);
  assert.deepEqual(traces(), [2]);
  assert.equal(s.events.wants('trace'), false);
  assert.equal(s.calls.length, 0, 'the phone never saw the command');
});

test('audio: a capture and a playback port per request, capture frames to the engine, playback frames back as exact ArrayBuffers', () => {
  const s = setup();
  s.ipcMain.emit(IPC.audioPortRequest, s.ours());
  assert.equal(s.ports.length, 2);
  assert.ok(s.ports.every((p) => p.started));
  // The page's ends, capture first: the renderer hands them on to its capture and playback worklets.
  assert.deepEqual(s.contents.posted, [{ channel: IPC.audioPort, message: null, transfer: [{ transferable: 1 }, { transferable: 2 }] }]);
  const [capturePort, playbackPort] = s.ports as [FakePort, FakePort];

  const samples = new Int16Array(960).map((_, i) => i - 480);
  const capture = encodeAudioFrame({ kind: 'capture', sampleRate: 48000, sequence: 3, stream: 0, samples });
  capturePort.deliver(capture.buffer);
  assert.equal(s.captured.length, 1);
  assert.deepEqual([...s.captured[0]!.frame], [...samples]);
  assert.equal(s.captured[0]!.client, 'ipc-7');

  s.playback(new Int16Array(960).fill(5));
  s.playback(new Int16Array(160).fill(-5));
  assert.equal(capturePort.posted.length, 0, 'playback frames go on the playback port only');
  const out = playbackPort.posted;
  assert.equal(out.length, 2);
  assert.ok(out[0] instanceof ArrayBuffer);
  const first = decodeAudioFrame(new Uint8Array(out[0] as ArrayBuffer));
  const second = decodeAudioFrame(new Uint8Array(out[1] as ArrayBuffer));
  assert.ok(first.ok && second.ok);
  assert.equal(first.frame.kind, 'playback');
  assert.equal(first.frame.sampleRate, 48000);
  assert.equal(second.frame.sampleRate, 8000);
  assert.equal(first.frame.sequence, 0);
  assert.equal(second.frame.sequence, 1);
  assert.equal(first.frame.samples[0], 5);
});

test('audio: bad frames are dropped; a new request replaces the old pair', () => {
  const s = setup();
  s.ipcMain.emit(IPC.audioPortRequest, s.ours());
  const [capture, playback] = s.ports as [FakePort, FakePort];
  capture.deliver('not audio');
  capture.deliver(new ArrayBuffer(3));
  capture.deliver(encodeAudioFrame({ kind: 'playback', sampleRate: 8000, sequence: 0, stream: 0, samples: new Int16Array(160) }).buffer);
  capture.deliver(new ArrayBuffer(100_000));
  assert.equal(s.captured.length, 0);
  s.playback(new Int16Array(123));
  assert.equal(playback.posted.length, 0, 'a playback frame of no known rate is dropped');

  s.ipcMain.emit(IPC.audioPortRequest, s.ours());
  assert.equal(capture.closed, true);
  assert.equal(playback.closed, true);
  s.playback(new Int16Array(960));
  assert.equal(playback.posted.length, 0);
  assert.equal(s.ports[3]!.posted.length, 1);
});

test('audio: the page closing either end ends the pair (no frames posted into a closed port)', () => {
  const s = setup();
  s.ipcMain.emit(IPC.audioPortRequest, s.ours());
  const [capture, playback] = s.ports as [FakePort, FakePort];
  capture.close();
  assert.equal(playback.closed, true);
  s.playback(new Int16Array(960));
  assert.equal(playback.posted.length, 0);
});

test('audio: requests from other senders get no port', () => {
  const s = setup();
  s.ipcMain.emit(IPC.audioPortRequest, { sender: s.contents, senderFrame: mainFrame('https://evil.example/') });
  s.ipcMain.emit(IPC.audioPortRequest, { sender: new FakeContents(9), senderFrame: mainFrame(PAGE) });
  assert.equal(s.ports.length, 0);
  assert.equal(s.contents.posted.length, 0);
});

test('dispose removes handlers, listeners, the playback hook and the port', async () => {
  const s = setup();
  s.ipcMain.emit(IPC.audioPortRequest, s.ours());
  s.binding.dispose();
  s.binding.dispose();
  assert.equal(s.ipcMain.handlers.size, 0);
  assert.equal(s.ipcMain.listeners.get(IPC.audioPortRequest)?.length, 0);
  assert.equal(s.hasPlayback(), false);
  assert.ok(s.ports.length === 2 && s.ports.every((p) => p.closed));
  s.events.emit('settings', { dnd: true } as never);
  assert.equal(s.contents.sent.length, 0);
});
