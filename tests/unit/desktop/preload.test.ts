/**
 * The preload, bundled as electron-vite bundles it (rolldown, CommonJS,
 * 'electron' external), run in a fresh VM context with fake contextBridge,
 * ipcRenderer and window: it must expose exactly renderer/src/api/bridge.ts's
 * ParleyBridge and nothing that lets the page name an IPC channel.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createContext, runInContext } from 'node:vm';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';
import { IPC } from '../../../electron/desktop/ipc-channels.ts';
import { AUDIO_PORT_MESSAGE, BRIDGE_GLOBAL } from '../../../renderer/src/api/bridge.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
let code = '';

before(async () => {
  const bundle = await rolldown({ input: join(root, 'electron/desktop/preload.ts'), external: ['electron'], platform: 'node', logLevel: 'silent' });
  const { output } = await bundle.generate({ format: 'cjs', codeSplitting: false });
  await bundle.close();
  code = output[0].code;
});

type Handler = (event: unknown, ...args: unknown[]) => void;

function load() {
  const exposed: Record<string, any> = {};
  const on = new Map<string, Handler[]>();
  const invoked: unknown[][] = [];
  const sent: unknown[][] = [];
  const posted: unknown[][] = [];
  const requires: string[] = [];
  const ipcRenderer = {
    invoke: async (...args: unknown[]) => {
      invoked.push(args);
      return { ok: true, result: 'pong' };
    },
    send: (...args: unknown[]) => void sent.push(args),
    on: (channel: string, h: Handler) => void on.set(channel, [...(on.get(channel) ?? []), h]),
    removeListener: (channel: string, h: Handler) => void on.set(channel, (on.get(channel) ?? []).filter((x) => x !== h)),
  };
  const electron = { contextBridge: { exposeInMainWorld: (key: string, api: unknown) => void (exposed[key] = api) }, ipcRenderer };
  const module = { exports: {} };
  const context = createContext({
    require: (id: string) => {
      requires.push(id);
      if (id === 'electron') return electron;
      throw new Error(`a sandboxed preload cannot require ${id}`);
    },
    module,
    exports: module.exports,
    window: { postMessage: (...args: unknown[]) => void posted.push(args), location: { origin: 'app://parley' } },
  });
  runInContext(code, context);
  const emit = (channel: string, event: unknown, ...args: unknown[]) => {
    for (const h of on.get(channel) ?? []) h(event, ...args);
  };
  return { exposed, invoked, sent, posted, requires, emit, listeners: (c: string) => on.get(c)?.length ?? 0 };
}

test("the bundle requires only 'electron' and exposes exactly window.parley", () => {
  const p = load();
  assert.deepEqual(p.requires, ['electron']);
  assert.deepEqual(Object.keys(p.exposed), [BRIDGE_GLOBAL]);
  assert.deepEqual(Object.keys(p.exposed.parley).sort(), ['invoke', 'onEvent', 'requestAudioPort', 'version']);
  assert.equal(p.exposed.parley.version, 1);
});

test('invoke goes to the one invoke channel with the command and params', async () => {
  const p = load();
  const result = await p.exposed.parley.invoke('settings.get', { a: 1 });
  assert.deepEqual(result, { ok: true, result: 'pong' });
  assert.deepEqual(p.invoked, [[IPC.invoke, 'settings.get', { a: 1 }]]);
});

test('onEvent forwards event payloads (not the IPC event) and unsubscribes', () => {
  const p = load();
  const got: unknown[] = [];
  const off = p.exposed.parley.onEvent((e: unknown) => got.push(e));
  assert.equal(p.listeners(IPC.event), 1);
  p.emit(IPC.event, { sender: 'ipc-internals' }, { event: 'settings', data: { dnd: true } });
  assert.deepEqual(got, [{ event: 'settings', data: { dnd: true } }]);
  off();
  assert.equal(p.listeners(IPC.event), 0);
  p.emit(IPC.event, {}, { event: 'x' });
  assert.equal(got.length, 1);
});

test('requestAudioPort asks main; the ports are handed to the page by window.postMessage with the agreed tag', () => {
  const p = load();
  p.exposed.parley.requestAudioPort();
  assert.deepEqual(p.sent, [[IPC.audioPortRequest]]);
  const port = { fake: 'capture port' };
  const playback = { fake: 'playback port' };
  p.emit(IPC.audioPort, { ports: [port, playback] });
  assert.equal(p.posted.length, 1);
  assert.equal(p.posted[0]![0], AUDIO_PORT_MESSAGE);
  assert.equal(p.posted[0]![1], 'app://parley', 'posted to our own origin only, never "*"');
  // The array was made inside the VM (another realm): compare its items.
  const transfer = p.posted[0]![2] as unknown[];
  assert.equal(transfer.length, 2);
  assert.equal(transfer[0], port);
  assert.equal(transfer[1], playback);
});

test('nothing lets the page reach ipcRenderer or pick a channel', () => {
  const p = load();
  const api = p.exposed.parley;
  for (const value of Object.values(api)) assert.notEqual(value, undefined);
  assert.equal(Object.values(api).some((v) => typeof v === 'object' && v !== null), false, 'no objects (like ipcRenderer) are exposed');
  assert.equal(api.invoke.length, 2, 'invoke(cmd, params): the channel is fixed');
});
