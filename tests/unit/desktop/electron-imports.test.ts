/**
 * Only electron/desktop/ may import 'electron' (docs/architecture.md §3), and within it
 * the pure modules (the ones unit tests load under plain Node) must not reach
 * 'electron' even through another file: in plain Node, require('electron')
 * would try to download Electron.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkFile } from '../../lint/run.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const IMPORT = /(?:^|\s)(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'out' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|js|mjs|cjs|svelte)$/.test(name)) out.push(p);
  }
  return out;
}

/** Comments say "require('electron')" often enough; they import nothing. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

function imports(file: string): string[] {
  const text = stripComments(readFileSync(file, 'utf8'));
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4]!).filter(Boolean);
}

const isElectron = (spec: string) => spec === 'electron' || spec.startsWith('electron/');

/**
 * Allowed, and why: bin/start.js evaluates require('electron') in a child
 * process (a string passed to `node -e`) to find or fetch the binary; this
 * test names the forms it checks for; the fake Electron and its conformance
 * check import only types from electron.d.ts (erased when run), to be
 * checked against the real signatures.
 */
const ALLOWED = new Set(['bin/start.js', 'tests/unit/desktop/electron-imports.test.ts', 'tests/unit/desktop/fake-electron.ts', 'tests/unit/desktop/fake-electron-conformance.ts']);

test("the lint flags 'electron' imports outside electron/desktop in every form", () => {
  for (const line of ["import { app } from 'electron';", "import type { App } from 'electron';", "const { app } = require('electron');", "await import('electron');", "import { ipcMain } from 'electron/main';"]) {
    const findings = checkFile('electron/phone/x.ts', `${line}\n`);
    assert.equal(findings.length, 1, line);
    assert.match(findings[0]!.rule, /only electron\/desktop\/ may import 'electron'/);
  }
  assert.deepEqual(checkFile('electron/desktop/main.ts', "import { app } from 'electron';\n"), []);
  assert.deepEqual(checkFile('electron/cli/x.ts', "import { defineConfig } from 'electron-vite';\n"), [], "'electron-vite' is not 'electron'");
});

test("no file outside electron/desktop imports 'electron' (whole repository, not only the lint's folders)", () => {
  const offenders: string[] = [];
  for (const dir of ['electron', 'renderer', 'bin', 'tests', 'build']) {
    let files: string[];
    try {
      files = walk(join(root, dir));
    } catch {
      continue;
    }
    for (const file of files) {
      const rel = relative(root, file).split('\\').join('/');
      if (rel.startsWith('electron/desktop/') || ALLOWED.has(rel)) continue;
      for (const spec of imports(file)) if (isElectron(spec)) offenders.push(`${rel}: ${spec}`);
    }
  }
  for (const name of readdirSync(root)) {
    if (/\.(ts|js|mjs)$/.test(name)) for (const spec of imports(join(root, name))) if (isElectron(spec)) offenders.push(`${name}: ${spec}`);
  }
  assert.deepEqual(offenders, []);
});

const PURE = [
  'app-identity',
  'app-url',
  'autostart-entry',
  'call-keys',
  'csp',
  'engine-gate',
  'global-shortcuts-host',
  'hid-devices',
  'incoming-call-notice',
  'message-notice',
  'ipc-binding',
  'ipc-channels',
  'legacy-shortcuts-file',
  'link-handler',
  'link-parser',
  'link-router',
  'permission-policy',
  'power-events',
  'renderer-watch',
  'safe-storage-secret-store',
  'system-idle',
  'tray-host',
  'tray-model',
  'window-options',
];

test('the pure desktop modules reach no Electron import, directly or through other files', () => {
  const desktop = join(root, 'electron', 'desktop');
  for (const name of PURE) {
    const seen = new Set<string>();
    const stack = [join(desktop, `${name}.ts`)];
    while (stack.length > 0) {
      const file = stack.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const spec of imports(file)) {
        assert.equal(isElectron(spec), false, `${name}.ts reaches 'electron' through ${relative(root, file)}`);
        if (spec.startsWith('.')) stack.push(resolve(dirname(file), spec));
      }
    }
  }
});

test('every electron/desktop file is either pure (listed above) or Electron glue', () => {
  const glue = ['app-protocol', 'desktop-app', 'login-item', 'main', 'message-notifier', 'notifications', 'preload', 'tray', 'window'];
  const files = readdirSync(join(root, 'electron', 'desktop')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
  assert.deepEqual(files.sort(), [...PURE, ...glue].sort(), 'a new file must be classified here');
  for (const name of glue) {
    const direct = imports(join(root, 'electron', 'desktop', `${name}.ts`)).some(isElectron);
    assert.equal(direct, true, `${name}.ts is listed as glue but does not import 'electron'`);
  }
});
