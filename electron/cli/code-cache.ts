/**
 * Runs the bundled CLI (out/cli/app-HASH.cjs: every module of ours in one
 * CommonJS file, build-bundle.ts) through node:vm with a V8 code cache made
 * at the end of an earlier successful run of the same command.
 *
 * Why not Node's own compile cache (which the sources and the npm packages
 * keep using): it stores each module's code as V8 had it right after
 * compiling it, which is the top-level code only; V8 compiles a function the
 * first time it is called, so every start compiled again the hundreds of
 * functions a registration or a call runs (≈ 20 % of the start), and every
 * `parley call` compiled its call path between the 200 and the INVITE. A
 * cache made with Script#createCachedData() when the run ends holds every
 * function the run compiled: the next start of that command reads them all
 * in one go instead of parsing and compiling, and loads one script instead
 * of ≈ 35 ES modules (resolve, link, evaluate each).
 *
 *   start ─▶ read app-HASH.cjs and <cache dir>/app-HASH-<node>-<command>.bin
 *        ─▶ new vm.Script(source, { cachedData })  (V8 checks version, flags, source)
 *        ─▶ run ─▶ exit 0, and none was used or this run compiled more ─▶ createCachedData() ─▶ file
 *
 * One cache per command (`register`, `call`, `listen`…): each holds what
 * that command runs, and `call`/`echo` run under other V8 flags
 * (process-setup.ts), which V8 would refuse a cache made under. Only a run
 * that exits 0 writes one (a typo's usage error or a failed registration
 * would cache the wrong path), and only when it read none, V8 refused the
 * one it read (another Node, other flags), or it compiled much more than the
 * run that made it (GROWTH_KB: that one was `parley call --help`): a cache
 * that serves is not written again (no cost at exit; making one costs
 * ≈ 10 ms). The bundle's name carries its content hash, so a new build
 * never meets an old build's cache; at most MAX_FILES are kept.
 *
 * Where: beside Node's compile cache, in the user's own private folder
 * ($XDG_CACHE_HOME/parley/code-cache, 0700, refused if another user owns it:
 * bin/compile-cache.js says why): V8 runs what a cache holds, so nobody else
 * may write there. NODE_DISABLE_COMPILE_CACHE=1 turns it off too.
 */
import { readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { getHeapCodeStatistics } from 'node:v8';
import { constants, Script } from 'node:vm';
import { compileCacheDir, privateDir } from '../../bin/compile-cache.js';

/** A run that compiled this much more than the run that made the cache it used writes a new one (kB of bytecode). */
export const GROWTH_KB = 64;

/** Cache files kept in the folder (the newest); older builds' and commands' beyond that are removed when one is written. */
export const MAX_FILES = 24;

/** The private folder for code caches, or undefined when there is none (no home, another user's, turned off). */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  const compile = compileCacheDir(env);
  if (compile === undefined) return undefined;
  const dir = join(dirname(compile), 'code-cache');
  return privateDir(dir) ? dir : undefined;
}

/** The command a run's cache is kept under: `parley call …` → 'call'; anything else (`--help`, a path) → 'other'. */
export function cacheKey(argv: readonly string[]): string {
  const command = argv[2] ?? '';
  return /^[a-z]{1,16}$/.test(command) ? command : 'other';
}

/** The cache file of one build of the app, one Node and one command. */
export function cacheFileFor(dir: string, appFile: string, key: string): string {
  return join(dir, `${basename(appFile, '.cjs')}-${process.version}-${process.arch}-${key}.bin`);
}

export interface AppScriptRun<T> {
  exports: T;
  /** What became of the cache: read and used, refused by V8 (made again at a successful exit), or none to read. */
  cache: 'used' | 'refused' | 'none';
}

