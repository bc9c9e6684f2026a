// Node's on-disk compile cache for the `parley` command (bin/parley.js for the
// sources, electron/cli/main.ts for them, electron/cli/bundle-main.ts for the bundle). With it, a start
// reads the compiled (and, from the sources, type-stripped) code of last time
// instead of compiling it again. Plain JavaScript: it runs before the cache,
// so it must not need type stripping itself.
//
// Where: a folder of the user's own, never Node's default os.tmpdir()/node-
// compile-cache. That one is shared by every user of the machine: whoever
// makes it first owns it (the others then get no cache), and anyone who can
// write there can put compiled code there that V8 runs in place of ours (the
// cache is checked against the source's hash, which an attacker can match).
//   Linux and others  $XDG_CACHE_HOME/parley/compile-cache (~/.cache/parley/…)
//   macOS             ~/Library/Caches/parley/compile-cache
//   Windows           %LOCALAPPDATA%\parley\compile-cache
// The folder is made 0700; one that belongs to another user is not used, one
// of ours that others may read or write is made 0700 again. Node keeps one
// sub-folder per Node version, V8 flags and user id in it. NODE_COMPILE_CACHE
// (Node then enables it itself, at its start) and NODE_DISABLE_COMPILE_CACHE=1
// are the user's and win.
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import module from 'node:module';
import { isAbsolute, join } from 'node:path';

/** The cache folder for this user, or undefined when there is no home to put it in. */
export function compileCacheDir(env = process.env, platform = process.platform) {
  if (platform === 'win32') return env.LOCALAPPDATA && isAbsolute(env.LOCALAPPDATA) ? join(env.LOCALAPPDATA, 'parley', 'compile-cache') : undefined;
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : env.HOME && isAbsolute(env.HOME) ? join(env.HOME, platform === 'darwin' ? 'Library/Caches' : '.cache') : undefined;
  return base && join(base, 'parley', 'compile-cache');
}

/** Makes `dir` (0700) and says whether it is private to this user. */
export function privateDir(dir) {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (process.platform === 'win32' || !process.getuid) return true; // the profile folder's ACL is the user's
    const st = statSync(dir);
    if (!st.isDirectory() || st.uid !== process.getuid()) return false;
    if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
    return true;
  } catch {
    return false;
  }
}

/** Switches the compile cache on in the user's private folder; false when it stays off. */
export function enablePrivateCompileCache(env = process.env) {
  if (!module.enableCompileCache || env.NODE_DISABLE_COMPILE_CACHE || env.NODE_COMPILE_CACHE) return false;
  const dir = compileCacheDir(env);
  if (dir === undefined || !privateDir(dir)) return false;
  return module.enableCompileCache(dir).status !== module.constants.compileCacheStatus.FAILED;
}
