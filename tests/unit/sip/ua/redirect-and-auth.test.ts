import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { callId, createResponse, cseqOf } from '../../../../electron/sip/message/index.ts';
import { createDigestChallenge, verifyDigest } from '../../../../electron/sip/auth/digest-verifier.ts';
import { fixedMedia, world } from './ua-world.ts';
import { phone } from './two-phones.ts';

function redirectWorld() {
  const w = world();
  const alice = phone(w, 'alice', '10.0.0.2', 5070);
  const bob = phone(w, 'bob', '10.0.0.3', 5080);
  bob.ua.on('incomingCall', (c) => void c.accept());
  const redirector = w.server('10.0.0.9', 5060);
  return { w, alice, bob, redirector };
}

describe('3xx: following redirects', () => {
  it('tries the Contacts in q order; a failed target moves on to the next', async () => {
    const { w, alice, bob, redirector } = redirectWorld();
    const busy = w.server('10.0.0.6', 5060);
    busy.handle = (r, tx) => tx.respond(createResponse(r, 486, 'Busy Here'));
    redirector.handle = (r, tx) => {
      const res = createResponse(r, 302, 'Moved Temporarily');
      res.headers.append('Contact', '<sip:bob@10.0.0.3:5080>;q=0.5');
      res.headers.append('Contact', '<sip:bob@10.0.0.6:5060>;q=0.9');
      tx.respond(res);
    };
    const call = alice.ua.call('sip:bob@10.0.0.9:5060', { accountId: 'alice' });
    const redirected: string[] = [];
    call.on('redirected', (r) => redirected.push(r.target));
    await w.settle(20);
    assert.deepEqual(redirected, ['sip:bob@10.0.0.6:5060', 'sip:bob@10.0.0.3:5080']);
    assert.equal(call.state, 'active');
    const invites = w.network.find('INVITE');
    assert.deepEqual(invites.map((p) => p.message.kind === 'request' && p.message.uri), ['sip:bob@10.0.0.9:5060', 'sip:bob@10.0.0.6:5060', 'sip:bob@10.0.0.3:5080']);
    assert.deepEqual(invites.map((p) => cseqOf(p.message).seq), [1, 2, 3]);
    assert.equal(new Set(invites.map((p) => callId(p.message))).size, 1, 'one Call-ID throughout (§8.1.3.4)');
    assert.equal(bob.incoming.length, 1);
    assert.equal(bob.incoming[0]!.dialled, 'sip:bob@10.0.0.9:5060', 'To keeps what was dialled');
  });

  it('a redirect back to a target already tried is a loop: the call ends with the 3xx, never the same target twice', async () => {
    const { w, alice, redirector } = redirectWorld();
    const other = w.server('10.0.0.8', 5060);
    // 10.0.0.9 sends us to 10.0.0.8, which sends us back to 10.0.0.9.
    redirector.handle = (r, tx) => {
      const res = createResponse(r, 302, 'Moved Temporarily');
      res.headers.append('Contact', '<sip:bob@10.0.0.8:5060>');
      tx.respond(res);
    };
    other.handle = (r, tx) => {
      const res = createResponse(r, 301, 'Moved Permanently');
      res.headers.append('Contact', '<sip:bob@10.0.0.9:5060>');
      tx.respond(res);
    };
    const call = alice.ua.call('sip:bob@10.0.0.9:5060', { accountId: 'alice' });
    await w.settle(20);
    assert.equal(call.state, 'ended');
    assert.equal(call.end?.cause, 'rejected');
    assert.equal(call.end?.outcome?.status, 301);
    assert.match(call.end?.detail ?? '', /redirect loop: sip:bob@10\.0\.0\.9:5060 already tried/);
    assert.equal(w.network.find('INVITE').length, 2);
  });

  it('stops after 5 redirects', async () => {
    const { w, alice, redirector } = redirectWorld();
    let n = 0;
    redirector.handle = (r, tx) => {
      const res = createResponse(r, 302, 'Moved Temporarily');
      res.headers.append('Contact', `<sip:hop${++n}@10.0.0.9:5060>`);
      tx.respond(res);
    };
    const call = alice.ua.call('sip:bob@10.0.0.9:5060', { accountId: 'alice' });
    await w.settle(40);
    assert.equal(call.end?.detail, 'too many redirects');
    assert.equal(w.network.find('INVITE').length, 6, 'the first INVITE and 5 redirected ones');
  });
});

