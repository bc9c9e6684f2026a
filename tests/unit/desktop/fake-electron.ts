/**
 * A stand-in for the 'electron' module, just big enough to run the built
 * desktop main process (electron/desktop/main.ts and everything it wires)
 * under plain Node: it records what the app asks of Electron and lets a
 * driver play the part of Electron (ready, IPC from the page, protocol
 * requests, permission prompts, second instance, quit). Loaded in place of
 * 'electron' by a module resolve hook (main-smoke-driver.ts).
 */
import { EventEmitter } from 'node:events';
import type { HandlerDetails, IpcMain, LoginItemSettings, MessageBoxReturnValue, WindowOpenHandlerResponse } from 'electron';

export const calls: Array<{ what: string; args: unknown[] }> = [];
const record = (what: string, ...args: unknown[]) => void calls.push({ what, args });

let resolveReady!: () => void;
const ready = new Promise<void>((r) => (resolveReady = r));
const paths = new Map<string, string>();

let isReady = false;

class FakeApp extends EventEmitter {
  isPackaged = false;
  /** Windows only in Electron: the method is absent elsewhere, so calling it there throws a TypeError. */
  declare setAppUserModelId?: (id: string) => void;
  readonly defaultProtocolClients = new Set<string>();
  name = 'Electron';
  quitCalls = 0;
  exitCode: number | undefined;
  setName(name: string) {
    this.name = name;
  }
  getPath(name: string): string {
    const p = paths.get(name);
    if (!p) throw new Error(`fake app: no path for ${name}`);
    return p;
  }
  setPath(name: string, value: string) {
    paths.set(name, value);
  }
  requestSingleInstanceLock() {
    return true;
  }
  whenReady() {
    return ready;
  }
  quit() {
    this.quitCalls++;
    record('app.quit');
  }
  exit(code: number) {
    this.exitCode = code;
    record('app.exit', code);
  }
  isReady() {
    return isReady;
  }
  setAsDefaultProtocolClient(protocol: string) {
    record('setAsDefaultProtocolClient', protocol);
    if (!control.protocolRegistrationWorks) return false;
    this.defaultProtocolClients.add(protocol);
    return true;
  }
  isDefaultProtocolClient(protocol: string) {
    return this.defaultProtocolClients.has(protocol);
  }
  setLoginItemSettings(s: unknown) {
    record('setLoginItemSettings', s);
  }
  getLoginItemSettings(): LoginItemSettings {
    return { openAtLogin: false, wasOpenedAtLogin: false, status: 'not-registered', executableWillLaunchAtLogin: false, launchItems: [] };
  }
}

export const app = new FakeApp();
if (process.platform === 'win32') app.setAppUserModelId = (id: string) => void record('app.setAppUserModelId', id);

export const control = {
  setPath: (name: string, value: string) => paths.set(name, value),
  ready: () => {
    isReady = true;
    safeStorageState.ready = true;
    resolveReady();
  },
  /** false: as for an AppImage without an installed .desktop file, or another app's choice on Windows. */
  protocolRegistrationWorks: true,
  /** loadURL rejects with this (ERR_FILE_NOT_FOUND and the like). */
  loadFailure: undefined as Error | undefined,
  headersReceived: undefined as undefined | ((details: { url: string; responseHeaders?: Record<string, string[]> }, cb: (r: { responseHeaders?: Record<string, string | string[]>; cancel?: boolean }) => void) => void),
  protocolHandlers: new Map<string, (req: Request) => Promise<Response>>(),
  permissionRequest: undefined as undefined | ((wc: unknown, permission: string, cb: (granted: boolean) => void, details: unknown) => void),
  permissionCheck: undefined as undefined | ((wc: unknown, permission: string, origin: string, details: unknown) => boolean),
  beforeRequest: undefined as undefined | { filter: { urls: string[] }; listener: (details: { url: string; resourceType: string }, cb: (r: { cancel?: boolean }) => void) => void },
  windows: [] as FakeBrowserWindow[],
  trays: [] as FakeTray[],
  notifications: [] as FakeNotification[],
  schemes: [] as unknown[],
  encryptionAvailable: true,
  notificationsFail: false,
  /** Accelerators another program holds: globalShortcut.register answers false for them. */
  heldShortcuts: [] as string[],
  devicePermission: undefined as ((details: { deviceType: string; origin: string; device: unknown }) => boolean) | undefined,
  /** session.on listeners by event ('select-hid-device', …), for the driver to call as Electron would. */
  sessionListeners: new Map<string, (...args: never[]) => void>(),
  /** What the next dialog.showMessageBox answers (Electron: the index of the button clicked). */
  messageBoxResponse: 0,
};

