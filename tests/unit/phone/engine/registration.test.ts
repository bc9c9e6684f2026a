/**
 * Registrations through the engine against a small registrar on loopback:
 * digest authentication, the granted lifetime and other devices' bindings,
 * failures in words, account.unregister, re-registration when an account
 * changes, unregistration at close, and a trace that never shows a password.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RegistrationSnapshot, TraceEntry } from '../../../../electron/api/snapshots.ts';
import { removeTempDirs } from '../temp-dir.ts';
import { FakeRegistrar, OTHER_DEVICE } from './fake-registrar.ts';
import { startPhone, type TestPhone } from './engine-harness.ts';

const PASSWORD = 's3cret-Pa55';

describe('engine: registration', () => {
  let phone: TestPhone;
  let registrar: FakeRegistrar;

  before(async () => {
    registrar = await FakeRegistrar.start({ bob: PASSWORD, carol: PASSWORD });
    phone = await startPhone('reg', 700);
  });
  after(async () => {
    await phone?.close();
    await registrar?.close();
    removeTempDirs();
  });

  test('an account with a registrar registers with digest auth; the snapshot has code, words, expiry, other bindings', async () => {
    const before = Date.now();
    const account = await phone.call('accounts.add', { aor: 'sip:bob@parley.test', registrar: `sip:127.0.0.1:${registrar.port}`, password: PASSWORD, registerExpires: 120 });
    const registered = await phone.waitFor('registration', (r) => r.accountId === account.id && r.state === 'registered', 5000);
    assert.equal(registered.code, 200);
    assert.equal(registered.reason, 'OK');
    assert.deepEqual(registered.otherBindings, [OTHER_DEVICE]);
    assert.ok(registered.expiresAt! >= before + 55_000 && registered.expiresAt! <= Date.now() + 61_000, 'the registrar granted 60 s');
    assert.ok(phone.events.some((e) => e.event === 'registration' && e.data.accountId === account.id && e.data.state === 'registering'));
    assert.match(registrar.bound ?? '', /^sip:bob@127\.0\.0\.1:\d+/);
    const snap = await phone.call('app.snapshot', {});
    assert.equal(snap.registrations.find((r) => r.accountId === account.id)?.state, 'registered');

    const traces = phone.events.filter((e) => e.event === 'trace').map((e) => e.data as TraceEntry);
    const withAuth = traces.find((t) => t.direction === 'out' && /^Authorization:/im.test(t.text));
    assert.ok(withAuth, 'the authorized REGISTER is in the trace');
    assert.ok(withAuth.callId, 'trace entries carry the Call-ID');
    assert.equal(traces.some((t) => t.text.includes(PASSWORD)), false);
    assert.match(withAuth.text, /^Authorization: Digest <redacted>/im);

    const down = await phone.call('account.unregister', { accountId: account.id });
    assert.equal(down.state, 'unregistered');
    assert.equal(registrar.bound, undefined, 'the binding was removed');
    const up = await phone.call('account.register', { accountId: account.id });
    assert.equal(up.state, 'registering');
    await phone.waitFor('registration', (r) => r.accountId === account.id && r.state === 'registered' && r !== registered, 5000);
    assert.ok(registrar.bound);

    // Settings read per call do not disturb the binding; a SIP setting re-registers.
    const registers = () => registrar.requests.filter((r) => r.method === 'REGISTER').length;
    const count = registers();
    await phone.call('accounts.update', { id: account.id, changes: { autoAnswer: true, codecs: ['PCMA'] } });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(registers(), count);
    phone.reset();
    await phone.call('accounts.update', { id: account.id, changes: { registerExpires: 300 } });
    await phone.waitFor('registration', (r) => r.accountId === account.id && r.state === 'registered', 5000);
    assert.equal(registrar.requests.filter((r) => r.method === 'REGISTER').at(-1)!.headers.get('Expires'), '300');
  });

  test('a wrong password fails in words; fixing it re-registers', async () => {
    phone.reset();
    const [account] = (await phone.call('accounts.list', {})).filter((a) => a.aor === 'sip:bob@parley.test');
    await phone.call('accounts.update', { id: account!.id, changes: { password: 'wrong' } });
    const failed = await phone.waitFor('registration', (r) => r.accountId === account!.id && r.state === 'failed', 5000);
    assert.equal(failed.code, 403);
    assert.match(failed.words ?? '', /not allowed/);
    await phone.call('accounts.update', { id: account!.id, changes: { password: PASSWORD } });
    await phone.waitFor('registration', (r) => r.accountId === account!.id && r.state === 'registered', 5000);
  });

  test('a disabled account unregisters; account.register on it is refused', async () => {
    phone.reset();
    const [account] = (await phone.call('accounts.list', {})).filter((a) => a.aor === 'sip:bob@parley.test');
    await phone.call('accounts.update', { id: account!.id, changes: { enabled: false } });
    await phone.waitFor('registration', (r) => r.accountId === account!.id && r.state === 'unregistered', 5000);
    assert.equal(registrar.bound, undefined);
    const r = await phone.try('account.register', { accountId: account!.id });
    assert.equal(!r.ok && r.code, 'unavailable');
    await phone.call('accounts.update', { id: account!.id, changes: { enabled: true } });
    await phone.waitFor('registration', (x) => x.accountId === account!.id && x.state === 'registered', 5000);
  });

  test('a MESSAGE the peer refuses ends failed, with the code and words', async () => {
    phone.reset();
    const accounts = await phone.call('accounts.list', {});
    const sent = await phone.call('messages.send', { accountId: accounts[0]!.id, target: `sip:nobody@127.0.0.1:${registrar.port}`, body: 'anyone?' });
    const done = await phone.waitFor('message', (m) => m.id === sent.id && m.status !== 'sending', 5000);
    assert.equal(done.status, 'failed');
    assert.equal(done.code, 404);
    assert.equal(done.words, 'no such user');
  });

  test('network.changed refreshes every registering account at once, before any refresh timer', async () => {
    const carol = await phone.call('accounts.add', { aor: 'sip:carol@parley.test', registrar: `sip:127.0.0.1:${registrar.port}`, password: PASSWORD, registerExpires: 120 });
    await phone.waitFor('registration', (r) => r.accountId === carol.id && r.state === 'registered', 5000);
    const [bob] = (await phone.call('accounts.list', {})).filter((a) => a.aor === 'sip:bob@parley.test');
    const registersOf = (user: string) => registrar.requests.filter((r) => r.method === 'REGISTER' && (r.headers.get('From') ?? '').includes(`sip:${user}@`)).length;
    const before = { bob: registersOf('bob'), carol: registersOf('carol') };
    phone.reset();
    assert.equal(await phone.call('network.changed', { reason: 'resume' }), null);
    // Both refreshes are under way (a registration event without an answer yet) before either answer is back:
    // sent at once, not one after the other.
    const started = phone.events
      .filter((e) => e.event === 'registration')
      .map((e) => e.data as RegistrationSnapshot)
      .filter((r) => r.code === undefined)
      .map((r) => r.accountId);
    assert.deepEqual(new Set(started), new Set([bob!.id, carol.id]));
    await phone.waitFor('registration', (r) => r.accountId === bob!.id && r.state === 'registered' && r.code === 200, 5000);
    await phone.waitFor('registration', (r) => r.accountId === carol.id && r.state === 'registered' && r.code === 200, 5000);
    assert.ok(registersOf('bob') > before.bob, 'bob sent a REGISTER');
    assert.ok(registersOf('carol') > before.carol, 'carol sent a REGISTER');
    const bad = await phone.try('network.changed', { reason: 'lunch' } as never);
    assert.equal(!bad.ok && bad.code, 'bad-request');
  });

  test('a registrar that goes away: the lost registration is "reconnecting" (retrying by itself), not a stale "registered"', async () => {
    const gone = await FakeRegistrar.start({ dave: PASSWORD });
    const dave = await phone.call('accounts.add', { aor: 'sip:dave@parley.test', registrar: `sip:127.0.0.1:${gone.port}`, password: PASSWORD, registerExpires: 120 });
    await phone.waitFor('registration', (r) => r.accountId === dave.id && r.state === 'registered', 5000);
    await gone.close();
    await phone.call('network.changed', { reason: 'resume' });
    const lost = await phone.waitFor('registration', (r) => r.accountId === dave.id && r.state === 'failed', 5000);
    assert.equal(lost.reconnecting, true, JSON.stringify(lost));
    await phone.call('accounts.remove', { id: dave.id });
  });

  test('close unregisters', async () => {
    assert.ok(registrar.bound);
    await phone.close();
    assert.equal(registrar.bound, undefined);
    const last = registrar.requests.filter((r) => r.method === 'REGISTER').at(-1)!;
    assert.equal(last.headers.get('Expires'), '0');
  });
});
