#!/usr/bin/env node
// `npm start`: builds the desktop app (electron-vite build → out/) and runs it
// in Electron. Where there is no Electron binary and it cannot be fetched (no
// network to Electron's download host, or a machine without a display build),
// it prints one line saying so and starts the web host instead
// (`node bin/parley.js web`), which serves the same UI to a browser.
//
//   npm start [-- ARGS]        ARGS go to Electron (or to `parley web`)
//   --no-build                 skip the build (also PARLEY_START_NO_BUILD=1)
//   --web                      start the web host even if Electron is there
//
// Electron 45's npm package has no install script: the binary is fetched on
// first use, when require('electron') runs. That is done in a child process
// (it downloads, and throws when it cannot), and skipped when the binary is
// already there, or when ELECTRON_SKIP_BINARY_DOWNLOAD or CI is set.
// Plain JavaScript so it runs before anything is built (Node >= 22).
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const FETCH_TIMEOUT_MS = 180_000;
const BUILD_TIMEOUT_MS = 300_000;

const argv = process.argv.slice(2);
const noBuild = argv.includes('--no-build') || process.env.PARLEY_START_NO_BUILD === '1';
const forceWeb = argv.includes('--web');
const forwarded = argv.filter((a) => a !== '--no-build' && a !== '--web');

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The binary install.js left (path.txt names it), without triggering a download. */
function installedElectron() {
  let pkgDir;
  try {
    pkgDir = dirname(createRequire(join(root, 'package.json')).resolve('electron/package.json'));
  } catch {
    return undefined;
  }
  const pathFile = join(pkgDir, 'path.txt');
  const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidate = override ? join(override, name || 'electron') : name ? join(pkgDir, 'dist', name) : undefined;
  return candidate && isExecutable(candidate) ? candidate : undefined;
}

/** require('electron') in a child: resolves the binary's path, fetching it first if needed; throws if it cannot. */
function fetchElectron() {
  const r = spawnSync(process.execPath, ['-e', "process.stdout.write(String(require('electron')))"], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: FETCH_TIMEOUT_MS,
  });
  if (r.status !== 0 || typeof r.stdout !== 'string') return undefined;
  // install.js may print progress before the path: the path is the last line.
  const path = r.stdout.trim().split('\n').pop();
  return path && isExecutable(path) ? path : undefined;
}

function findElectron() {
  const present = installedElectron();
  if (present) return present;
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD || process.env.CI) return undefined;
  return fetchElectron();
}

function build() {
  const cli = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  if (!existsSync(cli)) {
    process.stderr.write('parley: electron-vite is not installed (npm install), so the app cannot be built\n');
    return false;
  }
  const r = spawnSync(process.execPath, [cli, 'build'], { cwd: root, stdio: 'inherit', timeout: BUILD_TIMEOUT_MS });
  return r.status === 0;
}

/**
 * Runs a child with our stdio, passes our signals on, and exits with its status.
 * The child gets its own process group on POSIX, so a Ctrl-C in the terminal
 * reaches it once (through us), not twice: `parley web` takes a second SIGINT
 * as "stop now, skip the clean hang-up".
 */
function run(command, args) {
  const child = spawn(command, args, { cwd: root, stdio: 'inherit', detached: process.platform !== 'win32' });
  process.once('exit', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => forward(signal));
  child.once('error', (e) => {
    process.stderr.write(`parley: could not start ${command}: ${e.message}\n`);
    process.exit(1);
  });
  child.once('exit', (code, signal) => {
    process.exit(signal ? 128 + (osConstants.signals[signal] ?? 0) : (code ?? 1));
  });
}

const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  process.stderr.write(`parley: Node ${process.versions.node} is too old; Parley needs Node 22.12 or newer.\n`);
  process.exit(2);
}

const electron = forceWeb ? undefined : findElectron();
if (!noBuild && !build()) {
  process.stderr.write('parley: the build failed (see above)\n');
  process.exit(1);
}
if (electron) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  // `electron .` needs package.json "main"; without it, name the built entry itself.
  const entry = pkg.main ? root : join(root, 'out', 'main', 'main.js');
  run(electron, [entry, ...forwarded]);
} else {
  if (!forceWeb) process.stderr.write('parley: no Electron binary here and it cannot be fetched; starting the web host instead (node bin/parley.js web)\n');
  run(process.execPath, [join(root, 'bin', 'parley.js'), 'web', ...forwarded]);
}
