/**
 * Parley's Electron main process: the lifecycle around desktop-app.ts.
 *
 *  - one instance per user: a second start hands its argv (a clicked
 *    sip:/tel: link) to the running one and exits;
 *  - links: process.argv at start, 'second-instance' argv, macOS 'open-url'
 *    (which can fire before 'ready', so links wait for the app);
 *  - the packaged app registers itself for sip:, sips:, tel:, callto: on its
 *    first run only (link-handler.ts), and when the user asks from the tray;
 *  - on Windows the AppUserModelID matches the installer's shortcut, or
 *    toasts do not show (app-identity.ts);
 *  - quitting closes the engine (hang up, unregister, close the store),
 *    bounded in time, before the process ends; on Windows shutdown or
 *    log-off, where 'will-quit' does not come, the window's 'session-end'
 *    does it (desktop-app.ts).
 *
 * Data lives in <appData>/Parley, spelled out so a development run and the
 * packaged app agree, and apart from the `parley` CLI's own folder.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, dialog } from 'electron';
import { createLogger, type LogRecord } from '../common/logger.ts';
import { applyAppIdentity } from './app-identity.ts';
import { registerAppScheme } from './app-protocol.ts';
import { startedHidden } from './autostart-entry.ts';
import { startDesktopApp, type DesktopApp } from './desktop-app.ts';
import { linkHandlerState, registerLinkHandler, registerLinkHandlerOnFirstRun } from './link-handler.ts';
import { findLinkInArgv, parseLink, type ParsedLink } from './link-parser.ts';
import { openedAtLogin } from './login-item.ts';

const CLOSE_TIMEOUT_MS = 5000;

const logger = createLogger((record: LogRecord) => {
  // The desktop shell is not engine code: its log goes to stderr, one JSON line per record.
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
}, 'desktop', app.isPackaged ? 'info' : 'debug');

app.setName('Parley');
app.setPath('userData', join(app.getPath('appData'), 'Parley'));
applyAppIdentity(app, process.platform);
registerAppScheme();

let desktop: DesktopApp | undefined;
let pendingLink: ParsedLink | undefined = findLinkInArgv(process.argv.slice(1));
let closed = false;

function openLink(link: ParsedLink): void {
  if (desktop) desktop.openLink(link);
  else pendingLink = link;
}

if (!app.requestSingleInstanceLock()) {
  // Another Parley runs: it got our argv through 'second-instance'.
  app.quit();
} else {
  app.on('second-instance', (_event, argv) => {
    const link = findLinkInArgv(argv.slice(1));
    if (link) openLink(link);
    else desktop?.showWindow();
  });
  app.on('open-url', (event, url) => {
    event.preventDefault();
    const result = parseLink(url);
    if (result.ok) openLink(result.link);
    else logger.warn('link refused', { reason: result.reason });
  });
  app.on('activate', () => desktop?.showWindow());
  // The phone lives in the tray: closing the last window does not quit.
  app.on('window-all-closed', () => {});
  app.on('before-quit', () => desktop?.prepareQuit());
  app.on('will-quit', (event) => {
    if (closed || !desktop) return;
    event.preventDefault();
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref());
    void Promise.race([desktop.close(), timeout])
      .catch((e: unknown) => logger.error('closing the engine failed', { error: String(e) }))
      .finally(() => {
        closed = true;
        app.quit();
      });
  });

  const fatal = (e: unknown) => {
    logger.error('Parley could not start', { error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    dialog.showErrorBox('Parley could not start', e instanceof Error ? e.message : String(e));
    app.exit(1);
  };

  app.whenReady().then(async () => {
    if (app.isPackaged) registerLinkHandlerOnFirstRun(app, app.getPath('userData'), logger);
    const outDir = fileURLToPath(new URL('..', import.meta.url));
    try {
      desktop = await startDesktopApp({
        paths: {
          dataDir: app.getPath('userData'),
          rendererDir: join(outDir, 'renderer'),
          preload: join(outDir, 'preload', 'preload.cjs'),
          iconDir: app.isPackaged ? join(process.resourcesPath, 'icons') : fileURLToPath(new URL('../../resources/icons', import.meta.url)),
          appIcon: app.isPackaged ? join(process.resourcesPath, 'icons', 'parley.png') : fileURLToPath(new URL('../../resources/icons/parley.png', import.meta.url)),
        },
        logger,
        startHidden: startedHidden(process.argv) || openedAtLogin(),
        devTools: !app.isPackaged,
        quit: () => app.quit(),
        onFatal: fatal,
        ...(app.isPackaged ? { linkHandler: { state: () => linkHandlerState(app), register: () => registerLinkHandler(app, logger) } } : {}),
      });
    } catch (e) {
      fatal(e);
      return;
    }
    if (pendingLink) desktop.openLink(pendingLink);
    pendingLink = undefined;
  });
}
