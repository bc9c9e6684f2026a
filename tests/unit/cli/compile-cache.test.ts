import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { compileCacheDir, enablePrivateCompileCache, privateDir } from '../../../bin/compile-cache.js';

describe('the compile cache lives in a folder private to the user', () => {
  test('where: XDG_CACHE_HOME, else ~/.cache (~/Library/Caches on macOS, %LOCALAPPDATA% on Windows); never a relative path', () => {
    assert.equal(compileCacheDir({ HOME: '/home/a', XDG_CACHE_HOME: '/x/cache' }, 'linux'), '/x/cache/parley/compile-cache');
    assert.equal(compileCacheDir({ HOME: '/home/a' }, 'linux'), '/home/a/.cache/parley/compile-cache');
    assert.equal(compileCacheDir({ HOME: '/home/a', XDG_CACHE_HOME: 'rel' }, 'linux'), '/home/a/.cache/parley/compile-cache');
    assert.equal(compileCacheDir({ HOME: '/Users/a' }, 'darwin'), '/Users/a/Library/Caches/parley/compile-cache');
    // (node:path here is the running system's; on Windows LOCALAPPDATA is a drive path)
    assert.equal(compileCacheDir({ LOCALAPPDATA: '/appdata/local' }, 'win32'), join('/appdata/local', 'parley', 'compile-cache'));
    assert.equal(compileCacheDir({ HOME: '/home/a' }, 'win32'), undefined);
    assert.equal(compileCacheDir({}, 'linux'), undefined);
    assert.equal(compileCacheDir({ HOME: 'relative' }, 'linux'), undefined);
  });

  test('the folder is made 0700; one of ours that others may enter is tightened; another user\'s is not used', { skip: process.platform === 'win32' }, () => {
    const root = mkdtempSync(join(tmpdir(), 'parley-cc-'));
    try {
      const made = join(root, 'a', 'parley', 'compile-cache');
      assert.equal(privateDir(made), true);
      assert.equal(statSync(made).mode & 0o777, 0o700);
      const open = join(root, 'open');
      mkdirSync(open);
      chmodSync(open, 0o777);
      assert.equal(privateDir(open), true);
      assert.equal(statSync(open).mode & 0o777, 0o700);
      if (process.getuid?.() === 0) {
        // Another user's folder (root can make one): not ours, so not trusted, and left as it is.
        const theirs = join(root, 'theirs');
        mkdirSync(theirs, { mode: 0o755 });
        chownSync(theirs, 65534, 65534);
        assert.equal(privateDir(theirs), false);
        assert.equal(statSync(theirs).mode & 0o777, 0o755);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('NODE_COMPILE_CACHE and NODE_DISABLE_COMPILE_CACHE are the user\'s and win; no home, no cache', () => {
    assert.equal(enablePrivateCompileCache({ NODE_DISABLE_COMPILE_CACHE: '1', HOME: '/nonexistent' }), false);
    assert.equal(enablePrivateCompileCache({ NODE_COMPILE_CACHE: '/somewhere', HOME: '/nonexistent' }), false);
    assert.equal(enablePrivateCompileCache({}), false);
  });
});
