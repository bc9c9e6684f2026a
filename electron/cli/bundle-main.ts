/**
 * Entry point of the bundled `parley` command (out/cli/parley.mjs, built by
 * build-bundle.ts; main.ts is the sources' entry): the same start as
 * main.ts, but the app is one CommonJS file run through code-cache.ts with a
 * V8 code cache of an earlier run of the same command. The V8 flags are set
 * before that file is compiled (a cache is only valid under the flags it was
 * made with); Node's compile cache still serves this small file and the npm
 * packages the app loads.
 */
import { fileURLToPath } from 'node:url';
import { enablePrivateCompileCache } from '../../bin/compile-cache.js';
import { cacheFileFor, cacheKey, codeCacheDir, runAppScript } from './code-cache.ts';
import { exitWhenDone, prepareProcess } from './process-setup.ts';
import type { runCli } from './run-cli.ts';

/** The app's file name (its content hash in it), given by build-bundle.ts. */
declare const PARLEY_APP_FILE: string;

prepareProcess();
enablePrivateCompileCache();
const appFile = fileURLToPath(new URL(PARLEY_APP_FILE, import.meta.url));
const dir = codeCacheDir();
const app = runAppScript<{ runCli: typeof runCli }>(appFile, dir === undefined ? undefined : cacheFileFor(dir, appFile, cacheKey(process.argv)));
exitWhenDone(app.exports.runCli(process.argv.slice(2), process.env));
