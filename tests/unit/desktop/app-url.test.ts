import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { APP_ENTRY_URL, APP_ORIGIN, isAppUrl, originOf, resolveAppFile } from '../../../electron/desktop/app-url.ts';

const root = '/opt/parley/out/renderer';

test('originOf handles our custom scheme (Node gives "null" for it)', () => {
  assert.equal(new URL(APP_ENTRY_URL).origin, 'null');
  assert.equal(originOf(APP_ENTRY_URL), APP_ORIGIN);
  assert.equal(originOf('https://Example.com:8443/x?y'), 'https://example.com:8443');
  assert.equal(originOf('file:///etc/passwd'), 'file://');
  assert.equal(originOf('not a url'), undefined);
  assert.equal(originOf('x'.repeat(9000)), undefined);
  assert.equal(isAppUrl('app://parley/assets/a.js'), true);
  assert.equal(isAppUrl('app://parley.evil/a.js'), false);
  assert.equal(isAppUrl('app://parley:99/a.js'), false);
});

test('app:// URLs map to files under the renderer folder', () => {
  assert.deepEqual(resolveAppFile('app://parley/index.html', root), { ok: true, path: join(root, 'index.html'), contentType: 'text/html; charset=utf-8' });
  assert.deepEqual(resolveAppFile('app://parley/', root), { ok: true, path: join(root, 'index.html'), contentType: 'text/html; charset=utf-8' });
  assert.deepEqual(resolveAppFile('app://parley/assets/capture-worklet-1.js?v=1#x', root), { ok: true, path: join(root, 'assets', 'capture-worklet-1.js'), contentType: 'text/javascript; charset=utf-8' });
  const r = resolveAppFile('app://parley/assets/a%20b.css', root);
  assert.ok(r.ok && r.path === join(root, 'assets', 'a b.css'));
});

test('traversal, other hosts, dot-files and odd types are refused', () => {
  const status = (url: string) => {
    const r = resolveAppFile(url, root);
    return r.ok ? 200 : r.status;
  };
  // The URL parser folds '..' and '%2e%2e' segments at the root away: what is left stays inside the folder.
  for (const url of ['app://parley/../../etc/passwd.txt', 'app://parley/%2e%2e/%2E%2e/etc/passwd.txt']) {
    const r = resolveAppFile(url, root);
    assert.ok(r.ok && r.path === join(root, 'etc', 'passwd.txt'), url);
  }
  assert.equal(status('app://parley/assets/..%2f..%2fsecret.txt'), 403);
  assert.equal(status('app://parley/a%5c..%5csecret.txt'), 400);
  assert.equal(status('app://parley/a%00.js'), 400);
  assert.equal(status('app://parley/%E0%A4%A'), 400);
  assert.equal(status('app://evil/index.html'), 403);
  assert.equal(status('https://parley/index.html'), 403);
  assert.equal(status('app://parley/.env'), 404);
  assert.equal(status('app://parley/assets/.git/config.js'), 404);
  assert.equal(status('app://parley/main.ts'), 404);
  assert.equal(status('app://parley/bin/tool.exe'), 404);
  assert.equal(status('::'), 400);
});
