import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createDispatcher } from '../../../electron/api/dispatcher.ts';
import { ApiError } from '../../../electron/api/errors.ts';
import { createLogger, type LogRecord } from '../../../electron/common/logger.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { createFakePhone, ringIn } from './fake-phone.ts';

function recordingLogger() {
  const records: LogRecord[] = [];
  return { records, logger: createLogger((r) => records.push(r), 'api') };
}

describe('dispatcher', () => {
  test('a valid command reaches the handler with parsed params and the context', async () => {
    const phone = createFakePhone();
    const d = createDispatcher(phone);
    const r = await d.dispatch('accounts.add', { aor: '  sip:alice@example.test ', password: 'pw' }, { host: 'ws', client: 'ws-9' });
    assert.equal(r.ok, true);
    assert.equal(r.ok && (r.result as { aor: string }).aor, 'sip:alice@example.test');
    assert.deepEqual(phone.received[0], { cmd: 'accounts.add', params: { aor: 'sip:alice@example.test', password: 'pw' }, context: { host: 'ws', client: 'ws-9' } });
  });

  test('absent params mean {} ; a void result becomes null', async () => {
    const phone = createFakePhone();
    const d = createDispatcher(phone);
    assert.deepEqual(await d.dispatch('accounts.list', undefined), { ok: true, result: [] });
    assert.deepEqual(await d.dispatch('history.clear', undefined), { ok: true, result: null });
  });

  test('unknown and non-string command names are bad requests; prototype names are not commands', async () => {
    const phone = createFakePhone();
    const d = createDispatcher(phone);
    for (const name of ['call.explode', 'toString', '__proto__', 'constructor', '', 'x'.repeat(10_000)]) {
      const r = await d.dispatch(name, {});
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.code, 'bad-request');
      assert.ok(!r.ok && r.message.length < 200, 'the message does not echo a huge name');
    }
    const r = await d.dispatch(42, {});
    assert.deepEqual(r, { ok: false, code: 'bad-request', message: 'unknown command number' });
    assert.equal(phone.received.length, 0);
  });

  test('invalid params: bad-request with issues naming the field; the handler is not called', async () => {
    const phone = createFakePhone();
    const d = createDispatcher(phone);
    const r = await d.dispatch('call.dtmf', { callId: 'c1', digits: '12x' });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.code, 'bad-request');
    assert.match(r.message, /^invalid params for call\.dtmf: digits: /);
    assert.deepEqual(r.issues?.map((i) => i.path), ['digits']);
    const r2 = await d.dispatch('accounts.update', { id: 'a1', changes: { transport: 'carrier-pigeon' } });
    assert.equal(!r2.ok && r2.issues?.[0]?.path, 'changes.transport');
    assert.equal(phone.received.length, 0);
  });

  test('issues are bounded in number and length', async () => {
    const d = createDispatcher(createFakePhone());
    const params: Record<string, number> = {};
    for (let i = 0; i < 50; i++) params[`k${i}${'y'.repeat(1000)}`] = i;
    const r = await d.dispatch('accounts.list', params);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.ok((r.issues?.length ?? 0) <= 10);
    assert.ok(JSON.stringify(r).length < 4000, `answer is ${JSON.stringify(r).length} bytes`);
  });

  test('ApiError from the handler becomes the typed failure', async () => {
    const phone = createFakePhone();
    const d = createDispatcher(phone);
    assert.deepEqual(await d.dispatch('call.answer', { callId: 'nope' }), { ok: false, code: 'not-found', message: 'no call nope' });
    ringIn(phone, undefined, 'c7');
    const first = await d.dispatch('call.answer', { callId: 'c7' });
    assert.equal(first.ok, true);
    const again = await d.dispatch('call.answer', { callId: 'c7' });
    assert.equal(!again.ok && again.code, 'conflict');
  });

  test('ApiError issues pass through', async () => {
    const phone = createFakePhone(undefined, {
      async 'accounts.add'() {
        throw new ApiError('bad-request', 'sip:x is not an address', { issues: [{ path: 'aor', message: 'needs a host' }] });
      },
    });
    const r = await createDispatcher(phone).dispatch('accounts.add', { aor: 'sip:x' });
    assert.deepEqual(r, { ok: false, code: 'bad-request', message: 'sip:x is not an address', issues: [{ path: 'aor', message: 'needs a host' }] });
  });

  test('a plain Error is internal, with a generic message; the detail goes to the log only', async () => {
    const { records, logger } = recordingLogger();
    const phone = createFakePhone(undefined, {
      async 'history.list'() {
        throw new Error('SQLITE_IOERR at /home/alice/.parley/parley.db');
      },
    });
    const r = await createDispatcher(phone, { logger }).dispatch('history.list', {});
    assert.deepEqual(r, { ok: false, code: 'internal', message: 'history.list failed because of an internal error' });
    assert.ok(!JSON.stringify(r).includes('SQLITE'));
    const logged = records.find((x) => x.level === 'error');
    assert.ok(logged && String(logged.data?.error).includes('SQLITE_IOERR'));
  });

  test('a synchronous throw and a thrown non-Error are internal too', async () => {
    const phone = createFakePhone(undefined, {
      'calls.list': (() => {
        throw 'a string';
      }) as never,
      async 'settings.get'() {
        throw null;
      },
    });
    const d = createDispatcher(phone);
    assert.equal((await d.dispatch('calls.list', {})).ok, false);
    const r = await d.dispatch('settings.get', {});
    assert.equal(!r.ok && r.code, 'internal');
  });

  test('params are never logged (they may hold a password)', async () => {
    const { records, logger } = recordingLogger();
    const phone = createFakePhone(undefined, {
      async 'accounts.add'() {
        throw new Error('boom');
      },
    });
    await createDispatcher(phone, { logger }).dispatch('accounts.add', { aor: 'sip:a@b.test', password: 'hunter2-secret' });
    assert.ok(records.length > 0);
    assert.ok(!JSON.stringify(records).includes('hunter2-secret'));
  });

  test('mapError turns phone-layer exceptions into typed failures', async () => {
    class StoreLikeError extends Error {
      code = 'not-found';
    }
    const phone = createFakePhone(undefined, {
      async 'contacts.remove'() {
        throw new StoreLikeError('contact k9 does not exist');
      },
    });
    const d = createDispatcher(phone, { mapError: (e) => (e instanceof StoreLikeError ? new ApiError('not-found', e.message) : undefined) });
    assert.deepEqual(await d.dispatch('contacts.remove', { id: 'k9' }), { ok: false, code: 'not-found', message: 'contact k9 does not exist' });
  });

  test('a missing handler method answers unavailable', async () => {
    const phone = createFakePhone();
    delete (phone as unknown as Record<string, unknown>)['call.transfer'];
    const r = await createDispatcher(phone).dispatch('call.transfer', { callId: 'c1', target: 'bob' });
    assert.equal(!r.ok && r.code, 'unavailable');
  });

  test('a connection command goes to the host\'s connection, never to the phone; without one it is unavailable', async () => {
    const phone = createFakePhone();
    const d = createDispatcher(phone);
    const asked: boolean[] = [];
    const context = { host: 'ws' as const, client: 'ws-1', connection: { 'trace.follow': ({ on }: { on: boolean }) => void asked.push(on) } };
    assert.deepEqual(await d.dispatch('trace.follow', { on: true }, context), { ok: true, result: null });
    assert.deepEqual(await d.dispatch('trace.follow', { on: false }, context), { ok: true, result: null });
    assert.deepEqual(asked, [true, false]);
    for (const bad of [{}, { on: 'yes' }, { on: 1 }, { on: true, client: 'ws-2' }, null]) {
      const r = await d.dispatch('trace.follow', bad, context);
      assert.equal(!r.ok && r.code, 'bad-request', JSON.stringify(bad));
    }
    assert.deepEqual(asked, [true, false], 'refused params reach nobody');
    const r = await d.dispatch('trace.follow', { on: true }, { host: 'cli', client: 'local' });
    assert.equal(!r.ok && r.code, 'unavailable');
    assert.equal(phone.received.length, 0, 'the phone never sees connection commands');
  });

  test('a handler that never settles is answered timeout (fake clock)', async () => {
    const clock = new FakeClock();
    const phone = createFakePhone(undefined, { 'app.snapshot': () => new Promise(() => {}) });
    const d = createDispatcher(phone, { clock, timeoutMs: 5000 });
    let answer: unknown;
    const pending = d.dispatch('app.snapshot', {}).then((r) => (answer = r));
    await new Promise((r) => setImmediate(r));
    assert.equal(answer, undefined);
    clock.advance(4999);
    await new Promise((r) => setImmediate(r));
    assert.equal(answer, undefined);
    clock.advance(1);
    await pending;
    assert.deepEqual(answer, { ok: false, code: 'timeout', message: 'app.snapshot did not finish within 5000 ms' });
  });

  test('a settled command clears its timer', async () => {
    const clock = new FakeClock();
    const d = createDispatcher(createFakePhone(), { clock, timeoutMs: 5000 });
    await d.dispatch('calls.list', {});
    assert.equal(clock.pending, 0);
  });

  test('call() is the typed form of dispatch()', async () => {
    const d = createDispatcher(createFakePhone());
    const r = await d.call('settings.update', { theme: 'dark' });
    assert.equal(r.ok && r.result.theme, 'dark');
  });
});
