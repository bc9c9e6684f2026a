/**
 * Where `parley` keeps a persistent phone (accounts, history, passwords):
 * $XDG_CONFIG_HOME/parley, else ~/.config/parley (the XDG base-directory rule,
 * which command-line tools follow on macOS too), and %APPDATA%\parley on
 * Windows. The desktop app keeps its own data in Electron's userData.
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  // XDG: a relative $XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'parley');
  if (platform === 'win32' && env.APPDATA) return join(env.APPDATA, 'parley');
  return join(home, '.config', 'parley');
}
