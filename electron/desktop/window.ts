/**
 * The one Parley window and its session, locked down (Electron security
 * checklist; docs/architecture.md §2: the renderer is sandboxed and untrusted):
 *
 *  - webPreferences from window-options.ts, checked before use;
 *  - the page is only ever app://parley/index.html: every navigation is
 *    refused (will-navigate, will-frame-navigate, will-redirect), window.open
 *    is denied, <webview> cannot attach, downloads are cancelled;
 *  - no remote content: the session cancels http(s), ws(s) and file requests;
 *  - the CSP is sent with every response (the app:// handler, and
 *    onHeadersReceived for anything else that gets through), except
 *    Chromium's own pages (DevTools in a development build);
 *  - permissions per permission-policy.ts (microphone, speaker selection,
 *    notifications, WebHID; our origin only); of the devices, telephony HID
 *    devices only (hid-devices.ts: a headset, never a keyboard), picked in a
 *    dialog when several are connected; USB and serial refused.
 *
 * A sip:/tel: link clicked inside the page (a message body, a contact's
 * note) is not navigated to but handed to `onLink`, as a link from the OS.
 */
import { BrowserWindow, dialog, type Session } from 'electron';
import type { Logger } from '../common/logger.ts';
import { APP_ENTRY_URL, APP_ORIGIN, originOf } from './app-url.ts';
import { headersWithCsp } from './csp.ts';
import { chooseHidDevice, decideDevicePermission } from './hid-devices.ts';
import { parseLink, type ParsedLink } from './link-parser.ts';
import { decidePermission } from './permission-policy.ts';
import { checkWebPreferences, windowOptions, type WindowOptionsInput } from './window-options.ts';

const REMOTE_PATTERNS = ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'file://*/*', 'ftp://*/*'];

export function hardenSession(ses: Session, csp: string, logger: Logger): void {
  ses.setPermissionRequestHandler((contents, permission, callback, details) => {
    const granted = decidePermission(permission, details.requestingUrl || contents.getURL(), {
      mediaTypes: 'mediaTypes' in details ? (details.mediaTypes ?? []) : undefined,
      requestingUrl: details.requestingUrl,
      isMainFrame: details.isMainFrame,
    });
    if (!granted) logger.warn('permission request refused', { permission, origin: originOf(details.requestingUrl) ?? 'unknown' });
    callback(granted);
  });
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
    decidePermission(permission, requestingOrigin, {
      mediaType: details.mediaType,
      requestingUrl: details.requestingUrl,
      securityOrigin: details.securityOrigin,
      isMainFrame: details.isMainFrame,
    }),
  );
  ses.setDevicePermissionHandler((details) => decideDevicePermission(details));
  ses.on('select-hid-device', (event, details, callback) => {
    event.preventDefault();
    const ours = details.frame === null || originOf(details.frame.url) === APP_ORIGIN;
    if (!ours) return callback(null);
    const ask = async (names: string[]): Promise<number | undefined> => {
      const r = await dialog.showMessageBox({ type: 'question', title: 'Pair a headset', message: 'Which headset should Parley use?', buttons: [...names, 'Cancel'], cancelId: names.length, defaultId: 0, noLink: true });
      return r.response < names.length ? r.response : undefined;
    };
    chooseHidDevice(details.deviceList, ask).then(
      (id) => callback(id),
      (err: unknown) => {
        logger.warn('headset choice failed', { error: err instanceof Error ? err.message : String(err) });
        callback(null);
      },
    );
  });
  ses.webRequest.onBeforeRequest({ urls: REMOTE_PATTERNS }, (details, callback) => {
    logger.warn('remote request cancelled', { origin: originOf(details.url) ?? 'unknown', type: details.resourceType });
    callback({ cancel: true });
  });
  ses.webRequest.onHeadersReceived((details, callback) => {
    const headers = headersWithCsp(details.url, details.responseHeaders, csp);
    callback(headers ? { responseHeaders: headers } : {});
  });
  ses.on('will-download', (event) => {
    logger.warn('download cancelled');
    event.preventDefault();
  });
}

export interface MainWindowInput extends WindowOptionsInput {
  logger: Logger;
  onLink: (link: ParsedLink) => void;
  /** The page did not load (loadURL rejected): a missing or broken renderer build, a refused protocol. */
  onLoadFailed: (error: Error) => void;
}

export interface MainWindow {
  win: BrowserWindow;
  /** (Re)loads our page; a failure goes to onLoadFailed, never unhandled. */
  load(): void;
}

export function createMainWindow(input: MainWindowInput): MainWindow {
  const options = windowOptions(input);
  const problems = checkWebPreferences(options.webPreferences as unknown as Record<string, unknown>);
  if (problems.length > 0) throw new Error(`refusing to open a window with unsafe webPreferences: ${problems.join('; ')}`);
  const win = new BrowserWindow({
    ...options,
    // window-options.ts is the source (checked just above); the essentials are spelled out again here,
    // where the window is made, for reviewers and for the security lint (tests/desktop/electronegativity-check.ts).
    webPreferences: { ...options.webPreferences, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true },
  });
  const contents = win.webContents;
  const { logger, onLink } = input;

  const refuse = (url: string, how: string) => {
    const link = parseLink(url);
    if (link.ok) onLink(link.link);
    else logger.warn(`${how} refused`, { origin: originOf(url) ?? 'unknown' });
  };

  contents.setWindowOpenHandler(({ url }) => {
    refuse(url, 'window.open');
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event) => {
    event.preventDefault();
    refuse(event.url, 'navigation');
  });
  contents.on('will-frame-navigate', (event) => {
    if (event.url === APP_ENTRY_URL && event.isMainFrame) return;
    event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());

  const load = () => {
    win.loadURL(APP_ENTRY_URL).catch((e: unknown) => {
      logger.error('the window could not load its page', { error: e instanceof Error ? e.message : String(e) });
      input.onLoadFailed(e instanceof Error ? e : new Error(String(e)));
    });
  };
  load();
  return { win, load };
}