export const protocol = {
  registerSchemesAsPrivileged(customSchemes: unknown[]) {
    // Electron: "This method can only be used before the ready event of the app module gets emitted."
    if (isReady) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
    control.schemes.push(...customSchemes);
  },
};

export const session = {
  defaultSession: {
    protocol: {
      handle(scheme: string, handler: (req: Request) => Promise<Response>) {
        control.protocolHandlers.set(scheme, handler);
      },
    },
    setPermissionRequestHandler(h: typeof control.permissionRequest) {
      control.permissionRequest = h;
    },
    setPermissionCheckHandler(h: typeof control.permissionCheck) {
      control.permissionCheck = h;
    },
    setDevicePermissionHandler(h: typeof control.devicePermission) {
      control.devicePermission = h;
    },
    webRequest: {
      onBeforeRequest(filter: { urls: string[] }, listener: NonNullable<typeof control.beforeRequest>['listener']) {
        control.beforeRequest = { filter, listener };
      },
      onHeadersReceived(listener: NonNullable<typeof control.headersReceived>) {
        control.headersReceived = listener;
      },
    },
    on(event: string, listener: (...args: never[]) => void) {
      record('session.on', event);
      control.sessionListeners.set(event, listener);
    },
  },
};

let nextId = 1;

export class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  sent: Array<{ channel: string; args: unknown[] }> = [];
  posted: Array<{ channel: string; message: unknown; transfer: unknown[] }> = [];
  /** Called by the driver with only the details it cares about. */
  windowOpenHandler: ((d: { url: string }) => { action: string }) | undefined;
  url = '';
  destroyed = false;
  loads = 0;
  reloads = 0;
  isDestroyed() {
    return this.destroyed;
  }
  reload() {
    this.reloads++;
    this.emit('did-start-loading');
    this.emit('did-start-navigation', { url: this.url, isSameDocument: false, isMainFrame: true, preventDefault() {} });
  }
  /** Plays Electron's part for a navigation: in-page ones (#fragment, history.pushState) fire did-start-loading too. */
  navigate(url: string, sameDocument: boolean) {
    this.emit('did-start-loading');
    this.emit('did-start-navigation', { url, isSameDocument: sameDocument, isMainFrame: true, preventDefault() {} });
    if (sameDocument) this.emit('did-navigate-in-page', {}, url, true);
  }
  /** The renderer process died. */
  crash(reason: 'crashed' | 'oom' | 'killed' | 'clean-exit' = 'crashed') {
    this.emit('render-process-gone', {}, { reason, exitCode: 1 });
  }
  send(channel: string, ...args: unknown[]) {
    this.sent.push({ channel, args });
  }
  postMessage(channel: string, message: unknown, transfer: unknown[] = []) {
    this.posted.push({ channel, message, transfer });
  }
  setWindowOpenHandler(h: (d: HandlerDetails) => WindowOpenHandlerResponse) {
    this.windowOpenHandler = h as unknown as (d: { url: string }) => { action: string };
  }
  getURL() {
    return this.url;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  readonly webContents = new FakeWebContents();
  visible = false;
  destroyed = false;
  options: Record<string, any>;
  constructor(options: Record<string, any>) {
    super();
    this.options = options;
    control.windows.push(this);
  }
  minimized = false;
  async loadURL(url: string) {
    this.webContents.loads++;
    record('loadURL', url);
    if (control.loadFailure) throw control.loadFailure;
    this.webContents.url = url;
  }
  show() {
    this.visible = true;
    this.minimized = false;
  }
  showInactive() {
    this.visible = true;
  }
  hide() {
    this.visible = false;
  }
  focus() {}
  isVisible() {
    return this.visible;
  }
  minimize() {
    this.minimized = true;
  }
  isMinimized() {
    return this.minimized;
  }
  restore() {
    this.minimized = false;
  }
  isDestroyed() {
    return this.destroyed;
  }
}
export const BrowserWindow = FakeBrowserWindow;

