import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createResponse, topVia } from '../../../../electron/sip/message/index.ts';
import type { SipRequest } from '../../../../electron/sip/message/index.ts';
import { TransportLayer } from '../../../../electron/sip/transport/index.ts';
import type { ConnectionClosedEvent, Endpoint } from '../../../../electron/sip/transport/index.ts';
import { delay, Inbox, inboxOf, rawTcpClient, request, requestText, until, within } from './helpers.ts';

describe('TCP transport', () => {
  let a: TransportLayer;
  let b: TransportLayer;
  let aTcp: Endpoint;
  let bTcp: Endpoint;
  const bClosed = new Inbox<ConnectionClosedEvent>();
  before(async () => {
    a = new TransportLayer();
    b = new TransportLayer();
    b.onConnectionClosed(bClosed.push);
    aTcp = await a.listen({ protocol: 'tcp', address: '127.0.0.1', port: 0 });
    bTcp = await b.listen({ protocol: 'tcp', address: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await a.close();
    await b.close();
  });

  it('round-trips a request and its response over one connection', async () => {
    const bIn = inboxOf(b);
    const aIn = inboxOf(a);
    const req = request('OPTIONS');
    const used = await a.send(req, bTcp);
    assert.equal(used.protocol, 'tcp');
    assert.equal(used.port, bTcp.port);
    assert.ok(used.connectionId);
    const via = topVia(req);
    assert.equal(via.transport, 'TCP');
    // sent-by is A's listener, not the ephemeral port of the connection (RFC 3261 §18.2.2 may reconnect there).
    assert.equal(via.port, aTcp.port);
    assert.notEqual(used.local.port, aTcp.port);

    const got = await bIn.next();
    assert.equal(got.source.protocol, 'tcp');
    assert.equal(got.source.port, used.local.port);
    assert.ok(got.connectionId);
    assert.equal(topVia(got.message).params.get('rport'), String(used.local.port));
    await b.sendResponse(createResponse(got.message as SipRequest, 200), got);
    const res = await aIn.next();
    assert.equal(res.connectionId, used.connectionId);
    assert.equal(res.message.kind === 'response' && res.message.status, 200);
    assert.equal(a.connections().length, 1);
    assert.equal(b.connections().length, 1);
    assert.equal(b.connections()[0].direction, 'in');
  });

  it('reuses the open connection for several requests, concurrent or not', async () => {
    const bIn = inboxOf(b);
    const before = a.connections().map((c) => c.id);
    const results = await Promise.all([a.send(request('OPTIONS'), bTcp), a.send(request('OPTIONS'), bTcp), a.send(request('OPTIONS'), bTcp)]);
    const later = await a.send(request('OPTIONS'), bTcp);
    const ids = new Set([...results, later].map((r) => r.connectionId));
    assert.equal(ids.size, 1);
    assert.deepEqual(a.connections().map((c) => c.id), before.length ? before : [...ids]);
    for (let i = 0; i < 4; i++) await bIn.next();
    assert.equal(b.connections().length, 1);
  });

  it('sends requests back to the peer over the connection it opened', async () => {
    const bIn = inboxOf(b);
    const aIn = inboxOf(a);
    const used = await a.send(request('OPTIONS'), bTcp);
    const got = await bIn.next();
    // B targets A's address as seen on the connection: no new connection.
    const back = await b.send(request('NOTIFY'), { protocol: 'tcp', address: got.source.address, port: got.source.port });
    assert.equal(back.connectionId, got.connectionId);
    const notify = await aIn.next((m) => m.message.kind === 'request');
    assert.equal(notify.connectionId, used.connectionId);
    // Explicit connectionId works too.
    const again = await b.send(request('NOTIFY'), { protocol: 'tcp', address: '127.0.0.1', port: 9, connectionId: got.connectionId });
    assert.equal(again.connectionId, got.connectionId);
    await aIn.next((m) => m.message.kind === 'request');
    assert.equal(b.connections().length, 1);
  });

  it('frames several messages in one write and one message split over writes', async () => {
    const bIn = inboxOf(b);
    const raw = await rawTcpClient(bTcp.port);
    try {
      const three = ['one', 'two', 'three'].map((id) => requestText('MESSAGE', { callId: id, body: `body-${id}` })).join('');
      raw.socket.write(three);
      for (const id of ['one', 'two', 'three']) {
        const m = await bIn.next();
        assert.equal(m.message.headers.get('call-id'), id);
        assert.equal((m.message as SipRequest).body.toString(), `body-${id}`);
      }
      const split = requestText('MESSAGE', { callId: 'split', body: 'hello split world' });
      const cuts = [10, 60, split.length - 5];
      let from = 0;
      for (const cut of [...cuts, split.length]) {
        raw.socket.write(split.slice(from, cut));
        from = cut;
        await delay(20);
      }
      const m = await bIn.next();
      assert.equal(m.message.headers.get('call-id'), 'split');
      assert.equal((m.message as SipRequest).body.toString(), 'hello split world');
    } finally {
      raw.socket.destroy();
    }
  });

  it('answers a CRLFCRLF ping with a CRLF pong (RFC 5626 §4.4.1)', async () => {
    const raw = await rawTcpClient(bTcp.port);
    try {
      raw.socket.write('\r\n\r\n');
      await until(() => raw.data().length >= 2, 3000, 'pong');
      await delay(50);
      assert.equal(raw.data(), '\r\n');
    } finally {
      raw.socket.destroy();
    }
  });

  it('skips garbage whose framing survives, closes a stream whose framing is lost, and keeps serving', async () => {
    const bIn = inboxOf(b);
    // Junk up to a blank line: no Content-Length means 0 (RFC 3261 §18.3), so the next message is still framed.
    const raw = await rawTcpClient(bTcp.port);
    try {
      raw.socket.write(Buffer.concat([Buffer.from([0, 1, 2, 0xff]), Buffer.from(' hello\r\nnot sip at all\r\n\r\n')]));
      raw.socket.write(requestText('OPTIONS', { callId: 'same-stream' }));
      const m = await bIn.next();
      assert.equal(m.message.headers.get('call-id'), 'same-stream');
      // A malformed request with a usable Content-Length is answered on the stream, which stays open.
      raw.socket.write(requestText('OPTIONS', { via: 'SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKmf' }).replace(/^Max-Forwards: 70/m, 'Max-Forwards: many'));
      await until(() => raw.data().length > 0, 3000, 'answer to the malformed request');
      assert.match(raw.data(), /^SIP\/2\.0 400 /);
      assert.match(raw.data(), /z9hG4bKmf/);
      raw.socket.write(requestText('OPTIONS', { callId: 'still-open' }));
      assert.equal((await bIn.next()).message.headers.get('call-id'), 'still-open');
    } finally {
      raw.socket.destroy();
    }

    // A Content-Length that cannot be read loses the framing: the stream is closed.
    const raw2 = await rawTcpClient(bTcp.port);
    const raw2Port = raw2.socket.localPort;
    raw2.socket.write(requestText('OPTIONS', { contentLength: 'lots', via: 'SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKcl' }));
    await within(raw2.closed, 3000, 'close after a framing error');
    assert.match(raw2.data(), /^SIP\/2\.0 400 [^\r]*Content-Length/);
    const ev = await bClosed.next((e) => e.remote.port === raw2Port, 3000, 'close event');
    assert.equal(ev.reason, 'framing');

    // A body over the size limit cannot be skipped safely either: 413, then close.
    const raw3 = await rawTcpClient(bTcp.port);
    raw3.socket.write(requestText('MESSAGE', { contentLength: 50_000_000, via: 'SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKbig' }));
    await within(raw3.closed, 3000, 'close after an oversized message');
    assert.match(raw3.data(), /^SIP\/2\.0 413 /);

    const good = await rawTcpClient(bTcp.port);
    try {
      good.socket.write(requestText('OPTIONS', { callId: 'after-garbage' }));
      const m = await bIn.next((x) => x.message.headers.get('call-id') === 'after-garbage');
      assert.equal(m.source.port, good.socket.localPort);
    } finally {
      good.socket.destroy();
    }
  });

  it('opens a new connection to the Via sent-by when the request connection is gone (RFC 3261 §18.2.2)', async () => {
    const bIn = inboxOf(b);
    const aIn = inboxOf(a);
    const used = await a.send(request('OPTIONS'), bTcp);
    const got = await bIn.next();
    b.closeConnection(got.connectionId ?? '');
    await until(() => a.connections().every((c) => c.id !== used.connectionId), 3000, 'A to see the close');
    await b.sendResponse(createResponse(got.message as SipRequest, 200), got);
    const res = await aIn.next();
    assert.equal(res.message.kind === 'response' && res.message.status, 200);
    // It arrived on a connection B opened to A's listener.
    assert.notEqual(res.connectionId, used.connectionId);
    assert.equal(a.connections().find((c) => c.id === res.connectionId)?.direction, 'in');
    assert.equal(aTcp.port, topVia(res.message).port);
  });

  it("reports 'refused' for a closed port", async () => {
    const probe = new TransportLayer();
    try {
      const port = await probe.listen({ protocol: 'tcp', address: '127.0.0.1', port: 0 });
      await probe.close();
      const c = new TransportLayer();
      try {
        await assert.rejects(c.send(request('OPTIONS'), { protocol: 'tcp', address: '127.0.0.1', port: port.port }), {
          name: 'TransportError',
          code: 'refused',
        });
        await assert.rejects(c.send(request('OPTIONS'), { protocol: 'tcp', address: 'sip.example.invalid', port: 5060 }), { code: 'unreachable' });
      } finally {
        await c.close();
      }
    } finally {
      await probe.close();
    }
  });
});

describe('TCP transport, IPv6 loopback', () => {
  it('round-trips over ::1', async () => {
    const a = new TransportLayer();
    const b = new TransportLayer();
    try {
      await a.listen({ protocol: 'tcp', address: '::1', port: 0 });
      const bTcp = await b.listen({ protocol: 'tcp', address: '::1', port: 0 });
      const bIn = inboxOf(b);
      const aIn = inboxOf(a);
      const req = request('OPTIONS');
      await a.send(req, bTcp);
      assert.equal(topVia(req).host, '::1');
      const got = await bIn.next();
      assert.equal(got.source.address, '::1');
      await b.sendResponse(createResponse(got.message as SipRequest, 200), got);
      assert.equal((await aIn.next()).source.address, '::1');
    } finally {
      await a.close();
      await b.close();
    }
  });
});
