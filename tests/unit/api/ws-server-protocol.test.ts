/**
 * The wire protocol over a real WebSocket: replies by id, bad input answered
 * (and the connection still usable afterwards), typed errors, events, floods.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiError } from '../../../electron/api/errors.ts';
import { ringIn } from './fake-phone.ts';
import { connectOk, startRig, type Peer, type Rig } from './ws-helpers.ts';

/** The connection still answers a plain command after whatever came before. */
async function stillUsable(p: Peer, id: string | number): Promise<void> {
  p.send({ id, cmd: 'settings.get' });
  const r = await p.reply(id);
  assert.equal(r.ok, true, JSON.stringify(r));
}

describe('API server: protocol', () => {
  let rig: Rig;
  let p: Peer;
  let release: () => void = () => {};
  before(async () => {
    rig = await startRig({}, {
      async 'history.list'() {
        throw new Error('disk I/O error in /home/alice/.parley/parley.db (token=abc)');
      },
      async 'audio.devices'() {
        throw new ApiError('unavailable', 'no audio devices in this host');
      },
      async 'messages.list'() {
        return [{ big: 10n }] as never; // not JSON-serializable: the phone's bug
      },
      'contacts.list': () =>
        new Promise((resolve) => {
          release = () => resolve([]);
        }),
    });
    p = await connectOk(rig.server);
  });
  after(async () => {
    await p.close();
    await rig.close();
  });

  test('a command is answered by its id (numbers and strings)', async () => {
    p.send({ id: 1, cmd: 'accounts.add', params: { aor: 'sip:alice@example.test', password: 'pw' } });
    const r = await p.reply(1);
    assert.equal(r.ok, true);
    const account = r.result as Record<string, unknown>;
    assert.equal(account.aor, 'sip:alice@example.test');
    assert.equal(account.hasPassword, true);
    assert.ok(!('password' in account));
    p.send({ id: 'req-2', cmd: 'accounts.list' });
    const list = await p.reply('req-2');
    assert.equal((list.result as unknown[]).length, 1);
  });

  test('malformed JSON without a readable id: an error event; the connection stays usable', async () => {
    p.send('{"cmd": "calls.list", ');
    const e = await p.event('error');
    assert.deepEqual(e, { event: 'error', data: { code: 'bad-request', message: 'message is not JSON' } });
    await stillUsable(p, 'after-json');
  });

  test('malformed JSON with the id first: answered by id', async () => {
    p.send('{"id": "broken-1", "cmd": "calls.list", params: }');
    assert.deepEqual(await p.reply('broken-1'), { id: 'broken-1', ok: false, code: 'bad-request', message: 'message is not JSON' });
  });

  test('JSON that is not a request object: error events', async () => {
    for (const text of ['[]', '42', '"call.dial"', 'null', '{"cmd":"calls.list"}', '{"id":-1,"cmd":"calls.list"}', '{"id":{},"cmd":"calls.list"}', `{"id":"${'x'.repeat(65)}","cmd":"calls.list"}`]) {
      p.send(text);
      const e = await p.event('error');
      assert.equal((e.data as { code: string }).code, 'bad-request', text);
    }
    await stillUsable(p, 'after-shapes');
  });

  test('a request with no cmd or an unknown envelope key is answered by id', async () => {
    p.send({ id: 'nocmd' });
    assert.equal((await p.reply('nocmd')).code, 'bad-request');
    p.send({ id: 'extra', cmd: 'calls.list', params: {}, token: 'x' });
    const r = await p.reply('extra');
    assert.equal(r.code, 'bad-request');
    assert.match(String(r.message), /unknown key "token"/);
  });

  test('unknown command: bad-request', async () => {
    p.send({ id: 'u1', cmd: 'call.teleport', params: {} });
    assert.deepEqual(await p.reply('u1'), { id: 'u1', ok: false, code: 'bad-request', message: 'unknown command "call.teleport"' });
    p.send({ id: 'u2', cmd: '__proto__' });
    assert.equal((await p.reply('u2')).code, 'bad-request');
  });

  test('invalid params: extra keys, wrong types, too-long strings, bad DTMF, all bad-request; then usable', async () => {
    const cases: [string, unknown, string][] = [
      ['call.dial', { target: 'alice', extra: 1 }, ''],
      ['call.dial', { target: 42 }, 'target'],
      ['call.dial', { target: 'x'.repeat(600) }, 'target'],
      ['call.mute', { callId: 'c1', muted: 'yes' }, 'muted'],
      ['call.dtmf', { callId: 'c1', digits: '12#x' }, 'digits'],
      ['call.dtmf', { callId: 'c1', digits: '1'.repeat(33) }, 'digits'],
      ['call.decline', { callId: 'c1', code: 500 }, 'code'],
      ['accounts.add', { aor: 'sip:a@b.test', password: 'p'.repeat(300) }, 'password'],
      ['messages.send', { target: 'bob', body: 'x'.repeat(1301) }, 'body'],
      ['call.answer', 'c1', ''],
      ['call.answer', [], ''],
      ['call.answer', null, ''],
    ];
    let n = 0;
    for (const [cmd, params, path] of cases) {
      const id = `inv-${n++}`;
      p.send({ id, cmd, params });
      const r = await p.reply(id);
      assert.equal(r.ok, false, `${cmd} ${JSON.stringify(params).slice(0, 60)}`);
      assert.equal(r.code, 'bad-request');
      assert.equal((r.issues as { path: string }[])[0]!.path, path, `${cmd}: ${JSON.stringify(r.issues)}`);
    }
    assert.equal(rig.phone.received.filter((x) => x.cmd === 'call.dial' || x.cmd === 'call.dtmf').length, 0, 'no invalid command reached the phone');
    await stillUsable(p, 'after-invalid');
  });

  test('an oversize message is answered bad-request without being parsed; then usable', async () => {
    const big = JSON.stringify({ id: 'big-1', cmd: 'contacts.add', params: { name: 'x'.repeat(70_000) } });
    p.send(big);
    const r = await p.reply('big-1');
    assert.equal(r.code, 'bad-request');
    assert.match(String(r.message), /over the 65536-byte limit/);
    p.send(`{"cmd":"x","pad":"${'y'.repeat(70_000)}"}`);
    assert.match(String(((await p.event('error')).data as { message: string }).message), /over the 65536-byte limit/);
    await stillUsable(p, 'after-big');
  });

  test('handler throws ApiError: the typed error', async () => {
    p.send({ id: 'e1', cmd: 'audio.devices' });
    assert.deepEqual(await p.reply('e1'), { id: 'e1', ok: false, code: 'unavailable', message: 'no audio devices in this host' });
  });

  test('handler throws a plain Error: internal, without the message', async () => {
    p.send({ id: 'e2', cmd: 'history.list', params: { limit: 10 } });
    const r = await p.reply('e2');
    assert.deepEqual(r, { id: 'e2', ok: false, code: 'internal', message: 'history.list failed because of an internal error' });
    assert.ok(!JSON.stringify(r).includes('parley.db'));
  });

  test('a result that is not JSON: internal', async () => {
    p.send({ id: 'e3', cmd: 'messages.list' });
    assert.equal((await p.reply('e3')).code, 'internal');
    await stillUsable(p, 'after-bigint');
  });

  test('out-of-order commands: answering or holding an unknown call is not-found', async () => {
    p.send({ id: 'o1', cmd: 'call.answer', params: { callId: 'c-none' } });
    assert.deepEqual(await p.reply('o1'), { id: 'o1', ok: false, code: 'not-found', message: 'no call c-none' });
    p.send({ id: 'o2', cmd: 'call.hold', params: { callId: 'c-none' } });
    assert.equal((await p.reply('o2')).code, 'not-found');
  });

  test('replies come back in completion order, not request order', async () => {
    p.send({ id: 'slow', cmd: 'contacts.list', params: {} });
    p.send({ id: 'fast', cmd: 'calls.list' });
    await p.reply('fast');
    assert.ok(!p.received.some((m) => m.kind === 'json' && m.value.id === 'slow'));
    release();
    assert.deepEqual(await p.reply('slow'), { id: 'slow', ok: true, result: [] });
  });

  test('events reach every connected client', async () => {
    const q = await connectOk(rig.server);
    try {
      ringIn(rig.phone, rig.bus, 'c-in-1');
      for (const who of [p, q]) {
        const e = await who.event('call.incoming');
        assert.equal((e.data as { id: string }).id, 'c-in-1');
        assert.equal((e.data as { calledAlias: string }).calledAlias, 'sip:alice@example.test');
      }
      // Answer from one client: both see the state change.
      p.send({ id: 'ans', cmd: 'call.answer', params: { callId: 'c-in-1' } });
      assert.equal(((await p.reply('ans')).result as { state: string }).state, 'active');
      for (const who of [p, q]) assert.equal(((await who.event('call')).data as { state: string }).state, 'active');
    } finally {
      await q.close();
    }
  });

  test('the SIP trace goes only to the clients that follow it (trace.follow), and the bus wants it only then', async () => {
    const q = await connectOk(rig.server);
    const traceOf = (time: number) => ({ time, direction: 'in' as const, transport: 'udp' as const, remote: '127.0.0.1:5060', local: '127.0.0.1:5070', text: `SIP/2.0 200 OK\r\nCSeq: ${time} X\r\n\r\n` });
    // An event after the traces: both clients have had everything before it once they see it.
    const settle = async () => {
      rig.bus.emit('accounts', []);
      for (const who of [p, q]) await who.event('accounts');
    };
    const times = (who: typeof p) => who.received.filter((m) => m.kind === 'json' && m.value.event === 'trace').map((m) => ((m.value as { data: { time: number } }).data.time));
    try {
      assert.equal(rig.bus.wants('trace'), false, 'nobody follows: the engine makes no trace');
      rig.bus.emit('trace', traceOf(1));
      await settle();
      p.send({ id: 'f1', cmd: 'trace.follow', params: { on: true } });
      assert.deepEqual(await p.reply('f1'), { id: 'f1', ok: true, result: null });
      assert.equal(rig.bus.wants('trace'), true);
      rig.bus.emit('trace', traceOf(2));
      await settle();
      for (const [id, params] of [['b1', { on: 'yes' }], ['b2', {}], ['b3', { on: true, all: true }]] as const) {
        q.send({ id, cmd: 'trace.follow', params });
        assert.equal((await q.reply(id)).code, 'bad-request');
      }
      rig.bus.emit('trace', traceOf(3));
      await settle();
      p.send({ id: 'f2', cmd: 'trace.follow', params: { on: false } });
      await p.reply('f2');
      assert.equal(rig.bus.wants('trace'), false);
      rig.bus.emit('trace', traceOf(4));
      q.send({ id: 'f3', cmd: 'trace.follow', params: { on: true } });
      await q.reply('f3');
      rig.bus.emit('trace', traceOf(5));
      await settle();
      assert.deepEqual(times(p), [2, 3]);
      assert.deepEqual(times(q), [5]);
      assert.equal(rig.phone.received.filter((r) => r.cmd === 'trace.follow').length, 0, 'the phone never sees the command');
    } finally {
      await q.close();
    }
    // A follower that leaves stops the trace too.
    const deadline = Date.now() + 3000;
    while (rig.bus.wants('trace') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(rig.bus.wants('trace'), false, 'the closed follower no longer takes the trace');
  });

  test('the command context names the WebSocket client', async () => {
    p.send({ id: 'ctx', cmd: 'calls.list' });
    await p.reply('ctx');
    const last = rig.phone.received.at(-1)!;
    assert.equal(last.context.host, 'ws');
    assert.match(last.context.client, /^ws-\d+$/);
  });
});

describe('API server: floods', () => {
  test('1000 commands sent at once are all answered, once each', async () => {
    const rig = await startRig({ limits: { maxInFlight: 2000 } });
    const p = await connectOk(rig.server);
    try {
      for (let i = 0; i < 1000; i++) p.send({ id: i, cmd: i % 2 ? 'calls.list' : 'call.answer', params: i % 2 ? {} : { callId: `c${i}` } });
      const replies = await Promise.all(Array.from({ length: 1000 }, (_, i) => p.reply(i, 10_000)));
      assert.equal(replies.filter((r) => r.ok === true).length, 500);
      assert.equal(replies.filter((r) => r.code === 'not-found').length, 500);
      await stillUsable(p, 'after-flood');
      assert.equal(p.received.filter((m) => m.kind === 'json' && 'id' in m.value).length, 1001, 'no duplicate replies');
    } finally {
      await p.close();
      await rig.close();
    }
  });

  test('beyond maxInFlight a command is answered busy at once; capacity comes back', async () => {
    const gates: (() => void)[] = [];
    const rig = await startRig({ limits: { maxInFlight: 4 } }, {
      'calls.list': () => new Promise((resolve) => gates.push(() => resolve([]))),
    });
    const p = await connectOk(rig.server);
    try {
      for (let i = 0; i < 10; i++) p.send({ id: i, cmd: 'calls.list' });
      const busy = await Promise.all([4, 5, 6, 7, 8, 9].map((i) => p.reply(i)));
      assert.ok(busy.every((r) => r.code === 'busy'));
      assert.equal(gates.length, 4);
      gates.forEach((g) => g());
      const done = await Promise.all([0, 1, 2, 3].map((i) => p.reply(i)));
      assert.ok(done.every((r) => r.ok === true));
      p.send({ id: 'again', cmd: 'settings.get' });
      assert.equal((await p.reply('again')).ok, true);
    } finally {
      await p.close();
      await rig.close();
    }
  });

  test('1000 commands with the default in-flight limit: every one answered ok or busy', async () => {
    const rig = await startRig();
    const p = await connectOk(rig.server);
    try {
      for (let i = 0; i < 1000; i++) p.send({ id: i, cmd: 'calls.list' });
      const replies = await Promise.all(Array.from({ length: 1000 }, (_, i) => p.reply(i, 10_000)));
      const ok = replies.filter((r) => r.ok === true).length;
      const busy = replies.filter((r) => r.code === 'busy').length;
      assert.equal(ok + busy, 1000);
      assert.ok(ok >= 64, `only ${ok} answered ok`);
    } finally {
      await p.close();
      await rig.close();
    }
  });

  test('closing the server closes its clients (1001) and frees the port', async () => {
    const rig = await startRig();
    const p = await connectOk(rig.server);
    const code = new Promise<number>((resolve) => p.ws.once('close', (c) => resolve(c)));
    await rig.close();
    assert.equal(await code, 1001);
    assert.equal(rig.server.clientCount, 0);
  });
});
