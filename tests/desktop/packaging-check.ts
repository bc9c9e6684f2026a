/**
 * Packaging check (CI): builds the desktop app and packs it with
 * electron-builder exactly as build/electron-builder.yml says, for the one
 * target that needs no download (`--linux dir`), against a placeholder
 * Electron, then inspects what would ship.
 *
 *   node tests/desktop/packaging-check.ts [--no-build] [--keep]
 *
 * 1. electron-vite build: out/main/main.js, out/preload/preload.cjs (one
 *    CommonJS file requiring only 'electron': the sandbox loads nothing else),
 *    out/renderer/index.html and every asset it references; main imports only
 *    Node built-ins, 'electron' and npm "dependencies" (a devDependency would
 *    be missing from the packaged app).
 * 2. electron-builder --linux dir with electronDist = a temp folder holding an
 *    executable shell script named `electron`. The script carries Electron's
 *    fuse sentinel and an 8-fuse wire, so the configured fuses are flipped
 *    for real and read back.
 * 3. app.asar: holds main, preload, renderer and package.json (main =
 *    out/main/main.js); only out/, package.json and node_modules/ of npm
 *    "dependencies" at the top; no tests, fixtures, TypeScript sources, source
 *    maps, dotfiles, electron/ sources, renderer/ sources, build/ tooling or
 *    devDependencies. The tray icons sit in resources/icons.
 *
 * Prints one line per check and `packaging-check: N passed, N failed`;
 * exits 1 on any failure. No network: electron-builder is told where
 * Electron is, and npmRebuild is off.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listAsar, type AsarEntry } from './asar-listing.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BUILD_TIMEOUT_MS = 300_000;
const PACK_TIMEOUT_MS = 600_000;

/** @electron/fuses' sentinel, then wire version 1 and 8 fuses, all '1' (enabled) as a fresh Electron might have them. */
export const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const FUSE_NAMES = ['runAsNode', 'enableCookieEncryption', 'enableNodeOptionsEnvironmentVariable', 'enableNodeCliInspectArguments', 'enableEmbeddedAsarIntegrityValidation', 'onlyLoadAppFromAsar', 'loadBrowserProcessSpecificV8Snapshot', 'grantFileProtocolExtraPrivileges'];
const EXPECTED_FUSES: Record<string, boolean> = {
  runAsNode: false,
  enableCookieEncryption: true,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  grantFileProtocolExtraPrivileges: false,
};

export function placeholderElectron(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'electron');
  const wire = Buffer.concat([Buffer.from(FUSE_SENTINEL, 'latin1'), Buffer.from([1, FUSE_NAMES.length]), Buffer.from('1'.repeat(FUSE_NAMES.length), 'latin1')]);
  writeFileSync(path, Buffer.concat([Buffer.from('#!/bin/sh\n# Placeholder Electron for the packaging check; it is never run as an app.\necho "placeholder electron" >&2\nexit 1\n# '), wire, Buffer.from('\n')]));
  chmodSync(path, 0o755);
  return path;
}

export function readFuses(binary: string): Record<string, 'enabled' | 'disabled' | 'other'> {
  const data = readFileSync(binary);
  const at = data.indexOf(FUSE_SENTINEL, 0, 'latin1');
  if (at < 0) throw new Error('no fuse sentinel');
  const wireAt = at + FUSE_SENTINEL.length;
  const length = data[wireAt + 1]!;
  const out: Record<string, 'enabled' | 'disabled' | 'other'> = {};
  for (let i = 0; i < length; i++) {
    const b = data[wireAt + 2 + i];
    out[FUSE_NAMES[i] ?? `fuse${i}`] = b === 0x31 ? 'enabled' : b === 0x30 ? 'disabled' : 'other';
  }
  return out;
}

