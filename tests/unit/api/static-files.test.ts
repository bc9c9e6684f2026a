/**
 * The web host's file server: over real HTTP on 127.0.0.1, with a temporary
 * renderer folder and a secret file beside it that must never be served.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { safeSegments } from '../../../electron/api/static-files.ts';
import { httpGet, startRig, type Rig } from './ws-helpers.ts';

describe('static files', () => {
  let dir: string;
  let rig: Rig;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-static-'));
    const root = join(dir, 'renderer');
    mkdirSync(join(root, 'assets'), { recursive: true });
    mkdirSync(join(root, 'empty'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Parley</title>');
    writeFileSync(join(root, 'assets', 'app.js'), 'console.log("hi")');
    writeFileSync(join(root, 'assets', 'app.css'), 'body{}');
    writeFileSync(join(root, '.env'), 'SECRET=1');
    writeFileSync(join(dir, 'secret.txt'), 'TOP SECRET');
    symlinkSync(join(dir, 'secret.txt'), join(root, 'link-out.txt'));
    rig = await startRig({ staticRoot: root });
  });
  after(async () => {
    await rig.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (path: string, options?: { method?: string; host?: string }) => httpGet(rig.server.port, path, { host: `127.0.0.1:${rig.server.port}`, ...options });

  test('/ serves index.html with a strict CSP and no token', async () => {
    const r = await get('/');
    assert.equal(r.status, 200);
    assert.equal(r.body, '<!doctype html><title>Parley</title>');
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    const csp = String(r.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, new RegExp(`connect-src 'self' ws://127\\.0\\.0\\.1:${rig.server.port}`));
    assert.match(csp, /frame-ancestors 'none'/);
    assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'));
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['referrer-policy'], 'no-referrer');
  });

  test('files get their content type', async () => {
    const js = await get('/assets/app.js');
    assert.equal(js.status, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.body, 'console.log("hi")');
    assert.equal((await get('/assets/app.css')).headers['content-type'], 'text/css; charset=utf-8');
    assert.equal((await get('/index.html?v=3')).status, 200);
  });

  test('HEAD answers headers only', async () => {
    const r = await get('/assets/app.js', { method: 'HEAD' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-length'], '17');
    assert.equal(r.body, '');
  });

  test('.. traversal is refused, plain or escaped', async () => {
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/%2E%2E/secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/..%2fsecret.txt', '/..%5csecret.txt', '/assets\\..\\..\\secret.txt']) {
      const r = await get(path);
      assert.ok(r.status === 403 || r.status === 400, `${path} → ${r.status}`);
      assert.ok(!r.body.includes('TOP SECRET'), path);
      assert.ok(r.headers['content-security-policy'], 'refusals carry the CSP too');
    }
  });

  test('a symlink leading out of the root is refused', async () => {
    const r = await get('/link-out.txt');
    assert.equal(r.status, 403);
    assert.ok(!r.body.includes('TOP SECRET'));
  });

  test('dot-files, missing files, folders without index and NUL bytes are not served', async () => {
    assert.equal((await get('/.env')).status, 404);
    assert.equal((await get('/assets/%2eenv')).status, 404);
    assert.equal((await get('/nope.js')).status, 404);
    assert.equal((await get('/empty/')).status, 404);
    assert.equal((await get('/assets/')).status, 404);
    assert.equal((await get('/index.html%00.js')).status, 400);
    assert.equal((await get('/%E0%A4%A')).status, 400);
  });

  test('only GET and HEAD', async () => {
    const r = await get('/index.html', { method: 'POST' });
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, 'GET, HEAD');
  });

  test('/api over plain HTTP wants a WebSocket, and says when the token is unknown', async () => {
    const withToken = new URL(rig.server.apiUrl);
    assert.equal((await get(`/api${withToken.search}`)).status, 426);
    assert.equal((await get('/api')).status, 401);
    assert.equal((await get('/api?token=from-an-earlier-run')).status, 401);
  });

  test('a foreign Host header is refused (DNS rebinding)', async () => {
    assert.equal((await get('/', { host: 'evil.example' })).status, 403);
    assert.equal((await get('/', { host: `localhost:${rig.server.port}` })).status, 200);
  });

  test('safeSegments', () => {
    assert.deepEqual(safeSegments('/a/./b/'), { ok: true, segments: ['a', 'b'] });
    assert.deepEqual(safeSegments('/a/%2e%2e/b'), { ok: false, status: 403 });
    assert.deepEqual(safeSegments('/a%2fb'), { ok: false, status: 403 });
    assert.deepEqual(safeSegments('/.git/config'), { ok: false, status: 404 });
    assert.deepEqual(safeSegments('/%zz'), { ok: false, status: 400 });
  });
});

describe('without staticRoot', () => {
  test('plain HTTP answers 404', async () => {
    const rig = await startRig();
    try {
      const r = await httpGet(rig.server.port, '/index.html', { host: `127.0.0.1:${rig.server.port}` });
      assert.equal(r.status, 404);
    } finally {
      await rig.close();
    }
  });

  test('a staticRoot that does not exist is refused at start', async () => {
    await assert.rejects(startRig({ staticRoot: join(tmpdir(), 'parley-no-such-folder-4f1c') }), /ENOENT/);
  });
});
