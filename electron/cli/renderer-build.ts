/**
 * Finds the built web UI for `parley web` (out/renderer/index.html in the
 * Parley folder), building it once with Vite when the sources are there but
 * the build is not (a fresh checkout). The build is bounded in time; its
 * output goes to stderr so that --json stdout stays clean.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Parley folder: the nearest folder above this module that holds
 * package.json. Not a fixed '../../': from the sources this module is
 * electron/cli/, but in the bundle (out/cli/parley.mjs) it is one of
 * out/cli/chunks/, where '../../' is out/ and the web UI was looked for in
 * out/out/renderer (found by the web-interactive bench: the bundled
 * `parley web` served the API only).
 */
export function parleyRootFrom(moduleDir: string): string {
  for (let dir = moduleDir, i = 0; i < 5; i++, dir = dirname(dir)) if (existsSync(join(dir, 'package.json'))) return dir;
  return join(moduleDir, '..', '..');
}

export const PARLEY_ROOT = parleyRootFrom(dirname(fileURLToPath(import.meta.url)));
const BUILD_TIMEOUT_MS = 300_000;

export type RendererLookup = { ok: true; root: string; built: boolean } | { ok: false; reason: string };

export function rendererDir(root: string = PARLEY_ROOT): string {
  return join(root, 'out', 'renderer');
}

export async function findOrBuildRenderer(log: (text: string) => void, root: string = PARLEY_ROOT): Promise<RendererLookup> {
  const dir = rendererDir(root);
  if (existsSync(join(dir, 'index.html'))) return { ok: true, root: dir, built: false };
  const config = join(root, 'renderer', 'vite.config.ts');
  if (!existsSync(config)) return { ok: false, reason: `the web UI is not built (${dir} has no index.html) and its sources (renderer/) are not here` };
  const viteBin = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const [command, args] = existsSync(viteBin)
    ? [process.execPath, [viteBin, 'build', '--config', 'renderer/vite.config.ts']]
    : [process.platform === 'win32' ? 'npx.cmd' : 'npx', ['vite', 'build', '--config', 'renderer/vite.config.ts']];
  log('building the web UI (first run; npx vite build --config renderer/vite.config.ts)…');
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(command as string, args as string[], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => process.stderr.write(d));
    child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
    child.once('error', () => {
      clearTimeout(timer);
      resolve(null);
    });
    child.once('close', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  if (code === 0 && existsSync(join(dir, 'index.html'))) return { ok: true, root: dir, built: true };
  return { ok: false, reason: `building the web UI failed (exit ${code ?? 'none'}); run "npx vite build --config renderer/vite.config.ts" in ${root} to see why` };
}
