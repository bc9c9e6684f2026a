import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createResponse, topVia } from '../../../../electron/sip/message/index.ts';
import type { SipRequest } from '../../../../electron/sip/message/index.ts';
import { TransportLayer } from '../../../../electron/sip/transport/index.ts';
import type { Endpoint } from '../../../../electron/sip/transport/index.ts';
import { inboxOf, rawUdp, request } from './helpers.ts';

/** Binds UDP and TCP on the same port number (retrying if TCP finds it taken). */
async function listenBoth(layer: TransportLayer): Promise<Endpoint> {
  for (let i = 0; i < 10; i++) {
    const udp = await layer.listen({ protocol: 'udp', address: '127.0.0.1', port: 0 });
    try {
      await layer.listen({ protocol: 'tcp', address: '127.0.0.1', port: udp.port });
      return udp;
    } catch {
      // Port busy for TCP: try another UDP port (the stale UDP listener is harmless in a test).
    }
  }
  throw new Error('no port free for both UDP and TCP');
}

describe('RFC 3261 §18.1.1: big requests leave UDP for TCP', () => {
  let a: TransportLayer;
  let b: TransportLayer;
  let bEnd: Endpoint;
  before(async () => {
    a = new TransportLayer();
    b = new TransportLayer();
    await listenBoth(a);
    bEnd = await listenBoth(b);
  });
  after(async () => {
    await a.close();
    await b.close();
  });

  it('sends a request over 1300 bytes by TCP to the same address and port, and gets the answer on that connection', async () => {
    const bIn = inboxOf(b);
    const aIn = inboxOf(a);
    const req = request('MESSAGE', { body: 'x'.repeat(1400), extra: ['Content-Type: text/plain'] });
    const used = await a.send(req, { protocol: 'udp', address: '127.0.0.1', port: bEnd.port });
    assert.equal(used.protocol, 'tcp');
    assert.equal(used.port, bEnd.port);
    assert.ok(used.connectionId);
    // The top Via now says TCP (RFC 3261 §18.1.1: "the value in the top Via MUST be changed").
    assert.equal(topVia(req).transport, 'TCP');
    assert.equal(topVia(req).port, a.localAddress('tcp')?.port);

    const got = await bIn.next();
    assert.equal(got.source.protocol, 'tcp');
    assert.ok(got.connectionId);
    assert.equal((got.message as SipRequest).body.length, 1400);
    await b.sendResponse(createResponse(got.message as SipRequest, 200), got);
    const res = await aIn.next();
    assert.equal(res.connectionId, used.connectionId);
    assert.equal(a.connections().length, 1);
  });

  it('keeps a small request on UDP', async () => {
    const bIn = inboxOf(b);
    const used = await a.send(request('MESSAGE', { body: 'x'.repeat(500) }), { protocol: 'udp', address: '127.0.0.1', port: bEnd.port });
    assert.equal(used.protocol, 'udp');
    assert.equal((await bIn.next()).source.protocol, 'udp');
  });

  it('uses path MTU - 200 when the MTU is known', async () => {
    const small = new TransportLayer({ pathMtu: 900 });
    try {
      await listenBoth(small);
      const bIn = inboxOf(b);
      const used = await small.send(request('MESSAGE', { body: 'x'.repeat(800) }), { protocol: 'udp', address: '127.0.0.1', port: bEnd.port });
      assert.equal(used.protocol, 'tcp');
      assert.equal((await bIn.next()).source.protocol, 'tcp');
    } finally {
      await small.close();
    }
  });

  it('falls back to UDP when the peer has no TCP listener and the request fits a datagram', async () => {
    const peer = await rawUdp();
    try {
      const req = request('MESSAGE', { body: 'y'.repeat(2000) });
      const used = await a.send(req, { protocol: 'udp', address: '127.0.0.1', port: peer.port });
      assert.equal(used.protocol, 'udp');
      assert.equal(topVia(req).transport, 'UDP');
      const text = await peer.inbox.next(() => true, 3000, 'big datagram');
      assert.match(text, /^MESSAGE /);
      assert.match(text, /Via: SIP\/2\.0\/UDP /i);
    } finally {
      peer.close();
    }
  });

  it('stays on UDP when it does not listen on TCP itself (the ACK and BYE could not follow a TCP route)', async () => {
    const udpOnly = new TransportLayer({ udpFallback: false });
    const peer = await rawUdp();
    try {
      await udpOnly.listen({ protocol: 'udp', address: '127.0.0.1', port: 0 });
      const used = await udpOnly.send(request('MESSAGE', { body: 'w'.repeat(1500) }), { protocol: 'udp', address: '127.0.0.1', port: peer.port });
      assert.equal(used.protocol, 'udp');
      assert.match(await peer.inbox.next(() => true, 3000, 'big datagram'), /^MESSAGE /);
    } finally {
      peer.close();
      await udpOnly.close();
    }
  });

  it('refuses the switch when fallback is off', async () => {
    const strict = new TransportLayer({ udpFallback: false });
    const peer = await rawUdp();
    try {
      await strict.listen({ protocol: 'udp', address: '127.0.0.1', port: 0 });
      await strict.listen({ protocol: 'tcp', address: '127.0.0.1', port: 0 });
      await assert.rejects(strict.send(request('MESSAGE', { body: 'z'.repeat(2000) }), { protocol: 'udp', address: '127.0.0.1', port: peer.port }), {
        name: 'TransportError',
        code: 'refused',
      });
    } finally {
      peer.close();
      await strict.close();
    }
  });
});
