/**
 * The shell's answers to what real Electron does and the old fake hid
 * (issue "The desktop app in a real Electron 45"), each against the fake
 * that now behaves like Electron: in-page navigation, a crashed renderer,
 * sleep and unlock, Windows' AppUserModelID, a Linux panel without a tray
 * host, link registration once, and notifications that fail.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { IncomingCallSnapshot, NetworkChangeReason } from '../../../electron/api/contract.ts';
import { APP_ID, applyAppIdentity } from '../../../electron/desktop/app-identity.ts';
import { LINK_HANDLER_MARKER, linkHandlerItem, linkHandlerState, registerLinkHandler, registerLinkHandlerOnFirstRun } from '../../../electron/desktop/link-handler.ts';
import { LinkRouter } from '../../../electron/desktop/link-router.ts';
import { watchPowerEvents } from '../../../electron/desktop/power-events.ts';
import { MAX_RELOADS, watchRenderer } from '../../../electron/desktop/renderer-watch.ts';
import { detectTrayHost, NAME_HAS_OWNER_ARGS } from '../../../electron/desktop/tray-host.ts';
import { nullLogger } from '../../../electron/common/logger.ts';
import { app, control, FakeWebContents, powerMonitor } from './fake-electron.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('an in-page navigation (the "Skip to content" link) does not hold links; a reload does until the next app.snapshot', async () => {
  const contents = new FakeWebContents();
  const sent: unknown[] = [];
  const router = new LinkRouter({ linkAction: async () => 'fill', dial: async () => ({ ok: true, result: null }), send: (e) => void sent.push(e), showWindow: () => undefined });
  watchRenderer(contents, { onGone: () => router.rendererGone(), reload: () => contents.reload(), logger: nullLogger });
  await router.rendererReady();
  contents.navigate('app://parley/index.html#main', true);
  await router.open({ target: 'sip:alice@example.com', scheme: 'sip' } as never);
  assert.equal(sent.length, 1, 'delivered at once: the page still listens');
  contents.reload();
  await router.open({ target: 'sip:bob@example.com', scheme: 'sip' } as never);
  assert.equal(sent.length, 1, 'held while the page loads anew');
  await router.rendererReady();
  assert.equal(sent.length, 2);
});

test('a crashed renderer is reloaded, at most MAX_RELOADS times a minute; a clean exit is not a crash', () => {
  const contents = new FakeWebContents();
  let now = 0;
  let gone = 0;
  let reloads = 0;
  watchRenderer(contents, { onGone: () => void gone++, reload: () => void reloads++, logger: nullLogger, now: () => now });
  contents.crash('clean-exit');
  assert.equal(reloads, 0);
  for (let i = 0; i < MAX_RELOADS + 2; i++) contents.crash('crashed');
  assert.equal(reloads, MAX_RELOADS, 'a page that crashes as it loads does not spin');
  now += 61_000;
  contents.crash('oom');
  assert.equal(reloads, MAX_RELOADS + 1, 'a minute later it is reloaded again');
  assert.equal(gone, MAX_RELOADS + 4);
});

test('powerMonitor resume and unlock-screen become network.changed', () => {
  const seen: NetworkChangeReason[] = [];
  const off = watchPowerEvents(powerMonitor, (r) => void seen.push(r));
  powerMonitor.emit('suspend');
  powerMonitor.emit('resume');
  powerMonitor.emit('lock-screen');
  powerMonitor.emit('unlock-screen');
  off();
  powerMonitor.emit('resume');
  assert.deepEqual(seen, ['resume', 'unlock-screen']);
});

test('Windows gets the installer shortcut’s AppUserModelID (electron-builder appId); other systems have no such call', async () => {
  const { readFileSync } = await import('node:fs');
  const yml = readFileSync(new URL('../../../build/electron-builder.yml', import.meta.url), 'utf8');
  assert.equal(/^appId:\s*(\S+)/m.exec(yml)?.[1], APP_ID);
  const ids: string[] = [];
  applyAppIdentity({ setAppUserModelId: (id) => void ids.push(id) }, 'win32');
  assert.deepEqual(ids, [APP_ID]);
  // The fake has no setAppUserModelId off Windows, as Electron: calling it would throw.
  assert.doesNotThrow(() => applyAppIdentity(app, 'linux'));
});

test('the tray host is asked on the session bus on Linux; no answer means unknown, not present', async () => {
  const asked: string[][] = [];
  const answer = (out: string | Error) => async (file: string, args: string[]) => {
    asked.push([file, ...args]);
    if (out instanceof Error) throw out;
    return out;
  };
  assert.equal(await detectTrayHost('linux', answer('method return time=1 sender=org.freedesktop.DBus\n   boolean true\n')), 'present');
  assert.equal(await detectTrayHost('linux', answer('method return\n   boolean false\n')), 'absent');
  assert.equal(await detectTrayHost('linux', answer(new Error('spawn dbus-send ENOENT'))), 'unknown');
  assert.deepEqual(asked[0], ['dbus-send', ...NAME_HAS_OWNER_ARGS]);
  assert.equal(await detectTrayHost('darwin', answer(new Error('not asked'))), 'present');
  assert.equal(await detectTrayHost('win32', answer(new Error('not asked'))), 'present');
  assert.equal(asked.length, 3);
});

test('call links are registered on the first run only, and the tray tells whether Parley handles them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-links-'));
  dirs.push(dir);
  app.defaultProtocolClients.clear();
  control.protocolRegistrationWorks = true;
  const registrations = () => app.defaultProtocolClients.size;
  registerLinkHandlerOnFirstRun(app, dir, nullLogger);
  assert.equal(registrations(), 4);
  assert.equal(linkHandlerState(app), 'all');
  // The user gives tel: to another app; Parley's next starts leave that choice alone.
  app.defaultProtocolClients.delete('tel');
  registerLinkHandlerOnFirstRun(app, dir, nullLogger);
  registerLinkHandlerOnFirstRun(app, dir, nullLogger);
  assert.equal(app.isDefaultProtocolClient('tel'), false);
  assert.equal(linkHandlerState(app), 'some');
  assert.deepEqual(linkHandlerItem('some'), { label: 'Handle all call links (sip:, tel:) with Parley', enabled: true });
  assert.equal(registerLinkHandler(app, nullLogger), 'all', 'from the tray, on request');
  assert.equal(linkHandlerItem('all').enabled, false);
  // Where the system refuses (no installed .desktop file), the state says so.
  app.defaultProtocolClients.clear();
  control.protocolRegistrationWorks = false;
  assert.equal(registerLinkHandler(app, nullLogger), 'none');
  control.protocolRegistrationWorks = true;
  assert.ok(LINK_HANDLER_MARKER);
});

test('a notification that fails (unsigned macOS build) brings the window up, and later calls go straight to the window', async () => {
  const fakeUrl = pathToFileURL(join(import.meta.dirname, 'fake-electron.ts')).href;
  register(`data:text/javascript,${encodeURIComponent(`export async function resolve(s, c, n) { return s === 'electron' ? { url: ${JSON.stringify(fakeUrl)}, shortCircuit: true } : n(s, c); }`)}`);
  const { createCallNotifier } = await import('../../../electron/desktop/notifications.ts');
  control.notificationsFail = true;
  let shown = 0;
  const notifier = createCallNotifier('/icon.png', { answer: () => undefined, decline: () => undefined, show: () => void shown++ }, nullLogger);
  const call = (id: string) => ({ id, accountId: 'a', direction: 'incoming', state: 'incoming', remote: { uri: 'sip:bob@example.com' } }) as unknown as IncomingCallSnapshot;
  const before = control.notifications.length;
  notifier.incoming(call('c1'));
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.equal(shown, 1, 'the failed notice brought the window up');
  notifier.incoming(call('c2'));
  assert.equal(shown, 2);
  assert.equal(control.notifications.length, before + 1, 'no second notification is tried');
  control.notificationsFail = false;
});
