/**
 * The running desktop app, once Electron is ready: engine, window, IPC,
 * tray, notifications, links, login item, power events. main.ts owns the
 * process lifecycle (single-instance lock, early events, quit) and calls
 * `startDesktopApp` from 'ready'.
 *
 *   app:// + CSP + permissions ─▶ BrowserWindow ─▶ bindIpc ─▶ engine gate (engine-gate.ts)
 *   tray (at once) · tray host check (tray-host.ts)
 *   SafeStorageSecretStore ─▶ createPhoneEngine(userData) ─▶ gate opens
 *        engine events ─▶ tray (registration, DND) · notifications (call.incoming) · settings
 *        links (argv, second instance, open-url, in-page) ─▶ LinkRouter ─▶ fill | call.dial
 *        settings.globalShortcuts ─▶ globalShortcut (global-shortcuts-host.ts) ─▶ shortcuts.status
 *        powerMonitor resume / unlock-screen ─▶ network.changed
 *        powerMonitor system idle time (30 s) ─▶ presence.activity (away after idle)
 *
 * The window and tray come up before the engine (a locked keyring holds the
 * engine, never the window). Without a tray host (stock GNOME) closing the
 * window minimizes it instead of hiding it, and a hidden start is a
 * minimized one, so there is always a way back.
 */
import { BrowserWindow, dialog, globalShortcut, ipcMain, MessageChannelMain, powerMonitor, safeStorage, session, shell } from 'electron';
import type { Settings } from '../api/contract.ts';
import { createPhoneEngine, type PhoneEngine } from '../phone/engine.ts';
import { localPhoneSystem } from '../server-host/local-phone-system.ts';
import type { Logger } from '../common/logger.ts';
import { serveAppProtocol } from './app-protocol.ts';
import { buildCsp, checkCsp } from './csp.ts';
import { gateEngine } from './engine-gate.ts';
import { hostGlobalShortcuts } from './global-shortcuts-host.ts';
import { shouldFocusOnIncoming, shouldNotify, type DesktopSettings } from './incoming-call-notice.ts';
import { bindIpc, type IpcBinding } from './ipc-binding.ts';
import type { LinkHandlerState } from './link-handler.ts';
import type { ParsedLink } from './link-parser.ts';
import { LinkRouter } from './link-router.ts';
import { applyStartAtLogin } from './login-item.ts';
import { createCallNotifier } from './notifications.ts';
import { createMessageNotifier } from './message-notifier.ts';
import { watchPowerEvents } from './power-events.ts';
import { reportSystemIdle } from './system-idle.ts';
import { watchRenderer } from './renderer-watch.ts';
import { NO_ENCRYPTION_MESSAGE, SafeStorageSecretStore } from './safe-storage-secret-store.ts';
import { createAppTray, type AppTray } from './tray.ts';
import { detectTrayHost, type TrayHost } from './tray-host.ts';
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
  /** The engine could not start (a damaged database, no SIP port): main tells the user and exits. */
  onFatal: (error: unknown) => void;
  /** Is Parley the handler of call links, and make it so (link-handler.ts); absent in development runs. */
  linkHandler?: { state(): LinkHandlerState; register(): LinkHandlerState };
  trayHost?: () => Promise<TrayHost>;
}

export interface DesktopApp {
  openLink(link: ParsedLink): void;
  showWindow(): void;
  /** From 'before-quit': windows may close now instead of hiding to the tray. */
  prepareQuit(): void;
  /** Closes the engine (hang up, unregister, close the store); once, however often called. */
  close(): Promise<void>;
  /** Resolves when the engine is up (true) or failed to start (false). */
  readonly engineReady: Promise<boolean>;
}

