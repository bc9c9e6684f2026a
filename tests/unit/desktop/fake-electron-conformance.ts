/**
 * A type-level check of fake-electron.ts against node_modules/electron/electron.d.ts
 * (run by `npm run typecheck:desktop`): every member the fake shares with
 * Electron must be assignable to Electron's own (same parameters, same
 * result types, same literal unions: getSelectedStorageBackend() returns the
 * backend names, not any string), and a fake member Electron does not have
 * must be one of the driver's helpers listed here. safeStorage is checked
 * whole: the fake implements all of Electron.SafeStorage.
 *
 * What types cannot say (a transferred ArrayBuffer arriving as null, Tray not
 * throwing, did-start-loading on in-page navigation, …) is behaviour, tested
 * in fake-electron.test.ts.
 */
import type { EventEmitter } from 'node:events';
import type {
  App,
  BrowserWindow,
  Dialog,
  GlobalShortcut,
  IpcMain,
  MessageChannelMain as RealMessageChannelMain,
  MessagePortMain,
  Notification,
  Protocol,
  SafeStorage,
  Shell,
  Tray,
  WebContents,
} from 'electron';
import type * as Fake from './fake-electron.ts';

type Shared<F, R> = Exclude<keyof F & keyof R, keyof EventEmitter>;
/** Each shared member: true when the fake's is assignable to Electron's; otherwise the member's name. */
type Conforms<F, R> = { [K in Shared<F, R>]: Exclude<F[K], undefined> extends R[K] ? true : ['differs from electron.d.ts:', K] };
/** Fake-only members must be listed helpers. */
type Extra<F, R, Helpers extends PropertyKey> = Exclude<keyof F, keyof R | keyof EventEmitter | Helpers>;

type AllTrue<T> = { [K in keyof T]: true };

const app: AllTrue<Conforms<typeof Fake.app, App>> = {} as Conforms<typeof Fake.app, App>;
const appExtra: [Extra<typeof Fake.app, App, 'quitCalls' | 'exitCode' | 'defaultProtocolClients'>] extends [never] ? true : false = true;

// webContents is checked on its own (FakeWebContents below).
const win: AllTrue<Conforms<Omit<Fake.FakeBrowserWindow, 'webContents'>, BrowserWindow>> = {} as Conforms<Omit<Fake.FakeBrowserWindow, 'webContents'>, BrowserWindow>;
const winExtra: [Extra<Fake.FakeBrowserWindow, BrowserWindow, 'visible' | 'destroyed' | 'options' | 'minimized'>] extends [never] ? true : false = true;

const contents: AllTrue<Conforms<Fake.FakeWebContents, WebContents>> = {} as Conforms<Fake.FakeWebContents, WebContents>;
const contentsExtra: [Extra<Fake.FakeWebContents, WebContents, 'sent' | 'posted' | 'windowOpenHandler' | 'url' | 'destroyed' | 'loads' | 'reloads' | 'navigate' | 'crash'>] extends [never]
  ? true
  : false = true;

const port: AllTrue<Conforms<Fake.FakePortMain, MessagePortMain>> = {} as Conforms<Fake.FakePortMain, MessagePortMain>;
const channel: AllTrue<Conforms<Fake.MessageChannelMain, RealMessageChannelMain>> = {} as Conforms<Fake.MessageChannelMain, RealMessageChannelMain>;

const ipc: AllTrue<Conforms<typeof Fake.ipcMain, IpcMain>> = {} as Conforms<typeof Fake.ipcMain, IpcMain>;
const ipcExtra: [Extra<typeof Fake.ipcMain, IpcMain, 'handlers' | 'listeners'>] extends [never] ? true : false = true;

const tray: AllTrue<Conforms<Fake.FakeTray, Tray>> = {} as Conforms<Fake.FakeTray, Tray>;
const notification: AllTrue<Conforms<Fake.FakeNotification, Notification>> = {} as Conforms<Fake.FakeNotification, Notification>;
const notificationStatic: typeof Fake.Notification.isSupported extends typeof Notification.isSupported ? true : false = true;

const protocol: AllTrue<Conforms<typeof Fake.protocol, Protocol>> = {} as Conforms<typeof Fake.protocol, Protocol>;
const dialog: AllTrue<Conforms<typeof Fake.dialog, Dialog>> = {} as Conforms<typeof Fake.dialog, Dialog>;

const shortcut: AllTrue<Conforms<typeof Fake.globalShortcut, GlobalShortcut>> = {} as Conforms<typeof Fake.globalShortcut, GlobalShortcut>;
const shortcutExtra: [Extra<typeof Fake.globalShortcut, GlobalShortcut, 'press'>] extends [never] ? true : false = true;

const shell: AllTrue<Conforms<typeof Fake.shell, Shell>> = {} as Conforms<typeof Fake.shell, Shell>;

// safeStorage in full: a member Electron adds or changes breaks this line.
const safeStorage: SafeStorage = {} as typeof Fake.safeStorage;

void [app, appExtra, win, winExtra, contents, contentsExtra, port, channel, ipc, ipcExtra, tray, notification, notificationStatic, protocol, dialog, shortcut, shortcutExtra, shell, safeStorage];