/** What the driver calls: events with only the fields the app reads (see ipcEvent below). */
type IpcListener = (event: unknown, ...args: unknown[]) => unknown;
type RealHandler = Parameters<IpcMain['handle']>[1];
type RealListener = Parameters<IpcMain['on']>[1];
export const ipcMain = {
  handlers: new Map<string, IpcListener>(),
  listeners: new Map<string, IpcListener[]>(),
  handle(channel: string, l: RealHandler) {
    // Electron throws rather than replace a handler.
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, l as IpcListener);
  },
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  },
  on(channel: string, l: RealListener): IpcMain {
    this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), l as IpcListener]);
    return this as unknown as IpcMain;
  },
  removeListener(channel: string, l: RealListener): IpcMain {
    this.listeners.set(channel, (this.listeners.get(channel) ?? []).filter((x) => x !== l));
    return this as unknown as IpcMain;
  },
};

/**
 * Electron's MessagePortMain as it behaves (electron.d.ts: `postMessage(message, transfer?: MessagePortMain[])`):
 * messages are structured clones delivered asynchronously as `{ data, ports }`, queued until start();
 * the transfer list takes MessagePortMains only (transferring an ArrayBuffer from main crashes
 * Electron, electron/electron issue 37565: here it throws). Its entangled peer may be handed to a
 * renderer (`rendererPort`), whose web MessagePort loses the whole message when an ArrayBuffer is in
 * its transfer list: the main side receives `data: null` (issue 34905).
 */
export class FakePortMain extends EventEmitter {
  posted: unknown[] = [];
  started = false;
  closed = false;
  peer: FakePortMain | undefined;
  /** Set when this port went to a renderer: what its peer posts goes to this web-like port. */
  renderer: FakeRendererPort | undefined;
  #queue: Array<{ data: unknown; ports: FakePortMain[] }> = [];
  postMessage(message: unknown, transfer: FakePortMain[] = []) {
    for (const t of transfer) if (!(t instanceof FakePortMain)) throw new TypeError('MessagePortMain.postMessage: only MessagePortMain objects can be transferred');
    if (this.closed) return;
    this.posted.push(message);
    const data = structuredClone(message);
    if (this.peer?.renderer) this.peer.renderer.receive(data);
    else this.peer?.receive(data, transfer);
  }
  /** Delivery into this port (from its peer or from the renderer side): async, after start(). */
  receive(data: unknown, ports: FakePortMain[] = []) {
    if (this.closed) return;
    this.#queue.push({ data, ports });
    if (this.started) this.#flush();
  }
  start() {
    this.started = true;
    this.#flush();
  }
  close() {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
    if (this.peer && !this.peer.closed) this.peer.close();
    this.renderer?.close();
  }
  #flush() {
    setImmediate(() => {
      for (const m of this.#queue.splice(0)) this.emit('message', { data: m.data, ports: m.ports });
    });
  }
}

/**
 * The renderer's end of a MessageChannelMain port that was posted to the page: a web MessagePort as
 * Chromium gives it (onmessage starts it, `postMessage(message, transfer)`), joined to the main side
 * with Electron's behaviour, including the loss of messages that transfer an ArrayBuffer.
 */
export class FakeRendererPort {
  onmessage: ((e: { data: unknown }) => void) | null = null;
  closed = false;
  readonly #main: FakePortMain;
  constructor(main: FakePortMain) {
    this.#main = main;
  }
  postMessage(message: unknown, transfer: ArrayBuffer[] = []) {
    if (this.closed) return;
    // The buffers are detached in the page as a real transfer does; main gets data: null.
    const cloned = structuredClone(message, { transfer });
    this.#main.receive(transfer.length > 0 ? null : cloned);
  }
  start() {}
  close() {
    this.closed = true;
  }
  receive(data: unknown) {
    if (this.closed) return;
    setImmediate(() => this.onmessage?.({ data }));
  }
}

/** Hands a MessageChannelMain port to the page (webContents.postMessage transfers it there). */
export function rendererPort(port: unknown): FakeRendererPort {
  if (!(port instanceof FakePortMain) || !port.peer) throw new TypeError('not a port of a fake MessageChannelMain');
  const r = new FakeRendererPort(port.peer);
  port.renderer = r;
  return r;
}

