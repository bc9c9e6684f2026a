/**
 * Forwarding across transports (RFC 3261 §16.6, RFC 5658): Parley user
 * agents register to the server over TCP (johndoe) and TLS (carol, test CA
 * of tests/fixtures/tls); a SIPp caller over UDP calls each through the
 * server. The INVITE reaches the phone over the connection it registered
 * on, carrying two Record-Route values (UDP side, TCP/TLS side); the ACK and
 * the BYE follow them back across, and the call ends at both ends.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { IncomingCall } from '../../../electron/sip/ua/incoming-call.ts';
import { runSipp } from '../harness/sipp.ts';
import { serverTls, startParley, until, type ParleyPeer } from '../parley-peer.ts';
import { startServerPeer, type ServerPeer } from './server-peer.ts';

const DOMAIN = 'sipa.test';

describe('UDP ↔ TCP and UDP ↔ TLS through the server', () => {
  let proxy: ServerPeer;
  let peer: ParleyPeer;
  const calls: IncomingCall[] = [];

  before(async () => {
    proxy = await startServerPeer({ domain: DOMAIN, users: [{ username: 'johndoe', password: 'secret' }, { username: 'carol', password: 'carolpw' }], tls: serverTls() });
    peer = await startParley({ udp: true, tcp: true, tls: true });
    peer.ua.on('incomingCall', (c) => {
      calls.push(c);
      c.ring();
      setTimeout(() => void c.accept(), 50);
    });
    peer.ua.addAccount({ id: 'tcp', aor: `sip:johndoe@${DOMAIN}`, password: 'secret', outboundProxy: `sip:127.0.0.1:${proxy.port};transport=tcp`, transport: 'tcp', registerExpires: 300 });
    peer.ua.addAccount({ id: 'tls', aor: `sip:carol@${DOMAIN}`, password: 'carolpw', outboundProxy: `sip:127.0.0.1:${proxy.tlsPort};transport=tls`, transport: 'tls', registerExpires: 300 });
    peer.ua.register('tcp');
    peer.ua.register('tls');
    await until(() => peer.ua.registration('tcp').state === 'registered' && peer.ua.registration('tls').state === 'registered', 8000, 'registered over TCP and TLS');
    assert.equal(proxy.server.location.lookup(`sip:johndoe@${DOMAIN}`)[0]?.source.protocol, 'tcp');
    assert.equal(proxy.server.location.lookup(`sip:carol@${DOMAIN}`)[0]?.source.protocol, 'tls');
  });

  after(async () => {
    await peer?.close();
    await proxy?.close();
  });

  for (const [user, protocol] of [['johndoe', 'tcp'], ['carol', 'tls']] as const) {
    test(`a UDP caller reaches ${user} over ${protocol.toUpperCase()}: double Record-Route, ACK and BYE back across`, { timeout: 30_000 }, async () => {
      const before = calls.length;
      const r = await runSipp({ scenario: 'uac-invite-bye', remote: `127.0.0.1:${proxy.port}`, service: user, domain: DOMAIN, pauseMs: 300, timeoutMs: 15_000 });
      assert.equal(r.exitCode, 0, r.errors || r.output.slice(-1500));
      assert.equal(calls.length, before + 1);
      const call = calls.at(-1)!;
      await until(() => call.isEnded, 3000, 'the call to end');
      assert.equal(call.end?.cause, 'remote-hangup');
      const invite = peer.received(/^INVITE /).at(-1)!;
      assert.equal(invite.protocol, protocol);
      const rr = [...invite.text.matchAll(/^Record-Route: (.*)$/gm)].map((m) => m[1]);
      assert.equal(rr.length, 2, rr.join(' | '));
      assert.match(rr[0]!, new RegExp(`transport=${protocol};lr`));
      assert.match(rr[1]!, /transport=udp;lr/);
      assert.equal(peer.received(/^BYE /).at(-1)!.protocol, protocol);
      assert.match(r.messages, /^Record-Route: <sip:127\.0\.0\.1:\d+;transport=/m);
    });
  }
});
