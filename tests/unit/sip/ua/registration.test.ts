import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { callId, createResponse, cseqOf } from '../../../../electron/sip/message/index.ts';
import type { SipRequest } from '../../../../electron/sip/message/index.ts';
import { parseCredentials } from '../../../../electron/sip/auth/auth-header-parser.ts';
import type { RegistrationChange } from '../../../../electron/sip/ua/registration.ts';
import { OFFER, registrar, world } from './ua-world.ts';

function setup(opts: { expires?: number; password?: string } = {}) {
  const w = world();
  const server = w.server('10.0.0.1', 5060);
  const ua = w.ua('10.0.0.2', 5070);
  ua.addAccount({ id: 'a', aor: 'sip:johndoe@sipA.test', password: opts.password ?? 'secret', outboundProxy: 'sip:10.0.0.1:5060', registerExpires: opts.expires ?? 60 });
  const changes: RegistrationChange[] = [];
  ua.on('registration', (c) => changes.push(c));
  return { w, server, ua, changes, states: () => changes.map((c) => c.state) };
}

const expiresOf = (r: SipRequest) => r.headers.get('Expires');

describe('Registration', () => {
  it('registers with digest auth: 401, then 200; one Call-ID, rising CSeq, Expires and ;expires, other bindings kept', async () => {
    const { w, server, ua, changes, states } = setup();
    registrar(server, { others: ['<sip:johndoe@192.0.2.9:5060>;expires=1800'] });
    ua.register('a');
    await w.settle();
    const regs = server.of('REGISTER');
    assert.equal(regs.length, 2);
    assert.equal(regs[0]!.uri, 'sip:sipA.test');
    assert.equal(regs[0]!.headers.get('Route'), '<sip:10.0.0.1:5060;lr>');
    assert.equal(callId(regs[0]!), callId(regs[1]!));
    assert.deepEqual(regs.map((r) => cseqOf(r).seq), [1, 2]);
    assert.equal(expiresOf(regs[0]!), '60');
    assert.match(regs[0]!.headers.get('Contact')!, /^<sip:johndoe@10\.0\.0\.2:5070>;expires=60$/);
    assert.equal(regs[0]!.headers.get('Authorization'), undefined);
    assert.ok(regs[1]!.headers.get('Authorization'));
    assert.deepEqual(states(), ['registering', 'registered']);
    const last = changes.at(-1)!;
    assert.equal(last.outcome?.status, 200);
    assert.equal(last.expires, 60);
    assert.equal(last.expiresAt, 60_000);
    assert.deepEqual(last.otherBindings, [{ uri: 'sip:johndoe@192.0.2.9:5060', expires: 1800 }]);
    assert.equal(ua.registration('a').state, 'registered');
  });

  it('refreshes at half-time for short bindings and 40 s before expiry for long ones, pre-authorized', async () => {
    const { w, server, ua, states } = setup({ expires: 60 });
    registrar(server);
    ua.register('a');
    await w.settle();
    assert.equal(server.of('REGISTER').length, 2);
    await w.run(29_000);
    assert.equal(server.of('REGISTER').length, 2, 'nothing before half-time');
    await w.run(1_500);
    const regs = server.of('REGISTER');
    assert.equal(regs.length, 3, 'one refresh, answered without a new challenge');
    const nc = parseCredentials(regs[2]!.headers.get('Authorization')!).params.get('nc');
    assert.equal(nc, '00000002', 'the cached nonce is reused with the next nonce-count');
    assert.deepEqual(states(), ['registering', 'registered', 'refreshing', 'registered']);

    const long = setup({ expires: 3600 });
    registrar(long.server);
    long.ua.register('a');
    await long.w.settle();
    long.w.clock.advance(3559_000);
    await long.w.settle();
    assert.equal(long.server.of('REGISTER').length, 2);
    long.w.clock.advance(1_000);
    await long.w.settle();
    const later = long.server.of('REGISTER');
    // The nonce is older than the authenticator's 240 s reuse limit: the refresh is challenged afresh.
    assert.equal(later.length, 4, 'refresh at 3600 - 40 s, then its challenge answered');
    assert.equal(later[2]!.headers.get('Authorization'), undefined);
    assert.equal(long.ua.registration('a').state, 'registered');
  });

  it('uses the lifetime the registrar grants, not the one asked for', async () => {
    const { w, server, ua, changes } = setup({ expires: 3600 });
    registrar(server, { grant: () => 120 });
    ua.register('a');
    await w.settle();
    assert.equal(changes.at(-1)!.expires, 120);
    await w.run(79_500);
    assert.equal(server.of('REGISTER').length, 2);
    await w.run(1_000);
    assert.equal(server.of('REGISTER').length, 3, 'refreshed at 120 - 40 = 80 s');
  });

  it('423 Interval Too Brief: asks again with Min-Expires', async () => {
    const { w, server, ua, changes } = setup({ expires: 30 });
    registrar(server, {
      before: (r) => {
        if (Number(r.headers.get('Expires')) >= 300 || !r.headers.get('Authorization')) return undefined;
        const res = createResponse(r, 423, 'Interval Too Brief');
        res.headers.set('Min-Expires', '300');
        return res;
      },
    });
    ua.register('a');
    await w.settle();
    const regs = server.of('REGISTER');
    assert.deepEqual(regs.map(expiresOf), ['30', '30', '300']);
    assert.equal(changes.at(-1)!.state, 'registered');
    assert.equal(changes.at(-1)!.expires, 300);
  });

  it('a 423 without a longer Min-Expires fails instead of looping', async () => {
    const { w, server, ua, changes } = setup({ expires: 30 });
    server.handle = (r, tx) => {
      const res = createResponse(r, 423, 'Interval Too Brief');
      res.headers.set('Min-Expires', '10');
      tx.respond(res);
    };
    ua.register('a');
    await w.settle();
    assert.equal(server.of('REGISTER').length, 1);
    assert.equal(changes.at(-1)!.state, 'failed');
    assert.equal(changes.at(-1)!.outcome?.words, 'the registration interval is too brief');
  });

  it('a wrong password ends in failed after exactly one answer, with the 401 in words, and stays there', async () => {
    const { w, server, ua, changes, states } = setup({ password: 'wrong' });
    registrar(server);
    ua.register('a');
    await w.settle();
    assert.equal(server.of('REGISTER').length, 2);
    assert.deepEqual(states(), ['registering', 'failed']);
    const last = changes.at(-1)!;
    assert.equal(last.outcome?.status, 401);
    assert.equal(last.outcome?.words, 'authentication failed: check the user name and password');
    assert.match(last.detail ?? '', /credentials rejected/);
    await w.run(3_600_000, 60_000);
    assert.equal(server.of('REGISTER').length, 2, 'never retried by itself');
  });

  it('403 is final (no retry); the password never appears in anything the UA emits', async () => {
    const { w, server, ua, changes } = setup({ password: 'hunter2-secret' });
    server.handle = (r, tx) => tx.respond(createResponse(r, 403, 'Forbidden'));
    ua.register('a');
    await w.settle();
    assert.equal(changes.at(-1)!.state, 'failed');
    assert.equal(changes.at(-1)!.outcome?.description, 'not allowed (403 "Forbidden")');
    await w.run(600_000, 60_000);
    assert.equal(server.of('REGISTER').length, 1);
    const everything = JSON.stringify({ changes, logs: w.logs, account: ua.account('a')!.config });
    assert.doesNotMatch(everything, /hunter2/);
    assert.equal(ua.account('a')!.config.hasPassword, true);
  });

  it('honours Retry-After on 503, then registers', async () => {
    const { w, server, ua, changes } = setup();
    let busy = true;
    const reg = registrar(server, {
      before: (r) => {
        if (!busy) return undefined;
        const res = createResponse(r, 503, 'Service Unavailable');
        res.headers.set('Retry-After', '17');
        return res;
      },
    });
    void reg;
    ua.register('a');
    await w.settle();
    assert.equal(changes.at(-1)!.state, 'retrying');
    assert.equal(changes.at(-1)!.retryInMs, 17_000);
    busy = false;
    await w.run(16_000);
    assert.equal(server.of('REGISTER').length, 1);
    await w.run(1_500);
    assert.equal(changes.at(-1)!.state, 'registered');
  });

  it('timeouts back off exponentially (RFC 5626 §4.5), bounded by the maximum', async () => {
    const { w, server, ua, changes } = setup();
    w.network.drop = () => true;
    ua.register('a');
    await w.settle();
    await w.run(33_000);
    const first = changes.at(-1)!;
    assert.equal(first.state, 'retrying');
    assert.equal(first.outcome?.status, 408);
    assert.equal(first.outcome?.local, 'timeout');
    // random() = 0: half of W; W = 30 s * 2^n.
    assert.equal(first.retryInMs, 30_000);
    const delays: number[] = [];
    ua.on('registration', (c) => c.state === 'retrying' && delays.push(c.retryInMs!));
    await w.run(8 * 3_600_000, 10_000);
    assert.deepEqual(delays.slice(0, 6), [60_000, 120_000, 240_000, 480_000, 900_000, 900_000]);
    void server;
  });

  it('unregisters our contact (Expires 0), or every binding with *', async () => {
    const { w, server, ua, states } = setup();
    registrar(server);
    ua.register('a');
    await w.settle();
    const done = await ua.unregister('a');
    assert.equal(done?.status, 200);
    const regs = server.of('REGISTER');
    const last = regs.at(-1)!;
    assert.equal(expiresOf(last), '0');
    assert.match(last.headers.get('Contact')!, /^<sip:johndoe@10\.0\.0\.2:5070>;expires=0$/);
    assert.ok(last.headers.get('Authorization'), 'pre-authorized with the cached nonce');
    assert.deepEqual(states(), ['registering', 'registered', 'unregistering', 'unregistered']);
    await w.run(120_000, 10_000);
    assert.equal(server.of('REGISTER').length, regs.length, 'no refresh after unregistering');

    const all = await ua.unregister('a', { all: true });
    assert.equal(all?.status, 200);
    assert.equal(server.of('REGISTER').at(-1)!.headers.get('Contact'), '*');
  });

  it('several accounts register at once, each with its own registrar and transport', async () => {
    const w = world();
    const s1 = w.server('10.0.0.1', 5060);
    const s2 = w.server('10.0.0.9', 5080);
    registrar(s1);
    registrar(s2, { realm: 'sipB.test', users: { alice: 'pw2' } });
    const ua = w.ua('10.0.0.2', 5070);
    ua.addAccount({ id: 'a', aor: 'sip:johndoe@sipA.test', password: 'secret', outboundProxy: 'sip:10.0.0.1', registerExpires: 60 });
    ua.addAccount({ id: 'b', aor: 'sip:alice@sipB.test', password: 'pw2', registrar: 'sip:10.0.0.9:5080;transport=tcp', registerExpires: 120, transport: 'tcp' });
    ua.register('a');
    ua.register('b');
    await w.settle();
    assert.equal(ua.registration('a').state, 'registered');
    assert.equal(ua.registration('b').state, 'registered');
    assert.equal(s1.of('REGISTER').length, 2);
    assert.equal(s2.of('REGISTER').length, 2);
    assert.match(s2.of('REGISTER')[0]!.headers.get('Contact')!, /transport=tcp/);
    assert.equal(s2.transport.received[0]!.source.protocol, 'tcp');
    assert.notEqual(callId(s1.of('REGISTER')[0]!), callId(s2.of('REGISTER')[0]!));
  });

  it('+sip.instance and reg-id in Contact when configured (RFC 5626 §4.2), Supported: outbound; our binding is recognized by it', async () => {
    const w = world();
    const server = w.server('10.0.0.1', 5060);
    const ua = w.ua('10.0.0.2', 5070);
    ua.addAccount({ id: 'a', aor: 'sip:johndoe@sipA.test', password: 'secret', outboundProxy: 'sip:10.0.0.1', registerExpires: 600, instanceId: 'urn:uuid:00000000-0000-1000-8000-000a95a0e128' });
    registrar(server, { grant: () => 300, others: ['<sip:johndoe@192.0.2.7>;expires=100;+sip.instance="<urn:uuid:other>"'] });
    ua.register('a');
    await w.settle();
    const contact = server.of('REGISTER')[0]!.headers.get('Contact')!;
    assert.equal(contact, '<sip:johndoe@10.0.0.2:5070>;expires=600;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000a95a0e128>";reg-id=1');
    assert.equal(server.of('REGISTER')[0]!.headers.getAll('Supported').join(', '), 'outbound, path');
    const reg = ua.registration('a');
    assert.equal(reg.state, 'registered');
    assert.equal(reg.grantedExpires, 300);
    assert.deepEqual(reg.otherBindings, [{ uri: 'sip:johndoe@192.0.2.7', expires: 100, instance: 'urn:uuid:other' }]);
  });
});