export class MessageChannelMain {
  port1 = new FakePortMain();
  port2 = new FakePortMain();
  constructor() {
    this.port1.peer = this.port2;
    this.port2.peer = this.port1;
  }
}

/**
 * safeStorage as Electron 45 has it on Linux. `backendGuess` is what getSelectedStorageBackend() says
 * before the async encryptor is initialised (the desktop environment's usual store); `backend` is what
 * the first async operation finds: 'basic_text' when no keyring answers, and then everything is
 * "encrypted" with a key compiled into Chromium while isAsyncEncryptionAvailable() still resolves true.
 * `keyringLocked` holds async operations until `unlockKeyring()` (the keyring's unlock prompt).
 */
const safeStorageState = {
  ready: false,
  initialised: false,
  backendGuess: 'gnome_libsecret' as 'basic_text' | 'gnome_libsecret' | 'kwallet' | 'kwallet5' | 'kwallet6' | 'unknown',
  backend: 'gnome_libsecret' as 'basic_text' | 'gnome_libsecret' | 'kwallet' | 'kwallet5' | 'kwallet6' | 'unknown',
  keyringLocked: false,
  unlockWaiters: [] as Array<() => void>,
};
export const keyring = {
  state: safeStorageState,
  unlock() {
    safeStorageState.keyringLocked = false;
    for (const w of safeStorageState.unlockWaiters.splice(0)) w();
  },
};
const asyncInit = async () => {
  if (!safeStorageState.ready) throw new Error('safeStorage cannot be used before app is ready');
  if (safeStorageState.keyringLocked && safeStorageState.backend !== 'basic_text') await new Promise<void>((r) => safeStorageState.unlockWaiters.push(r));
  safeStorageState.initialised = true;
};
const seal = (s: string) => Buffer.concat([Buffer.from(safeStorageState.backend === 'basic_text' ? 'v10' : 'v11'), Buffer.from(s, 'utf8').map((b) => b ^ 0x42)]);
const unseal = (b: Buffer) => Buffer.from(b.subarray(3).map((x) => x ^ 0x42)).toString('utf8');
export const safeStorage = {
  isEncryptionAvailable: () => safeStorageState.ready && control.encryptionAvailable,
  encryptString: (plainText: string) => seal(plainText),
  decryptString: (encrypted: Buffer) => unseal(encrypted),
  async isAsyncEncryptionAvailable(): Promise<boolean> {
    if (!safeStorageState.ready) return false;
    await asyncInit();
    // Electron 45: true after ready, whatever the keyring (the fixed-key fallback "encrypts" too).
    return control.encryptionAvailable;
  },
  async encryptStringAsync(plainText: string): Promise<Buffer> {
    await asyncInit();
    return seal(plainText);
  },
  async decryptStringAsync(encrypted: Buffer): Promise<{ shouldReEncrypt: boolean; result: string }> {
    await asyncInit();
    return { result: unseal(encrypted), shouldReEncrypt: false };
  },
  getSelectedStorageBackend(): 'basic_text' | 'gnome_libsecret' | 'kwallet' | 'kwallet5' | 'kwallet6' | 'unknown' {
    if (!safeStorageState.ready) return 'unknown';
    return safeStorageState.initialised ? safeStorageState.backend : safeStorageState.backendGuess;
  },
  setUsePlainTextEncryption(_usePlainText: boolean) {},
};

/** Electron's Tray on Linux never throws: without a StatusNotifier host it falls back silently (nothing shows on stock GNOME). */
export class FakeTray extends EventEmitter {
  image: unknown;
  tooltip = '';
  menu: unknown;
  constructor(image: unknown) {
    super();
    this.image = image;
    control.trays.push(this);
  }
  setImage(i: unknown) {
    this.image = i;
  }
  setToolTip(t: string) {
    this.tooltip = t;
  }
  setContextMenu(m: unknown) {
    this.menu = m;
  }
  destroy() {
    record('tray.destroy');
  }
}
export const Tray = FakeTray;
export const Menu = { buildFromTemplate: (t: unknown) => t };
export const nativeImage = { createFromPath: (path: string) => ({ path }) };

