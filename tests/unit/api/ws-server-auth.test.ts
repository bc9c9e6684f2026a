/**
 * Who gets in: token, Origin, Host, path, client count, and where the server
 * may listen. Real WebSockets on 127.0.0.1, port 0.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createDispatcher } from '../../../electron/api/dispatcher.ts';
import { createEventBus } from '../../../electron/api/event-bus.ts';
import { isLoopbackAddress } from '../../../electron/api/loopback.ts';
import { checkToken, newToken, tokensEqual } from '../../../electron/api/token.ts';
import { startApiServer } from '../../../electron/api/ws-server.ts';
import { createFakePhone } from './fake-phone.ts';
import { connect, connectOk, startRig, type Rig } from './ws-helpers.ts';

describe('API server: who gets in', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig({ allowedOrigins: ['http://127.0.0.1:5173/'] });
  });
  after(() => rig.close());

  const base = () => `ws://127.0.0.1:${rig.server.port}/api`;

  test('the server listens on 127.0.0.1 with a fresh 64-hex-digit token', () => {
    assert.equal(rig.server.host, '127.0.0.1');
    assert.ok(rig.server.port > 0);
    assert.match(rig.server.token, /^[0-9a-f]{64}$/);
    assert.equal(rig.server.apiUrl, `${base()}?token=${rig.server.token}`);
    assert.equal(rig.server.origin, `http://127.0.0.1:${rig.server.port}`);
  });

  test('missing token: 401', async () => {
    assert.deepEqual(await connect(base()), { ok: false, status: 401 });
    assert.deepEqual(await connect(`${base()}?token=`), { ok: false, status: 401 });
  });

  test('wrong token: 401 (same length, other length, right token with a suffix)', async () => {
    const t = rig.server.token;
    const flipped = (t[0] === 'a' ? 'b' : 'a') + t.slice(1);
    for (const token of [flipped, 'short', `${t}0`, t.toUpperCase() === t ? t.toLowerCase() : t.toUpperCase()]) {
      assert.deepEqual(await connect(`${base()}?token=${token}`), { ok: false, status: 401 }, token);
    }
  });

  test('plain GET /api says whether the token is known (a page asks after a refused upgrade): 426 or 401', async () => {
    const url = `http://127.0.0.1:${rig.server.port}/api`;
    assert.equal((await fetch(`${url}?token=${rig.server.token}`)).status, 426);
    assert.equal((await fetch(`${url}?token=${'0'.repeat(64)}`)).status, 401);
    assert.equal((await fetch(url)).status, 401);
  });

  test('foreign Origin: 403, even with the right token', async () => {
    for (const origin of ['http://evil.example', 'http://127.0.0.1:1', 'null', 'file://']) {
      assert.deepEqual(await connect(rig.server.apiUrl, { origin }), { ok: false, status: 403 }, origin);
    }
  });

  test("the server's own origin and listed origins are let in; no Origin (not a browser) is let in on the token", async () => {
    for (const origin of [rig.server.origin, `http://localhost:${rig.server.port}`, 'http://127.0.0.1:5173', undefined]) {
      const r = await connect(rig.server.apiUrl, { origin });
      assert.equal(r.ok, true, String(origin));
      if (r.ok) await r.peer.close();
    }
  });

  test('a Host header that is not this server (DNS rebinding): 403', async () => {
    const r = await connect(rig.server.apiUrl, { headers: { Host: `evil.example:${rig.server.port}` } });
    assert.deepEqual(r, { ok: false, status: 403 });
  });

  test('another path: 404', async () => {
    const r = await connect(`ws://127.0.0.1:${rig.server.port}/other?token=${rig.server.token}`);
    assert.deepEqual(r, { ok: false, status: 404 });
  });

  test('a good client connects and is greeted with the protocol version and limits', async () => {
    const r = await connect(rig.server.apiUrl);
    assert.equal(r.ok, true);
    if (!r.ok) return;
    const hello = await r.peer.event('hello');
    assert.deepEqual(hello, { event: 'hello', data: { protocol: 1, limits: { maxMessageBytes: 65536, maxInFlight: 64 } } });
    assert.equal(rig.server.clientCount, 1);
    await r.peer.close();
  });

  test('after refusals the server still serves', async () => {
    await connect(base());
    await connect(rig.server.apiUrl, { origin: 'http://evil.example' });
    const p = await connectOk(rig.server);
    p.send({ id: 1, cmd: 'calls.list' });
    assert.deepEqual(await p.reply(1), { id: 1, ok: true, result: [] });
    await p.close();
  });
});

describe('API server: limits on clients', () => {
  test('beyond maxClients: 503; a freed place can be taken again', async () => {
    const rig = await startRig({ limits: { maxClients: 2 } });
    try {
      const a = await connectOk(rig.server);
      const b = await connectOk(rig.server);
      assert.deepEqual(await connect(rig.server.apiUrl), { ok: false, status: 503 });
      await a.close();
      for (let i = 0; i < 50 && rig.server.clientCount > 1; i++) await new Promise((r) => setTimeout(r, 10));
      const c = await connectOk(rig.server);
      await Promise.all([b.close(), c.close()]);
    } finally {
      await rig.close();
    }
  });
});

describe('API server: where it may listen', () => {
  const options = () => ({ dispatcher: createDispatcher(createFakePhone()), events: createEventBus() });

  test('refuses any host that is not a loopback IP literal', async () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.10', '10.0.0.1', 'localhost', 'example.test', '', '128.0.0.1']) {
      await assert.rejects(startApiServer({ ...options(), host }), /loopback only/, host);
    }
  });

  test('accepts 127.0.0.1 and ::1', async () => {
    for (const host of ['127.0.0.1', '::1']) {
      let server;
      try {
        server = await startApiServer({ ...options(), host });
      } catch (e) {
        if (host === '::1' && /EADDRNOTAVAIL|EAFNOSUPPORT/.test(String(e))) continue; // no IPv6 on this machine
        throw e;
      }
      try {
        assert.equal(server.host, host);
        const p = await connectOk(server);
        await p.close();
      } finally {
        await server.close();
      }
    }
  });

  test('refuses a weak or URL-unsafe token', async () => {
    await assert.rejects(startApiServer({ ...options(), token: 'abc' }), /at least 32/);
    await assert.rejects(startApiServer({ ...options(), token: `${'a'.repeat(40)}&x=1` }), /may hold only/);
  });

  test('isLoopbackAddress', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1']) assert.equal(isLoopbackAddress(h), true, h);
    for (const h of ['0.0.0.0', '::', '192.168.0.1', 'localhost', '128.0.0.1', '::2', '']) assert.equal(isLoopbackAddress(h), false, h);
  });
});

describe('API token', () => {
  test('new tokens are 64 hex digits and differ', () => {
    const a = newToken();
    const b = newToken();
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.notEqual(a, b);
    assert.equal(checkToken(a), undefined);
  });

  test('tokensEqual', () => {
    const t = newToken();
    assert.equal(tokensEqual(t, t), true);
    assert.equal(tokensEqual(`${t}`, t.slice()), true);
    assert.equal(tokensEqual(t.slice(1), t), false);
    assert.equal(tokensEqual('', t), false);
    assert.equal(tokensEqual(null, t), false);
    assert.equal(tokensEqual(undefined, t), false);
  });
});