describe('digest on INVITE', () => {
  function proxyWorld(password: string) {
    const w = world();
    const media = fixedMedia();
    const ua = w.ua('10.0.0.2', 5070, { media: media.factory });
    ua.addAccount({ id: 'a', aor: 'sip:johndoe@sipA.test', password, outboundProxy: 'sip:10.0.0.9', registerExpires: 0 });
    const proxy = w.server('10.0.0.9', 5060);
    proxy.handle = (r, tx) => {
      const creds = r.headers.get('Proxy-Authorization');
      const ok = creds && verifyDigest(creds, { method: r.method, realm: 'sipA.test', lookup: () => ({ password: 'secret' }), checkNonce: () => 'ok' }).ok;
      if (!ok) {
        const res = createResponse(r, 407, 'Proxy Authentication Required');
        res.headers.set('To', `${r.headers.get('To')};tag=p1`);
        res.headers.append('Proxy-Authenticate', createDigestChallenge({ realm: 'sipA.test', nonce: `n${cseqOf(r).seq}` }));
        tx.respond(res);
        return;
      }
      tx.respond(createResponse(r, 486, 'Busy Here'));
    };
    return { w, ua, proxy };
  }

  it('407 is answered once with Proxy-Authorization: same Call-ID and From tag, CSeq + 1', async () => {
    const { w, ua, proxy } = proxyWorld('secret');
    const call = ua.call('sip:bob@sipA.test', { accountId: 'a' });
    await w.settle(20);
    const invites = proxy.of('INVITE');
    assert.equal(invites.length, 2);
    assert.equal(invites[0]!.headers.get('Route'), '<sip:10.0.0.9;lr>');
    assert.equal(invites[0]!.uri, 'sip:bob@sipA.test');
    assert.deepEqual(invites.map((r) => cseqOf(r).seq), [1, 2]);
    assert.equal(callId(invites[0]!), callId(invites[1]!));
    assert.equal(invites[0]!.headers.get('From'), invites[1]!.headers.get('From'));
    assert.ok(invites[1]!.headers.get('Proxy-Authorization'));
    assert.equal(call.end?.outcome?.status, 486, 'authenticated, then the callee was busy');
  });

  it('a wrong password: the second 407 ends the call with the words for 407', async () => {
    const { w, ua, proxy } = proxyWorld('wrong');
    const call = ua.call('sip:bob@sipA.test', { accountId: 'a' });
    await w.settle(20);
    assert.equal(proxy.of('INVITE').length, 2);
    assert.equal(call.end?.outcome?.status, 407);
    assert.equal(call.end?.outcome?.words, 'authentication failed at the proxy: check the user name and password');
    assert.match(call.end?.detail ?? '', /credentials rejected/);
  });

  it('From carries the chosen alias and P-Preferred-Identity when the account asks for it; a foreign identity is refused', async () => {
    const w = world();
    const ua = w.ua('10.0.0.2', 5070, { media: fixedMedia().factory });
    ua.addAccount({ id: 'a', aor: 'sip:johndoe@sipA.test', aliases: ['sip:+554845678901@sipA.test'], usePreferredIdentity: true, outboundProxy: 'sip:10.0.0.9', registerExpires: 0 });
    const proxy = w.server('10.0.0.9', 5060);
    proxy.handle = (r, tx) => tx.respond(createResponse(r, 480, 'Temporarily Unavailable'));
    const call = ua.call('sip:bob@sipA.test', { accountId: 'a', identity: '+554845678901@sipA.test' });
    await w.settle(20);
    const invite = proxy.of('INVITE')[0]!;
    assert.match(invite.headers.get('From')!, /^<sip:\+554845678901@sipA\.test>;tag=/);
    assert.equal(invite.headers.get('P-Preferred-Identity'), '<sip:+554845678901@sipA.test>');
    assert.equal(call.localIdentity, 'sip:+554845678901@sipA.test');
    assert.throws(() => ua.call('sip:bob@sipA.test', { accountId: 'a', identity: 'sip:ceo@sipA.test' }), /not one of its addresses/);
  });
});
