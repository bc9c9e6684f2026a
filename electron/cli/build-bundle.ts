/**
 * Builds the `parley` command into plain JavaScript, in out/cli/:
 *
 *   parley.mjs      the entry (bundle-main.ts): V8 flags, then the app
 *   app-HASH.cjs    the app: every module of ours in one CommonJS file,
 *                   npm packages left to require()/import(); run through
 *                   node:vm with a V8 code cache of an earlier run
 *                   (code-cache.ts says why and how)
 *
 *   npm run build:cli        (node electron/cli/build-bundle.ts; also writes
 *                            out/cli/sources.json: bin/parley.js then runs
 *                            the bundle until a source changes)
 *
 * Why: run from the TypeScript sources, every start pays for Node's type
 * stripping (the swc WASM module: ~30 MB of RSS for the life of the process,
 * and ~80 ms) and for reading some 200 files; the bundle does neither (see
 * tests/bench/cli-launch.bench.ts for the figures). The bundle must live in
 * out/cli/ so that paths computed from import.meta.url (renderer-build.ts:
 * the Parley folder is found above it) stay right, and node_modules resolves.
 *
 * One file, yet modules still load lazily: a module reached only through a
 * dynamic import() (each command, the engine) is wrapped in a function that
 * runs at that import, so `parley --help` runs no engine code. Node's
 * built-ins and the npm packages a module imports statically are taken
 * when that module runs too (lazyPackages, builtinsWithoutNamespace), not
 * at the file's start, where a CommonJS bundle would otherwise require them.
 */
import { build, type Plugin } from 'rolldown';
import { createHash } from 'node:crypto';
import { renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, relative } from 'node:path';
import { SOURCES_MANIFEST } from '../../bin/current-bundle.js';
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
    if (LOADED_AT_FIRST_CALL.has(name)) {
      // Its functions load it when first called; anything else (a constant, a class) when its importer runs.
      return [
        'let loaded;',
        `const builtin = () => (loaded ??= process.getBuiltinModule(${spec}));`,
        ...names.map((k) =>
          typeof builtin[k] === 'function' && /^[a-z]/.test(k)
            ? `export function ${k}(...args) { return builtin().${k}(...args); }`
            : `export const ${k} = /* @__PURE__ */ (() => builtin().${k})();`,
        ),
      ].join('\n');
    }
    return [
      `const builtin = process.getBuiltinModule(${spec});`,
      'export default builtin;',
      ...names.map((k) => `export const ${k} = /* @__PURE__ */ (() => builtin.${k})();`),
    ].join('\n');
  },
};

/**
 * Built-ins the engine imports for rare work, loaded at their first call instead of with the engine (≈ 3 ms of a
 * start): zlib (a STUN FINGERPRINT's crc32, a compressed SIP body) and fs/promises (the secrets file; it also
 * loads readline and the REPL's history).
 */
const LOADED_AT_FIRST_CALL = new Set(['node:zlib', 'node:fs/promises']);

const PACKAGE_PREFIX = '\0package:';
const BARE_PACKAGE = /^(@[a-z0-9-]+\/)?[a-z0-9][a-z0-9._-]*(\/.*)?$/i;
const requireHere = createRequire(import.meta.url);

/**
 * npm packages stay out of the bundle (WASM packages find their files next to themselves), except zod: its entry
 * imports all of its ~50 message locales, of which we use one; bundled, the rest are tree-shaken away. A dynamic
 * import() of a package stays one; a static import becomes a module that require()s the package when the module
 * importing it runs (`ws` with `parley web`, dns-packet with the engine), where a CommonJS bundle would require
 * it at the top, at every start.
 */
const lazyPackages: Plugin = {
  name: 'parley:lazy-packages',
  resolveId(id, _importer, extra) {
    if (!BARE_PACKAGE.test(id) || /^zod(\/|$)/.test(id)) return null;
    // (the require() below is one too, left to Node)
    if (extra.kind === 'dynamic-import' || extra.kind === 'require-call') return { id, external: true };
    return { id: `${PACKAGE_PREFIX}${id}`, moduleSideEffects: false };
  },
  load(id) {
    if (!id.startsWith(PACKAGE_PREFIX)) return null;
    const name = id.slice(PACKAGE_PREFIX.length);
    const exported = requireHere(name) as Record<string, unknown>;
    const names = Object.keys(exported).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default' && !RESERVED.has(k));
    return [
      `const pkg = require(${JSON.stringify(name)});`,
      'export default pkg;',
      ...names.map((k) => `export const ${k} = /* @__PURE__ */ (() => pkg.${k})();`),
    ].join('\n');
  },
};

