/**
 * What waits for an account's registration goes before what the phone itself
 * does after it (event-services.ts, registration-service.ts): `parley call`
 * dials as soon as its account is registered, and the account's PUBLISH, its
 * SUBSCRIBEs (MWI, watcher info) and the store's write of the learned realm
 * follow after that turn, so the INVITE leaves first — and they wait until
 * that call is answered or ends (SETUP_WAIT_MS at most), so that nothing of
 * theirs stands between its 200 and its ACK. Real engine, a small registrar
 * on loopback that records every request in order (and refuses the call).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { removeTempDirs } from '../temp-dir.ts';
import { FakeRegistrar } from './fake-registrar.ts';
import { sleep, startPhone, type TestPhone } from './engine-harness.ts';

const PASSWORD = 'dial-0n-Registered';

describe('engine: a dial made when the account is registered', () => {
  let phone: TestPhone;
  let registrar: FakeRegistrar;

  before(async () => {
    registrar = await FakeRegistrar.start({ dora: PASSWORD });
    phone = await startPhone('dial-on-registered', 700);
  });
  after(async () => {
    await phone?.close();
    await registrar?.close();
    removeTempDirs();
  });

  test('its INVITE goes before the account\'s PUBLISH and SUBSCRIBEs, which still follow', async () => {
    const proxy = `sip:127.0.0.1:${registrar.port}`;
    let dialled: Promise<unknown> | undefined;
    // As `parley call` does: the dial is issued from the 'registered' event (listeners run in the event's turn).
    const off = phone.engine.events.subscribe((e) => {
      if (e.event !== 'registration' || e.data.state !== 'registered' || dialled) return;
      dialled = phone.call('call.dial', { target: `sip:nobody@127.0.0.1:${registrar.port}`, accountId: e.data.accountId });
    });
    try {
      await phone.call('accounts.add', { aor: 'sip:dora@parley.test', registrar: proxy, outboundProxy: proxy, password: PASSWORD, codecs: ['PCMU'] });
      for (let i = 0; i < 100 && !registrar.requests.some((r) => r.method === 'SUBSCRIBE'); i++) await sleep(20);
      await dialled;
    } finally {
      off();
    }
    const methods = registrar.requests.map((r) => r.method).filter((m) => m !== 'REGISTER');
    const invite = methods.indexOf('INVITE');
    assert.ok(invite >= 0, `an INVITE was sent (${methods.join(' ')})`);
    assert.ok(methods.includes('PUBLISH') && methods.includes('SUBSCRIBE'), `the account still publishes and subscribes (${methods.join(' ')})`);
    for (const m of ['PUBLISH', 'SUBSCRIBE']) assert.ok(methods.indexOf(m) > invite, `${m} after the INVITE (${methods.join(' ')})`);
    // The engine's own order: the call ended (the registrar refuses it) before the account's first PUBLISH left.
    const order = phone.events.map((e) => (e.event === 'call' && e.data.state === 'ended' ? 'ended' : e.event === 'trace' && e.data.direction === 'out' ? e.data.text.split(' ')[0] : undefined));
    const ended = order.indexOf('ended');
    const published = order.indexOf('PUBLISH');
    assert.ok(ended >= 0 && published > ended, `the PUBLISH waited for the call's set-up to end (${order.filter(Boolean).join(' ')})`);
  });
});
