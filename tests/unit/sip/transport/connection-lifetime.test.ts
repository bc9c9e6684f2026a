import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TransportLayer } from '../../../../electron/sip/transport/index.ts';
import type { ConnectionClosedEvent } from '../../../../electron/sip/transport/index.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';
import { Inbox, inboxOf, rawTcpServer, request, until } from './helpers.ts';

async function pair(clientOptions: ConstructorParameters<typeof TransportLayer>[0], serverOptions: ConstructorParameters<typeof TransportLayer>[0] = { idleTimeoutMs: 0 }) {
  const a = new TransportLayer(clientOptions);
  const b = new TransportLayer(serverOptions);
  const aClosed = new Inbox<ConnectionClosedEvent>();
  a.onConnectionClosed(aClosed.push);
  const bTcp = await b.listen({ protocol: 'tcp', address: '127.0.0.1', port: 0 });
  return { a, b, bTcp, aClosed, close: async () => Promise.all([a.close(), b.close()]) };
}

describe('TCP idle close (injected clock)', () => {
  it('closes an outgoing connection after idleTimeoutMs without messages, and the peer sees it', async () => {
    const clock = new FakeClock();
    const { a, b, bTcp, aClosed, close } = await pair({ clock, idleTimeoutMs: 1000 });
    try {
      const bIn = inboxOf(b);
      const used = await a.send(request('OPTIONS'), bTcp);
      await bIn.next();
      clock.advance(800);
      await a.send(request('OPTIONS'), bTcp); // traffic restarts the idle timer
      await bIn.next();
      clock.advance(999);
      assert.equal(a.connections().length, 1, 'still open just before the timeout');
      clock.advance(1);
      const ev = await aClosed.next(() => true, 3000, 'idle close');
      assert.equal(ev.reason, 'idle');
      assert.equal(ev.connectionId, used.connectionId);
      assert.equal(ev.error, undefined);
      assert.equal(a.connections().length, 0);
      await until(() => b.connections().length === 0, 3000, 'the peer to see the close');
    } finally {
      await close();
    }
  });

  it('closes idle incoming connections too, but never a pinned one', async () => {
    const clock = new FakeClock();
    const { a, b, bTcp, close } = await pair({ idleTimeoutMs: 0 }, { clock, idleTimeoutMs: 500 });
    try {
      const bIn = inboxOf(b);
      await a.send(request('OPTIONS'), bTcp);
      const got = await bIn.next();
      assert.ok(b.pinConnection(got.connectionId ?? ''));
      clock.advance(5000);
      assert.equal(b.connections().length, 1);
      b.pinConnection(got.connectionId ?? '', false);
      clock.advance(499);
      assert.equal(b.connections().length, 1);
      clock.advance(1);
      assert.equal(b.connections().length, 0);
      await until(() => a.connections().length === 0, 3000, 'the client to see the close');
    } finally {
      await close();
    }
  });
});

describe('RFC 5626 §4.4.1 CRLF keep-alive', () => {
  it('pings on an interval; pongs keep the connection up', async () => {
    const clock = new FakeClock();
    const { a, b, bTcp, aClosed, close } = await pair({ clock, idleTimeoutMs: 0, pongTimeoutMs: 10_000 });
    try {
      const bIn = inboxOf(b);
      const used = await a.send(request('REGISTER'), bTcp);
      await bIn.next();
      assert.ok(a.startKeepAlive(used.connectionId ?? '', 1000));
      for (let i = 0; i < 5; i++) {
        clock.advance(1000);
        assert.equal(a.connections()[0]?.awaitingPong, true, `ping ${i} sent`);
        await until(() => a.connections()[0]?.awaitingPong === false, 3000, `pong ${i}`);
      }
      clock.advance(9000);
      assert.equal(aClosed.items.length, 0);
      assert.equal(a.connections().length, 1);
      a.stopKeepAlive(used.connectionId ?? '');
      assert.equal(clock.pending, 0);
    } finally {
      await close();
    }
  });

  it('a server that never answered a ping still gets them, and its silence is no failure', async () => {
    const clock = new FakeClock();
    const silent = await rawTcpServer();
    const a = new TransportLayer({ clock, idleTimeoutMs: 0, keepAliveIntervalMs: 2000, pongTimeoutMs: 10_000 });
    const closed = new Inbox<ConnectionClosedEvent>();
    a.onConnectionClosed(closed.push);
    try {
      await a.send(request('REGISTER'), { protocol: 'tcp', address: '127.0.0.1', port: silent.port });
      await until(() => silent.data().startsWith('REGISTER '), 3000, 'request at the server');
      const before = silent.data().length;
      for (let i = 0; i < 10; i++) clock.advance(2000);
      await until(() => silent.data().length >= before + 4 * 8, 3000, 'pings at the server');
      assert.equal(closed.items.length, 0);
      assert.equal(a.connections().length, 1);
    } finally {
      await a.close();
      await silent.close();
    }
  });

  it('a missing pong from a server that used to answer is a failed flow with a timeout error', async () => {
    const clock = new FakeClock();
    const silent = await rawTcpServer();
    const a = new TransportLayer({ clock, idleTimeoutMs: 0, keepAliveIntervalMs: 2000, pongTimeoutMs: 10_000 });
    const closed = new Inbox<ConnectionClosedEvent>();
    a.onConnectionClosed(closed.push);
    try {
      const used = await a.send(request('REGISTER'), { protocol: 'tcp', address: '127.0.0.1', port: silent.port });
      await until(() => silent.data().startsWith('REGISTER '), 3000, 'request at the server');
      const before = silent.data().length;
      clock.advance(2000);
      await until(() => silent.data().length === before + 4, 3000, 'ping at the server');
      assert.equal(silent.data().slice(before), '\r\n\r\n');
      // It answers this one, then goes silent.
      silent.sockets[0]!.write('\r\n');
      await until(() => a.connections()[0]?.awaitingPong === false, 3000, 'the pong');
      clock.advance(2000);
      await until(() => silent.data().length === before + 8, 3000, 'the second ping at the server');
      // The ping went out at a random 80-100 % of the interval (t = 3200..4000), so the pong is due by 13200..14000.
      clock.advance(9199);
      assert.equal(closed.items.length, 0);
      clock.advance(801);
      const ev = await closed.next(() => true, 3000, 'keep-alive failure');
      assert.equal(ev.connectionId, used.connectionId);
      assert.equal(ev.reason, 'keepalive-timeout');
      assert.equal(ev.error?.code, 'timeout');
      assert.equal(a.connections().length, 0);
      await until(() => silent.sockets.every((s) => s.destroyed || s.readableEnded), 3000, 'server to see the close');
    } finally {
      await a.close();
      await silent.close();
    }
  });
});