describe('RFC 5626 outbound', () => {
  const instanceId = 'urn:uuid:00000000-0000-1000-8000-000a95a0e128';
  for (const supports of [true, false]) {
    it(`a registrar ${supports ? 'that answers Require: outbound: the INVITE Contact carries ;ob' : 'without outbound: no ;ob'}`, async () => {
      const w = world();
      const server = w.server('10.0.0.1', 5060);
      const ua = w.ua('10.0.0.2', 5070, { media: () => ({ createOffer: async () => OFFER, answerOffer: async () => ({ answer: OFFER }), setAnswer: async () => undefined }) });
      ua.addAccount({ id: 'a', aor: 'sip:johndoe@sipA.test', password: 'secret', outboundProxy: 'sip:10.0.0.1', registerExpires: 600, instanceId });
      registrar(server, { outbound: supports });
      ua.register('a');
      await w.settle();
      assert.equal(ua.registration('a').state, 'registered');
      ua.call('sip:bob@sipA.test', { accountId: 'a' });
      await w.settle();
      const invite = server.of('INVITE')[0]!;
      const contact = invite.headers.get('Contact')!;
      if (supports) assert.match(contact, /^<sip:johndoe@10\.0\.0\.2:5070;ob>/);
      else assert.doesNotMatch(contact, /;ob/);
    });
  }
});

