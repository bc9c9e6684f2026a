/**
 * The store-backed commands through the real dispatcher: what a host sends,
 * validated by the API schemas, answered by the engine, mapped to snapshots.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createDispatcher, type Dispatcher } from '../../../../electron/api/dispatcher.ts';
import type { ApiEvent } from '../../../../electron/api/events.ts';
import type { AccountSnapshot, ContactSnapshot, HistoryEntry, Settings } from '../../../../electron/api/snapshots.ts';
import { createPhoneEngine, mapPhoneError, type PhoneEngine } from '../../../../electron/phone/engine.ts';
import { MemorySecretStore } from '../../../../electron/phone/store/secret-store.ts';
import { openPhoneStore } from '../../../../electron/phone/store/phone-store.ts';
import { removeTempDirs, tempDir } from '../temp-dir.ts';

function ok<T>(r: { ok: boolean }): T {
  assert.equal(r.ok, true, JSON.stringify(r));
  return (r as unknown as { result: T }).result;
}

describe('engine: store-backed commands', () => {
  let engine: PhoneEngine;
  let d: Dispatcher;
  let dataDir: string;
  const secrets = new MemorySecretStore();
  const seen: ApiEvent[] = [];

  before(async () => {
    dataDir = tempDir('parley-engine-');
    engine = await createPhoneEngine({ dataDir, secrets, sip: { bind: [{ host: '127.0.0.1', port: 0 }] } });
    engine.events.subscribe((e) => seen.push(e));
    d = createDispatcher(engine.api, { mapError: mapPhoneError });
  });
  after(async () => {
    await engine.close();
    removeTempDirs();
  });

  test('accounts: add with aliases and a password, list, update, remove', async () => {
    seen.length = 0;
    const added = ok<AccountSnapshot>(
      await d.dispatch('accounts.add', {
        aor: 'sip:johndoe@sipa.test',
        aliases: ['sip:+554845678901@sipa.test', 'sip:45678901@sipa.test'],
        password: 'top secret',
        usePreferredIdentity: true,
        displayName: 'John',
        // Disabled: an enabled account would REGISTER, and tests never ask DNS about made-up names.
        enabled: false,
      }),
    );
    assert.equal(added.aor, 'sip:johndoe@sipa.test');
    assert.deepEqual(added.aliases, ['sip:+554845678901@sipa.test', 'sip:45678901@sipa.test']);
    assert.equal(added.authUser, 'johndoe', 'authUser null reads as the AOR user part');
    assert.equal(added.hasPassword, true);
    assert.equal(added.usePreferredIdentity, true);
    assert.equal('registrar' in added, false, 'an absent registrar is absent, not null');
    assert.equal(JSON.stringify(added).includes('top secret'), false, 'the password never comes back');
    assert.equal(secrets.size, 1);
    const accountsEvent = seen.find((e) => e.event === 'accounts');
    assert.ok(accountsEvent && Array.isArray(accountsEvent.data) && accountsEvent.data.some((a) => a.id === added.id));

    const listed = ok<AccountSnapshot[]>(await d.dispatch('accounts.list', {}));
    assert.deepEqual(listed.map((a) => a.id), [added.id], 'the direct account is listed only while none is stored');

    const updated = ok<AccountSnapshot>(await d.dispatch('accounts.update', { id: added.id, changes: { aliases: ['sip:45678901@sipa.test'], authUser: 'jd', password: null } }));
    assert.deepEqual(updated.aliases, ['sip:45678901@sipa.test']);
    assert.equal(updated.authUser, 'jd');
    assert.equal(updated.hasPassword, false);
    assert.equal(secrets.size, 0);

    ok(await d.dispatch('accounts.remove', { id: added.id }));
    const after = ok<AccountSnapshot[]>(await d.dispatch('accounts.list', {}));
    assert.deepEqual(after.map((a) => a.id), ['direct']);
    assert.match(after[0]!.aor, /^sip:[^@]+@127\.0\.0\.1:\d+$/);
  });

  test('accounts: validation errors come back as bad-request with the field; unknown ids as not-found', async () => {
    const r1 = await d.dispatch('accounts.add', { aor: 'sip:no user here' });
    assert.equal(r1.ok, false);
    assert.equal(!r1.ok && r1.code, 'bad-request');
    const r2 = await d.dispatch('accounts.add', { aor: 'sipa.test' });
    assert.equal(!r2.ok && r2.code, 'bad-request', 'the store refuses an AOR without sip: and user');
    assert.deepEqual(!r2.ok && r2.issues?.map((i) => i.path), ['aor']);
    const r3 = await d.dispatch('accounts.add', { aor: 'sip:a@sipa.test', enabled: false, identityRules: [{ match: { prefix: '+' }, identity: 'sip:b@sipa.test' }] });
    assert.equal(!r3.ok && r3.code, 'bad-request');
    assert.deepEqual(!r3.ok && r3.issues?.map((i) => i.path), ['identityRules.0.identity']);
    const r4 = await d.dispatch('accounts.update', { id: 'no-such-account', changes: { displayName: 'x' } });
    assert.equal(!r4.ok && r4.code, 'not-found');
    const r5 = await d.dispatch('accounts.remove', { id: 'direct' });
    assert.equal(!r5.ok && r5.code, 'not-allowed');
  });

  test('accounts: STUN and TURN servers per account, validated; the TURN password is kept as a secret and never comes back', async () => {
    const added = ok<AccountSnapshot>(
      await d.dispatch('accounts.add', {
        aor: 'sip:nat@sipa.test', enabled: false, stunServer: 'stun.example.org', turnServer: 'alice@[2001:db8::7]:3479', turnPassword: 'relay secret',
      }),
    );
    assert.equal(added.stunServer, 'stun.example.org');
    assert.equal(added.turnServer, 'alice@[2001:db8::7]:3479');
    assert.equal(added.hasTurnPassword, true);
    assert.equal(added.hasPassword, false, 'the TURN password is not the SIP one');
    assert.equal(JSON.stringify(added).includes('relay secret'), false, 'the TURN password never comes back');
    assert.equal(secrets.size, 1);
    for (const [field, value] of [['stunServer', 'stun:stun.example.org'], ['stunServer', 'host:99999'], ['turnServer', 'turn.example.org:3478'], ['turnServer', 'a b@turn.example.org']] as const) {
      const r = await d.dispatch('accounts.update', { id: added.id, changes: { [field]: value } });
      assert.equal(!r.ok && r.code, 'bad-request', `${field} ${value}`);
      assert.deepEqual(!r.ok && r.issues?.map((i) => i.path), [`changes.${field}`]);
    }
    const cleared = ok<AccountSnapshot>(await d.dispatch('accounts.update', { id: added.id, changes: { turnServer: null, turnPassword: null, stunServer: null } }));
    assert.equal('stunServer' in cleared || 'turnServer' in cleared || 'hasTurnPassword' in cleared, false);
    assert.equal(secrets.size, 0, 'the TURN password is gone with it');
    ok(await d.dispatch('accounts.remove', { id: added.id }));
  });

  test('accounts: an address another account has is a conflict', async () => {
    const a = ok<AccountSnapshot>(await d.dispatch('accounts.add', { aor: 'sip:alice@sipa.test', aliases: ['sip:100@sipa.test'], enabled: false }));
    const r = await d.dispatch('accounts.add', { aor: 'sip:bob@sipa.test', aliases: ['sip:100@SIPA.test'], enabled: false });
    assert.equal(!r.ok && r.code, 'conflict');
    assert.match(!r.ok ? r.message : '', /already an address/);
    ok(await d.dispatch('accounts.remove', { id: a.id }));
  });

  test('contacts: add, search, update, remove; the Echo test contact is built in', async () => {
    const maria = ok<ContactSnapshot>(
      await d.dispatch('contacts.add', { name: 'Maria', numbers: [{ label: 'mobile', number: '+55 48 4567-8901' }], addresses: [{ uri: 'sip:maria@sipa.test' }] }),
    );
    assert.deepEqual(maria.addresses, [{ uri: 'sip:maria@sipa.test' }], 'an empty label is absent');
    assert.deepEqual(maria.numbers, [{ label: 'mobile', number: '+55 48 4567-8901' }]);
    const all = ok<ContactSnapshot[]>(await d.dispatch('contacts.list', {}));
    assert.deepEqual(all.map((c) => c.name), ['Echo test', 'Maria']);
    assert.match(all[0]!.addresses[0]!.uri, /^sip:echo@127\.0\.0\.1:\d+$/);
    assert.deepEqual(ok<ContactSnapshot[]>(await d.dispatch('contacts.list', { query: '4567' })).map((c) => c.id), [maria.id]);
    const upd = ok<ContactSnapshot>(await d.dispatch('contacts.update', { id: maria.id, changes: { favorite: true } }));
    assert.equal(upd.favorite, true);
    const bad = await d.dispatch('contacts.update', { id: maria.id, changes: { addresses: [{ uri: 'maria' }] } });
    assert.equal(!bad.ok && bad.code, 'bad-request');
    const echo = await d.dispatch('contacts.remove', { id: 'echo' });
    assert.equal(!echo.ok && echo.code, 'not-allowed');
    ok(await d.dispatch('contacts.remove', { id: maria.id }));
    const gone = await d.dispatch('contacts.remove', { id: maria.id });
    assert.equal(!gone.ok && gone.code, 'not-found');
  });

  test('settings: device ids map to "default", updates emit a settings event', async () => {
    const s = ok<Settings>(await d.dispatch('settings.get', {}));
    assert.equal(s.audioInput, 'default');
    seen.length = 0;
    const u = ok<Settings>(await d.dispatch('settings.update', { audioInput: 'mic-7', dnd: true }));
    assert.equal(u.audioInput, 'mic-7');
    assert.equal(u.dnd, true);
    assert.deepEqual(seen.filter((e) => e.event === 'settings').map((e) => e.data), [u]);
    const back = ok<Settings>(await d.dispatch('settings.update', { audioInput: 'default', dnd: false }));
    assert.equal(back.audioInput, 'default');
    const bad = await d.dispatch('settings.update', { numberingPlan: { countryCode: 'x', trunkPrefix: '0', internationalPrefix: '00', minMatchDigits: 8 } });
    assert.equal(!bad.ok && bad.code, 'bad-request');
  });

  test('history and messages: list pages by time, ids become strings, quality in percent and ms', async () => {
    // Written straight into the same database (a second connection), as calls of an earlier run.
    const side = openPhoneStore(dataDir, { secrets });
    side.history.add({ direction: 'in', peerUri: 'sip:x@h.test', startedAt: 1000, endedAt: 1500, resultCode: 487, reason: 'Request Terminated' });
    side.history.add({
      direction: 'out', peerUri: 'sip:y@h.test', startedAt: 2000, answeredAt: 2100, endedAt: 9000, resultCode: 200, localAlias: 'sip:me@h.test',
      quality: { mos: 4.31, loss: 0.015, jitter: 3.2, rtt: 40 },
    });
    side.messages.add({ direction: 'in', peerUri: 'sip:y@h.test', body: 'hello', timestamp: 5000 });
    side.close();
    const h = ok<HistoryEntry[]>(await d.dispatch('history.list', {}));
    assert.equal(h.length, 2);
    assert.equal(typeof h[0]!.id, 'string');
    assert.deepEqual(
      { peer: h[0]!.peer, code: h[0]!.code, quality: h[0]!.quality, localAlias: h[0]!.localAlias },
      { peer: 'sip:y@h.test', code: 200, quality: { mos: 4.31, lossPercent: 1.5, jitterMs: 3.2, rttMs: 40 }, localAlias: 'sip:me@h.test' },
    );
    assert.deepEqual(ok<HistoryEntry[]>(await d.dispatch('history.list', { before: 2000 })).map((e) => e.peer), ['sip:x@h.test']);
    assert.deepEqual(ok<HistoryEntry[]>(await d.dispatch('history.list', { missedOnly: true })).map((e) => e.code), [487]);
    const m = ok<{ body: string; id: string; status: string }[]>(await d.dispatch('messages.list', { peer: 'sip:y@h.test' }));
    assert.deepEqual(m.map((x) => [x.body, typeof x.id, x.status]), [['hello', 'string', 'received']]);
    ok(await d.dispatch('history.remove', { id: h[1]!.id }));
    assert.deepEqual(ok<HistoryEntry[]>(await d.dispatch('history.list', {})).map((e) => e.peer), ['sip:y@h.test']);
    const gone = await d.dispatch('history.remove', { id: h[1]!.id });
    assert.equal(!gone.ok && gone.code, 'not-found');
    ok(await d.dispatch('history.clear', {}));
    assert.deepEqual(ok<HistoryEntry[]>(await d.dispatch('history.list', {})), []);
  });

  test('app.snapshot and audio.devices answer plain data', async () => {
    const snap = ok<{ accounts: AccountSnapshot[]; calls: unknown[]; registrations: unknown[]; settings: Settings }>(await d.dispatch('app.snapshot', {}));
    assert.deepEqual(snap.accounts.map((a) => a.id), ['direct']);
    assert.deepEqual(snap.calls, []);
    assert.equal(snap.settings.theme, 'system');
    assert.deepEqual(JSON.parse(JSON.stringify(snap)), snap);
    const devices = ok<{ kind: string }[]>(await d.dispatch('audio.devices', {}));
    assert.deepEqual(devices.map((x) => x.kind).sort(), ['input', 'output']);
  });
});