/** Export names a module cannot declare as a binding (dns-packet exports `null`, the record type). */
const RESERVED = new Set(['null', 'true', 'false', 'class', 'function', 'delete', 'new', 'in', 'do', 'if', 'for', 'var', 'let', 'const', 'this', 'void', 'with']);

const outputOptions = {
  dir: BUNDLE_DIR,
  // Non-ASCII characters escaped ("→" as \u2192): V8 keeps the source text for the life of the process, and one
  // non-Latin-1 character makes it two bytes a character (≈ 1 MB more); code-cache.ts reads the file as latin1.
  charset: 'ascii',
  comments: { legal: false, annotation: false, jsdoc: false },
} as const;

/**
 * `manifest`: also write out/cli/sources.json, which makes bin/parley.js run this bundle while the sources stay as
 * they are (`npm run build:cli` does; the benches, which build a bundle to measure it beside the sources, do not,
 * and their build removes the manifest a user's build:cli left, so `parley` runs the sources again).
 */
export async function buildCliBundle(options: { manifest?: boolean } = {}): Promise<{ ms: number; entry: string; app: string }> {
  const t0 = performance.now();
  const app = await build({
    input: { app: join(PARLEY_ROOT, 'electron', 'cli', 'app-entry.ts') },
    platform: 'node',
    plugins: [builtinsWithoutNamespace, lazyPackages],
    logLevel: 'warn',
    output: {
      ...outputOptions, format: 'cjs', codeSplitting: false, entryFileNames: 'app.cjs', cleanDir: true,
      // The file is one function expression, which code-cache.ts compiles as it is and calls like Node's CommonJS wrapper.
      postBanner: '(function (exports, require, module, __filename, __dirname) {',
      postFooter: '\n})',
    },
  });
  const appChunk = app.output.find((o) => o.type === 'chunk' && o.isEntry);
  if (appChunk?.type !== 'chunk') throw new Error('the app bundle has no entry chunk');
  // [hash] is rolldown's; the content's own hash as well, so that a cache can never meet another build's code.
  const digest = createHash('sha256').update(appChunk.code).digest('hex').slice(0, 12);
  const appFile = appChunk.fileName.replace(/\.cjs$/, `-${digest}.cjs`);
  renameSync(join(BUNDLE_DIR, appChunk.fileName), join(BUNDLE_DIR, appFile));
  const entry = await build({
    input: { parley: join(PARLEY_ROOT, 'electron', 'cli', 'bundle-main.ts') },
    platform: 'node',
    plugins: [builtinsWithoutNamespace],
    transform: { define: { PARLEY_APP_FILE: JSON.stringify(`./${appFile}`) } },
    logLevel: 'warn',
    output: { ...outputOptions, format: 'esm', entryFileNames: '[name].mjs', codeSplitting: false, cleanDir: false },
  });
  if (options.manifest === true) writeSourcesManifest([...app.output, ...entry.output].flatMap((o) => (o.type === 'chunk' ? o.moduleIds : [])));
  return { ms: performance.now() - t0, entry: BUNDLE_ENTRY, app: join(BUNDLE_DIR, appFile) };
}

/**
 * out/cli/sources.json: every file the bundle was built from, with its size and modification time, so that
 * bin/parley.js runs the bundle only while the sources are still those (bin/current-bundle.js).
 */
function writeSourcesManifest(moduleIds: readonly string[]): void {
  // A bundled npm package (zod) by its package.json: its files change only with its version (≈ 150 fewer to look at).
  const packageOf = (id: string) => /^(.*[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(id)?.[1];
  const files = [...new Set(moduleIds.filter((id) => isAbsolute(id)).map((id) => {
    const pkg = packageOf(id);
    return pkg === undefined ? id : join(pkg, 'package.json');
  }))]
    .sort()
    .map((id) => {
      const st = statSync(id);
      return [relative(PARLEY_ROOT, id), st.size, st.mtimeMs] as const;
    });
  writeFileSync(join(PARLEY_ROOT, SOURCES_MANIFEST), `${JSON.stringify({ entry: relative(PARLEY_ROOT, BUNDLE_ENTRY), files })}\n`);
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const { ms, entry } = await buildCliBundle({ manifest: true });
  process.stdout.write(`built ${entry} in ${ms.toFixed(0)} ms\n`);
}
