/**
 * The fake Electron refuses what Electron 45 refuses and emits what it emits
 * (the behaviour half; fake-electron-conformance.ts checks the signatures).
 * A fake kinder than Electron is how the lost microphone went unnoticed.
 */
import assert from 'node:assert/strict';
import { register } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { nullLogger } from '../../../electron/common/logger.ts';
import { control, FakeTray, FakeWebContents, ipcMain, MessageChannelMain, protocol, rendererPort } from './fake-electron.ts';

const tick = () => new Promise((r) => setImmediate(r));

test('MessagePortMain: copies arrive after start(); a buffer the page transfers arrives as data: null; main cannot transfer buffers', async () => {
  const { port1, port2 } = new MessageChannelMain();
  const got: unknown[] = [];
  port1.on('message', (e: { data: unknown }) => void got.push(e.data));
  const page = rendererPort(port2);
  const frame = new Uint8Array([1, 2, 3]).buffer;
  page.postMessage(frame);
  await tick();
  assert.deepEqual(got, [], 'nothing before start()');
  port1.start();
  await tick();
  assert.deepEqual(got.map((d) => [...new Uint8Array(d as ArrayBuffer)]), [[1, 2, 3]]);
  const transferred = new Uint8Array([4]).buffer;
  page.postMessage(transferred, [transferred]);
  await tick();
  await tick();
  assert.equal(got[1], null, 'electron/electron#34905');
  assert.equal(transferred.byteLength, 0, 'the page lost its buffer all the same');
  const buffer = new ArrayBuffer(4);
  assert.throws(() => port1.postMessage(buffer, [buffer as never]), TypeError);
});

test('a second ipcMain.handle for a channel throws; registerSchemesAsPrivileged after ready throws; new Tray() never throws', () => {
  ipcMain.handle('fake:once', () => 1);
  assert.throws(() => ipcMain.handle('fake:once', () => 2), /second handler/);
  ipcMain.removeHandler('fake:once');
  control.ready();
  assert.throws(() => protocol.registerSchemesAsPrivileged([{ scheme: 'x' }]), /before app is ready/);
  assert.doesNotThrow(() => new FakeTray({}));
});

test('did-start-loading fires for in-page navigations too; did-start-navigation tells them apart', () => {
  const contents = new FakeWebContents();
  const seen: string[] = [];
  contents.on('did-start-loading', () => seen.push('loading'));
  contents.on('did-start-navigation', (d: { isSameDocument: boolean }) => seen.push(d.isSameDocument ? 'same-document' : 'new-document'));
  contents.navigate('app://parley/index.html#main', true);
  contents.reload();
  assert.deepEqual(seen, ['loading', 'same-document', 'loading', 'new-document']);
});

test('loadURL can reject, and the window reports it instead of leaving an unhandled rejection', async () => {
  const fakeUrl = pathToFileURL(join(import.meta.dirname, 'fake-electron.ts')).href;
  register(`data:text/javascript,${encodeURIComponent(`export async function resolve(s, c, n) { return s === 'electron' ? { url: ${JSON.stringify(fakeUrl)}, shortCircuit: true } : n(s, c); }`)}`);
  const { createMainWindow } = await import('../../../electron/desktop/window.ts');
  control.loadFailure = new Error('ERR_FILE_NOT_FOUND (-6) loading app://parley/index.html');
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => void unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    const failures: Error[] = [];
    const { win, load } = createMainWindow({ preload: '/p.cjs', logger: nullLogger, onLink: () => undefined, onLoadFailed: (e) => void failures.push(e) });
    await tick();
    assert.equal(failures.length, 1);
    assert.match(failures[0]!.message, /ERR_FILE_NOT_FOUND/);
    control.loadFailure = undefined;
    load();
    await tick();
    assert.equal(failures.length, 1);
    assert.equal(win.webContents.getURL(), 'app://parley/index.html');
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    control.loadFailure = undefined;
  }
});
