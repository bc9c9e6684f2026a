import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cacheFileFor, cacheKey, codeCacheDir, pruneCacheDir, releaseBuffer } from '../../../electron/cli/code-cache.ts';

const CODE_CACHE = fileURLToPath(new URL('../../../electron/cli/code-cache.ts', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'parley-code-cache-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** An app file as build-bundle.ts makes them: one function of the CommonJS wrapper's parameters. */
function writeApp(name: string, body: string): string {
  const file = join(root, name);
  writeFileSync(file, `(function (exports, require, module, __filename, __dirname) {\n${body}\n})`);
  return file;
}

// A function with a large body: compiled only if called, so a cache made after calling it is larger.
const WORK = `function work(n) { let s = 0; ${Array.from({ length: 200 }, (_, i) => `s += (n * ${i}) % 7;`).join(' ')} return s; }`;
const APP = writeApp('app-test.cjs', `${WORK}\nexports.answer = (call) => (call ? work(3) : 0) + 42;\nexports.file = __filename;\nexports.fs = typeof require('node:fs').readFileSync;`);

/** Runs the app through runAppScript in a process of its own; prints what became of the cache and the app's answer. */
function run(cacheFile: string, options: { exit?: number; call?: boolean; growthKb?: number } = {}): string {
  const code = [
    `import { runAppScript } from ${JSON.stringify(CODE_CACHE)};`,
    `const r = runAppScript(${JSON.stringify(APP)}, ${JSON.stringify(cacheFile)}${options.growthKb !== undefined ? `, ${options.growthKb}` : ''});`,
    `process.stdout.write(r.cache + ' ' + r.exports.answer(${options.call === true}) + ' ' + (r.exports.file === ${JSON.stringify(APP)}) + ' ' + r.exports.fs);`,
    `process.exitCode = ${options.exit ?? 0};`,
  ].join('\n');
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.stderr, '');
  return r.stdout;
}

describe('the bundle runs with a V8 code cache made by an earlier run (code-cache.ts)', () => {
  test('one cache per command: the first argument when it is a word, else "other"', () => {
    assert.equal(cacheKey(['node', 'parley.mjs', 'call', 'sip:x@y']), 'call');
    assert.equal(cacheKey(['node', 'parley.mjs', 'register']), 'register');
    assert.equal(cacheKey(['node', 'parley.mjs', '--help']), 'other');
    assert.equal(cacheKey(['node', 'parley.mjs']), 'other');
    assert.equal(cacheKey(['node', 'parley.mjs', '../../etc']), 'other');
    assert.equal(cacheKey(['node', 'parley.mjs', 'a'.repeat(17)]), 'other');
    const file = cacheFileFor('/c', '/x/out/cli/app-0123abcd.cjs', 'call');
    assert.equal(file, join('/c', `app-0123abcd-${process.version}-${process.arch}-call.bin`));
  });

  test('the folder is the user\'s own, beside the compile cache; NODE_DISABLE_COMPILE_CACHE turns it off', { skip: process.platform === 'win32' }, () => {
    const dir = codeCacheDir({ XDG_CACHE_HOME: join(root, 'xdg') });
    assert.equal(dir, join(root, 'xdg', 'parley', 'code-cache'));
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(codeCacheDir({ XDG_CACHE_HOME: join(root, 'xdg'), NODE_DISABLE_COMPILE_CACHE: '1' }), undefined);
    assert.equal(codeCacheDir({}), undefined);
  });

  test('a run that exits 0 writes the cache; the next run uses it and leaves it as it is', () => {
    const cache = join(root, 'ok.bin');
    assert.equal(run(cache), 'none 42 true function');
    assert.ok(existsSync(cache), 'written at exit');
    const made = statSync(cache).mtimeMs;
    assert.equal(run(cache), 'used 42 true function');
    assert.equal(statSync(cache).mtimeMs, made, 'a cache V8 took is not written again');
    assert.deepEqual(readdirSync(root).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
  });

  test('a run that fails writes none (its path is not the one to keep)', () => {
    const cache = join(root, 'failed.bin');
    assert.equal(run(cache, { exit: 1 }), 'none 42 true function');
    assert.equal(existsSync(cache), false);
  });

  test('a cache V8 refuses (damaged, another build or Node) is made again by the next successful run', () => {
    const cache = join(root, 'bad.bin');
    writeFileSync(cache, Buffer.alloc(64 * 1024, 7));
    assert.equal(run(cache), 'refused 42 true function');
    assert.equal(run(cache), 'used 42 true function');
  });

  test('the cache holds the functions the run compiled, not only the top-level code', () => {
    const idle = join(root, 'idle.bin');
    const worked = join(root, 'worked.bin');
    run(idle);
    assert.equal(run(worked, { call: true }), 'none 641 true function');
    assert.ok(statSync(worked).size > statSync(idle).size + 1000, `${statSync(worked).size} vs ${statSync(idle).size} bytes`);
    assert.equal(run(worked, { call: true }), 'used 641 true function');
  });

  test('a run that compiled more than the run that made the cache writes one holding both (its first run did little)', () => {
    const cache = join(root, 'grows.bin');
    run(cache);
    const small = statSync(cache).size;
    // The same run again: nothing new compiled, the cache is left as it is.
    assert.equal(run(cache, { growthKb: 1 }), 'used 42 true function');
    assert.equal(statSync(cache).size, small);
    assert.equal(run(cache, { call: true, growthKb: 1 }), 'used 641 true function');
    assert.ok(statSync(cache).size > small + 1000, `${statSync(cache).size} vs ${small} bytes`);
  });

  test('releaseBuffer frees a Buffer that owns its memory, never one in Node\'s shared pool', () => {
    const own = Buffer.alloc(64 * 1024, 1);
    releaseBuffer(own);
    assert.equal(own.buffer.byteLength, 0);
    const pooled = Buffer.from('small');
    const pool = pooled.buffer;
    releaseBuffer(pooled);
    assert.ok(pool.byteLength > 0);
    assert.equal(pooled.toString(), 'small');
  });

  test('the folder keeps the newest files only', () => {
    const dir = mkdtempSync(join(root, 'prune-'));
    for (let i = 0; i < 6; i++) {
      const f = join(dir, `f${i}.bin`);
      writeFileSync(f, 'x');
      utimesSync(f, 1000 + i, 1000 + i);
    }
    pruneCacheDir(dir, 4);
    assert.deepEqual(readdirSync(dir).sort(), ['f2.bin', 'f3.bin', 'f4.bin', 'f5.bin']);
  });
});
