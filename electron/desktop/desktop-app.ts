/**
 * The running desktop app, once Electron is ready: engine, window, IPC,
 * tray, notifications, links, login item. main.ts owns the process
 * lifecycle (single-instance lock, early events, quit) and calls
 * `startDesktopApp` from 'ready'.
 *
 *   SafeStorageSecretStore ─▶ createPhoneEngine(userData) ─▶ dispatcher
 *        app:// + CSP + permissions ─▶ BrowserWindow ─▶ bindIpc (commands, events, audio port)
 *        engine events ─▶ tray (registration, DND) · notifications (call.incoming) · settings
 *        links (argv, second instance, open-url, in-page) ─▶ LinkRouter ─▶ fill | call.dial
 */
import { BrowserWindow, dialog, ipcMain, MessageChannelMain, safeStorage, session } from 'electron';
import { createDispatcher, type Dispatcher } from '../api/dispatcher.ts';
import type { Settings } from '../api/contract.ts';
import { createPhoneEngine, mapPhoneError, type PhoneEngine } from '../phone/engine.ts';
import type { Logger } from '../shared/logger.ts';
import { serveAppProtocol } from './app-protocol.ts';
import { buildCsp, checkCsp } from './csp.ts';
import { shouldFocusOnIncoming, shouldNotify, type DesktopSettings } from './incoming-call-notice.ts';
import { bindIpc, type IpcBinding } from './ipc-binding.ts';
import type { ParsedLink } from './link-parser.ts';
import { LinkRouter } from './link-router.ts';
import { applyStartAtLogin } from './login-item.ts';
import { createCallNotifier } from './notifications.ts';
import { NO_ENCRYPTION_MESSAGE, SafeStorageSecretStore } from './safe-storage-secret-store.ts';
import { createAppTray, type AppTray } from './tray.ts';
import { TrayStatus } from './tray-model.ts';
import { createMainWindow, hardenSession } from './window.ts';

export interface DesktopPaths {
  dataDir: string;
  rendererDir: string;
  preload: string;
  iconDir: string;
  appIcon: string;
}

export interface DesktopAppOptions {
  paths: DesktopPaths;
  logger: Logger;
  startHidden: boolean;
  devTools: boolean;
  quit: () => void;
}

export interface DesktopApp {
  openLink(link: ParsedLink): void;
  showWindow(): void;
  /** From 'before-quit': windows may close now instead of hiding to the tray. */
  prepareQuit(): void;
  close(): Promise<void>;
}

export async function startDesktopApp(options: DesktopAppOptions): Promise<DesktopApp> {
  const { paths, logger } = options;
  const csp = buildCsp();
  const cspProblems = checkCsp(csp);
  if (cspProblems.length > 0) throw new Error(`refusing to start with a weak Content-Security-Policy: ${cspProblems.join('; ')}`);

  const { store: secrets, status: secretStatus } = await SafeStorageSecretStore.open(paths.dataDir, safeStorage, { logger });
  const engine: PhoneEngine = await createPhoneEngine({ dataDir: paths.dataDir, secrets, logger });
  const dispatcher: Dispatcher = createDispatcher(engine.api, { logger: logger.child('api'), mapError: mapPhoneError });
  const context = { host: 'ipc', client: 'desktop-main' } as const;

  const snapshot = await dispatcher.call('app.snapshot', {}, context);
  let settings: DesktopSettings | undefined = snapshot.ok ? snapshot.result.settings : undefined;
  const trayStatus = new TrayStatus();
  if (snapshot.ok) trayStatus.load(snapshot.result);

  serveAppProtocol(session.defaultSession, paths.rendererDir, csp, logger.child('protocol'));
  hardenSession(session.defaultSession, csp, logger.child('session'));

  let win: BrowserWindow | undefined;
  let quitting = false;
  let binding: IpcBinding | undefined;
  let tray: AppTray | undefined;

  const showWindow = () => {
    if (!win || win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };

  const router = new LinkRouter({
    linkAction: async () => settings?.linkAction ?? 'fill',
    dial: (target) => dispatcher.call('call.dial', { target }, context),
    send: (event) => binding?.send(event),
    showWindow,
    logger,
  });

  win = createMainWindow({ preload: paths.preload, icon: paths.appIcon, devTools: options.devTools, logger: logger.child('window'), onLink: (link) => void router.open(link) });
  binding = bindIpc({
    ipcMain,
    contents: win.webContents,
    dispatcher,
    events: engine.events,
    audio: engine.audio,
    createChannel: () => new MessageChannelMain(),
    logger,
    onRendererReady: () => void router.rendererReady(),
  });
  // A reload or a crashed renderer stops listening until its next app.snapshot.
  win.webContents.on('did-start-loading', () => router.rendererGone());
  win.webContents.on('render-process-gone', (_e, details) => {
    logger.error('renderer process gone', { reason: details.reason });
    router.rendererGone();
  });
  win.once('ready-to-show', () => {
    if (!options.startHidden && !(settings?.startMinimized ?? false)) win?.show();
  });
  // Closing the window keeps the phone running in the tray (calls keep coming in); Quit ends it.
  win.on('close', (event) => {
    if (quitting) return;
    event.preventDefault();
    win?.hide();
  });

  const notifier = createCallNotifier(paths.appIcon, {
    answer: (callId) => void dispatcher.call('call.answer', { callId }, context),
    decline: (callId) => void dispatcher.call('call.decline', { callId }, context),
    show: showWindow,
  }, logger.child('notify'));

  try {
    tray = createAppTray(paths.iconDir, trayStatus.model(), {
      show: showWindow,
      setDnd: (on) => void dispatcher.call('settings.update', { dnd: on }, context),
      quit: options.quit,
    });
  } catch (e) {
    // Some Linux desktops have no tray; the window then is the only way in, so show it.
    logger.warn('no system tray', { error: (e as Error).message });
    win.once('ready-to-show', () => win?.show());
  }

  const offEvents = engine.events.subscribe((event) => {
    if (trayStatus.apply(event)) tray?.update(trayStatus.model());
    if (event.event === 'call.incoming') {
      if (settings && shouldNotify(settings)) notifier.incoming(event.data);
      if (settings && shouldFocusOnIncoming(settings)) showWindow();
    } else if (event.event === 'call') {
      notifier.callChanged(event.data);
    } else if (event.event === 'settings') {
      const before: Settings | undefined = settings;
      settings = event.data;
      if (before?.startAtLogin !== event.data.startAtLogin) void applyStartAtLogin(event.data.startAtLogin, logger);
    }
  });
  if (settings) void applyStartAtLogin(settings.startAtLogin, logger);

  if (secretStatus.encryption === 'unavailable') {
    const extra = secretStatus.plainTextFileLeft ? '\n\nA plain-text secrets.json from the parley command was found and left as it is.' : '';
    void dialog.showMessageBox({ type: 'warning', title: 'Passwords cannot be saved', message: 'Passwords cannot be saved', detail: NO_ENCRYPTION_MESSAGE + extra, buttons: ['OK'] });
  }

  return {
    openLink: (link) => void router.open(link),
    showWindow,
    prepareQuit() {
      quitting = true;
    },
    async close() {
      quitting = true;
      offEvents();
      notifier.closeAll();
      binding?.dispose();
      tray?.destroy();
      await engine.close();
    },
  };
}
