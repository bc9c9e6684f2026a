/**
 * Two Parley UserAgents in one process calling each other over real loopback
 * sockets: UDP, TCP and TLS (certificates from the test CA in
 * tests/fixtures/tls/). Each call is answered, held and resumed, carries DTMF
 * by INFO and a MESSAGE, and is ended by the callee; a TLS peer we cannot
 * verify is refused.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TransportProtocol } from '../../electron/sip/transport/transport.ts';
import type { IncomingCall } from '../../electron/sip/ua/incoming-call.ts';
import { log, startParley, until } from './parley-peer.ts';
import type { ParleyPeer } from './parley-peer.ts';

describe('Parley calls Parley', () => {
  const peers: ParleyPeer[] = [];
  after(async () => {
    await Promise.all(peers.map((p) => p.close()));
  });

  for (const protocol of ['udp', 'tcp', 'tls'] as TransportProtocol[]) {
    test(`over ${protocol.toUpperCase()}: answer, hold/resume, DTMF, MESSAGE, BYE from the callee`, { timeout: 20_000 }, async () => {
      const listeners = { udp: true, tcp: protocol === 'tcp', tls: protocol === 'tls' };
      const alice = await startParley(listeners);
      const bob = await startParley(listeners);
      peers.push(alice, bob);
      alice.ua.addAccount({ id: 'a', aor: 'sip:alice@parley.test', registerExpires: 0, transport: protocol });
      bob.ua.addAccount({ id: 'b', aor: 'sip:bob@parley.test', registerExpires: 0, transport: protocol });
      const digits: string[] = [];
      const texts: string[] = [];
      bob.ua.on('incomingCall', (c: IncomingCall) => {
        c.on('dtmf', (d) => digits.push(d.digit));
        c.on('message', (m) => texts.push(m.body));
        c.ring();
        setTimeout(() => void c.accept(), 20);
      });
      const port = bob.endpoints[protocol]!.port;
      const t0 = performance.now();
      const call = alice.ua.call(`sip:bob@127.0.0.1:${port};transport=${protocol}`, { accountId: 'a' });
      await until(() => call.state === 'active', 5000, 'answered');
      log(`${protocol.toUpperCase()}: INVITE→200 (with 20 ms of ringing) in ${(performance.now() - t0).toFixed(1)} ms`);
      const incoming = bob.incoming[0]!;
      await until(() => incoming.state === 'active', 2000, 'callee active');

      assert.equal((await call.hold()).status, 200);
      assert.equal(call.held, true);
      assert.equal((await call.resume()).status, 200);
      assert.equal((await call.sendDtmf('42#')).status, 200);
      assert.deepEqual(digits, ['4', '2', '#']);
      assert.equal((await call.sendMessage('over the wire')).status, 200);
      assert.deepEqual(texts, ['over the wire']);

      await incoming.hangup();
      await until(() => call.isEnded, 3000, 'caller ended');
      assert.equal(call.end?.cause, 'remote-hangup');
      assert.equal(incoming.end?.cause, 'local-hangup');
      assert.equal(incoming.end?.outcome?.status, 200);

      // Everything crossed on the protocol asked for, both ways.
      const protocols = new Set([...alice.trace, ...bob.trace].filter((t) => !/REGISTER/.test(t.summary)).map((t) => t.protocol));
      assert.deepEqual([...protocols], [protocol]);
      assert.match(alice.sent(/^INVITE /)[0]!.text, new RegExp(`\\r\\nContact: <sip:alice@127\\.0\\.0\\.1:\\d+${protocol === 'udp' ? '' : `;transport=${protocol}`}>\\r\\n`));
      assert.equal(bob.received(/^BYE /).length, 0);
      assert.equal(alice.received(/^BYE /).length, 1);
    });
  }

  test('TLS to a peer whose certificate we cannot verify: the call fails in the transport (503, network)', { timeout: 20_000 }, async () => {
    const bob = await startParley({ udp: true, tls: true });
    // No test CA: Node's bundled roots do not trust it.
    const eve = await startParley({ udp: true, tls: true, options: { transportOptions: {} } });
    peers.push(bob, eve);
    bob.ua.addAccount({ id: 'b', aor: 'sip:bob@parley.test', registerExpires: 0 });
    eve.ua.addAccount({ id: 'e', aor: 'sip:eve@parley.test', registerExpires: 0, transport: 'tls' });
    bob.ua.on('incomingCall', (c) => void c.accept());
    const call = eve.ua.call(`sip:bob@127.0.0.1:${bob.endpoints.tls!.port};transport=tls`, { accountId: 'e' });
    await until(() => call.isEnded, 5000, 'failed');
    assert.equal(call.end?.cause, 'network');
    assert.equal(call.end?.outcome?.status, 503);
    assert.equal(call.end?.outcome?.local, 'transport');
    assert.equal(bob.incoming.length, 0);
  });
});
