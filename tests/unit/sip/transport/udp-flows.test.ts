/**
 * UDP flows: requests leave from a socket connected to their destination
 * (same local port as the listener), so an ICMP port unreachable fails the
 * client transaction at once instead of after Timer F — real loopback
 * sockets, real ICMP from the kernel.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { TransportLayer } from '../../../../electron/sip/transport/index.ts';
import type { Endpoint, UnreachableEvent } from '../../../../electron/sip/transport/index.ts';
import { TransactionLayer } from '../../../../electron/sip/transaction/index.ts';
import type { SipResponse } from '../../../../electron/sip/message/index.ts';
import { localFailureOf, localFailureTarget } from '../../../../electron/sip/transaction/synthesized-response.ts';
import { outcomeOf } from '../../../../electron/sip/ua/sip-outcome.ts';
import { inboxOf, request, within } from './helpers.ts';

/** A UDP port nobody listens on (bound, noted, closed). */
async function closedPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('UDP flows (connected sockets per destination)', () => {
  let a: TransportLayer;
  let b: TransportLayer;
  let aUdp: Endpoint;
  let bUdp: Endpoint;
  before(async () => {
    a = new TransportLayer();
    b = new TransportLayer();
    aUdp = await a.listen({ protocol: 'udp', address: '127.0.0.1', port: 0 });
    bUdp = await b.listen({ protocol: 'udp', address: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await a.close();
    await b.close();
  });

  it('a request leaves from the listener port, and the answer and third parties still arrive', async () => {
    const bIn = inboxOf(b);
    const aIn = inboxOf(a);
    await a.send(request('OPTIONS'), bUdp);
    const got = await bIn.next();
    assert.equal(got.source.port, aUdp.port, 'the flow shares the listener port (Via sent-by stays true)');
    // b answers from its port: this is the flow's own remote.
    await b.send(request('MESSAGE'), aUdp);
    const back = await aIn.next();
    assert.equal(back.source.port, bUdp.port);
    // A third party (not the flow's remote) reaches the listener.
    const c = new TransportLayer();
    try {
      await c.listen({ protocol: 'udp', address: '127.0.0.1', port: 0 });
      await c.send(request('OPTIONS'), aUdp);
      const third = await aIn.next();
      assert.notEqual(third.source.port, bUdp.port);
    } finally {
      await c.close();
    }
  });

  it('an ICMP port unreachable is reported for the destination within a second', async () => {
    const port = await closedPort();
    const seen = new Promise<UnreachableEvent>((resolve) => a.onUnreachable((e) => resolve(e)));
    const started = performance.now();
    await a.send(request('OPTIONS'), { protocol: 'udp', address: '127.0.0.1', port });
    const e = await within(seen, 1000, 'unreachable event');
    assert.equal(e.remote.port, port);
    assert.equal(e.error.code, 'refused');
    assert.ok(performance.now() - started < 1000);
  });

  it('the waiting client transaction fails at once with a local 503 that names the server', async () => {
    const port = await closedPort();
    const layer = new TransactionLayer({ transport: a });
    try {
      const started = performance.now();
      const response = await within(
        new Promise<SipResponse>((resolve) => {
          layer.sendRequest(request('REGISTER'), [{ protocol: 'udp', address: '127.0.0.1', port }], { onResponse: (r) => resolve(r) });
        }),
        2000,
        'the synthesized failure',
      );
      const ms = performance.now() - started;
      assert.equal(response.status, 503);
      assert.equal(localFailureOf(response), 'transport');
      assert.equal(localFailureTarget(response)?.port, port);
      assert.equal(outcomeOf(response).words, `network error: the server at 127.0.0.1:${port} is not answering`);
      assert.ok(ms < 1000, `failed after ${ms.toFixed(0)} ms`);
    } finally {
      layer.close();
    }
  });

  it('with two targets, the refused one is skipped for the next (RFC 3263 §4.3)', async () => {
    const port = await closedPort();
    const layer = new TransactionLayer({ transport: a });
    const bIn = inboxOf(b);
    try {
      layer.sendRequest(request('OPTIONS'), [{ protocol: 'udp', address: '127.0.0.1', port }, bUdp], { onResponse: () => {} });
      const got = await within(bIn.next(), 1500, 'the request at the second target');
      assert.equal(got.message.kind === 'request' && got.message.method, 'OPTIONS');
    } finally {
      layer.close();
    }
  });

  it('after a network change the flows are opened anew: requests still leave from the listener port both ways', async () => {
    const bIn = inboxOf(b);
    const aIn = inboxOf(a);
    await a.send(request('OPTIONS'), bUdp);
    await bIn.next();
    // Nothing moved on loopback: an explicit bind keeps its sent-by, and says so.
    assert.equal(a.networkChanged(), false);
    assert.deepEqual(a.localAddress('udp'), { host: '127.0.0.1', port: aUdp.port });
    await a.send(request('OPTIONS'), bUdp);
    const again = await bIn.next();
    assert.equal(again.source.port, aUdp.port, 'the new flow shares the listener port');
    await b.send(request('MESSAGE'), aUdp);
    assert.equal((await aIn.next()).source.port, bUdp.port, 'and the answer path is the new flow');
  });

  it('an explicit port another socket holds is refused, even though flows share it', async () => {
    const other = new TransportLayer();
    try {
      await assert.rejects(other.listen({ protocol: 'udp', address: '127.0.0.1', port: aUdp.port }), /EADDRINUSE|in use/i);
    } finally {
      await other.close();
    }
  });
});
