/**
 * A stand-in for the 'electron' module, just big enough to run the built
 * desktop main process (electron/desktop/main.ts and everything it wires)
 * under plain Node: it records what the app asks of Electron and lets a
 * driver play the part of Electron (ready, IPC from the page, protocol
 * requests, permission prompts, second instance, quit). Loaded in place of
 * 'electron' by a module resolve hook (main-smoke-driver.ts).
 */
import { EventEmitter } from 'node:events';

export const calls: Array<{ what: string; args: unknown[] }> = [];
const record = (what: string, ...args: unknown[]) => void calls.push({ what, args });

let resolveReady!: () => void;
const ready = new Promise<void>((r) => (resolveReady = r));
const paths = new Map<string, string>();

class FakeApp extends EventEmitter {
  isPackaged = false;
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
  setAsDefaultProtocolClient(scheme: string) {
    record('setAsDefaultProtocolClient', scheme);
    return true;
  }
  setLoginItemSettings(s: unknown) {
    record('setLoginItemSettings', s);
  }
  getLoginItemSettings() {
    return { wasOpenedAtLogin: false };
  }
}

export const app = new FakeApp();

export const control = {
  setPath: (name: string, value: string) => paths.set(name, value),
  ready: () => resolveReady(),
  protocolHandlers: new Map<string, (req: Request) => Promise<Response>>(),
  permissionRequest: undefined as undefined | ((wc: unknown, permission: string, cb: (granted: boolean) => void, details: unknown) => void),
  permissionCheck: undefined as undefined | ((wc: unknown, permission: string, origin: string, details: unknown) => boolean),
  beforeRequest: undefined as undefined | { filter: { urls: string[] }; listener: (details: { url: string; resourceType: string }, cb: (r: { cancel?: boolean }) => void) => void },
  windows: [] as FakeBrowserWindow[],
  trays: [] as FakeTray[],
  notifications: [] as FakeNotification[],
  schemes: [] as unknown[],
  encryptionAvailable: true,
};

export const protocol = {
  registerSchemesAsPrivileged(schemes: unknown[]) {
    control.schemes.push(...schemes);
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
    setDevicePermissionHandler(h: unknown) {
      record('setDevicePermissionHandler', typeof h);
    },
    webRequest: {
      onBeforeRequest(filter: { urls: string[] }, listener: NonNullable<typeof control.beforeRequest>['listener']) {
        control.beforeRequest = { filter, listener };
      },
      onHeadersReceived(listener: unknown) {
        record('onHeadersReceived', typeof listener);
      },
    },
    on(event: string) {
      record('session.on', event);
    },
  },
};

let nextId = 1;

export class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  sent: Array<{ channel: string; args: unknown[] }> = [];
  posted: Array<{ channel: string; message: unknown; transfer: unknown[] }> = [];
  windowOpenHandler: ((d: { url: string }) => { action: string }) | undefined;
  url = '';
  isDestroyed() {
    return false;
  }
  send(channel: string, ...args: unknown[]) {
    this.sent.push({ channel, args });
  }
  postMessage(channel: string, message: unknown, transfer: unknown[] = []) {
    this.posted.push({ channel, message, transfer });
  }
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }) {
    this.windowOpenHandler = h;
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
  async loadURL(url: string) {
    this.webContents.url = url;
  }
  show() {
    this.visible = true;
  }
  hide() {
    this.visible = false;
  }
  focus() {}
  isMinimized() {
    return false;
  }
  restore() {}
  isDestroyed() {
    return this.destroyed;
  }
}
export const BrowserWindow = FakeBrowserWindow;

type IpcListener = (event: unknown, ...args: unknown[]) => unknown;
export const ipcMain = {
  handlers: new Map<string, IpcListener>(),
  listeners: new Map<string, IpcListener[]>(),
  handle(channel: string, l: IpcListener) {
    this.handlers.set(channel, l);
  },
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  },
  on(channel: string, l: IpcListener) {
    this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), l]);
    return this;
  },
  removeListener(channel: string, l: IpcListener) {
    this.listeners.set(channel, (this.listeners.get(channel) ?? []).filter((x) => x !== l));
    return this;
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

export const safeStorage = {
  isEncryptionAvailable: () => control.encryptionAvailable,
  encryptString: (s: string) => Buffer.concat([Buffer.from('fake:'), Buffer.from(s, 'utf8').map((b) => b ^ 0x42)]),
  decryptString: (b: Buffer) => Buffer.from(b.subarray(5).map((x) => x ^ 0x42)).toString('utf8'),
  getSelectedStorageBackend: () => 'gnome_libsecret',
};

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
  }
  close() {}
}
export const Notification = FakeNotification;

export const dialog = {
  showErrorBox: (title: string, text: string) => record('dialog.showErrorBox', title, text),
  showMessageBox: async (o: unknown) => {
    record('dialog.showMessageBox', o);
    return { response: 0 };
  },
};

export default { app, protocol, session, BrowserWindow, ipcMain, MessageChannelMain, safeStorage, Tray, Menu, nativeImage, Notification, dialog };
