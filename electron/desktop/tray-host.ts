/**
 * Is there something to show our tray icon? On Windows and macOS there always
 * is. On Linux Electron draws the tray as a StatusNotifierItem, which needs a
 * host (KDE, Xfce, Cinnamon, Ubuntu's GNOME with its AppIndicator extension)
 * registered on the session bus as org.kde.StatusNotifierWatcher. Without one
 * (stock GNOME) `new Tray()` still succeeds and nothing is shown, so the app
 * cannot learn it from Electron: we ask the bus with `dbus-send`.
 *
 * 'absent' and 'unknown' (no dbus-send, no session bus, no answer in time)
 * are treated alike by the app: it keeps a way back to the window without the
 * tray (desktop-app.ts: closing minimizes instead of hiding, starting hidden
 * starts minimized).
 */
import { execFile } from 'node:child_process';

export type TrayHost = 'present' | 'absent' | 'unknown';

export const TRAY_HOST_TIMEOUT_MS = 1500;

/** Runs a command; resolves its stdout, rejects on failure or time-out. */
export type RunCommand = (file: string, args: string[], timeoutMs: number) => Promise<string>;

const runCommand: RunCommand = (file, args, timeoutMs) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, windowsHide: true }, (error, stdout) => (error ? reject(error) : resolve(String(stdout))));
  });

export const NAME_HAS_OWNER_ARGS = [
  '--session',
  '--print-reply',
  '--dest=org.freedesktop.DBus',
  '/org/freedesktop/DBus',
  'org.freedesktop.DBus.NameHasOwner',
  'string:org.kde.StatusNotifierWatcher',
];

export async function detectTrayHost(platform: NodeJS.Platform, run: RunCommand = runCommand): Promise<TrayHost> {
  if (platform !== 'linux') return 'present';
  try {
    const out = await run('dbus-send', NAME_HAS_OWNER_ARGS, TRAY_HOST_TIMEOUT_MS);
    if (/\bboolean true\b/.test(out)) return 'present';
    if (/\bboolean false\b/.test(out)) return 'absent';
    return 'unknown';
  } catch {
    return 'unknown';
  }
}
