/**
 * Applies the `startAtLogin` setting: Electron's login items on macOS and
 * Windows, an XDG autostart entry on Linux (autostart-entry.ts). Only the
 * packaged app registers itself: a development run would register the bare
 * Electron binary.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname } from 'node:path';
import { app } from 'electron';
import type { Logger } from '../common/logger.ts';
import { autostartDesktopEntry, autostartPath, HIDDEN_FLAG, launchCommand } from './autostart-entry.ts';

export async function applyStartAtLogin(enabled: boolean, logger: Logger): Promise<void> {
  if (!app.isPackaged) return;
  try {
    if (process.platform === 'linux') {
      const path = autostartPath(process.env, homedir());
      if (enabled) {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, autostartDesktopEntry(launchCommand(process.execPath, process.env)), { mode: 0o644 });
      } else {
        await rm(path, { force: true });
      }
    } else {
      app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_FLAG] });
    }
  } catch (e) {
    logger.warn('could not change start at login', { error: (e as Error).message });
  }
}

/** macOS reports a login start itself; elsewhere our login items pass --hidden. */
export function openedAtLogin(): boolean {
  return process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin === true;
}
