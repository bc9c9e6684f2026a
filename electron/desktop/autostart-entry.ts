/**
 * "Start at login". Electron's app.setLoginItemSettings covers macOS and
 * Windows only; on Linux the freedesktop way is a .desktop file in
 * $XDG_CONFIG_HOME/autostart (XDG Autostart Specification 0.5), which this
 * module writes the text and path of. Both pass `--hidden`, so a login start
 * goes to the tray instead of opening the window.
 *
 * Exec quoting follows the Desktop Entry Specification 1.5, "The Exec key":
 * arguments with reserved characters are double-quoted, and inside quotes
 * `"`, `` ` ``, `$` and `\` are backslash-escaped; `%` is doubled (field codes).
 */
import { join } from 'node:path';

export const HIDDEN_FLAG = '--hidden';
export const AUTOSTART_FILE = 'parley.desktop';

const RESERVED = /[\s"'\\><~|&;$*?#()`%]/;

export function quoteExecArg(arg: string): string {
  const doubled = arg.replace(/%/g, '%%');
  if (!RESERVED.test(arg)) return doubled;
  return `"${doubled.replace(/(["`$\\])/g, '\\$1')}"`;
}

export function autostartDesktopEntry(execPath: string, args: readonly string[] = [HIDDEN_FLAG]): string {
  if (/[\n\r]/.test(execPath) || args.some((a) => /[\n\r]/.test(a))) throw new TypeError('a line break cannot be part of an Exec line');
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Parley',
    'Comment=SIP softphone',
    `Exec=${[execPath, ...args].map(quoteExecArg).join(' ')}`,
    'Icon=parley',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** $XDG_CONFIG_HOME/autostart/parley.desktop, or ~/.config/autostart/parley.desktop. */
export function autostartPath(env: Record<string, string | undefined>, home: string): string {
  const config = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(home, '.config');
  return join(config, 'autostart', AUTOSTART_FILE);
}

/**
 * The program a login should start: inside an AppImage the executable runs
 * from a temporary mount, so the AppImage file itself ($APPIMAGE) is what
 * must be started.
 */
export function launchCommand(execPath: string, env: Record<string, string | undefined>): string {
  return env.APPIMAGE && env.APPIMAGE.startsWith('/') ? env.APPIMAGE : execPath;
}

/** Was this process started by a login item (ours pass --hidden)? */
export function startedHidden(argv: readonly string[]): boolean {
  return argv.includes(HIDDEN_FLAG);
}
