#!/usr/bin/env node
// The `parley` command. Our sources are TypeScript run directly by Node's type
// stripping (Node >= 22.18 unflagged); older 22.x needs the flag, so re-exec.
// When the bundle (`npm run build:cli`: out/cli/parley.mjs) was built from the
// sources as they are now, it runs instead (bin/current-bundle.js): a start
// that loads one file and a V8 code cache of the command's last run, where
// the sources are ≈ 200 modules loaded and their functions compiled at each start
// (electron/cli/code-cache.ts; PARLEY_FROM_SOURCES=1 always runs the sources).
// V8 tuning (the young generation's size) is set in electron/cli/process-setup.ts,
// not here, so that the bundle gets it too; no flag is passed by re-executing
// Node, which would cost a second process start.
import { fileURLToPath, pathToFileURL } from 'node:url';

const main = fileURLToPath(new URL('../electron/cli/main.ts', import.meta.url));
const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  process.stderr.write(`parley: Node ${process.versions.node} is too old; Parley needs Node 22.12 or newer (24 recommended).\n`);
  process.exit(2);
}
const { currentBundle } = await import('./current-bundle.js');
const bundle = currentBundle(fileURLToPath(new URL('..', import.meta.url)));
if (bundle !== undefined) {
  await import(pathToFileURL(bundle).href);
} else if (process.features?.typescript) {
  // Cache the compiled (type-stripped) modules between runs, in the user's own folder: faster launch, less memory.
  const { enablePrivateCompileCache } = await import('./compile-cache.js');
  enablePrivateCompileCache();
  await import(main);
} else {
  const { spawnSync } = await import('node:child_process'); // only here: a normal start does not load it
  const r = spawnSync(process.execPath, ['--experimental-strip-types', '--no-warnings', main, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
