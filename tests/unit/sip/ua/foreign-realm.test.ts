import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createResponse } from '../../../../electron/sip/message/index.ts';
import { createDigestChallenge } from '../../../../electron/sip/auth/digest-verifier.ts';
import { fixedMedia, registrar, world } from './ua-world.ts';

/**
 * Credentials stay with their realm (sip/auth/realm-binding.ts): a server
 * reached by a redirect that challenges in another realm gets no digest
 * response, and the call ends saying so.
 */
describe('digest answers only the account’s realm', () => {
  function redirectedWorld(targetRealm: string) {
    const w = world();
    const ua = w.ua('10.0.0.2', 5070, { media: fixedMedia().factory });
    ua.addAccount({ id: 'a', aor: 'sip:johndoe@sipA.test', password: 'very-secret-pw', registerExpires: 0 });
    const redirector = w.server('10.0.0.9', 5060);
    redirector.handle = (r, tx) => {
      const res = createResponse(r, 302, 'Moved Temporarily');
      res.headers.append('Contact', '<sip:bob@10.0.0.6:5060>');
      tx.respond(res);
    };
    const target = w.server('10.0.0.6', 5060);
    target.handle = (r, tx) => {
      if (r.headers.get('Authorization')) {
        tx.respond(createResponse(r, 486, 'Busy Here'));
        return;
      }
      const res = createResponse(r, 401, 'Unauthorized');
      res.headers.set('To', `${r.headers.get('To')};tag=t1`);
      res.headers.append('WWW-Authenticate', createDigestChallenge({ realm: targetRealm, nonce: 'n1' }));
      tx.respond(res);
    };
    return { w, ua, target };
  }

  it('a 3xx target challenging in a foreign realm is not answered; the call ends with the reason', async () => {
    const { w, ua, target } = redirectedWorld('collector.example');
    const call = ua.call('sip:bob@10.0.0.9:5060', { accountId: 'a' });
    await w.settle(20);
    const invites = target.of('INVITE');
    assert.equal(invites.length, 1, 'no second INVITE carrying credentials');
    assert.equal(invites[0]!.headers.get('Authorization'), undefined);
    assert.equal(call.state, 'ended');
    assert.equal(call.end?.outcome?.status, 401);
    assert.match(call.end?.detail ?? '', /asked for the password of another realm \(collector\.example\)/);
  });

  it('a 3xx target in the account’s own realm is answered as before', async () => {
    const { w, ua, target } = redirectedWorld('sipA.test');
    const call = ua.call('sip:bob@10.0.0.9:5060', { accountId: 'a' });
    await w.settle(20);
    const invites = target.of('INVITE');
    assert.equal(invites.length, 2);
    assert.ok(invites[1]!.headers.get('Authorization'));
    assert.equal(call.end?.outcome?.status, 486);
  });
});

describe('the first successful registration binds the account to its registrar’s realm', () => {
  it('a registrar realm other than the domain is answered on REGISTER and learned at the 200', async () => {
    const w = world();
    const server = w.server('10.0.0.1', 5060);
    registrar(server, { realm: 'pbx-realm' });
    const ua = w.ua('10.0.0.2', 5070);
    ua.addAccount({ id: 'a', aor: 'sip:johndoe@sipA.test', password: 'secret', outboundProxy: 'sip:10.0.0.1:5060', registerExpires: 60 });
    const account = ua.account('a')!;
    assert.deepEqual(account.realmBinding.realms, ['sipa.test']);
    ua.register('a');
    await w.settle();
    assert.equal(ua.registration('a').state, 'registered');
    assert.deepEqual(account.realmBinding.realms, ['pbx-realm']);
    assert.equal(account.realmBinding.source, 'registrar');
  });
});
