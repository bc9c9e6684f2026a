/**
 * The desktop main process end to end without Electron: main.ts, bundled as
 * electron-vite bundles it, with the real engine and store, against
 * fake-electron.ts (main-smoke-driver.ts plays Electron's part).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
// Inside the repository, so the bundle's external npm dependencies resolve from node_modules.
mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
const work = mkdtempSync(join(root, 'node_modules', '.cache', 'parley-desktop-smoke-'));
after(() => rmSync(work, { recursive: true, force: true }));

async function drive(): Promise<Record<string, any>> {
  const child = spawn(process.execPath, [join(root, 'tests/unit/desktop/main-smoke-driver.ts'), work], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    const code = await new Promise<number | null>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`driver timed out; stderr tail: ${stderr.slice(-2000)}`)), 60_000);
      child.once('exit', (c) => {
        clearTimeout(timer);
        res(c);
      });
    });
    assert.equal(code, 0, `driver failed: ${stderr.slice(-3000)}`);
    return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, any>;
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

test('the main process wires engine, window, IPC, tray, links, secrets and quit', async () => {
  const r = await drive();
  assert.match(r.userData, /appData[/\\]Parley$/);
  assert.deepEqual(r.schemes, [{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true } }]);
  assert.equal(r.loadedUrl, 'app://parley/index.html');
  for (const [k, v] of Object.entries({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false })) assert.equal(r.webPreferences[k], v, k);
  assert.match(r.webPreferences.preload, /preload[/\\]preload\.cjs$/);

  assert.equal(r.page.status, 200);
  assert.match(r.page.csp, /^default-src 'none'; script-src 'self';/);
  assert.equal(r.page.type, 'text/html; charset=utf-8');
  assert.equal(r.otherHost, 403);
  assert.equal(r.post, 405);
  assert.notEqual(r.traversal, 200, 'the main bundle next to the renderer folder is not served');

  assert.deepEqual(r.permissions, { microphone: true, camera: false, geolocation: false, evilMic: false, checkSpeaker: true, checkClipboard: false });
  assert.deepEqual(r.hid, { check: true, headset: true, keyboard: false, evilOrigin: false, usb: false, onlyHeadset: 'h1', none: null, pickedSecond: 'h2' });
  assert.equal(r.remoteCancelled, true);
  assert.ok(r.remoteFilter.includes('https://*/*') && r.remoteFilter.includes('file://*/*'));
  assert.equal(r.windowOpen, 'deny');
  assert.equal(r.navigationPrevented, true);

  assert.equal(r.snapshotOk, true);
  assert.equal(r.evil.code, 'not-allowed');
  assert.deepEqual(r.argvLink, { event: 'link.open', data: { target: 'tel:+15550100', action: 'fill' } }, 'the link Parley was started with reaches the dial field');
  assert.deepEqual(r.secondLink, { event: 'link.open', data: { target: 'sip:bob@example.com', action: 'fill' } });
  assert.equal(r.visibleAfterLink, true);

  assert.equal(r.dndOk, true);
  assert.equal(r.trayIcon, 'tray-offline-dnd.png');
  assert.match(r.trayTooltip, /do not disturb/);
  assert.equal(r.settingsEventPushed, true);
  assert.equal(r.trayCount, 1);
  assert.deepEqual(r.shortcutsSaved, { mediaKeys: true, answer: 'Ctrl+Alt+A', hangup: 'Ctrl+Alt+H', mute: '', hold: '', show: 'Super+F9' }, 'validated and written the one way');
  assert.deepEqual(r.shortcutStatus, { registered: ['MediaPlayPause', 'MediaStop', 'Ctrl+Alt+A', 'Super+F9'], refused: ['hangup held'] });
  assert.equal(r.showKey, true, 'the show key brought the window back');

  // Two ports: capture and playback, for the renderer's two audio worklets.
  assert.deepEqual(r.audioPort, [{ channel: 'parley:audio-port', transferred: 2 }]);
  assert.deepEqual(r.secondLinkAfterInPage, true);
  assert.equal(r.accountAdded, true);
  assert.deepEqual(r.secretsFile, { exists: true, holdsPlainPassword: false });

  assert.deepEqual(r.beforeUnlock, { windows: 1, trays: 1, engineUp: false }, 'a locked keyring holds the engine, not the window and tray');
  assert.equal(r.snapshotAfterUnlock, true, 'the page\'s first command waited for the engine and then got its answer');
  assert.equal(r.lateSchemeThrows, true, 'the fake refuses registerSchemesAsPrivileged after ready, as Electron does');
  assert.equal(r.visibleAtStart, true);
  assert.equal(r.devtoolsCsp, null, 'DevTools keeps its own headers');
  assert.equal(r.reloadedAfterCrash, 1);
  assert.equal(r.resumeHandled, true);
  assert.deepEqual(r.closeKeepsReachable, { prevented: true, visible: true, minimized: true });
  assert.equal(r.protocolRegistrations, 0, 'a development run does not register link handlers');
  assert.equal(r.appUserModelIdCalls, process.platform === 'win32' ? 1 : 0);
  assert.equal(r.sessionEndClosed, true);
  assert.equal(r.closeOnQuitAllowed, true);
  assert.equal(r.willQuitWaited, true);
  assert.equal(r.exitCode, null);
  assert.deepEqual(r.errors, []);
});
