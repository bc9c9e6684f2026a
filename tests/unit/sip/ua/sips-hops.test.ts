/**
 * RFC 5630 (sips: means TLS on every hop) in the UA: the Contact of a sips:
 * call, a sips: registration and a sips: answer is a sips: URI; every request
 * of a sips: call leaves over TLS; a sips: request whose next hop is not TLS
 * is refused in words and nothing is sent.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InsecureHopError, secureHops } from '../../../../electron/sip/dialog/index.ts';
import { createResponse, parseNameAddr, parseUri } from '../../../../electron/sip/message/index.ts';
import type { SipRequest, SipResponse } from '../../../../electron/sip/message/index.ts';
import type { SendTarget } from '../../../../electron/sip/transport/transport.ts';
import { TargetResolver } from '../../../../electron/sip/ua/target-resolver.ts';
import { InsecureTargetError, UnreachableTargetError } from '../../../../electron/sip/ua/ua-errors.ts';
import { twoPhones } from './two-phones.ts';
import { ANSWER, FakeServer, fixedMedia, registrar, world } from './ua-world.ts';

const udp: SendTarget = { protocol: 'udp', address: '10.0.0.9', port: 5060 };
const tls: SendTarget = { protocol: 'tls', address: '10.0.0.9', port: 5061 };

describe('secureHops (RFC 5630 §3.1.3)', () => {
  it('a sip: request through a sip: hop goes any way the hop allows', () => {
    assert.deepEqual(secureHops(parseUri('sip:bob@example.com'), parseUri('sip:10.0.0.9'), [udp, tls]), [udp, tls]);
  });
  it('a sips: request keeps only the TLS targets; so does a sip: request through a sips: Route', () => {
    assert.deepEqual(secureHops(parseUri('sips:bob@example.com'), parseUri('sip:p.example.com'), [udp, tls]), [tls]);
    assert.deepEqual(secureHops(parseUri('sip:bob@example.com'), parseUri('sips:p.example.com;lr'), [udp, tls]), [tls]);
  });
  it('a sips: request with no TLS way to the next hop is refused, naming the hop and the transport', () => {
    assert.throws(
      () => secureHops(parseUri('sips:bob@example.com'), parseUri('sip:10.0.0.9:5060;transport=udp;lr'), [udp]),
      (e: unknown) =>
        e instanceof InsecureHopError &&
        e.message.includes('a sips: request is sent over TLS only (RFC 5630)') &&
        e.message.includes('the next hop sip:10.0.0.9:5060;transport=udp is reached over UDP'),
    );
  });
  it('TargetResolver applies it when given the Request-URI, as an InsecureTargetError (an UnreachableTargetError) with the same words', async () => {
    const resolver = new TargetResolver({ locate: async () => [{ protocol: 'udp', address: '10.0.0.9', port: 5060, serverName: '10.0.0.9' }] }, { localAddress: () => ({ host: '10.0.0.2', port: 5070 }) });
    assert.equal((await resolver.resolve(parseUri('sip:10.0.0.9'), undefined, parseUri('sip:bob@example.com'))).length, 1);
    await assert.rejects(
      resolver.resolve(parseUri('sip:10.0.0.9'), undefined, parseUri('sips:bob@example.com')),
      (e: unknown) => e instanceof InsecureTargetError && e instanceof UnreachableTargetError && /^a sips: request is sent over TLS only/.test(e.message),
    );
  });
});

describe('sips: calls between two UserAgents', () => {
  it('a sips: call: both Contacts are sips: (no transport=tls), INVITE, ACK and BYE go over TLS', async () => {
    const { w, alice, bob } = twoPhones();
    const call = alice.ua.call('sips:bob@10.0.0.3:5080', { accountId: 'alice' });
    await w.settle();
    const inc = bob.incoming[0]!;
    assert.ok(inc, 'bob is called');
    await inc.accept();
    await w.settle();
    assert.equal(call.state, 'active');
    const [invite] = w.network.find('INVITE').map((p) => p.message as SipRequest);
    assert.equal(parseNameAddr(invite!.headers.get('Contact')!).uri.scheme, 'sips');
    assert.equal(invite!.headers.get('Contact'), '<sips:alice@10.0.0.2:5070>');
    assert.match(invite!.headers.get('Via')!, /^SIP\/2\.0\/TLS /);
    const ok = w.network.find(200).map((p) => p.message as SipResponse).find((r) => r.headers.get('CSeq')?.endsWith('INVITE'));
    assert.equal(ok?.headers.get('Contact'), '<sips:bob@10.0.0.3:5080>');
    await call.hangup();
    await w.settle();
    for (const m of ['ACK', 'BYE']) {
      const [r] = w.network.find(m).map((p) => p.message as SipRequest);
      assert.match(r!.uri, /^sips:bob@10\.0\.0\.3:5080$/, `${m} Request-URI is the sips: Contact`);
      assert.match(r!.headers.get('Via')!, /^SIP\/2\.0\/TLS /, `${m} over TLS`);
    }
  });

  it('a sips: call through a UDP outbound proxy is refused in words, and nothing is sent', async () => {
    const { w, alice } = twoPhones();
    const ua = alice.ua;
    ua.addAccount({ id: 'viaudp', aor: 'sip:alice@sipA.test', outboundProxy: 'sip:10.0.0.9:5060;transport=udp', registerExpires: 0 });
    const call = ua.call('sips:bob@sipA.test', { accountId: 'viaudp' });
    await w.settle();
    assert.equal(call.state, 'ended');
    assert.equal(call.end?.outcome?.status, 503);
    assert.match(call.end?.detail ?? '', /a sips: request is sent over TLS only \(RFC 5630\), and the next hop sip:10\.0\.0\.9:5060;transport=udp is reached over UDP/);
    assert.equal(w.network.find('INVITE').length, 0, 'no INVITE left');
  });

  it('inside a sips: call whose route has a UDP hop, hold, INFO, REFER and BYE are not sent, and each says why in words (not a plain 503)', async () => {
    const w = world();
    const media = fixedMedia();
    const ua = w.ua('10.0.0.2', 5070, { media: media.factory });
    ua.addAccount({ id: 'alice', aor: 'sip:alice@sipA.test', registerExpires: 0 });
    // Bob answers through a proxy that Record-Routes itself as a UDP hop: the dialog's route breaks RFC 5630.
    const bob = new FakeServer(w, '10.0.0.3', 5080);
    bob.handle = (r, tx) => {
      if (r.method !== 'INVITE') return tx.respond(createResponse(r, 200, 'OK'));
      const ok = createResponse(r, 200, 'OK');
      ok.headers.set('To', `${r.headers.get('To')};tag=bob`);
      ok.headers.set('Record-Route', '<sip:10.0.0.9:5060;transport=udp;lr>');
      ok.headers.set('Contact', '<sips:bob@10.0.0.3:5080>');
      ok.headers.set('Content-Type', 'application/sdp');
      ok.body = Buffer.from(ANSWER);
      tx.respond(ok);
    };
    const call = ua.call('sips:bob@10.0.0.3:5080', { accountId: 'alice' });
    await w.settle();
    assert.equal(call.state, 'active', `${JSON.stringify(bob.requests.map((r) => r.method))} ${JSON.stringify(w.logs.slice(-5))}`);
    const why = /^a sips: request is sent over TLS only \(RFC 5630\), and the next hop sip:10\.0\.0\.9:5060;transport=udp is reached over UDP/;
    const results = [await call.hold(), await call.sendDtmf('1'), await call.transfer('sips:carol@10.0.0.4')];
    for (const r of results) {
      assert.equal(r.status, 503);
      assert.match(r.words, why, JSON.stringify(r));
      assert.match(r.description, /\(503 "Service Unavailable"\)$/);
    }
    await call.hangup();
    await w.settle();
    assert.equal(call.state, 'ended');
    assert.match(call.end?.outcome?.words ?? '', why, 'the hang-up says why no BYE left');
    assert.deepEqual(bob.requests.map((r) => r.method), ['INVITE'], 'nothing else reached the UDP hop or bob');
  });

  it('a sips: account behind a UDP outbound proxy fails to register in words, sends nothing and does not retry', async () => {
    const w = world();
    const ua = w.ua('10.0.0.2', 5070, {});
    ua.addAccount({ id: 'j', aor: 'sips:johndoe@sipA.test', password: 'secret', outboundProxy: 'sip:10.0.0.9:5060;transport=udp', registerExpires: 600 });
    const changes: { state: string; detail?: string }[] = [];
    ua.on('registration', (c) => changes.push({ state: c.state, ...(c.detail ? { detail: c.detail } : {}) }));
    ua.register('j');
    await w.settle();
    assert.equal(ua.registration('j').state, 'failed');
    assert.match(changes.at(-1)?.detail ?? '', /a sips: request is sent over TLS only \(RFC 5630\), and the next hop sip:10\.0\.0\.9:5060;transport=udp is reached over UDP/);
    assert.equal(w.network.find('REGISTER').length, 0);
    await w.run(600_000, 10_000);
    assert.equal(w.network.find('REGISTER').length, 0, 'not retried');
  });

  it('a sips: address of record registers a sips: Contact', async () => {
    const w = world();
    const server = new FakeServer(w, '10.0.0.9', 5061);
    registrar(server);
    const ua = w.ua('10.0.0.2', 5070, {});
    ua.addAccount({ id: 'j', aor: 'sips:johndoe@sipA.test', password: 'secret', outboundProxy: 'sips:10.0.0.9:5061', registerExpires: 600 });
    ua.register('j');
    await w.settle();
    assert.equal(ua.registration('j').state, 'registered');
    const last = server.of('REGISTER').at(-1)!;
    assert.match(last.headers.get('Contact')!, /^<sips:johndoe@10\.0\.0\.2:5070>/);
    assert.match(last.headers.get('Via')!, /^SIP\/2\.0\/TLS /);
  });
});