describe('Registration against a hostile registrar (timers from the network are clamped)', () => {
  const perMinute = (times: number[]) => {
    let worst = 0;
    for (let i = 0; i < times.length; i++) worst = Math.max(worst, times.filter((t) => t >= times[i]! && t < times[i]! + 60_000).length);
    return worst;
  };
  const sendTimes = (w: ReturnType<typeof setup>['w']) => w.network.find('REGISTER').map((p) => p.time);

  it('expires=4294967295 is refreshed as a one-day binding, not every millisecond', async () => {
    const { w, server, ua, changes } = setup({ expires: 3600 });
    registrar(server, { grant: () => 4_294_967_295 });
    ua.register('a');
    await w.settle();
    await w.run(10_000, 100);
    const in10s = server.of('REGISTER').length;
    assert.equal(in10s, 2, `REGISTERs in 10 s: ${in10s}`);
    assert.equal(changes.at(-1)!.expires, 86_400);
    await w.run(600_000, 1_000);
    assert.equal(server.of('REGISTER').length, 2, 'no refresh before the day is nearly over');
  });

  it('a registrar granting expires=1 gets at most 10 REGISTERs a minute', async () => {
    const { w, server, ua } = setup({ expires: 3600 });
    registrar(server, { grant: () => 1 });
    ua.register('a');
    await w.run(300_000, 250);
    const worst = perMinute(sendTimes(w));
    assert.ok(worst <= 10, `worst minute: ${worst} REGISTERs`);
    assert.ok(server.of('REGISTER').length >= 20, 'it still refreshes');
  });

  it('503 with Retry-After: 0 is retried after the floor, at most 10 REGISTERs a minute', async () => {
    const { w, server, ua, changes } = setup();
    server.handle = (r, tx) => {
      const res = createResponse(r, 503, 'Service Unavailable');
      res.headers.set('Retry-After', '0');
      tx.respond(res);
    };
    ua.register('a');
    await w.settle();
    assert.equal(changes.at(-1)!.state, 'retrying');
    assert.equal(changes.at(-1)!.retryInMs, 10_000, 'Retry-After 0 becomes the 10 s floor');
    await w.run(10_000, 50);
    const in10s = server.of('REGISTER').length;
    assert.ok(in10s <= 2, `REGISTERs in 10 s: ${in10s}`);
    await w.run(600_000, 500);
    const worst = perMinute(sendTimes(w));
    assert.ok(worst <= 10, `worst minute: ${worst}`);
  });

  it('Retry-After: 4294967295 waits an hour, not a millisecond', async () => {
    const { w, server, ua, changes } = setup();
    server.handle = (r, tx) => {
      const res = createResponse(r, 503, 'Service Unavailable');
      res.headers.set('Retry-After', '4294967295');
      tx.respond(res);
    };
    ua.register('a');
    await w.settle();
    assert.equal(changes.at(-1)!.retryInMs, 3_600_000);
    await w.run(60_000, 100);
    assert.equal(server.of('REGISTER').length, 1);
  });

  it('423 with Min-Expires: 4294967295 asks for a day at most', async () => {
    const { w, server, ua } = setup({ expires: 60 });
    registrar(server, {
      before: (r) => {
        if (Number(r.headers.get('Expires')) >= 86_400 || !r.headers.get('Authorization')) return undefined;
        const res = createResponse(r, 423, 'Interval Too Brief');
        res.headers.set('Min-Expires', '4294967295');
        return res;
      },
    });
    ua.register('a');
    await w.settle();
    assert.deepEqual(server.of('REGISTER').map(expiresOf), ['60', '60', '86400']);
    assert.equal(ua.registration('a').state, 'registered');
  });
});
