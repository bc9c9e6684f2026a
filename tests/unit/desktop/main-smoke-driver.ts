/**
 * Runs the real desktop main process (electron/desktop/main.ts bundled as
 * electron-vite does, with the real engine and store) against
 * fake-electron.ts, plays Electron's part, and prints what happened as one
 * JSON object on stdout. Started by main-smoke.test.ts in a child process.
 *
 *   node tests/unit/desktop/main-smoke-driver.ts <work dir inside the repo>
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules, register } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { rolldown } from 'rolldown';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const work = process.argv[2]!;
const fakeUrl = pathToFileURL(join(root, 'tests/unit/desktop/fake-electron.ts')).href;

const deps = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {});
const bundle = await rolldown({
  input: join(root, 'electron/desktop/main.ts'),
  platform: 'node',
  logLevel: 'silent',
  external: ['electron', /^node:/, ...builtinModules, ...deps.map((d) => new RegExp(`^${d.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(/|$)`))],
});
mkdirSync(join(work, 'main'), { recursive: true });
await bundle.write({ dir: join(work, 'main'), format: 'esm', entryFileNames: 'main.js', codeSplitting: false });
await bundle.close();
mkdirSync(join(work, 'renderer'), { recursive: true });
writeFileSync(join(work, 'renderer', 'index.html'), '<!doctype html><title>smoke</title>');
mkdirSync(join(work, 'appData'), { recursive: true });

register(`data:text/javascript,${encodeURIComponent(`export async function resolve(s, c, n) { return s === 'electron' ? { url: ${JSON.stringify(fakeUrl)}, shortCircuit: true } : n(s, c); }`)}`);
const fake = (await import(fakeUrl)) as typeof import('./fake-electron.ts');
fake.control.setPath('appData', join(work, 'appData'));
// The keyring is locked: its unlock prompt holds safeStorage, and so the engine, until the driver unlocks it.
fake.keyring.state.keyringLocked = true;
// No session bus: the tray host cannot be confirmed (as on stock GNOME), so the window must stay reachable.
process.env.DBUS_SESSION_BUS_ADDRESS = `unix:path=${join(work, 'no-bus')}`;
// The app's log lines (main.ts writes JSON lines to stderr), for what has no other trace.
const logLines: string[] = [];
const writeErr = process.stderr.write.bind(process.stderr);
process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  logLines.push(String(chunk));
  return (writeErr as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
}) as typeof process.stderr.write;
const logged = (what: string) => logLines.some((l) => l.includes(what));

const out: Record<string, unknown> = {};
const until = async (what: string, ok: () => boolean, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

// Started by a click on a tel: link.
process.argv = [process.execPath, join(work, 'main', 'main.js'), '--some-chromium-switch', 'tel:+1-555-0100'];
await import(pathToFileURL(join(work, 'main', 'main.js')).href);
out.userData = fake.app.getPath('userData');
out.schemes = fake.control.schemes;
fake.control.ready();
await until('the window', () => fake.control.windows.length === 1 && fake.ipcMain.handlers.has('parley:invoke'));

const win = fake.control.windows[0]!;
const wc = win.webContents;
out.webPreferences = win.options.webPreferences;
out.loadedUrl = wc.url;
out.trayCount = fake.control.trays.length;
// Window and tray are up while the keyring is still locked; the engine waits behind the gate.
const earlyEvent = { sender: wc, senderFrame: { url: 'app://parley/index.html', parent: null } };
let earlySnapshot: { ok?: boolean } | undefined;
void (fake.ipcMain.handlers.get('parley:invoke')!(earlyEvent, 'app.snapshot', {}) as Promise<{ ok: boolean }>).then((r) => (earlySnapshot = r));
await new Promise((r) => setTimeout(r, 300));
out.beforeUnlock = { windows: fake.control.windows.length, trays: fake.control.trays.length, engineUp: earlySnapshot !== undefined };
out.lateSchemeThrows = (() => {
  try {
    fake.protocol.registerSchemesAsPrivileged([{ scheme: 'late' }]);
    return false;
  } catch {
    return true;
  }
})();
fake.keyring.unlock();
await until('the engine after the unlock', () => earlySnapshot !== undefined);
out.snapshotAfterUnlock = earlySnapshot?.ok;
win.emit('ready-to-show');
await new Promise((r) => setTimeout(r, 100));
out.visibleAtStart = win.visible;

// DevTools pages keep their own headers; our responses get the CSP.
let devtoolsHeaders: unknown;
fake.control.headersReceived!({ url: 'devtools://devtools/bundled/devtools_app.html', responseHeaders: {} }, (r) => (devtoolsHeaders = r.responseHeaders));
out.devtoolsCsp = devtoolsHeaders === undefined ? null : devtoolsHeaders;

// The app:// protocol: our page with our CSP; nothing outside the renderer folder.
const handler = fake.control.protocolHandlers.get('app')!;
const page = await handler(new Request('app://parley/index.html'));
out.page = { status: page.status, csp: page.headers.get('content-security-policy'), type: page.headers.get('content-type'), body: await page.text() };
out.traversal = (await handler(new Request('app://parley/%2e%2e/main/main.js'))).status;
out.otherHost = (await handler(new Request('app://evil/index.html'))).status;
out.post = (await handler(new Request('app://parley/index.html', { method: 'POST', body: 'x' }))).status;

// Permissions.
const ask = (permission: string, details: Record<string, unknown>) =>
  new Promise<boolean>((r) => fake.control.permissionRequest!(wc, permission, r, { requestingUrl: 'app://parley/index.html', isMainFrame: true, ...details }));
out.permissions = {
  microphone: await ask('media', { mediaTypes: ['audio'] }),
  camera: await ask('media', { mediaTypes: ['video'] }),
  geolocation: await ask('geolocation', {}),
  evilMic: await ask('media', { mediaTypes: ['audio'], requestingUrl: 'https://evil.example/' }),
  checkSpeaker: fake.control.permissionCheck!(wc, 'speaker-selection', 'app://parley', { isMainFrame: true }),
  checkClipboard: fake.control.permissionCheck!(wc, 'clipboard-read', 'app://parley', { isMainFrame: true }),
};
// WebHID: a telephony headset for our page only; a pairing picks one (a dialog when there are several).
const headset = { deviceId: 'h1', name: 'Desk headset', vendorId: 1, productId: 2, collections: [{ usagePage: 0x0b, usage: 5, type: 1, children: [], inputReports: [], outputReports: [], featureReports: [] }] };
const headset2 = { ...headset, deviceId: 'h2', name: 'Other headset' };
const keyboard = { ...headset, deviceId: 'k1', name: 'Keyboard', collections: [{ ...headset.collections[0]!, usagePage: 0x01, usage: 6 }] };
const select = (deviceList: unknown[]) =>
  new Promise<string | null | undefined>((r) => {
    let prevented = false;
    (fake.control.sessionListeners.get('select-hid-device') as unknown as (e: unknown, d: unknown, cb: (id?: string | null) => void) => void)(
      { preventDefault: () => (prevented = true) },
      { deviceList, frame: { url: 'app://parley/index.html' } },
      (id) => r(prevented ? id : 'not prevented'),
    );
  });
fake.control.messageBoxResponse = 1;
out.hid = {
  check: fake.control.permissionCheck!(wc, 'hid', 'app://parley', { isMainFrame: true }),
  headset: fake.control.devicePermission!({ deviceType: 'hid', origin: 'app://parley', device: headset }),
  keyboard: fake.control.devicePermission!({ deviceType: 'hid', origin: 'app://parley', device: keyboard }),
  evilOrigin: fake.control.devicePermission!({ deviceType: 'hid', origin: 'https://evil.example', device: headset }),
  usb: fake.control.devicePermission!({ deviceType: 'usb', origin: 'app://parley', device: headset }),
  onlyHeadset: await select([keyboard, headset]),
  none: await select([keyboard]),
  pickedSecond: await select([headset, keyboard, headset2]),
};
fake.control.messageBoxResponse = 0;
let cancelled: boolean | undefined;
fake.control.beforeRequest!.listener({ url: 'https://tracker.example/x.js', resourceType: 'script' }, (r) => (cancelled = r.cancel));
out.remoteCancelled = cancelled;
out.remoteFilter = fake.control.beforeRequest!.filter.urls;

// Navigation and window.open.
out.windowOpen = wc.windowOpenHandler!({ url: 'https://evil.example/' }).action;
let prevented = false;
wc.emit('will-navigate', { url: 'https://evil.example/', preventDefault: () => (prevented = true) });
out.navigationPrevented = prevented;

// IPC from the page, and from a frame that is not ours.
const ours = { sender: wc, senderFrame: { url: 'app://parley/index.html', parent: null } };
const invoke = (event: unknown, cmd: string, params?: unknown) => fake.ipcMain.handlers.get('parley:invoke')!(event, cmd, params) as Promise<any>;

const snapshot = await invoke(ours, 'app.snapshot', {});
out.snapshotOk = snapshot.ok;
out.evil = await invoke({ sender: wc, senderFrame: { url: 'https://evil.example/', parent: null } }, 'app.snapshot', {});
await until('the argv link', () => wc.sent.some((s) => (s.args[0] as { event?: string })?.event === 'link.open'));
out.argvLink = wc.sent.find((s) => (s.args[0] as { event?: string })?.event === 'link.open')?.args[0];
// The "Skip to content" link: an in-page navigation, after which no app.snapshot comes.
wc.navigate('app://parley/index.html#main', true);

// Do Not Disturb: the engine's settings event reaches the tray.
const dnd = await invoke(ours, 'settings.update', { dnd: true });
out.dndOk = dnd.ok;
await until('the DND tray icon', () => String((fake.control.trays[0]?.image as { path?: string })?.path).endsWith('-dnd.png'));
out.trayIcon = (fake.control.trays[0]!.image as { path: string }).path.split('/').pop();
out.trayTooltip = fake.control.trays[0]!.tooltip;
out.settingsEventPushed = wc.sent.some((s) => (s.args[0] as { event?: string })?.event === 'settings');

// Global shortcuts chosen in Settings: registered from the engine's setting, one another program holds reported to the window.
fake.control.heldShortcuts = ['Ctrl+Alt+H'];
const keysSet = await invoke(ours, 'settings.update', { globalShortcuts: { mediaKeys: true, answer: 'ctrl+alt+a', hangup: 'Ctrl+Alt+H', mute: '', hold: '', show: 'Super+F9' } });
out.shortcutsSaved = keysSet.ok ? keysSet.result.globalShortcuts : keysSet;
const shortcutStatus = () => wc.sent.filter((s) => (s.args[0] as { event?: string })?.event === 'shortcuts.status').at(-1)?.args[0] as { data: { registered: string[]; refused: { action: string; reason: string }[] } } | undefined;
await until('the shortcuts status', () => shortcutStatus()?.data.registered.includes('Ctrl+Alt+A') === true);
out.shortcutStatus = { registered: shortcutStatus()!.data.registered, refused: shortcutStatus()!.data.refused.map((r) => `${r.action} ${r.reason}`) };
win.hide();
out.showKey = fake.globalShortcut.press('Super+F9') && win.visible;
fake.control.heldShortcuts = [];

// A second instance started by another link.
const linksBefore = wc.sent.filter((s) => (s.args[0] as { event?: string })?.event === 'link.open').length;
fake.app.emit('second-instance', {}, ['/opt/Parley/parley', 'sip:bob@example.com?subject=x'], '/');
await until('the second-instance link', () => wc.sent.filter((s) => (s.args[0] as { event?: string })?.event === 'link.open').length > linksBefore);
out.secondLink = wc.sent.filter((s) => (s.args[0] as { event?: string })?.event === 'link.open').at(-1)?.args[0];
out.visibleAfterLink = win.visible;
out.secondLinkAfterInPage = true; // delivered although an in-page navigation came after the last app.snapshot

// The renderer crashes: the page is loaded again; links wait for its app.snapshot.
const loadsBefore = wc.loads;
wc.crash('crashed');
await until('the reload after the crash', () => wc.loads > loadsBefore);
out.reloadedAfterCrash = wc.loads - loadsBefore;
await invoke(ours, 'app.snapshot', {});

// Waking from sleep: the engine refreshes its registrations (network.changed).
fake.powerMonitor.emit('resume');
await until('network.changed to reach the engine', () => logged('network changed: registrations refreshed'));
out.resumeHandled = logged('"reason":"resume"');

// The audio port.
for (const l of fake.ipcMain.listeners.get('parley:audio-port-request') ?? []) l(ours);
out.audioPort = wc.posted.map((p) => ({ channel: p.channel, transferred: p.transfer.length }));

// A password goes to encrypted storage.
// Disabled, so the engine does not try to register (no DNS, no network from a unit test).
const added = await invoke(ours, 'accounts.add', { aor: 'sip:alice@127.0.0.1', enabled: false, password: 'pw-smoke-123' });
out.accountAdded = added.ok ? true : added;
try {
  const enc = readFileSync(join(fake.app.getPath('userData'), 'secrets.enc.json'), 'utf8');
  out.secretsFile = { exists: true, holdsPlainPassword: enc.includes('pw-smoke-123') };
} catch {
  out.secretsFile = { exists: false };
}

// Closing the window keeps the phone running: with no tray host confirmed it is minimized, not hidden.
let closePrevented = false;
win.show();
win.emit('close', { preventDefault: () => (closePrevented = true) });
out.closeKeepsReachable = { prevented: closePrevented, visible: win.visible, minimized: win.minimized };
out.protocolRegistrations = fake.calls.filter((c) => c.what === 'setAsDefaultProtocolClient').length;
out.appUserModelIdCalls = fake.calls.filter((c) => c.what === 'app.setAppUserModelId').length;
// Windows shutdown or log-off: 'session-end' on the window, and no 'will-quit' may follow.
win.emit('session-end', { reasons: ['shutdown'] });
await until('the engine to close at session end', () => fake.calls.some((c) => c.what === 'tray.destroy') && !fake.ipcMain.handlers.has('parley:invoke'));
out.sessionEndClosed = true;
fake.app.emit('before-quit');
let quitClosePrevented = false;
win.emit('close', { preventDefault: () => (quitClosePrevented = true) });
out.closeOnQuitAllowed = !quitClosePrevented;
const quitsBefore = fake.app.quitCalls;
let willQuitPrevented = false;
fake.app.emit('will-quit', { preventDefault: () => (willQuitPrevented = true) });
await until('the engine to close and quit again', () => fake.app.quitCalls > quitsBefore);
out.willQuitWaited = willQuitPrevented;
out.exitCode = fake.app.exitCode ?? null;
out.errors = fake.calls.filter((c) => c.what === 'dialog.showErrorBox');

process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