/** The app file's one expression: a function of the CommonJS wrapper's parameters. */
type CommonJsWrapper = (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;

/**
 * Compiles and runs `appFile` (CommonJS: the wrapper's exports, require, module, __filename, __dirname), with the
 * code cache in `cacheFile` when there is one; returns its exports. Dynamic import() in it is Node's own.
 */
export function runAppScript<T>(appFile: string, cacheFile: string | undefined, growthKb: number = GROWTH_KB): AppScriptRun<T> {
  // The build escapes every non-ASCII character: latin1 reads it as it is, into a one-byte string.
  const source = readFileSync(appFile, 'latin1');
  const file = cacheFile === undefined ? undefined : readCacheFile(cacheFile);
  // The file is the wrapper function itself (build-bundle.ts: banner and footer): compiled as read, with no second
  // 1.5 MB string made by wrapping it here (a large object: it would stay until a full GC, which an idle phone rarely has).
  const script = new Script(source, {
    filename: appFile,
    ...(file?.cachedData !== undefined ? { cachedData: file.cachedData } : {}),
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  // Read: its 1.4 MB are given back now, not at some later GC (an idle phone may not have one for minutes).
  if (file !== undefined) releaseBuffer(file.bytes);
  const cache = file === undefined ? 'none' : file.cachedData === undefined || script.cachedDataRejected === true ? 'refused' : 'used';
  if (cacheFile !== undefined) {
    process.once('exit', (code) => {
      if (code !== 0) return;
      // A used cache is written again only when this run compiled much more than the run that made it (its first
      // run was `parley call --help`, or failed early): the new one holds both.
      const compiledKb = bytecodeKb();
      if (cache !== 'used' || compiledKb > (file?.compiledKb ?? 0) + growthKb) saveCodeCache(script, cacheFile, compiledKb);
    });
  }
  const module = { exports: {} };
  (script.runInThisContext() as CommonJsWrapper)(module.exports, createRequire(appFile), module, appFile, dirname(appFile));
  return { exports: module.exports as T, cache };
}

/**
 * A cache file: MAGIC, then the kB of bytecode in the heap of the run that made it (little-endian uint32), then
 * V8's data (8 bytes in: as aligned as V8 wants it).
 */
const MAGIC = 0x31434350; // "PCC1"
const HEADER_BYTES = 8;

/** Bytecode in this isolate now (ours and Node's own modules'), in kB: how much of the app a run compiled. */
function bytecodeKb(): number {
  return Math.round(getHeapCodeStatistics().bytecode_and_metadata_size / 1024);
}

function readCacheFile(file: string): { bytes: Buffer; cachedData?: Buffer; compiledKb: number } | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined; // none yet
  }
  if (bytes.length <= HEADER_BYTES || bytes.readUInt32LE(0) !== MAGIC) return { bytes, compiledKb: 0 };
  return { bytes, cachedData: bytes.subarray(HEADER_BYTES), compiledKb: bytes.readUInt32LE(4) };
}

/**
 * Frees a Buffer's memory at once by detaching its ArrayBuffer; only one that is the Buffer's alone (a small
 * file's bytes may sit in Node's shared pool, which other Buffers use).
 */
export function releaseBuffer(data: Buffer): void {
  const whole = data.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
  if (data.byteOffset === 0 && data.byteLength === whole.byteLength && typeof whole.transfer === 'function') whole.transfer(0);
}

/** Writes the script's code cache (everything compiled so far) to `file` whole or not at all; never throws. */
export function saveCodeCache(script: Script, file: string, compiledKb: number = bytecodeKb()): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32LE(MAGIC, 0);
    header.writeUInt32LE(Math.min(compiledKb, 0xffffffff), 4);
    writeFileSync(temporary, Buffer.concat([header, script.createCachedData()]), { mode: 0o600 });
    renameSync(temporary, file); // a reader sees the old file or the new one, never half of one
    pruneCacheDir(dirname(file));
  } catch {
    // A cache only saves time: without it the next start compiles as it would have.
    try {
      unlinkSync(temporary);
    } catch {
      // not written at all
    }
  }
}

/** Keeps the MAX_FILES newest files of the folder (other builds' caches pile up as the bundle is rebuilt). */
export function pruneCacheDir(dir: string, keep: number = MAX_FILES): void {
  const files = readdirSync(dir).map((name) => {
    const path = join(dir, name);
    try {
      return { path, mtime: statSync(path).mtimeMs };
    } catch {
      return { path, mtime: 0 };
    }
  });
  if (files.length <= keep) return;
  files.sort((a, b) => b.mtime - a.mtime);
  for (const f of files.slice(keep)) {
    try {
      unlinkSync(f.path);
    } catch {
      // removed by another run meanwhile
    }
  }
}