/** Paths that must never ship in app.asar. */
export const FORBIDDEN: ReadonlyArray<{ what: string; test: (p: string) => boolean }> = [
  { what: 'tests', test: (p) => /^\/(tests?|__tests__|spec)\//.test(p) || (/^\/out\//.test(p) && /\.(test|spec)\.[cm]?[jt]s$/.test(p)) },
  { what: 'fixtures', test: (p) => /\/fixtures?\//.test(p) },
  { what: 'TypeScript sources', test: (p) => /\.(ts|tsx|mts|cts)$/.test(p) && !/\.d\.[cm]?ts$/.test(p) },
  { what: 'source maps', test: (p) => /\.map$/.test(p) },
  { what: 'dotfiles', test: (p) => p.split('/').some((s) => s.startsWith('.') && s !== '.' && s !== '..') },
  { what: 'engine or UI sources', test: (p) => /^\/(electron|renderer|build|bin|resources|dist|\.ci)\//.test(p) },
  { what: 'dev files', test: (p) => /^\/(tsconfig[^/]*\.json|electron\.vite\.config\.[jt]s|package-lock\.json|README\.md)$/.test(p) || /^\/out\/.*\.(ts|md)$/.test(p) },
];

interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

function run(cmd: string, args: string[], timeout: number, env: NodeJS.ProcessEnv = process.env): { ok: boolean; output: string } {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout, env, maxBuffer: 64 * 1024 * 1024 });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

function checkBuildOutput(checks: Check[]): void {
  const add = (name: string, ok: boolean, detail?: string) => checks.push({ name, ok, ...(detail ? { detail } : {}) });
  const main = join(root, 'out/main/main.js');
  const preload = join(root, 'out/preload/preload.cjs');
  const index = join(root, 'out/renderer/index.html');
  add('build: out/main/main.js exists', existsSync(main));
  add('build: out/preload/preload.cjs exists', existsSync(preload));
  add('build: out/renderer/index.html exists', existsSync(index));
  if (existsSync(preload)) {
    const text = readFileSync(preload, 'utf8');
    const requires = [...text.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    const esm = /^\s*(import|export)\s/m.test(text);
    add("build: preload is one CommonJS file requiring only 'electron'", !esm && requires.every((r) => r === 'electron') && requires.length > 0, `requires: ${requires.join(', ') || 'none'}${esm ? '; has ESM syntax' : ''}`);
    add("build: preload exposes 'parley' through contextBridge", /exposeInMainWorld\(\s*\w+\s*,|exposeInMainWorld\(["']parley["']/.test(text) && /["']parley["']/.test(text));
  }
  if (existsSync(index)) {
    const html = readFileSync(index, 'utf8');
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((r) => !/^(https?:|data:|#)/.test(r));
    const missing = refs.filter((r) => !existsSync(join(root, 'out/renderer', r)));
    add('build: every asset index.html references exists', refs.length > 0 && missing.length === 0, missing.length > 0 ? `missing: ${missing.join(', ')}` : `${refs.length} references`);
    add('build: index.html loads nothing remote', !/(?:src|href)="(https?:)?\/\//.test(html));
  }
  if (existsSync(main)) {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    const deps = new Set(Object.keys(pkg.dependencies ?? {}));
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const specs = [...readFileSync(main, 'utf8').matchAll(/^\s*import\s+(?:[^'"]*?\sfrom\s*)?["']([^"']+)["']/gm)].map((m) => m[1]!);
    const bare = specs.filter((s) => !s.startsWith('.') && !builtins.has(s) && !s.startsWith('node:') && s !== 'electron');
    const notDeps = bare.filter((s) => !deps.has(s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
    add('build: main imports only built-ins, electron and npm "dependencies"', notDeps.length === 0, notDeps.length > 0 ? `not in dependencies: ${notDeps.join(', ')}` : `external: ${[...new Set(bare)].join(', ') || 'none'}`);
  }
}

function checkAsar(entries: AsarEntry[], checks: Check[]): void {
  const add = (name: string, ok: boolean, detail?: string) => checks.push({ name, ok, ...(detail ? { detail } : {}) });
  const paths = entries.map((e) => e.path);
  const has = (p: string) => paths.includes(p);
  add('asar: holds /package.json', has('/package.json'));
  add('asar: holds /out/main/main.js', has('/out/main/main.js'));
  add('asar: holds /out/preload/preload.cjs', has('/out/preload/preload.cjs'));
  add('asar: holds /out/renderer/index.html and its assets', has('/out/renderer/index.html') && paths.some((p) => /^\/out\/renderer\/assets\/.+\.js$/.test(p)) && paths.some((p) => /^\/out\/renderer\/assets\/.+worklet.+\.js$/.test(p)));
  const outDirs = [...new Set(paths.filter((p) => p.startsWith('/out/')).map((p) => p.split('/')[2]!))].sort();
  add('asar: only main/, preload/ and renderer/ under out/', outDirs.every((d) => ['main', 'preload', 'renderer'].includes(d)), `out/: ${outDirs.join(', ')}`);
  const tops = [...new Set(paths.map((p) => p.split('/')[1]!))].sort();
  add('asar: only out/, package.json and node_modules/ at the top', tops.every((t) => ['out', 'package.json', 'node_modules'].includes(t)), `top level: ${tops.join(', ')}`);
  for (const rule of FORBIDDEN) {
    const bad = paths.filter((p) => (rule.what === 'TypeScript sources' || rule.what === 'dotfiles' || rule.what === 'source maps' ? true : !p.startsWith('/node_modules/')) && rule.test(p));
    add(`asar: no ${rule.what}`, bad.length === 0, bad.length > 0 ? `${bad.length}: ${bad.slice(0, 5).join(', ')}` : undefined);
  }
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  const shipped = new Set(paths.filter((p) => p.startsWith('/node_modules/')).map((p) => (p.split('/')[2]!.startsWith('@') ? p.split('/').slice(2, 4).join('/') : p.split('/')[2]!)));
  const devOnly = Object.keys(pkg.devDependencies ?? {}).filter((d) => !(d in (pkg.dependencies ?? {})) && shipped.has(d));
  add('asar: no devDependencies in node_modules', devOnly.length === 0, devOnly.length > 0 ? devOnly.join(', ') : undefined);
  const missingDeps = Object.keys(pkg.dependencies ?? {}).filter((d) => !shipped.has(d));
  add('asar: every npm "dependency" is in node_modules', missingDeps.length === 0, missingDeps.length > 0 ? `missing: ${missingDeps.join(', ')}` : `${shipped.size} packages`);
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const checks: Check[] = [];
  const keep = argv.includes('--keep');
  if (!argv.includes('--no-build')) {
    const b = run(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], BUILD_TIMEOUT_MS);
    checks.push({ name: 'build: electron-vite build succeeds', ok: b.ok, ...(b.ok ? {} : { detail: b.output.slice(-2000) }) });
  }
  checkBuildOutput(checks);

  const work = mkdtempSync(join(tmpdir(), 'parley-pack-'));
  try {
    const dist = join(work, 'electron-dist');
    placeholderElectron(dist);
    const electronVersion = (createRequire(join(root, 'package.json'))('electron/package.json') as { version: string }).version;
    const output = join(work, 'dist');
    const builderCli = join(root, 'node_modules/electron-builder/cli.js');
    const started = Date.now();
    const pack = run(
      process.execPath,
      [builderCli, '--linux', 'dir', '--config', 'build/electron-builder.yml', '--publish', 'never', `-c.electronDist=${dist}`, `-c.electronVersion=${electronVersion}`, `-c.directories.output=${output}`],
      PACK_TIMEOUT_MS,
      { ...process.env, ELECTRON_BUILDER_OFFLINE: '1', CSC_IDENTITY_AUTO_DISCOVERY: 'false' },
    );
    checks.push({ name: `pack: electron-builder --linux dir (Electron ${electronVersion}, placeholder binary) in ${((Date.now() - started) / 1000).toFixed(1)} s`, ok: pack.ok, ...(pack.ok ? {} : { detail: pack.output.slice(-3000) }) });
    const appDir = join(output, 'linux-unpacked');
    const asarPath = join(appDir, 'resources', 'app.asar');
    checks.push({ name: 'pack: linux-unpacked/parley and resources/app.asar exist', ok: existsSync(join(appDir, 'parley')) && existsSync(asarPath) });
    const icons = existsSync(join(appDir, 'resources', 'icons')) ? readdirSync(join(appDir, 'resources', 'icons')) : [];
    checks.push({ name: 'pack: tray and app icons in resources/icons', ok: ['parley.png', 'tray-registered.png', 'tray-failed-dnd@2x.png'].every((i) => icons.includes(i)), detail: `${icons.length} files` });
    if (existsSync(join(appDir, 'parley'))) {
      const fuses = readFuses(join(appDir, 'parley'));
      const wrong = Object.entries(EXPECTED_FUSES).filter(([k, v]) => fuses[k] !== (v ? 'enabled' : 'disabled'));
      checks.push({ name: 'pack: Electron fuses flipped as configured', ok: wrong.length === 0, detail: Object.entries(fuses).map(([k, v]) => `${k}=${v}`).join(' ') });
    }
    if (existsSync(asarPath)) {
      const entries = listAsar(asarPath);
      checkAsar(entries, checks);
      const asarPkg = JSON.parse(spawnSync(process.execPath, ['-e', `process.stdout.write(JSON.stringify(require('@electron/asar').extractFile(${JSON.stringify(asarPath)}, 'package.json').toString()))`], { cwd: root, encoding: 'utf8' }).stdout || '""') as string;
      const shippedMain = asarPkg ? (JSON.parse(asarPkg) as { main?: string }).main : undefined;
      checks.push({ name: 'asar: package.json "main" is out/main/main.js', ok: shippedMain === 'out/main/main.js', detail: `main = ${shippedMain ?? 'none'}` });
      const size = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
      const sum = (pred: (e: AsarEntry) => boolean) => entries.filter(pred).reduce((n, e) => n + e.size, 0);
      const pkgs = new Set(entries.filter((e) => e.path.startsWith('/node_modules/')).map((e) => (e.path.split('/')[2]!.startsWith('@') ? e.path.split('/').slice(2, 4).join('/') : e.path.split('/')[2]!)));
      process.stdout.write(
        `asar listing: ${entries.length} files, ${size(sum(() => true))} — out/main ${size(sum((e) => e.path.startsWith('/out/main/')))}, out/preload ${size(sum((e) => e.path.startsWith('/out/preload/')))}, ` +
          `out/renderer ${entries.filter((e) => e.path.startsWith('/out/renderer/')).length} files ${size(sum((e) => e.path.startsWith('/out/renderer/')))}, ` +
          `node_modules ${pkgs.size} packages (${[...pkgs].sort().join(', ')}) ${size(sum((e) => e.path.startsWith('/node_modules/')))}\n`,
      );
      for (const e of entries.filter((x) => !x.path.startsWith('/node_modules/'))) process.stdout.write(`    ${e.path} ${size(e.size)}\n`);
    }
  } finally {
    if (keep) process.stdout.write(`kept ${work}\n`);
    else rmSync(work, { recursive: true, force: true });
  }

  for (const c of checks) process.stdout.write(`${c.ok ? '✔' : '✖'} ${c.name}${c.detail ? ` — ${c.detail}` : ''}\n`);
  const failed = checks.filter((c) => !c.ok).length;
  process.stdout.write(`packaging-check: ${checks.length - failed} passed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