export async function startDesktopApp(options: DesktopAppOptions): Promise<DesktopApp> {
  const { paths, logger } = options;
  const csp = buildCsp();
  const cspProblems = checkCsp(csp);
  if (cspProblems.length > 0) throw new Error(`refusing to start with a weak Content-Security-Policy: ${cspProblems.join('; ')}`);

  serveAppProtocol(session.defaultSession, paths.rendererDir, csp, logger.child('protocol'));
  hardenSession(session.defaultSession, csp, logger.child('session'));

  const starting = (async (): Promise<PhoneEngine> => {
    const { store: secrets, status } = await SafeStorageSecretStore.open(paths.dataDir, safeStorage, { logger });
    if (status.encryption === 'unavailable') {
      const extra = status.plainTextFileLeft ? '\n\nA plain-text secrets.json from the parley command was found and left as it is.' : '';
      void dialog.showMessageBox({ type: 'warning', title: 'Passwords cannot be saved', message: 'Passwords cannot be saved', detail: NO_ENCRYPTION_MESSAGE + extra, buttons: ['OK'] });
    }
    return createPhoneEngine({ dataDir: paths.dataDir, secrets, logger, phoneSystem: localPhoneSystem, shell });
  })();
  starting.catch((e: unknown) => options.onFatal(e));
  const gate = gateEngine(starting, logger);
  const { dispatcher } = gate;
  const context = { host: 'ipc', client: 'desktop-main' } as const;

  let settings: DesktopSettings | undefined;
  const trayStatus = new TrayStatus();
  let quitting = false;
  let binding: IpcBinding | undefined;
  let tray: AppTray | undefined;
  const trayHost = (options.trayHost ?? (() => detectTrayHost(process.platform)))();
  let trayUsable = false;
  void trayHost.then((host) => {
    trayUsable = host === 'present';
    if (!trayUsable) logger.info('no system tray host found; the window stays reachable (minimized, not hidden)', { host });
  });

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

  const main = createMainWindow({
    preload: paths.preload,
    icon: paths.appIcon,
    devTools: options.devTools,
    logger: logger.child('window'),
    onLink: (link) => void router.open(link),
    onLoadFailed: (error) => {
      void dialog.showMessageBox({ type: 'error', title: 'Parley', message: 'Parley’s window could not load', detail: `${error.message}\n\nCalls still ring; restart Parley to get the window back.`, buttons: ['OK'] });
    },
  });
  const win: BrowserWindow = main.win;
  binding = bindIpc({
    ipcMain,
    contents: win.webContents,
    dispatcher,
    events: gate.events,
    audio: gate.audio,
    createChannel: () => new MessageChannelMain(),
    logger,
    onRendererReady: () => {
      void router.rendererReady();
      shortcuts.rendererReady();
    },
  });
  watchRenderer(win.webContents, { onGone: () => router.rendererGone(), reload: () => main.load(), logger: logger.child('window') });

  win.once('ready-to-show', () => {
    void trayHost.then(() => {
      if (win.isDestroyed()) return;
      const hidden = options.startHidden || (settings?.startMinimized ?? false);
      if (!hidden) win.show();
      else if (!trayUsable) {
        // No tray to come back from: a minimized window in the dock or task bar instead of none.
        win.showInactive();
        win.minimize();
      }
    });
  });
  // Closing the window keeps the phone running (calls keep coming in); Quit ends it.
  win.on('close', (event) => {
    if (quitting) return;
    event.preventDefault();
    if (trayUsable) win.hide();
    else win.minimize();
  });

  const notifier = createCallNotifier(paths.appIcon, {
    answer: (callId) => void dispatcher.call('call.answer', { callId }, context),
    decline: (callId) => void dispatcher.call('call.decline', { callId }, context),
    show: showWindow,
  }, logger.child('notify'));
  const messageNotifier = createMessageNotifier(
    paths.appIcon,
    (peer) => {
      showWindow();
      binding?.send({ event: 'conversation.open', data: { peer } });
    },
    logger.child('notify'),
  );

  // Electron's Tray does not throw where nothing shows it (tray-host.ts finds that out); a throw here is a real error.
  try {
    tray = createAppTray(paths.iconDir, trayStatus.model(), {
      show: showWindow,
      setDnd: (on) => void dispatcher.call('settings.update', { dnd: on }, context),
      quit: options.quit,
      ...(options.linkHandler ? { linkHandler: options.linkHandler } : {}),
    });
  } catch (e) {
    logger.error('the tray icon could not be made', { error: (e as Error).message });
  }

  // Media keys and the user's global shortcuts (the globalShortcuts setting) work from any application.
  const shortcuts = hostGlobalShortcuts({
    shortcuts: globalShortcut,
    dispatcher,
    dataDir: paths.dataDir,
    logger: logger.child('keys'),
    showWindow,
    report: (status) => binding?.send({ event: 'shortcuts.status', data: status }),
  });

  const offPower = watchPowerEvents(powerMonitor, (reason) => {
    logger.info('network may have changed; telling the engine', { reason });
    void dispatcher.call('network.changed', { reason }, context);
  });

  // Away after idle: the system's idle time, every half-minute (system-idle.ts).
  const offIdle = reportSystemIdle(powerMonitor, (idleSeconds) => void dispatcher.call('presence.activity', { idleSeconds }, context));

  const offEvents = gate.events.subscribe((event) => {
    if (trayStatus.apply(event)) tray?.update(trayStatus.model());
    if (event.event === 'call.incoming') {
      if (settings && shouldNotify(settings)) notifier.incoming(event.data);
      if (settings && shouldFocusOnIncoming(settings)) showWindow();
    } else if (event.event === 'call') {
      notifier.callChanged(event.data);
    } else if (event.event === 'message') {
      messageNotifier.received(event.data, win.isFocused(), settings?.dnd ?? false);
    } else if (event.event === 'settings') {
      const before: Settings | undefined = settings;
      settings = event.data;
      if (before?.startAtLogin !== event.data.startAtLogin) void applyStartAtLogin(event.data.startAtLogin, logger);
      shortcuts.settingsChanged(event.data);
    }
  }, { except: ['trace'] });

  const engineReady = gate.ready.then(async (engine) => {
    if (!engine) return false;
    const snapshot = await dispatcher.call('app.snapshot', {}, context);
    if (snapshot.ok) {
      settings = snapshot.result.settings;
      trayStatus.load(snapshot.result);
      tray?.update(trayStatus.model());
      void applyStartAtLogin(snapshot.result.settings.startAtLogin, logger);
      await shortcuts.start(snapshot.result.settings);
    }
    return true;
  });

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      quitting = true;
      offEvents();
      offPower();
      offIdle();
      shortcuts.dispose();
      notifier.closeAll();
      messageNotifier.closeAll();
      binding?.dispose();
      tray?.destroy();
      const engine = await gate.ready;
      await engine?.close();
    })();
    return closing;
  };

  // Windows: at shutdown or log-off 'will-quit' never comes, so the registrations are removed here.
  win.on('session-end', () => {
    logger.info('the session ends; closing the engine');
    void close();
  });

  return {
    openLink: (link) => void router.open(link),
    showWindow,
    prepareQuit() {
      quitting = true;
    },
    close,
    engineReady,
  };
}
