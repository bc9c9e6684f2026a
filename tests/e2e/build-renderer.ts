/**
 * Builds the renderer into out/renderer with the project's own Vite (no
 * global install) — unless the build there is newer than everything it is
 * made of (renderer/, the API files it imports, package.json; a folder's
 * own time covers a file removed from it): every e2e file calls this, and
 * under `npm run test:e2e` only the first one then pays for the build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const RENDERER_OUT = join(ROOT, 'out/renderer');

/** The newest modification time (ms) under `path`, folders included; node_modules is not the renderer's source. */
function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = st.mtimeMs;
  for (const name of readdirSync(path)) if (name !== 'node_modules') t = Math.max(t, newest(join(path, name)));
  return t;
}

function upToDate(): boolean {
  const built = join(RENDERER_OUT, 'index.html');
  if (!existsSync(built)) return false;
  const sources = Math.max(...['renderer', 'electron/api', 'package.json', 'package-lock.json'].map((p) => newest(join(ROOT, p))));
  return statSync(built).mtimeMs > sources;
}

export function buildRenderer(): void {
  if (upToDate()) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', join(ROOT, 'renderer/vite.config.ts'), '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
    timeout: 180_000,
  });
  if (r.status !== 0) throw new Error(`vite build failed (${r.status ?? r.signal})`);
}
