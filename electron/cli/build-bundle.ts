/**
 * Builds the `parley` command into plain JavaScript: out/cli/parley.mjs plus
 * one chunk per lazily loaded command, npm packages left as imports.
 *
 *   node electron/cli/build-bundle.ts
 *
 * Why: run from the TypeScript sources, every start pays for Node's type
 * stripping (the swc WASM module: ~30 MB of RSS for the life of the process,
 * and ~80 ms) and for reading some 200 files; the bundle does neither (see
 * tests/bench/cli-launch.bench.ts for the figures). The bundle must live in
 * out/cli/ so that paths computed from import.meta.url (renderer-build.ts:
 * the Parley folder is two levels up) stay right, and node_modules resolves.
 */
import { build, type Plugin } from 'rolldown';
import { join } from 'node:path';
import { PARLEY_ROOT } from './renderer-build.ts';

export const BUNDLE_DIR = join(PARLEY_ROOT, 'out', 'cli');
export const BUNDLE_ENTRY = join(BUNDLE_DIR, 'parley.mjs');

const BUILTIN_PREFIX = '\0builtin:';

/**
 * Node's built-ins are taken with `process.getBuiltinModule()` instead of
 * being imported as ES modules. Importing a built-in as an ES module makes
 * Node read every export of it to build the module namespace, the lazily
 * loaded ones included: `node:http` then loads undici and http2 (98 more
 * internal modules instead of 32), `node:fs` fs/promises and the streams
 * (30 instead of 0), `node:crypto` WebCrypto (39), `node:util` 35 — memory
 * and start-up time for things Parley never calls. Each `import { x } from
 * 'node:fs'` becomes a module that reads only the names imported (unused
 * ones are tree-shaken).
 */
const builtinsWithoutNamespace: Plugin = {
  name: 'parley:builtins-without-namespace',
  resolveId(id) {
    return id.startsWith('node:') ? { id: `${BUILTIN_PREFIX}${id}`, moduleSideEffects: false } : null;
  },
  load(id) {
    if (!id.startsWith(BUILTIN_PREFIX)) return null;
    const name = id.slice(BUILTIN_PREFIX.length);
    const builtin = process.getBuiltinModule(name) as Record<string, unknown> | undefined;
    if (!builtin) throw new Error(`${name} is not a Node built-in`);
    const names = Object.keys(builtin).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default');
    const spec = JSON.stringify(name);
    return [
      `const builtin = process.getBuiltinModule(${spec});`,
      'export default builtin;',
      ...names.map((k) => `export const ${k} = /* @__PURE__ */ (() => builtin.${k})();`),
    ].join('\n');
  },
};

export async function buildCliBundle(): Promise<{ ms: number; entry: string }> {
  const t0 = performance.now();
  await build({
    input: { parley: join(PARLEY_ROOT, 'electron', 'cli', 'main.ts') },
    platform: 'node',
    // Node built-ins and npm packages stay imports (WASM packages find their files next to themselves),
    // except zod: its entry imports all of its ~50 message locales, of which we use one; bundled, the
    // rest are tree-shaken away (fewer modules to load and keep: less start-up time and memory).
    plugins: [builtinsWithoutNamespace],
    external: (id) => (/^(@[a-z0-9-]+\/)?[a-z0-9][a-z0-9._-]*(\/.*)?$/i.test(id) && !/^zod(\/|$)/.test(id)),
    logLevel: 'warn',
    output: {
      dir: BUNDLE_DIR,
      format: 'esm',
      // Non-ASCII characters escaped ("→" as \u2192): V8 keeps each module's source text for the
      // life of the process, and one non-Latin-1 character makes it two bytes a character (≈ 1 MB more).
      charset: 'ascii',
      entryFileNames: '[name].mjs',
      chunkFileNames: 'chunks/[name]-[hash].mjs',
      cleanDir: true,
      comments: { legal: false, annotation: false, jsdoc: false },
    },
  });
  return { ms: performance.now() - t0, entry: BUNDLE_ENTRY };
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const { ms, entry } = await buildCliBundle();
  process.stdout.write(`built ${entry} in ${ms.toFixed(0)} ms\n`);
}