export class FakeNotification extends EventEmitter {
  static isSupported() {
    return true;
  }
  options: unknown;
  shown = false;
  constructor(options: unknown) {
    super();
    this.options = options;
    control.notifications.push(this);
  }
  show() {
    this.shown = true;
    // An unsigned macOS build: every notification fails.
    if (control.notificationsFail) setImmediate(() => this.emit('failed', {}, 'Notifications are not allowed for this application'));
  }
  close() {}
}
export const Notification = FakeNotification;

/** powerMonitor: 'resume', 'suspend', 'lock-screen', 'unlock-screen', … are emitted by the driver. */
export const powerMonitor = new EventEmitter();

export const dialog = {
  showErrorBox: (title: string, text: string) => record('dialog.showErrorBox', title, text),
  showMessageBox: async (o: unknown): Promise<MessageBoxReturnValue> => {
    record('dialog.showMessageBox', o);
    return { response: control.messageBoxResponse, checkboxChecked: false };
  },
};

/**
 * Electron throws "Error processing argument … conversion failure" for a string its accelerator parser
 * does not take: a coarse copy of that parser (modifiers, then one key name), independent of
 * electron/api/global-shortcuts.ts so that the two check each other.
 */
const ACCEL_MODIFIER = /^(command|cmd|control|ctrl|commandorcontrol|cmdorctrl|alt|option|altgr|shift|super|meta)$/i;
const ACCEL_KEY = /^([a-z0-9]|f([1-9]|1[0-9]|2[0-4])|plus|space|tab|backspace|delete|insert|return|enter|up|down|left|right|home|end|pageup|pagedown|escape|esc|media(playpause|stop|nexttrack|previoustrack)|volume(up|down|mute)|printscreen|num[0-9]|num(dec|add|sub|mult|div)|[-=,./;`\[\]\\])$/i;
function acceleratorParses(accelerator: string): boolean {
  const parts = accelerator.split('+');
  const key = parts.pop() ?? '';
  return parts.every((p) => ACCEL_MODIFIER.test(p)) && ACCEL_KEY.test(key);
}

/** globalShortcut: register/unregister as Electron's (false when another program holds the keys: `control.heldShortcuts`; throws on a string that is no accelerator); `press` is the driver's. */
const shortcutCallbacks = new Map<string, () => void>();
export const globalShortcut = {
  register(accelerator: string, callback: () => void): boolean {
    record('globalShortcut.register', accelerator);
    if (!acceleratorParses(accelerator)) throw new TypeError(`Error processing argument at index 0, conversion failure from ${accelerator}`);
    if (control.heldShortcuts.includes(accelerator) || shortcutCallbacks.has(accelerator)) return false;
    shortcutCallbacks.set(accelerator, callback);
    return true;
  },
  unregister(accelerator: string): void {
    record('globalShortcut.unregister', accelerator);
    shortcutCallbacks.delete(accelerator);
  },
  isRegistered: (accelerator: string): boolean => shortcutCallbacks.has(accelerator),
  /** Driver: the user pressed `accelerator` (false when nothing is registered for it). */
  press(accelerator: string): boolean {
    const cb = shortcutCallbacks.get(accelerator);
    cb?.();
    return cb !== undefined;
  },
};

/** shell: what the History's recording links open and show (recordings.ts); recorded, nothing opened. */
export const shell = {
  openPath: async (path: string): Promise<string> => {
    record('shell.openPath', path);
    return '';
  },
  showItemInFolder: (path: string): void => record('shell.showItemInFolder', path),
};

export default { app, protocol, session, BrowserWindow, ipcMain, MessageChannelMain, safeStorage, Tray, Menu, nativeImage, Notification, dialog, powerMonitor, globalShortcut, shell };

/**
 * An IpcMainEvent as Electron hands it: `senderFrame` is null when the frame navigated or was
 * destroyed, and its getters throw once the frame is disposed ("Render frame was disposed before
 * WebFrameMain could be accessed").
 */
export function ipcEvent(sender: FakeWebContents, url: string, frame: 'live' | 'null' | 'disposed' = 'live') {
  const live = { url, parent: null, frameTreeNodeId: 1 };
  return {
    sender,
    get senderFrame() {
      if (frame === 'null') return null;
      if (frame === 'disposed') {
        return {
          get url(): string {
            throw new Error('Render frame was disposed before WebFrameMain could be accessed');
          },
          get parent(): null {
            throw new Error('Render frame was disposed before WebFrameMain could be accessed');
          },
        };
      }
      return live;
    },
  };
}
