import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createResponse, parseMessage, topVia } from '../../../../electron/sip/message/index.ts';
import type { SipRequest } from '../../../../electron/sip/message/index.ts';
import { createLogger } from '../../../../electron/common/logger.ts';
import { TransportLayer } from '../../../../electron/sip/transport/index.ts';
import type { Endpoint, TraceEvent } from '../../../../electron/sip/transport/index.ts';
import { inboxOf, rawUdp, request, requestText } from './helpers.ts';

describe('UDP transport, IPv4 loopback', () => {
  const traces: TraceEvent[] = [];
  let a: TransportLayer;
  let b: TransportLayer;
  let aUdp: Endpoint;
  let bUdp: Endpoint;
  before(async () => {
    a = new TransportLayer({ trace: (e) => traces.push(e) });
    b = new TransportLayer();
    aUdp = await a.listen({ protocol: 'udp', address: '127.0.0.1', port: 0 });
    bUdp = await b.listen({ protocol: 'udp', address: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await a.close();
    await b.close();
  });

  it('binds port 0 to a real port and reports it as sent-by', () => {
    assert.ok(aUdp.port > 0);
    assert.deepEqual(a.localAddress('udp'), { host: '127.0.0.1', port: aUdp.port });
    assert.deepEqual(a.localAddress('udp', 4), { host: '127.0.0.1', port: aUdp.port });
    assert.equal(a.localAddress('udp', 6), undefined);
    assert.equal(a.localAddress('tcp'), undefined);
  });

  it('round-trips a request and its response', async () => {
    const bIn = inboxOf(b);
    const aIn = inboxOf(a);
    const req = request('OPTIONS');
    const used = await a.send(req, bUdp);
    assert.deepEqual({ protocol: used.protocol, address: used.address, port: used.port }, bUdp);

    // The sent request's Via names A's listener, with an empty rport (RFC 3581 §3).
    const sentVia = topVia(req);
    assert.equal(sentVia.transport, 'UDP');
    assert.equal(sentVia.host, '127.0.0.1');
    assert.equal(sentVia.port, aUdp.port);
    assert.equal(sentVia.params.get('rport'), null);

    const got = await bIn.next();
    assert.equal(got.message.kind, 'request');
    assert.deepEqual(got.source, { protocol: 'udp', address: '127.0.0.1', port: aUdp.port });
    assert.deepEqual(got.local, bUdp);
    assert.equal(got.connectionId, undefined);
    // RFC 3581 §4: rport filled, received added even though it equals sent-by.
    const via = topVia(got.message);
    assert.equal(via.params.get('rport'), String(aUdp.port));
    assert.equal(via.params.get('received'), '127.0.0.1');

    await b.sendResponse(createResponse(got.message as SipRequest, 200), got);
    const res = await aIn.next();
    assert.equal(res.message.kind, 'response');
    assert.equal(res.message.kind === 'response' && res.message.status, 200);
    assert.equal(topVia(res.message).params.get('branch'), sentVia.params.get('branch'));

    const out = traces.find((t) => t.direction === 'out' && t.text.startsWith('OPTIONS '));
    assert.ok(out, 'outgoing request traced');
    assert.deepEqual(out.remote, bUdp);
    assert.ok(traces.some((t) => t.direction === 'in' && t.text.startsWith('SIP/2.0 200')), 'incoming response traced');
  });

  it('while tracing() says no, nothing is traced; the next message after it says yes is', async () => {
    let wanted = false;
    const seen: TraceEvent[] = [];
    const c = new TransportLayer({ trace: (e) => seen.push(e), tracing: () => wanted });
    try {
      await c.listen({ protocol: 'udp', address: '127.0.0.1', port: 0 });
      const bIn = inboxOf(b);
      await c.send(request('OPTIONS'), bUdp);
      await bIn.next();
      assert.equal(seen.length, 0, 'not wanted: no trace event, no text made');
      wanted = true;
      await c.send(request('OPTIONS'), bUdp);
      await bIn.next();
      assert.equal(seen.filter((t) => t.direction === 'out' && t.text.startsWith('OPTIONS ')).length, 1);
    } finally {
      await c.close();
    }
  });

  it('adds received/rport to requests as RFC 3261 §18.2.1 and RFC 3581 §4 say', async () => {
    const peer = await rawUdp();
    const bIn = inboxOf(b);
    try {
      // Empty rport, sent-by elsewhere: rport = source port, received = source address.
      await peer.send(requestText('OPTIONS', { via: 'SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKr1;rport' }), bUdp.port);
      let v = topVia((await bIn.next()).message);
      assert.equal(v.params.get('rport'), String(peer.port));
      assert.equal(v.params.get('received'), '127.0.0.1');
      assert.equal(v.host, '192.0.2.1');

      // No rport, sent-by differs: received only.
      await peer.send(requestText('OPTIONS', { via: 'SIP/2.0/UDP 192.0.2.7;branch=z9hG4bKr2' }), bUdp.port);
      v = topVia((await bIn.next()).message);
      assert.equal(v.params.get('received'), '127.0.0.1');
      assert.equal(v.params.has('rport'), false);

      // No rport, sent-by is the source address: nothing added.
      await peer.send(requestText('OPTIONS', { via: `SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKr3` }), bUdp.port);
      v = topVia((await bIn.next()).message);
      assert.equal(v.params.has('received'), false);
      assert.equal(v.params.has('rport'), false);

      // A host name as sent-by always gets received.
      await peer.send(requestText('OPTIONS', { via: 'SIP/2.0/UDP pc33.atlanta.invalid;branch=z9hG4bKr4' }), bUdp.port);
      v = topVia((await bIn.next()).message);
      assert.equal(v.params.get('received'), '127.0.0.1');
    } finally {
      peer.close();
    }
  });

  it('routes responses to received:rport, else to the sent-by port (RFC 3261 §18.2.2, RFC 3581 §4)', async () => {
    const sender = await rawUdp();
    const other = await rawUdp();
    const bIn = inboxOf(b);
    try {
      // With rport: back to the packet's source port, not to the sent-by port (which is `other`).
      await sender.send(requestText('OPTIONS', { via: `SIP/2.0/UDP 127.0.0.1:${other.port};branch=z9hG4bKrp1;rport` }), bUdp.port);
      let got = await bIn.next();
      await b.sendResponse(createResponse(got.message as SipRequest, 200), got);
      const viaRport = await sender.inbox.next(() => true, 3000, 'response at rport');
      assert.match(viaRport, /^SIP\/2\.0 200 /);
      assert.match(viaRport, new RegExp(`rport=${sender.port}`));

      // Without rport, from a peer we do not trust: still the packet's source, never the sent-by port (reflection).
      await sender.send(requestText('OPTIONS', { via: `SIP/2.0/UDP 127.0.0.1:${other.port};branch=z9hG4bKrp2` }), bUdp.port);
      got = await bIn.next();
      await b.sendResponse(createResponse(got.message as SipRequest, 202), got);
      const atSource = await sender.inbox.next(() => true, 3000, 'response at the source');
      assert.match(atSource, /^SIP\/2\.0 202 /);
      assert.equal(other.inbox.items.length, 0);

      // From a trusted peer (RFC 3261 §18.2.2 as written): to sent-by host:port, which is the other socket.
      const trusting = new TransportLayer({ trustedPeer: (s) => s.port === sender.port });
      try {
        const tUdp = await trusting.listen({ protocol: 'udp', address: '127.0.0.1', port: 0 });
        const tIn = inboxOf(trusting);
        await sender.send(requestText('OPTIONS', { via: `SIP/2.0/UDP 127.0.0.1:${other.port};branch=z9hG4bKrp3` }), tUdp.port);
        got = await tIn.next();
        await trusting.sendResponse(createResponse(got.message as SipRequest, 203), got);
        const viaSentBy = await other.inbox.next(() => true, 3000, 'response at sent-by');
        assert.match(viaSentBy, /^SIP\/2\.0 203 /);
        assert.equal(sender.inbox.items.length, 0);
      } finally {
        await trusting.close();
      }
    } finally {
      sender.close();
      other.close();
    }
  });

  it('survives garbage datagrams and keeps serving', async () => {
    const peer = await rawUdp();
    const bIn = inboxOf(b);
    try {
      const junk: Array<string | Buffer> = [
        Buffer.from([0, 1, 2, 3, 255, 254, 0x0d, 0x0a]),
        'hello world',
        '\r\n\r\n',
        'INVITE\r\n\r\n',
        'SIP/2.0 200 OK\r\nVia: broken\r\n\r\n',
        'OPTIONS sip:x SIP/2.0\r\nContent-Length: 99999999\r\n\r\n',
        Buffer.alloc(3000, 0x41),
        'SIP/2.0 abc\r\n\r\n',
      ];
      for (const j of junk) await peer.send(j, bUdp.port);
      await peer.send(requestText('OPTIONS', { callId: 'after-garbage' }), bUdp.port);
      const got = await bIn.next((m) => m.message.headers.get('call-id') === 'after-garbage');
      assert.equal(got.message.kind, 'request');
    } finally {
      peer.close();
    }
  });

  it('answers a malformed request with its 400 and drops a response for a Via it did not write', async () => {
    const peer = await rawUdp();
    const bIn = inboxOf(b);
    try {
      // A CSeq whose method disagrees with the request line (RFC 3261 §8.1.1.7) and a non-numeric Max-Forwards.
      const bad = requestText('OPTIONS', {
        via: `SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKbad1;rport`,
        extra: ['Expires: soon'],
      })
        .replace(/^Max-Forwards: 70/m, 'Max-Forwards: seventy')
        .replace(/^CSeq: (\d+) OPTIONS/m, 'CSeq: $1 INVITE');
      await peer.send(bad, bUdp.port);
      const answer = await peer.inbox.next(() => true, 3000, '400');
      assert.match(answer, /^SIP\/2\.0 400 /);
      const res = parseMessage(answer);
      assert.equal(topVia(res).params.get('branch'), 'z9hG4bKbad1');
      assert.equal(topVia(res).params.get('rport'), String(peer.port));

      // A well-formed response whose Via is not ours (RFC 3261 §18.1.2): not delivered.
      await peer.send(
        'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKnotours\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\n' +
          'Call-ID: stray\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
        bUdp.port,
      );
      await peer.send(requestText('OPTIONS', { callId: 'after-stray' }), bUdp.port);
      const next = await bIn.next();
      assert.equal(next.message.headers.get('call-id'), 'after-stray');
    } finally {
      peer.close();
    }
  });
});

describe('UDP transport, handler failures', () => {
  it('a throwing message handler is logged, and the next handler and message still run', async () => {
    const records: string[] = [];
    const logger = createLogger((r) => records.push(`${r.level}:${r.message}`));
    const layer = new TransportLayer({ logger });
    const peer = await rawUdp();
    try {
      const ep = await layer.listen({ protocol: 'udp', address: '127.0.0.1', port: 0 });
      layer.onMessage(() => {
        throw new Error('handler bug');
      });
      const inbox = inboxOf(layer);
      await peer.send(requestText('OPTIONS', { callId: 'h1' }), ep.port);
      await peer.send(requestText('OPTIONS', { callId: 'h2' }), ep.port);
      assert.equal((await inbox.next()).message.headers.get('call-id'), 'h1');
      assert.equal((await inbox.next()).message.headers.get('call-id'), 'h2');
      assert.equal(records.filter((r) => r === 'error:message handler threw').length, 2);
    } finally {
      peer.close();
      await layer.close();
    }
  });
});

describe('UDP transport, IPv6 loopback', () => {
  let a: TransportLayer;
  let b: TransportLayer;
  let bUdp: Endpoint;
  let aUdp: Endpoint;
  before(async () => {
    a = new TransportLayer();
    b = new TransportLayer();
    aUdp = await a.listen({ protocol: 'udp', address: '::1', port: 0 });
    bUdp = await b.listen({ protocol: 'udp', address: '::1', port: 0 });
  });
  after(async () => {
    await a.close();
    await b.close();
  });

  it('round-trips over ::1 with an IPv6 sent-by', async () => {
    const bIn = inboxOf(b);
    const aIn = inboxOf(a);
    assert.deepEqual(a.localAddress('udp', 6), { host: '::1', port: aUdp.port });
    assert.deepEqual(a.localAddress('udp'), { host: '::1', port: aUdp.port });
    const req = request('OPTIONS');
    await a.send(req, bUdp);
    assert.equal(topVia(req).host, '::1');
    const got = await bIn.next();
    assert.deepEqual(got.source, { protocol: 'udp', address: '::1', port: aUdp.port });
    assert.equal(topVia(got.message).params.get('received'), '::1');
    assert.equal(topVia(got.message).params.get('rport'), String(aUdp.port));
    await b.sendResponse(createResponse(got.message as SipRequest, 200), got);
    const res = await aIn.next();
    assert.equal(res.message.kind === 'response' && res.message.status, 200);
    assert.deepEqual(res.source, bUdp);
  });

  it('refuses an IPv4 destination without an IPv4 listener', async () => {
    await assert.rejects(a.send(request('OPTIONS'), { protocol: 'udp', address: '127.0.0.1', port: 9 }), { code: 'no-listener' });
  });
});
