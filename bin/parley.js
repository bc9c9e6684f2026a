#!/usr/bin/env node
// The `parley` command. Our sources are TypeScript run directly by Node's type
// stripping (Node >= 22.18 unflagged); older 22.x needs the flag, so re-exec.
// V8 tuning (the young generation's size) is set in electron/cli/main.ts, not
// here, so that the bundled build (out/cli/parley.mjs) gets it too; no flag is
// passed by re-executing Node, which would cost a second process start.
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../electron/cli/main.ts', import.meta.url));
const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  process.stderr.write(`parley: Node ${process.versions.node} is too old; Parley needs Node 22.12 or newer (24 recommended).\n`);
  process.exit(2);
}
if (process.features?.typescript) {
  // Cache the compiled (type-stripped) modules between runs, in the user's own folder: faster launch, less memory.
  const { enablePrivateCompileCache } = await import('./compile-cache.js');
  enablePrivateCompileCache();
  await import(main);
} else {
  const { spawnSync } = await import('node:child_process'); // only here: a normal start does not load it
  const r = spawnSync(process.execPath, ['--experimental-strip-types', '--no-warnings', main, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
