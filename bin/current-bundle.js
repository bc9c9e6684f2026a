// Whether the `parley` command can run its bundle (out/cli/parley.mjs, built
// by `npm run build:cli`) instead of the TypeScript sources: only when the
// bundle was built from the sources exactly as they are now. The build lists
// every file it read with its size and modification time (out/cli/
// sources.json); one that changed, went or cannot be read means the sources
// run. Plain JavaScript: it runs before Node's compile cache is on.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const SOURCES_MANIFEST = join('out', 'cli', 'sources.json');

/** The bundle's entry when it is current for the Parley folder `root`, else undefined. PARLEY_FROM_SOURCES=1: never. */
export function currentBundle(root, env = process.env) {
  if (env.PARLEY_FROM_SOURCES === '1') return undefined;
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(root, SOURCES_MANIFEST), 'utf8'));
  } catch {
    return undefined; // not built
  }
  if (!manifest || typeof manifest.entry !== 'string' || !Array.isArray(manifest.files) || manifest.files.length === 0) return undefined;
  for (const file of manifest.files) {
    if (!Array.isArray(file) || typeof file[0] !== 'string') return undefined;
    const st = statSync(join(root, file[0]), { throwIfNoEntry: false });
    if (st === undefined || st.size !== file[1] || st.mtimeMs !== file[2]) return undefined;
  }
  return join(root, manifest.entry);
}
